"""The shared cache as production runs it: Redis (factory.redis_cache), the
sessions that bring the auth generation with them (factory.sessions), and
the roles kept under it (factory.role_cache). The rest of the suite runs on
a per-process memory cache; here a real Redis answers (.ci/run starts it)."""

import uuid

import pytest
import redis
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from factory import role_cache
from factory.roles import SECRETARY

REDIS_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture
def production_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    settings.CACHES = {
        "default": {
            "BACKEND": "factory.redis_cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            # Each test its own keys: tests run side by side on one Redis.
            "KEY_PREFIX": f"catchup-test-{uuid.uuid4().hex}",
        }
    }
    settings.SESSION_ENGINE = "factory.sessions"
    role_cache._process_roles.clear()
    yield
    role_cache._process_roles.clear()


def _frame(client) -> bytes:
    response = client.get("/accounts/password_change/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content


def test_the_session_and_the_role_come_from_redis(production_cache, secretary):
    client = Client()
    client.force_login(secretary)
    assert b'id="nav-import"' in _frame(client)
    session_key = client.cookies["sessionid"].value
    assert cache.get(f"django.contrib.sessions.cached_db{session_key}") is not None
    generation = cache.get(role_cache.GENERATION_KEY)
    assert generation is not None
    stored = cache.get(role_cache._key(secretary.pk))
    assert stored[0][0] == generation
    assert "workers.add_productionrecord" in (
        stored[1].user_permissions | stored[1].group_permissions
    )


def test_a_withdrawn_role_is_seen_at_the_next_page(
    production_cache, secretary, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(secretary)
    assert b'id="nav-import"' in _frame(client)
    with django_capture_on_commit_callbacks(execute=True):
        secretary.groups.remove(Group.objects.get(name=SECRETARY))
    assert b'id="nav-import"' not in _frame(client)
    assert client.get("/workers/import/").status_code in {302, 403, 404}


def test_a_membership_removed_without_signals_is_seen_at_the_next_page(
    production_cache, secretary
):
    client = Client()
    client.force_login(secretary)
    assert b'id="nav-import"' in _frame(client)
    # A bulk delete sends no signal: the generation stays, the memberships'
    # query sees it.
    type(secretary).groups.through.objects.filter(user=secretary).delete()
    assert b'id="nav-import"' not in _frame(client)


def test_logging_out_ends_the_session_in_redis(production_cache, secretary):
    client = Client()
    client.force_login(secretary)
    _frame(client)
    session_key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert cache.get(f"django.contrib.sessions.cached_db{session_key}") is None
    assert client.get("/accounts/password_change/").status_code == 302
