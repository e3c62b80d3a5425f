"""The database is down: friendly 503 pages, /healthz fails, then recovery."""

from unittest import mock

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse

from tests.conftest import in_english
from tests.ops.helpers import closed_port, postgresql_only, terminate_backend

# The login page too, for anyone with a session; a new visitor's empty form
# needs no database, and sending it answers the 503 page (tested below).
PAGES = ["/", "/workers/", "/accounts/login/"]


def assert_friendly_503(response, language="zh-hans"):
    body = response.content.decode()
    assert response.status_code == 503
    assert 'id="database-unavailable"' in body
    assert f'<html lang="{language}">' in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert int(response["Retry-After"]) > 0
    assert "no-cache" in response["Cache-Control"]


def refused():
    """Every connection attempt fails, as when the server is stopped (any vendor)."""
    return mock.patch.object(
        type(connections["default"]),
        "ensure_connection",
        side_effect=OperationalError("connection refused"),
    )


@pytest.mark.django_db(transaction=True)
def test_every_page_says_the_database_is_down(secretary_client):
    with refused():
        for page in PAGES:
            assert_friendly_503(secretary_client.get(page))
        response = Client().post(
            reverse("login"), {"username": "alice", "password": "wrong"}
        )
        assert_friendly_503(response)
        health = secretary_client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {
        "status": "error",
        "database": "unavailable",
        "cache": "ok",
    }


@pytest.mark.django_db(transaction=True)
def test_pages_answer_again_once_the_database_is_back(secretary_client):
    with refused():
        assert secretary_client.get("/").status_code == 503
    assert secretary_client.get("/").status_code == 200
    assert secretary_client.get("/healthz").json()["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_the_page_is_in_the_visitors_language(secretary_client):
    with refused():
        assert_friendly_503(secretary_client.get("/"), language="zh-hans")
        response = in_english(secretary_client).get("/")
    assert_friendly_503(response, language="en")
    assert "Temporarily unavailable" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failure_outside_the_view_is_a_503_too(secretary):
    # Raised by a middleware below ours: Django turns it into the 500 page
    # before any process_exception could see it.
    client = Client(raise_request_exception=False)
    client.force_login(secretary)
    with mock.patch(
        "django.contrib.messages.middleware.MessageMiddleware.process_request",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        assert_friendly_503(client.get("/"))


def test_other_errors_still_give_the_500_page(secretary):
    client = Client(raise_request_exception=False)
    client.force_login(secretary)
    with mock.patch("factory.views.home.is_secretary", side_effect=RuntimeError("bug")):
        response = client.get("/")
    assert response.status_code == 500
    assert 'id="database-unavailable"' not in response.content.decode()


def test_healthz_is_json_never_cached_and_names_no_one(client, secretary):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "alice" not in response.content.decode()


def test_healthz_fails_when_the_cache_does(client, db):
    with mock.patch(
        "django.core.cache.backends.locmem.LocMemCache.aget", return_value=None
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_stopped_then_back(secretary):
    """The real thing: the server's port refuses connections, then answers."""
    client = Client()
    client.force_login(secretary)
    settings_dict = connection.settings_dict
    real_host, real_port = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", closed_port()
    try:
        for page in PAGES:
            assert_friendly_503(client.get(page))
        assert client.get("/healthz").status_code == 503
    finally:
        settings_dict["HOST"], settings_dict["PORT"] = real_host, real_port
    # Nobody restarts anything: the next requests simply work.
    assert client.get("/").status_code == 200
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
    }


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_is_replaced_at_the_next_request(secretary):
    """PostgreSQL restarted under a live connection (pg_terminate_backend)."""
    client = Client()
    client.force_login(secretary)
    assert client.get("/").status_code == 200
    victim = connection.connection.get_backend_pid()
    terminate_backend(victim)
    assert_friendly_503(client.get("/"))
    assert client.get("/").status_code == 200
    assert connection.connection.get_backend_pid() != victim
