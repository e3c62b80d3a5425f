"""Passwords, sessions and caches.

- The password page's old-password check counts towards the django-axes
  lockout, like a failed login: a stolen session cannot guess its way to a
  new password.
- Reactivating an account does not revive the sessions it had before it was
  deactivated.
- Pages with personal data (all of them, behind the login) say
  ``Cache-Control: no-store, private``: no browser or proxy cache keeps them.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.security.test_access_matrix import URLS

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

PASSWORD = "correct horse battery staple"
NEW = "铁水奔流 1956 Taiyuan"


def _change_password(client, old):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": NEW, "new_password2": NEW},
    )


def test_wrong_old_passwords_lock_the_password_page(secretary):
    client = Client()
    client.force_login(secretary)
    for _ in range(4):
        response = _change_password(client, "wrong")
        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]
    # The fifth failure locks, and then the right one is refused too.
    assert _change_password(client, "wrong").status_code == 429
    assert _change_password(client, PASSWORD).status_code == 429
    secretary.refresh_from_db()
    assert secretary.check_password(PASSWORD)
    # The same count as the login page's: logging in is locked as well.
    other = Client()
    response = other.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


def test_the_right_old_password_still_changes_it(secretary):
    client = Client()
    client.force_login(secretary)
    _change_password(client, "wrong")
    assert _change_password(client, PASSWORD).status_code == 302
    secretary.refresh_from_db()
    assert secretary.check_password(NEW)


def _logged_in_client(username):
    client = Client()
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("how", ["save", "update_fields"])
def test_reactivating_an_account_does_not_revive_its_old_sessions(secretary, how):
    phone, desk = _logged_in_client("alice"), _logged_in_client("alice")
    assert phone.get(reverse("home")).status_code == 200
    secretary.is_active = False
    secretary.save()
    assert phone.get(reverse("home")).status_code == 302
    secretary.is_active = True
    if how == "save":
        secretary.save()
    else:
        secretary.save(update_fields=["is_active"])
    # Neither session comes back: each must log in again.
    for client in (phone, desk):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert _logged_in_client("alice").get(reverse("home")).status_code == 200


def test_other_changes_of_the_account_keep_the_session(secretary):
    client = _logged_in_client("alice")
    secretary.first_name = "书记"
    secretary.save()
    assert client.get(reverse("home")).status_code == 200


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize("persona", ["alice", "bob", "dora"])
def test_every_page_behind_the_login_is_never_stored(world, persona):
    client = Client()
    client.force_login(get_user_model().objects.get(username=persona))
    served = 0
    cached = []
    for route, url in URLS(world).items():
        response = client.get(url)
        if response.status_code == 405:
            continue
        served += 1
        if not _no_store(response):
            cached.append(f"{route} {response.status_code}")
    assert served > 30
    assert not cached, f"pages that may be stored: {cached}"


def test_downloads_are_never_stored(world, secretary_client):
    month = world["month"]
    for url in (
        reverse("reports:export", args=["ranking", "xlsx"])
        + f"?month={month}&workshop=jg2",
        reverse("assistance:case_export"),
        reverse("workers:import_failed_rows", args=[world["batch"].pk]),
    ):
        response = secretary_client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url
