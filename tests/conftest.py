"""Personas (STYLE.md): secretary, helper, other_helper, manager,
other_manager, anonymous — and the two workshops they work in."""

import pytest
from django.test import Client

from factory.roles import HELPER, MANAGER, SECRETARY
from tests.factories import UserFactory, WorkerFactory, WorkshopFactory
from workers.models import PoliticalStatus


@pytest.fixture
def workshop(db):
    return WorkshopFactory(code="jg2", name="第二机工车间")


@pytest.fixture
def other_workshop(db):
    return WorkshopFactory(code="zz", name="铸造车间")


@pytest.fixture
def secretary(db):
    return UserFactory(username="alice", groups=[SECRETARY])


@pytest.fixture
def manager(db, workshop):
    user = UserFactory(username="bob", groups=[MANAGER])
    workshop.managers.add(user)
    return user


@pytest.fixture
def other_manager(db, other_workshop):
    user = UserFactory(username="charlie", groups=[MANAGER])
    other_workshop.managers.add(user)
    return user


@pytest.fixture
def helper(db, workshop):
    user = UserFactory(username="dora", groups=[HELPER])
    WorkerFactory(
        name="团支书",
        workshop=workshop,
        political_status=PoliticalStatus.LEAGUE_MEMBER,
        user=user,
    )
    return user


@pytest.fixture
def other_helper(db, workshop):
    user = UserFactory(username="erin", groups=[HELPER])
    WorkerFactory(
        name="韩文联",
        workshop=workshop,
        political_status=PoliticalStatus.PARTY_MEMBER,
        user=user,
    )
    return user


@pytest.fixture
def inactive_user(db):
    return UserFactory(username="frank", groups=[SECRETARY], is_active=False)


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anonymous_client():
    return Client()


@pytest.fixture
def secretary_client(secretary):
    return _client_for(secretary)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def other_manager_client(other_manager):
    return _client_for(other_manager)


@pytest.fixture
def helper_client(helper):
    return _client_for(helper)


@pytest.fixture
def other_helper_client(other_helper):
    return _client_for(other_helper)


def in_english(client):
    """Make the client ask for English pages (the default is Chinese)."""
    client.cookies.load({"django_language": "en"})
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the memory cache outlives a
    test's database, and cached report figures must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def pytest_collection_modifyitems(config, items):
    """Browser tests run last, wherever they are: pytest-playwright's sync API
    leaves an asyncio loop running in the main thread, and from then on the
    test client cannot call an async view (/healthz: "You cannot use
    AsyncToSync in the same thread as an async event loop")."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
