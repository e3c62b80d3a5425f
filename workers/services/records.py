"""save_records: the one path through which production records are created or
changed — the import and its background task, the entry grid, the admin and
the demo all call it — so every change leaves history, reaches assistance
through the ``records_saved`` signal and the figures through
``announce_change`` (once, with the months and workers written)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, router, transaction
from django.utils import timezone

from workers.changes import Change, announce_change
from workers.models import (
    ProductionRecord,
)
from workers.months import month_str
from workers.services.staging import RecordStaging
from workers.services.values import clean_output, clean_quota, rounded_amount
from workers.signals import records_saved

# --- saving records ---


class RecordInput(NamedTuple):
    """One worker's quota and output for one month, as the caller read them.

    A named tuple, not a frozen dataclass: as immutable, and five times
    quicker to make, which a 100,000-row import does once a row.

    ``unit=None`` keeps the stored unit (a file without a unit column does not
    wipe the units typed earlier). ``check_stale`` is the entry grid's lock:
    the row is refused unless the stored record's ``updated_at`` still equals
    ``seen_updated_at`` (``None``: the form showed no record).
    """

    worker_id: int
    month: dt.date
    quota: Decimal
    output: Decimal
    unit: str | None = None
    check_stale: bool = False
    seen_updated_at: dt.datetime | None = None


@dataclass
class WriteCounts:
    """What a write of many rows did, counted the way an import batch keeps
    it (``ImportBatch.counts``): records and classifications alike."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass
class SaveResult(WriteCounts):
    # Months and workers whose records were created or changed.
    months: set[dt.date] = field(default_factory=set)
    worker_ids: set[int] = field(default_factory=set)


class StaleRecordsError(Exception):
    """Rows whose record changed since the form showed it; nothing was saved.

    ``current`` maps (worker_id, month) to the record as it is now (``None``
    if it was deleted meanwhile).
    """

    def __init__(self, current: dict[tuple[int, dt.date], ProductionRecord | None]):
        super().__init__(f"{len(current)} record(s) changed meanwhile")
        self.current = current


@transaction.atomic
def save_records(
    *,
    rows: Sequence[RecordInput],
    by: AbstractBaseUser | None,
    source: str,
) -> SaveResult:
    """Create or update many records in one transaction, keeping history.

    The one write path for records, on both databases: every caller (the
    import and its background task, the entry grid, the admin, the demo)
    comes here. The rows are checked in Python, copied into a staging table,
    rows equal to the stored ones are dropped, and the rest is written: the
    changed records and their history rows, then (those rows dropped from
    the staging table) the new records and theirs — the values after the
    change, with who, when and why, as simple_history writes them. Then
    ``announce_change`` once, with the months written.

    A row whose quota, output and unit equal the stored record's is unchanged
    and writes nothing, so re-saving the same data is idempotent. ``source``
    ("import", "entry grid", "admin", …) becomes the history's change reason
    and ``by`` its user. Raises ValueError for a worker-month given twice,
    ValidationError for values the rules refuse, StaleRecordsError when an
    entry-grid row was changed meanwhile.
    """
    result = SaveResult()
    if not rows:
        return result
    source = source[:100]  # the history's change reason is 100 characters
    by_id = by.pk if by is not None else None
    now = timezone.now()

    # The statements below are raw SQL on the primary; asking the router
    # tells it this request writes, so that its reads from here on (the
    # stale check's too) go to the primary, not a replica that may lag.
    router.db_for_write(ProductionRecord)
    checked, months = _checked_rows(rows)
    _lock_months(months)
    _refuse_stale(rows)
    staging = RecordStaging(checked, months)
    try:
        if staging.drop_unchanged():
            result.months, result.worker_ids = staging.written()
        else:  # every row given is written
            result.months, result.worker_ids = months, {row[0] for row in checked}
        result.updated = staging.update_changed(by_id=by_id, now=now)
        if result.updated:
            staging.write_history(by_id=by_id, now=now, reason=source, kind="~")
            staging.drop_stored()
        # What is left has no record yet.
        result.created = staging.insert_new(by_id=by_id, now=now)
        if result.created:
            staging.write_history(by_id=by_id, now=now, reason=source, kind="+")
        if not (result.created or result.updated):
            result.months, result.worker_ids = set(), set()
    finally:
        staging.drop()
    result.unchanged = len(rows) - result.created - result.updated
    _announce(result)
    return result


