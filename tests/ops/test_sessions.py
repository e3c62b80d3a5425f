"""A deactivated user's open session is refused at the very next request."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize("path", ["/", "/workers/", "/reports/movement.json"])
def test_a_deactivated_users_open_session_is_refused(secretary, path):
    client = Client()
    client.force_login(secretary)
    assert client.get("/").status_code == 200  # the session works

    secretary.is_active = False
    secretary.save(update_fields=["is_active"])

    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    # And it stays refused, request after request.
    assert client.get("/").status_code == 302


def test_a_deactivated_user_cannot_post_either(secretary):
    client = Client()
    client.force_login(secretary)
    secretary.is_active = False
    secretary.save(update_fields=["is_active"])
    response = client.post(reverse("workers:import_upload", args=["workers"]), {})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
