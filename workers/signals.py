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
from collections.abc import Iterable

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
    figures_changed.send(
        sender=None,
        months=None if months is None else {m.replace(day=1) for m in months},
        source=source,
    )
