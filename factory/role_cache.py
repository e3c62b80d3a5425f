"""A user's permissions and navigation flags, read once and kept in the cache.

Every logged-in page asks the same questions of the same user: the view's
access check (``has_perm``), and the navigation's role flags (secretary,
director, helper, admin), which cost two permission queries, a query for the
directed workshops and one for the worker account on every request (make
bench, docs/PERFORMANCE.md). Here they are read once into a ``Role`` and kept
in the shared cache between requests, under the *auth generation*: a token
replaced, once the transaction commits, by every change that could alter the
answer — users (other than a login's ``last_login``), groups, permissions,
their many-to-many links, workshops and their directors, workers (the helper's
account), and the roster's bulk writes (``Change.ROSTER``).

A write that sends no signal (a queryset's ``update()`` or ``delete()`` on a
membership table, a raw save, a shell) does not replace the generation, so a
kept role is also checked against the user's *memberships*, read in one
indexed query on every request (``_memberships``): their groups, their own
permissions, their groups' permissions, the workshops they direct, their
worker account, and whether they are a superuser. A role read under other
memberships is read afresh. What that query does not read (a permission's or
a workshop's code) changes only through saves, which the generation follows.

Only with a shared cache (Redis): with a per-process memory cache, a
permission withdrawn in one server process would live on in the others'
copies, so there each request reads them afresh, as Django does.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction

GENERATION_KEY = "catchup:auth:generation"
# A safety net: every change replaces the generation long before this.
ROLE_TIMEOUT = 300


@dataclasses.dataclass(frozen=True)
class Role:
    """What the frame and the access checks need to know about one user."""

    user_permissions: frozenset[str]
    group_permissions: frozenset[str]
    manager: bool
    helper: bool
    # Values computed on first use and kept with the role (``remembered``):
    # (name, value) pairs.
    extras: tuple[tuple[str, object], ...] = ()


def _shared() -> bool:
    from factory.figures.cache import cache_is_shared, layer_on

    return cache_is_shared() and layer_on("roles")


def _key(user_id) -> str:
    return f"catchup:auth:role:{user_id}"


def _memberships(user) -> tuple:
    """Every link the role is read from, as (kind, id, id) rows, and whether
    the user is a superuser: one query on indexed user and group columns."""
    with connection.cursor() as cursor:
        if _prepared(cursor):
            cursor.execute(f"EXECUTE {_PREPARED}(%s)", [user.pk])
        else:
            cursor.execute(_memberships_sql(connection.vendor), [user.pk] * 5)
        return (bool(user.is_superuser), *sorted(cursor.fetchall()))


_PREPARED = "catchup_memberships"


def _prepared(cursor) -> bool:
    """Whether the memberships' query is prepared on this connection,
    preparing it if it can be: on PostgreSQL with kept connections
    (CONN_MAX_AGE not 0), once per connection. Planning its five SELECTs took
    PostgreSQL three times as long as running them, on every request.

    Not with a connection a request (CONN_MAX_AGE=0, as docs/DEPLOY.md asks
    behind PgBouncer): there a pooler in transaction mode may send the next
    statement to another server connection, which never saw the PREPARE. A
    prepared statement outlives a rolled-back transaction, and PostgreSQL
    plans it again when a table it reads changes."""
    if connection.vendor != "postgresql":
        return False
    if connection.settings_dict.get("CONN_MAX_AGE", 0) == 0:
        return False
    raw = connection.connection
    if getattr(connection, "_catchup_memberships_on", None) is not raw:
        sql = _memberships_sql(connection.vendor).replace("%s", "$1")
        cursor.execute(f"PREPARE {_PREPARED}(integer) AS {sql}")
        connection._catchup_memberships_on = raw
    return True


@functools.cache
def _memberships_sql(vendor: str) -> str:
    # Raw SQL, built once: the same UNION ALL through the ORM costs ten times
    # as much to compile as to run (4.5 ms against 0.5 ms a request).
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from workers.models import Worker, Workshop

    quote = connection.ops.quote_name
    user_model = get_user_model()

    def links(model, name: str) -> tuple[str, str, str]:
        field = model._meta.get_field(name)
        return (
            quote(field.m2m_db_table()),
            quote(field.m2m_column_name()),
            quote(field.m2m_reverse_name()),
        )

    groups, group_user, group = links(user_model, "groups")
    permissions, permission_user, permission = links(user_model, "user_permissions")
    granted, granted_group, granted_permission = links(Group, "permissions")
    directed, directed_workshop, director = links(Workshop, "managers")
    workers = quote(Worker._meta.db_table)
    worker_user = quote(Worker._meta.get_field("user").column)
    worker_pk = quote(Worker._meta.pk.column)
    return " UNION ALL ".join(
        [
            f"SELECT 1, {group}, 0 FROM {groups} WHERE {group_user} = %s",
            f"SELECT 2, {permission}, 0 FROM {permissions}"
            f" WHERE {permission_user} = %s",
            f"SELECT 3, {granted_group}, {granted_permission} FROM {granted}"
            f" WHERE {granted_group} IN"
            f" (SELECT {group} FROM {groups} WHERE {group_user} = %s)",
            f"SELECT 4, {directed_workshop}, 0 FROM {directed} WHERE {director} = %s",
            f"SELECT 5, {worker_pk}, 0 FROM {workers} WHERE {worker_user} = %s",
        ]
    )


def _compute(user, backend: ModelBackend) -> Role:
    from workers.roles import is_helper, is_manager

    user_permissions = frozenset(ModelBackend.get_user_permissions(backend, user))
    group_permissions = frozenset(ModelBackend.get_group_permissions(backend, user))
    # The per-request caches Django keeps on the user, filled before the
    # predicates below ask has_perm().
    user._user_perm_cache = set(user_permissions)
    user._group_perm_cache = set(group_permissions)
    user._perm_cache = {*user_permissions, *group_permissions}
    return Role(
        user_permissions=user_permissions,
        group_permissions=group_permissions,
        manager=is_manager(user),
        helper=is_helper(user),
    )


# The auth generation as the session's read brought it, in the same round trip
# (factory.sessions); None until a request's session is read, and at every
# request's start (``connect_signals``).
_generation_with_session: ContextVar[str | None] = ContextVar(
    "catchup_auth_generation", default=None
)
# Roles this process has read, by user: (generation, role), used only when
# the generation and memberships read for this request are the same, so a
# copy here is never older than the shared cache's. Bounded: emptied past
# PROCESS_ROLES users.
_process_roles: dict[int, tuple[tuple, Role]] = {}
PROCESS_ROLES = 2000


def read_with_session(generation: str | None) -> None:
    """Called by the session store with the generation it read beside the
    session (None: there was none)."""
    _generation_with_session.set(generation)


def _generation_and(key: str) -> tuple[str, dict]:
    """The auth generation, and the shared cache's entry for ``key`` when
    the generation had to be read here (with it, in one round trip); when
    the session's read brought the generation, nothing is read here."""
    generation = _generation_with_session.get()
    if generation is not None:
        return generation, {}
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        # add, not set: two processes starting at once agree on one.
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY) or generation
    return generation, found


