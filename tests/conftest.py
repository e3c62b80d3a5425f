"""Personas (STYLE.md): secretary, helper, other_helper, manager,
other_manager, anonymous — and the two workshops they work in
(tests/people.py).

Worlds built once per module. A test's data often costs more to build than
the test costs to run (the access matrix's world, the small factory of the
report tests). A module marked ``pytestmark = pytest.mark.world_per_module``
builds its personas and worlds once, in ``module_transaction``, and each
test gets copies of the handles (deep-copied, as Django's setUpTestData
does) inside its own rolled-back savepoint, so what one test writes is gone
for the next. Without the mark, each test makes its own. Not for a module
with transactional tests (live_server, transaction=True): those commit.
"""

import copy

import pytest
from django.db import transaction
from django.test import Client

from tests import people
from tests.transactions import wrapping_transaction


def built_once_per_module(request) -> bool:
    """Whether the requesting test's module builds its world once."""
    if not _marked(request):
        return False
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        raise pytest.UsageError(
            f"{request.node.nodeid}: a transactional test cannot share its "
            "module's world (it commits); mark it elsewhere"
        )
    return True


def shared_copy(request, fixture: str, attribute: str | None = None):
    """A copy, for the test, of what a module-scoped fixture built once."""
    value = request.getfixturevalue(fixture)
    return copy.deepcopy(value if attribute is None else getattr(value, attribute))


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """One transaction around a whole module, rolled back at its end; each
    test's own transaction (the db fixture) is a savepoint inside it."""
    with django_db_blocker.unblock():
        atomic = wrapping_transaction()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def shared_people(module_transaction) -> people.People:
    with transaction.atomic():  # one transaction: the summaries kept once
        return people.make_people()


def _marked(request) -> bool:
    return request.node.get_closest_marker("world_per_module") is not None


@pytest.fixture(scope="module", autouse=True)
def _people_built_once(request):
    """Before any test of a marked module opens its own transaction: what is
    built in a test's transaction is rolled back with it."""
    if _marked(request):
        request.getfixturevalue("shared_people")


def _persona(request, attribute: str, make):
    if built_once_per_module(request):
        return shared_copy(request, "shared_people", attribute)
    return make()


@pytest.fixture
def workshop(request, db):
    return _persona(request, "workshop", people.make_workshop)


@pytest.fixture
def other_workshop(request, db):
    return _persona(request, "other_workshop", people.make_other_workshop)


@pytest.fixture
def secretary(request, db):
    return _persona(request, "secretary", people.make_secretary)


@pytest.fixture
def manager(request, db, workshop):
    return _persona(request, "manager", lambda: people.make_manager(workshop))


@pytest.fixture
def other_manager(request, db, other_workshop):
    return _persona(
        request, "other_manager", lambda: people.make_other_manager(other_workshop)
    )


@pytest.fixture
def helper(request, db, workshop):
    return _persona(request, "helper", lambda: people.make_helper(workshop))


@pytest.fixture
def other_helper(request, db, workshop):
    return _persona(request, "other_helper", lambda: people.make_other_helper(workshop))


@pytest.fixture
def inactive_user(request, db):
    return _persona(request, "inactive_user", people.make_inactive_user)


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