def _checked_rows(rows: Sequence[RecordInput]) -> tuple[list[tuple], set[dt.date]]:
    """(worker_id, month, quota, output, unit or None) per row, by the rules.

    A value within the amount rule is rounded by it (rounded_amount);
    anything else goes through clean_quota or clean_output, which refuse it
    with the right message.
    """
    keys: set[tuple[int, dt.date]] = set()
    months: set[dt.date] = set()
    checked = []
    append, add_key = checked.append, keys.add
    for worker_id, month, given_quota, given_output, unit, _check, _seen in rows:
        worker_id = int(worker_id)
        key = (worker_id, month)
        if key in keys:
            raise ValueError(f"worker {worker_id} month {month_str(month)} given twice")
        add_key(key)
        if month not in months:
            if month.day != 1:
                raise ValueError(f"month {month} is not the first of a month")
            months.add(month)
        quota = rounded_amount(given_quota, above_zero=True)
        if quota is None:
            # Not a Decimal (the long way), or refused with the reason.
            quota = clean_quota(given_quota)
        output = rounded_amount(given_output, above_zero=False)
        if output is None:
            output = clean_output(given_output)
        append((worker_id, month, quota, output, unit))
    return checked, months


def _refuse_stale(rows: Sequence[RecordInput]) -> None:
    """The entry grid's lock: refuse every row whose record changed since the
    form showed it (nothing is saved). The stored rows are locked until
    commit, so they cannot change between this check and the write."""
    watched = {(int(row.worker_id), row.month): row for row in rows if row.check_stale}
    if not watched:
        return
    existing = _existing_records(watched.keys(), lock=True)
    stale: dict[tuple[int, dt.date], ProductionRecord | None] = {}
    for key, row in watched.items():
        stored = existing.get(key)
        seen = stored[_UPDATED_AT] if stored is not None else None
        if seen != row.seen_updated_at:
            stale[key] = _instance(stored) if stored is not None else None
    if stale:
        raise StaleRecordsError(stale)


def _announce(result: SaveResult) -> None:
    """Tell assistance and the figures which records changed.

    Inside the transaction: if a receiver fails, the records roll back too,
    so cases never disagree with the records they were synced from.
    """
    if not result.months:
        return
    records_saved.send(
        sender=ProductionRecord,
        months=set(result.months),
        worker_ids=set(result.worker_ids),
    )
    announce_change(Change.RECORDS, months=result.months, workers=result.worker_ids)


# pg_advisory_xact_lock(namespace, month's ordinal): the namespace keeps the
# records' month locks apart from any other advisory lock.
MONTH_LOCK_NAMESPACE = 0x43550001  # "CU" 1


def _lock_months(months: Iterable[dt.date]) -> None:
    """Serialise saves that touch the same months, until the transaction ends.

    Two imports of the same file at once would otherwise both read "no
    record yet" and both insert: the second fails on the unique constraint
    instead of finding every row unchanged. With the lock the second waits,
    then reads what the first committed. Taken in month order, so two saves
    of overlapping months never deadlock. SQLite serialises writers anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for month in sorted(months):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [MONTH_LOCK_NAMESPACE, month.toordinal()],
            )


# The stored columns loaded for comparison, as plain tuples (the generated
# ones are left out: the database computes them).
_STORED = [
    field.attname
    for field in ProductionRecord._meta.concrete_fields
    if not getattr(field, "generated", False)
]
_QUOTA, _OUTPUT, _UNIT, _UPDATED_AT = (
    _STORED.index(name) for name in ("quota", "output", "unit", "updated_at")
)
_WORKER, _MONTH = _STORED.index("worker_id"), _STORED.index("month")


def _instance(stored: tuple) -> ProductionRecord:
    """A stored row as a model instance, as a queryset would have built it."""
    return ProductionRecord.from_db(
        router.db_for_write(ProductionRecord), _STORED, stored
    )


def _existing_records(
    keys: Iterable[tuple[int, dt.date]], *, lock: bool
) -> dict[tuple[int, dt.date], tuple]:
    """The stored rows (tuples in _STORED order) for these worker-months.

    One query per chunk of workers, each for all the months at once: a file
    usually covers the same few months for every worker, so the superset
    fetched is small, and chunking keeps SQLite under its parameter limit.
    """
    keys = set(keys)
    months = sorted({month for _, month in keys})
    worker_ids = sorted({worker_id for worker_id, _ in keys})
    limit = connection.features.max_query_params or 20000
    chunk = max(100, min(10000, limit - len(months) - 10))
    found: dict[tuple[int, dt.date], tuple] = {}
    for start in range(0, len(worker_ids), chunk):
        query = ProductionRecord.objects.filter(
            worker_id__in=worker_ids[start : start + chunk], month__in=months
        ).order_by()
        if lock:
            query = query.select_for_update()
        for stored in query.values_list(*_STORED):
            key = (stored[_WORKER], stored[_MONTH])
            if key in keys:
                found[key] = stored
    return found