def _keep_in_process(user_id: int, generation: tuple, role: Role) -> None:
    if len(_process_roles) >= PROCESS_ROLES and user_id not in _process_roles:
        _process_roles.clear()
    _process_roles[user_id] = (generation, role)


def role_of(user, backend: ModelBackend | None = None) -> Role | None:
    """The user's Role: from the request's user object, the shared cache, or
    the database (then kept). None for anonymous and inactive users."""
    if not user.is_authenticated or not user.is_active:
        return None
    role = getattr(user, "_catchup_role", None)
    if role is not None:
        return role
    backend = backend or CachedModelBackend()
    if not _shared():
        role = _compute(user, backend)
    else:
        key = _key(user.pk)
        generation, found = _generation_and(key)
        # The generation and the memberships together: a change that
        # replaced neither changed no answer.
        generation = (generation, _memberships(user))
        kept = _process_roles.get(user.pk)
        if kept is None or kept[0] != generation:
            kept = found.get(key) if key in found else cache.get(key)
        if kept is not None and kept[0] == generation:
            role = kept[1]
        else:
            # Read after the generation: a change committing meanwhile
            # replaces it, so what is stored below is never read again.
            role = _compute(user, backend)
            cache.set(key, (generation, role), timeout=ROLE_TIMEOUT)
        _keep_in_process(user.pk, generation, role)
        user._catchup_role_generation = generation
    user._user_perm_cache = set(role.user_permissions)
    user._group_perm_cache = set(role.group_permissions)
    user._perm_cache = {*role.user_permissions, *role.group_permissions}
    user._catchup_role = role
    return role


