"""Reads of the report pages from a read replica; everything else on the primary.

Django's database router sees models, not views, so the view decides: the
``ReplicaReadsMiddleware`` marks a GET of one of ``REPLICA_VIEWS`` (the
dashboards, the bulletin, the exports, movement.json — read-only pages whose
figures are cached anyway) and the ``ReplicaRouter`` sends that request's
reads to the ``replica`` database. Writes always go to the primary
(``default``), and once a request has written, its later reads go there too
(read after write: the replica may lag behind by a moment). Without
``DATABASE_REPLICA_URL`` (settings.READ_REPLICA is None) every query goes to
the primary, as before. docs/DEPLOY.md says when to add the replica.
"""

from __future__ import annotations

import contextvars

from django.conf import settings

REPLICA_VIEWS = frozenset(
    {
        "reports:dashboard",
        "reports:workshop_dashboard",
        "reports:export",
        "reports:movement_json",
        "reports:bulletin_index",
        "reports:bulletin",
        "reports:bulletin_revision",
    }
)

# "replica": this request reads from the replica; "primary": it wrote, or
# was never marked. A context variable: one value per thread and per task.
_reads = contextvars.ContextVar("catchup_reads", default="primary")


def replica_alias() -> str | None:
    alias = getattr(settings, "READ_REPLICA", None)
    return alias if alias and alias in settings.DATABASES else None


# Who is logged in is read from the primary: a session or a password change
# a moment old may not have reached the replica yet.
PRIMARY_APPS = frozenset({"auth", "sessions", "axes", "contenttypes"})


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reads.get() == "replica" and model._meta.app_label not in PRIMARY_APPS:
            return replica_alias() or "default"
        return "default"

    def db_for_write(self, model, **hints):
        # Read after write: the rest of this request reads the primary.
        _reads.set("primary")
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Marks the read-only report pages' requests for the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reads.set("primary")
        try:
            return self.get_response(request)
        finally:
            _reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method in {"GET", "HEAD"}
            and match is not None
            and match.view_name in REPLICA_VIEWS
            and replica_alias() is not None
        ):
            _reads.set("replica")
        return None
