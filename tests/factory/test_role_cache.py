"""The light frame: a user's permissions and navigation flags read once and
kept between requests (factory/role_cache.py), forgotten on every change."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from factory import role_cache
from factory.roles import MANAGER, SECRETARY


@pytest.fixture(params=["database sessions", "sessions with the generation"])
def shared_cache(request, monkeypatch, settings):
    """Pretend the per-process test cache is shared (Redis, in production);
    with the sessions of the tests, or production's, which bring the auth
    generation with the session (factory/sessions.py)."""
    monkeypatch.setattr("factory.figures.cache.cache_is_shared", lambda: True)
    if request.param == "sessions with the generation":
        settings.SESSION_ENGINE = "factory.sessions"
    cache.clear()
    role_cache._process_roles.clear()
    yield
    cache.clear()


def _frame(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def test_a_known_role_costs_no_permission_query(shared_cache, manager):
    client = Client()
    client.force_login(manager)
    _frame(client)
    with CaptureQueriesContext(connection) as cold:
        cache.delete(role_cache._key(manager.pk))
        role_cache._process_roles.clear()
        _frame(client)
    with CaptureQueriesContext(connection) as warm:
        _frame(client)
    # The role comes from the cache: the queries of the permissions (the
    # user's and the groups') and of the worker account are gone (the home
    # page itself still asks for the director's workshops).
    assert len(cold) - len(warm) == 3, [q["sql"] for q in cold]
    assert "auth_permission" in " ".join(q["sql"] for q in cold)
    assert "auth_permission" not in " ".join(q["sql"] for q in warm)


def test_without_a_shared_cache_every_request_reads_afresh(manager):
    client = Client()
    client.force_login(manager)
    _frame(client)
    assert cache.get(role_cache._key(manager.pk)) is None


def test_a_withdrawn_permission_is_forgotten_at_commit(
    shared_cache, secretary, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(secretary)
    assert b'id="nav-import"' in _frame(client).content
    with django_capture_on_commit_callbacks(execute=True):
        secretary.groups.remove(Group.objects.get(name=SECRETARY))
    assert b'id="nav-import"' not in _frame(client).content
    assert client.get("/workers/import/").status_code in {302, 403, 404}


def test_a_new_director_sees_the_dashboard_link_at_once(
    shared_cache, manager, other_workshop, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(manager)
    assert b'id="nav-dashboard"' in _frame(client).content
    with django_capture_on_commit_callbacks(execute=True):
        manager.managed_workshops.clear()
    assert b'id="nav-dashboard"' not in _frame(client).content
    with django_capture_on_commit_callbacks(execute=True):
        other_workshop.managers.add(manager)
    assert b'id="nav-dashboard"' in _frame(client).content


def test_a_login_keeps_the_roles(shared_cache, secretary):
    client = Client()
    client.force_login(secretary)
    _frame(client)
    generation = cache.get(role_cache.GENERATION_KEY)
    secretary.save(update_fields=["last_login"])
    assert cache.get(role_cache.GENERATION_KEY) == generation


def test_a_directors_workshops_are_kept_with_the_role(
    shared_cache, manager, other_workshop, django_capture_on_commit_callbacks
):
    from factory.figures.access import visible_codes

    client = Client()
    client.force_login(manager)
    url = "/dashboard/?month=1956-03"
    client.get(url)
    # The user and their memberships (the role is checked against them); the
    # role, the director's workshops, the tokens and the page come from the
    # cache.
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    # (The database sessions' own query aside: production reads it from Redis.)
    cached = [q["sql"] for q in cached if "django_session" not in q["sql"]]
    assert len(cached) == 2, cached
    assert '"workers_workshop"."code"' not in " ".join(cached)
    assert visible_codes(type(manager).objects.get(pk=manager.pk)) == {"jg2"}
    # A workshop given to the director is seen at the next request.
    with django_capture_on_commit_callbacks(execute=True):
        other_workshop.managers.add(manager)
    fresh = type(manager).objects.get(pk=manager.pk)  # as the next request
    assert visible_codes(fresh) == {"jg2", "zz"}


NOTE = "到家里谈了夫妻关系"


def _case_with_a_private_note(secretary, helper, workshop):
    """A case of the helper's, with a private follow-up only the secretary's
    side and the helper read."""
    from assistance.models import FollowUpKind, Measure
    from assistance.services import add_follow_up, classify, open_case
    from tests.factories import MARCH_1956, ProductionRecordFactory, WorkerFactory
    from workers.models import Cause

    worker = WorkerFactory(workshop=workshop)
    ProductionRecordFactory(worker=worker, output=80)
    classify(
        worker=worker, month=MARCH_1956, cause=Cause.IDEOLOGY, note="", by=secretary
    )
    case = open_case(
        worker=worker,
        month=MARCH_1956,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    add_follow_up(
        case=case,
        author=helper,
        kind=FollowUpKind.HOME_VISIT,
        text=NOTE,
        date=MARCH_1956,
    )
    return case


@pytest.fixture(params=["memory", "memory, sessions with the generation", "files"])
def any_shared_cache(request, monkeypatch, settings, tmp_path):
    """A shared cache as in production (Redis): the per-process cache said to
    be shared (with the sessions of the tests, or production's), or files,
    which every process would see."""
    if request.param == "memory, sessions with the generation":
        settings.SESSION_ENGINE = "factory.sessions"
    if request.param == "files":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    else:
        monkeypatch.setattr("factory.figures.cache.cache_is_shared", lambda: True)
    cache.clear()
    role_cache._process_roles.clear()
    yield
    cache.clear()


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("how", ["membership deleted", "membership moved"])
def test_a_membership_changed_without_signals_is_noticed_at_the_next_request(
    any_shared_cache, secretary, helper, workshop, how
):
    url = _case_with_a_private_note(secretary, helper, workshop).get_absolute_url()
    client = _client(secretary)
    assert NOTE in client.get(url).content.decode()
    # Writes that send no signal (a shell, a data migration, a bulk job).
    memberships = type(secretary).groups.through.objects.filter(user=secretary)
    if how == "membership deleted":
        memberships.delete()
    else:
        memberships.update(group=Group.objects.get(name=MANAGER))
    response = client.get(url)
    assert response.status_code in {403, 404}
    assert NOTE not in response.content.decode()


def test_a_superuser_demoted_without_signals_is_noticed_at_the_next_request(
    any_shared_cache, secretary, helper, workshop
):
    url = _case_with_a_private_note(secretary, helper, workshop).get_absolute_url()
    users = type(secretary).objects.filter(pk=secretary.pk)
    secretary.groups.clear()
    users.update(is_superuser=True)
    client = _client(secretary)
    assert NOTE in client.get(url).content.decode()
    users.update(is_superuser=False)
    response = client.get(url)
    assert response.status_code in {403, 404}
    assert NOTE not in response.content.decode()


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="prepared statements are PostgreSQL's; CI runs the suite on it too",
)


@pytest.fixture
def kept_connections(monkeypatch):
    """Connections kept between requests (CONN_MAX_AGE), as in production."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


@postgresql_only
def test_kept_connections_read_the_memberships_through_one_prepared_statement(
    transactional_db, monkeypatch, secretary, manager
):
    # transactional_db: the test closes the connection, as a server restart
    # or CONN_MAX_AGE would.
    plain = {user.pk: role_cache._memberships(user) for user in (secretary, manager)}
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()  # a connection no earlier test prepared it on
    # Prepared once per connection, then only executed; the same rows.
    with CaptureQueriesContext(connection) as first:
        assert role_cache._memberships(secretary) == plain[secretary.pk]
    assert [q["sql"].split()[0] for q in first] == ["PREPARE", "EXECUTE"]
    with CaptureQueriesContext(connection) as later:
        assert role_cache._memberships(manager) == plain[manager.pk]
    assert [q["sql"].split()[0] for q in later] == ["EXECUTE"]
    # A new connection has no prepared statement: it prepares it again.
    connection.close()
    with CaptureQueriesContext(connection) as reconnected:
        assert role_cache._memberships(manager) == plain[manager.pk]
    assert [q["sql"].split()[0] for q in reconnected] == ["PREPARE", "EXECUTE"]


@postgresql_only
def test_a_prepared_statement_still_sees_a_membership_removed_without_a_signal(
    kept_connections, secretary
):
    before = role_cache._memberships(secretary)
    # A queryset delete on the link table sends no m2m signal.
    type(secretary).groups.through.objects.filter(user=secretary).delete()
    after = role_cache._memberships(secretary)
    assert after != before
    assert not any(kind == 1 for kind, *_ in after[1:])


def test_connections_closed_after_each_request_prepare_nothing(secretary):
    # CONN_MAX_AGE=0 (the default, and the setting behind PgBouncer).
    with CaptureQueriesContext(connection) as read:
        role_cache._memberships(secretary)
    assert [q["sql"].split()[0] for q in read] == ["SELECT"]


def test_a_page_whose_role_is_known_reads_the_shared_cache_once(
    monkeypatch, settings, secretary
):
    """The session's read brings the auth generation, and the role this
    process read is kept: one round trip, as on a page without a role."""
    monkeypatch.setattr("factory.figures.cache.cache_is_shared", lambda: True)
    settings.SESSION_ENGINE = "factory.sessions"
    cache.clear()
    role_cache._process_roles.clear()
    client = _client(secretary)
    assert b'id="nav-import"' in client.get("/accounts/password_change/").content
    reads = []
    backend = caches["default"]
    inside = []  # the memory cache's get_many calls its own get: count once

    def counted(name, read):
        def call(*args, **kwargs):
            if not inside:
                reads.append(name)
            inside.append(name)
            try:
                return read(*args, **kwargs)
            finally:
                inside.pop()

        return call

    for name in ("get", "get_many"):
        monkeypatch.setattr(backend, name, counted(name, getattr(backend, name)))
    response = client.get("/accounts/password_change/")
    assert b'id="nav-import"' in response.content
    assert reads == ["get_many"]
    # A change replaces the generation: the next page reads the role afresh.
    role_cache._replace_generation()
    reads.clear()
    client.get("/accounts/password_change/")
    assert reads == ["get_many", "get"]