def remembered(user, name: str, compute: Callable[[], object]) -> object:
    """A value of the user's that only what replaces the auth generation can
    change (the workshops a director may read, say): with a shared cache,
    computed once and kept beside their role; without one, computed each
    time, as the role is. ``compute`` must read nothing else."""
    role = role_of(user)
    generation = getattr(user, "_catchup_role_generation", None)
    if role is None or generation is None:
        return compute()
    for key, value in role.extras:
        if key == name:
            return value
    value = compute()
    # Under the generation read before computing: if a change committed
    # meanwhile, this is never read again (as in role_of).
    role = dataclasses.replace(role, extras=(*role.extras, (name, value)))
    cache.set(_key(user.pk), (generation, role), timeout=ROLE_TIMEOUT)
    _keep_in_process(user.pk, generation, role)
    user._catchup_role = role
    return value


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, with the permissions read through role_of()."""

    def _prefill(self, user_obj, obj) -> bool:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return False
        if not hasattr(user_obj, "_perm_cache"):
            role_of(user_obj, self)
        return True

    def get_user_permissions(self, user_obj, obj=None):
        if self._prefill(user_obj, obj):
            return user_obj._user_perm_cache
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        if self._prefill(user_obj, obj):
            return user_obj._group_perm_cache
        return super().get_group_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None):
        if self._prefill(user_obj, obj):
            return user_obj._perm_cache
        return super().get_all_permissions(user_obj, obj)


def forget_all_roles() -> None:
    """Replace the auth generation once the current transaction commits."""
    if _shared():
        transaction.on_commit(_replace_generation)


def _replace_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    # The rest of this request reads the new one.
    _generation_with_session.set(None)


def connect_signals() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from workers.changes import Change
    from workers.models import Worker, Workshop
    from workers.signals import figures_changed

    def changed(sender, **kwargs) -> None:
        if kwargs.get("raw"):
            return
        fields = kwargs.get("update_fields")
        if fields is not None and set(fields) <= {"last_login"}:
            return  # a login changes no answer
        forget_all_roles()

    def linked(sender, action, **kwargs) -> None:
        if action in {"post_add", "post_remove", "post_clear"}:
            forget_all_roles()

    def roster(sender, changes, **kwargs) -> None:
        if Change.ROSTER in changes:  # the roster written in bulk
            forget_all_roles()

    user_model = get_user_model()
    for model in (user_model, Group, Permission, Worker, Workshop):
        label = model._meta.label_lower
        post_save.connect(
            changed, sender=model, weak=False, dispatch_uid=f"role:save:{label}"
        )
        post_delete.connect(
            changed, sender=model, weak=False, dispatch_uid=f"role:del:{label}"
        )
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
        Workshop.managers.through,
    ):
        label = through._meta.label_lower
        m2m_changed.connect(
            linked, sender=through, weak=False, dispatch_uid=f"role:m2m:{label}"
        )
    # weak=False: the receivers are closures that nothing else references.
    figures_changed.connect(roster, weak=False, dispatch_uid="role:roster")

    # A request reads its own session's generation, never the last one's.
    def forget_generation(**kwargs) -> None:
        _generation_with_session.set(None)

    request_started.connect(forget_generation, weak=False, dispatch_uid="role:start")
    request_finished.connect(forget_generation, weak=False, dispatch_uid="role:end")
