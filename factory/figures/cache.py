"""The edge of the read side: cached figures and what makes them stale.

Figures are cached in Django's cache under keys that contain the generation
tokens of the months they depend on (factory.models.FiguresGeneration): a
figure of month M, the tokens of M and of every month before it. Every change
of the data is announced once, through workers.signals.announce_change (the
one invalidation point; docs/ARCHITECTURE.md, "Never stale"); ``receive``
below replaces the tokens of the months it names once the change commits, so
the next request computes those figures afresh and old entries expire by
themselves. A change of April leaves March's entries valid.

The tokens are read from the database once per request (one small query),
which keeps several server processes with per-process memory caches
consistent; with a shared cache (Redis) they are kept there too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import IntegrityError, transaction

from workers.changes import Change, month_of, months_reached, track

# A safety net only: every change is announced, so entries are replaced long
# before they expire.
CACHE_TIMEOUT = 600
_PREFIX = "catchup:figures"
_TOKENS_KEY = f"{_PREFIX}:tokens"


def cache_is_shared() -> bool:
    """Whether every server process sees the same cache (Redis, memcached).

    Only then may the tokens themselves be kept in the cache: a process-local
    memory cache would keep old tokens after another process replaced them.
    """
    backend = caches[DEFAULT_CACHE_ALIAS]
    return not isinstance(backend, LocMemCache | DummyCache)


def read_tokens() -> list[tuple[dt.date, str]]:
    """Every generation token, (month, token), oldest month first."""
    return read_tokens_with([])[0]


def read_tokens_with(
    keys: list[str],
) -> tuple[list[tuple[dt.date, str]], dict[str, Any]]:
    """The tokens, and the cache's entries for ``keys`` read at the same
    time (one round trip to a shared cache)."""
    from factory.models import FiguresGeneration

    shared = cache_is_shared()
    wanted = [_TOKENS_KEY, *keys] if shared else keys
    found = cache.get_many(wanted) if wanted else {}
    tokens = found.pop(_TOKENS_KEY, None)
    if tokens is not None:
        return tokens, found
    tokens = list(
        FiguresGeneration.objects.order_by("month").values_list("month", "token")
    )
    if shared:
        # add, not set: a bump that lands between our read and this write
        # deleted the key, and the next reader must read the new tokens.
        cache.add(_TOKENS_KEY, tokens, CACHE_TIMEOUT)
    return tokens, found


def bump(months: Iterable[dt.date] | None) -> None:
    """Give ``months`` (None: every month) new tokens, now."""
    from factory.models import EVERY_MONTH, FiguresGeneration, new_token

    for month in sorted({EVERY_MONTH} if months is None else set(months)):
        token = new_token()
        if not FiguresGeneration.objects.filter(month=month).update(token=token):
            try:
                with transaction.atomic():
                    FiguresGeneration.objects.create(month=month, token=token)
            except IntegrityError:  # created by another process just now
                FiguresGeneration.objects.filter(month=month).update(token=token)
    if cache_is_shared():
        cache.delete(_TOKENS_KEY)


def receive(sender=None, *, changes, **kwargs) -> None:
    """Receiver of workers.signals.figures_changed (once per transaction).

    The tokens are replaced after commit, not inside the writer's
    transaction: updating shared token rows inside long import or case-sync
    transactions would serialise them on those rows (and could deadlock two
    of them), and a rolled-back change needs no refresh (its callback is
    dropped with it).
    """
    months = months_reached(changes)
    transaction.on_commit(lambda: bump(months))


def layer_on(name: str) -> bool:
    """Whether a cache layer is in use. Every one is, but for make bench's
    measure of what each buys (settings.CACHE_LAYERS_OFF)."""
    return name not in settings.CACHE_LAYERS_OFF


class ReportCache:
    """One request's view of the cache: the tokens are read once."""

    def __init__(self) -> None:
        self._tokens: list[tuple[dt.date, str]] | None = None

    @property
    def tokens(self) -> list[tuple[dt.date, str]]:
        if self._tokens is None:
            self._tokens = read_tokens()
        return self._tokens

    def read_with_tokens(self, keys: list[str]) -> dict[str, Any]:
        """The cache's entries for ``keys``, read with the tokens when those
        are not read yet (one round trip instead of two)."""
        if self._tokens is not None:
            return cache.get_many(keys)
        self._tokens, found = read_tokens_with(keys)
        return found

    def generation(self, month: dt.date | None = None) -> str:
        """A digest of the tokens a figure of ``month`` depends on (every
        token for None: lists of months, the working month)."""
        tokens = [token for (m, token) in self.tokens if month is None or m <= month]
        return hashlib.sha1(":".join(tokens).encode()).hexdigest()[:16]

    def key(self, month: dt.date | None, *parts: object) -> str:
        text = ":".join(str(part) for part in (self.generation(month), *parts))
        # Workshop codes may be Chinese; some cache backends want ASCII keys.
        return f"{_PREFIX}:{hashlib.sha1(text.encode()).hexdigest()}"

    def get_or_compute(
        self, month: dt.date | None, parts: tuple, compute: Callable[[], Any]
    ) -> Any:
        """The cached value of a figure of ``month`` (None: of every month)."""
        if not layer_on("figures"):
            return compute()
        key = self.key(month, *parts)
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, CACHE_TIMEOUT)
        return value


def connect_signals() -> None:
    """Called from FactoryConfig.ready()."""
    from factory.models import Campaign, CampaignVersion, MonthSnapshot
    from workers.signals import figures_changed

    figures_changed.connect(receive, dispatch_uid="factory.figures.cache.receive")
    track(MonthSnapshot, Change.PUBLISHED, month_of("month"))
    # A campaign is shown from its start month, a version from the month it
    # is in force from: those months' pages and every later one's.
    track(Campaign, Change.CAMPAIGNS, month_of("start_month"))
    track(CampaignVersion, Change.CAMPAIGNS, month_of("effective_month"))
