"""The signals through which workers' news reaches the other apps.

Two signals, both sent inside the writer's transaction:

- ``records_saved`` (months, worker_ids): production records were created or
  changed. assistance listens to it to sync help cases with the records.
- ``figures_changed`` (months, source): any data behind the figures changed.
  ``months`` is the set of months (dates, first of month) whose own data
  changed, or None when the change reaches every month (the roster, the
  workshops). factory listens to it to refresh what it caches and keeps.

Write paths that save through Django's model signals are announced by
``workers.changes`` (docs/ARCHITECTURE.md, "Never stale"); a write that
bypasses them (bulk_create, bulk_update, QuerySet.update, raw SQL) must call
``announce_change`` itself, in its transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.dispatch import Signal

records_saved = Signal()
figures_changed = Signal()


def announce_change(*, months: Iterable[dt.date] | None, source: str) -> None:
    """Tell the figures that data of ``months`` (None: every month) changed.

    Call it inside the transaction that wrote the change, after writing it:
    receivers that keep derived rows (factory's monthly summaries) read the
    written data and update them in the same transaction, and caches are
    refreshed once it commits.
    """
    months = None if months is None else {m.replace(day=1) for m in months}
    gathered = getattr(_gathering, "pending", None)
    if gathered is not None:
        if source in gathered and gathered[source] is None:
            return
        if months is None:
            gathered[source] = None
        else:
            gathered.setdefault(source, set()).update(months)
        return
    figures_changed.send(sender=None, months=months, source=source)


_gathering = threading.local()


@contextmanager
def announcements_gathered() -> Iterator[None]:
    """Announce once, at the end, what many writes in a row announce.

    A bulk action (closing 141 cases, classifying a workshop) writes through
    the one-row services, each of which announces its change; the receivers
    that keep derived rows would recompute them after every row. Inside this
    block the announcements are merged per source (months united, None wins)
    and sent when the block ends — still inside the caller's transaction, so
    the derived rows are current when it commits. Use it inside the
    transaction (``@transaction.atomic`` outside it); nested blocks send with
    the outermost. A block left by an exception sends nothing: its
    transaction is rolled back.
    """
    if getattr(_gathering, "pending", None) is not None:
        yield
        return
    _gathering.pending = {}
    try:
        yield
        pending = _gathering.pending
    finally:
        _gathering.pending = None
    for source, months in pending.items():
        figures_changed.send(sender=None, months=months, source=source)
