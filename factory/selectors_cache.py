"""Cached report figures, and the signals that make them stale.

Figures are cached in Django's cache under a key that contains the current
*generation* token (factory.models.CacheGeneration). Any change to the data
behind the reports replaces the token after the change commits, so the next
request computes afresh and the old entries expire by themselves. The token
is read from the database once per request (one small query), which keeps
several server processes with per-process memory caches consistent.

Writes that bypass model signals (bulk_create, QuerySet.update, raw SQL)
must call workers.signals.announce_change(); as a
safety net every entry also expires after CACHE_TIMEOUT seconds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

CACHE_TIMEOUT = 600
_PREFIX = "catchup:reports"


_TOKEN_KEY = f"{_PREFIX}:generation"


def _cache_is_shared() -> bool:
    """Whether every server process sees the same cache (Redis, memcached).

    Only then may the token itself be kept in the cache: a process-local
    memory cache would keep an old token after another process bumped it.
    """
    backend = caches[DEFAULT_CACHE_ALIAS]
    return not isinstance(backend, LocMemCache | DummyCache)


def current_generation() -> str:
    from factory.models import CacheGeneration

    shared = _cache_is_shared()
    if shared:
        token = cache.get(_TOKEN_KEY)
        if token:
            return token
    token = CacheGeneration.objects.order_by("pk").values_list("token", flat=True)
    token = token.first() or "none"
    if shared:
        # add, not set: a bump that lands between our read and this write
        # has already stored the newer token, which must win.
        cache.add(_TOKEN_KEY, token, CACHE_TIMEOUT)
    return token


def bump_generation() -> None:
    """Give the data a new generation token (now, in its own statement)."""
    from factory.models import CacheGeneration, new_token

    token = new_token()
    updated = CacheGeneration.objects.update(token=token, changed_at=timezone.now())
    if not updated:
        token = CacheGeneration.objects.create().token
    if _cache_is_shared():
        cache.set(_TOKEN_KEY, token, CACHE_TIMEOUT)
    _local.last_bump = time.monotonic()


# Per thread, like database connections and their transactions.
_local = threading.local()


def data_changed(**kwargs) -> None:
    """Signal receiver: bump the generation once the change has committed.

    After commit, not inside the writer's transaction: updating the one
    generation row inside long import or case-sync transactions would
    serialise them on that row (and could deadlock two of them). A
    transaction that saved many rows registers many callbacks; the first
    bumps and the others see that a bump happened after they were registered
    and do nothing.
    """
    registered = time.monotonic()

    def bump_unless_done() -> None:
        if getattr(_local, "last_bump", -1.0) < registered:
            bump_generation()

    transaction.on_commit(bump_unless_done)


def _m2m_changed(action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        data_changed()


def connect_signals() -> None:
    """Called from FactoryConfig.ready(): every model whose rows a report reads."""
    from assistance.models import AssistanceCase, Demonstration, FollowUp
    from factory.models import MonthSnapshot
    from workers.models import (
        AdvancedStandard,
        Disqualification,
        ProductionRecord,
        ShortfallClassification,
        Worker,
        Workshop,
    )
    from workers.signals import figures_changed, records_saved

    records_saved.connect(data_changed, dispatch_uid="factory.reports.records_saved")
    figures_changed.connect(
        data_changed, dispatch_uid="factory.reports.figures_changed"
    )
    for model in (
        ProductionRecord,
        AdvancedStandard,
        Disqualification,
        ShortfallClassification,
        Worker,
        Workshop,
        AssistanceCase,
        FollowUp,
        Demonstration,
        MonthSnapshot,
    ):
        label = model._meta.label_lower
        post_save.connect(
            data_changed, sender=model, dispatch_uid=f"factory.reports.save.{label}"
        )
        post_delete.connect(
            data_changed, sender=model, dispatch_uid=f"factory.reports.delete.{label}"
        )
    for through in (AssistanceCase.helpers.through, Demonstration.attendees.through):
        m2m_changed.connect(
            _m2m_changed,
            sender=through,
            dispatch_uid=f"factory.reports.m2m.{through._meta.label_lower}",
        )


class ReportCache:
    """One request's view of the cache: the generation is read once."""

    def __init__(self) -> None:
        self._generation: str | None = None

    @property
    def generation(self) -> str:
        if self._generation is None:
            self._generation = current_generation()
        return self._generation

    def key(self, *parts: object) -> str:
        text = ":".join(str(part) for part in (self.generation, *parts))
        # Workshop codes may be Chinese; some cache backends want ASCII keys.
        return f"{_PREFIX}:{hashlib.sha1(text.encode()).hexdigest()}"

    def get_or_compute(self, parts: tuple, compute: Callable[[], Any]) -> Any:
        key = self.key(*parts)
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, CACHE_TIMEOUT)
        return value
