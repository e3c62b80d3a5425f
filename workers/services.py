"""Writes on workers' records that must stay consistent.

``save_records`` is the one path through which production records are created
or changed — the import and its background task, the entry grid, the admin
and the demo all call it — so every change leaves history, reaches
assistance through the ``records_saved`` signal and the figures through
``announce_change`` (once per save, with the months written).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workers.changes import Change, announce_change
from workers.models import (
    AdvancedStandard,
    Disqualification,
    ProductionRecord,
    Worker,
)
from workers.months import first_of_month, month_label, month_str
from workers.signals import records_saved

CENT = Decimal("0.01")
# quota and output are numeric(12, 2): at most ten digits before the point.
AMOUNT_LIMIT = Decimal("10000000000")
# --- the rules for one record's values, shared by the import and the grid ---


def clean_quota(value: Decimal) -> Decimal:
    """A quota rounded to hundredths; refused unless finite and above zero."""
    amount = _clean_amount(value)
    if amount <= 0:
        raise ValidationError(
            _("The quota must be greater than 0, not %(value)s.") % {"value": value},
            code="quota_not_positive",
        )
    return amount


def clean_output(value: Decimal) -> Decimal:
    """An output rounded to hundredths; refused if negative or not finite."""
    amount = _clean_amount(value)
    if amount < 0:
        raise ValidationError(
            _("The output cannot be negative (%(value)s).") % {"value": value},
            code="output_negative",
        )
    return amount


EARLIEST_RECORD_YEAR = 1900


def clean_record_month(month: dt.date, *, today: dt.date | None = None) -> dt.date:
    """A record's month: the current month or earlier (records come after)."""
    current = first_of_month(today or timezone.localdate())
    # A year like 0956 is a typo for 1956, not a record from the Middle Ages;
    # stored silently it would become "the latest month" of the dashboards.
    # Written as typed (0956-03), so that the typo shows.
    if month.year < EARLIEST_RECORD_YEAR:
        raise ValidationError(
            _("%(month)s is before %(year)s: check the year.")
            % {"month": month_str(month), "year": EARLIEST_RECORD_YEAR},
            code="month_too_early",
        )
    if month > current:
        raise ValidationError(
            _("%(month)s is in the future: records can only be given up to %(now)s.")
            % {"month": month_label(month), "now": month_label(current)},
            code="month_in_future",
        )
    return month


def _clean_amount(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(
                _("“%(value)s” is not a number.") % {"value": value},
                code="not_a_number",
            ) from None
    if not value.is_finite():
        raise ValidationError(
            _("“%(value)s” is not a number.") % {"value": value},
            code="not_a_number",
        )
    amount = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(amount) >= AMOUNT_LIMIT:
        raise ValidationError(
            _("%(value)s is too large.") % {"value": value}, code="too_large"
        )
    return amount


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
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Months and workers whose records were created or changed.
    months: set[dt.date] = field(default_factory=set)
    worker_ids: set[int] = field(default_factory=set)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


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
    staging = _Staging(checked, months)
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

    A Decimal within the bounds is rounded here, in the loop (what
    clean_quota and clean_output do, without two calls a value); anything
    else goes through them, which refuse it with the right message.
    """
    keys: set[tuple[int, dt.date]] = set()
    months: set[dt.date] = set()
    checked = []
    append, add_key = checked.append, keys.add
    zero, limit = Decimal(0), AMOUNT_LIMIT
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
        quota, output = given_quota, given_output
        if quota.__class__ is Decimal and quota.is_finite() and zero < quota < limit:
            quota = quota.quantize(CENT, ROUND_HALF_UP)
            if not zero < quota < limit:  # rounded to 0 or up to the limit
                quota = clean_quota(given_quota)
        else:
            quota = clean_quota(given_quota)
        if (
            output.__class__ is Decimal
            and output.is_finite()
            and zero <= output < limit
        ):
            output = output.quantize(CENT, ROUND_HALF_UP)
            if not output < limit:
                output = clean_output(given_output)
        else:
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


_RECORD = ProductionRecord._meta.db_table
_HISTORY = ProductionRecord.history.model._meta.db_table
# What a history row repeats of its record (simple_history's tracked fields).
_TRACKED = (
    "id, worker_id, month, quota, output, unit, "
    "entered_by_id, entered_at, updated_by_id, updated_at"
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _Staging:
    """The checked rows in a temporary table, and the statements that write
    them: the same SQL on PostgreSQL and SQLite (3.33+, for UPDATE … FROM),
    but for the new records' ids.

    On PostgreSQL the rows arrive by COPY, elsewhere by executemany; the
    table has the records' column types (numeric(12, 2), varchar(20)), so a
    value the table cannot hold fails here. On PostgreSQL each staged row
    takes its record's id from the records' own sequence as it arrives (a
    row that turns out unchanged or stored leaves a gap, as a rolled-back
    insert does), so that the new records' history rows are copied from the
    staging table instead of read back from the records and joined. The
    month locks (PostgreSQL) or SQLite's single writer keep other saves of
    these records out until commit, so what is stored cannot change between
    the statements.
    """

    def __init__(self, rows: list[tuple], months: set[dt.date]):
        self.name = f"records_staging_{uuid.uuid4().hex}"
        self.vendor = connection.vendor
        # Every statement below reads the stored records of the staged months
        # only (a range of the month index): a file of new months then finds
        # nothing stored at once instead of reading the whole table.
        self.first, self.last = min(months), max(months)
        columns = "worker_id, month, quota, output, unit"
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.name} ON COMMIT DROP AS "
                    f"SELECT id, {columns} FROM {_RECORD} WITH NO DATA"
                )
                # The sequence named once: the default is then a constant
                # regclass, not a catalog lookup a row.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_RECORD])
                (sequence,) = cursor.fetchone()
                cursor.execute(
                    f"ALTER TABLE {self.name} ALTER COLUMN id "
                    "SET DEFAULT nextval(%s::regclass)",
                    [sequence],
                )
            else:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.name} AS "
                    f"SELECT {columns} FROM {_RECORD} WHERE 0"
                )
            if self.vendor == "postgresql" and hasattr(cursor.cursor, "copy_expert"):
                cursor.cursor.copy_expert(
                    f"COPY {self.name} ({columns}) FROM STDIN", self._copy_text(rows)
                )
            else:
                ops = connection.ops
                cursor.executemany(
                    f"INSERT INTO {self.name} ({columns}) VALUES (%s, %s, %s, %s, %s)",
                    [
                        (
                            worker_id,
                            ops.adapt_datefield_value(month),
                            ops.adapt_decimalfield_value(quota, 12, 2),
                            ops.adapt_decimalfield_value(output, 12, 2),
                            unit,
                        )
                        for worker_id, month, quota, output, unit in rows
                    ],
                )

    @staticmethod
    def _copy_text(rows: list[tuple]) -> io.StringIO:
        buffer = io.StringIO()
        write = buffer.write
        month_text: dict[dt.date, str] = {}
        for worker_id, month, quota, output, unit in rows:
            text = month_text.get(month)
            if text is None:
                text = month_text[month] = month.isoformat()
            unit = "\\N" if unit is None else unit.translate(_COPY_ESCAPES)
            write(f"{worker_id}\t{text}\t{quota}\t{output}\t{unit}\n")
        buffer.seek(0)
        return buffer

    def _params(self, by_id=None, now=None, reason=None) -> dict:
        ops = connection.ops
        return {
            "by": by_id,
            "now": ops.adapt_datetimefield_value(now),
            "reason": reason,
            "first": ops.adapt_datefield_value(self.first),
            "last": ops.adapt_datefield_value(self.last),
        }

    def _drop_where_stored(self, same_values: str = "") -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.name} WHERE EXISTS (SELECT 1 FROM {_RECORD} r "
                f"WHERE r.worker_id = {self.name}.worker_id "
                f"AND r.month = {self.name}.month "
                f"AND r.month BETWEEN %(first)s AND %(last)s{same_values})",
                self._params(),
            )
            return cursor.rowcount

    def drop_unchanged(self) -> int:
        """Rows equal to the stored record leave first: an unchanged row then
        costs one index lookup, and writes nothing (no history either).
        Returns how many left."""
        return self._drop_where_stored(
            f" AND r.quota = {self.name}.quota AND r.output = {self.name}.output "
            f"AND ({self.name}.unit IS NULL OR r.unit = {self.name}.unit)"
        )

    def drop_stored(self) -> None:
        """The rows of records just updated leave, once their history is
        written: what stays is the new records."""
        self._drop_where_stored()

    def update_changed(self, *, by_id, now) -> int:
        """Without a unit the stored one is kept."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_RECORD} SET quota = s.quota, output = s.output, "
                f"unit = COALESCE(s.unit, {_RECORD}.unit), "
                "updated_by_id = %(by)s, updated_at = %(now)s "
                f"FROM {self.name} AS s "
                f"WHERE {_RECORD}.worker_id = s.worker_id "
                f"AND {_RECORD}.month = s.month "
                f"AND {_RECORD}.month BETWEEN %(first)s AND %(last)s",
                self._params(by_id, now),
            )
            return cursor.rowcount

    def insert_new(self, *, by_id, now) -> int:
        """Every row left, once the stored ones are dropped: a new record
        without a unit gets "" (the column is not null)."""
        ids = ("id, ", "s.id, ") if self.vendor == "postgresql" else ("", "")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_RECORD} ({ids[0]}worker_id, month, quota, output, "
                "unit, entered_by_id, entered_at, updated_by_id, updated_at) "
                f"SELECT {ids[1]}s.worker_id, s.month, s.quota, s.output, "
                "COALESCE(s.unit, ''), %(by)s, %(now)s, %(by)s, %(now)s "
                f"FROM {self.name} AS s",
                self._params(by_id, now),
            )
            return cursor.rowcount

    def write_history(self, *, by_id, now, reason: str, kind: str) -> None:
        """One history row per record of the rows left, just updated ("~")
        or created ("+"). A created record's row is the staged values with
        this save's who and when (on PostgreSQL, with the id staged for it);
        an updated one's is read from the record (it may keep its unit, and
        keeps who entered it when)."""
        columns = (
            f"INSERT INTO {_HISTORY} ({_TRACKED}, history_date, "
            "history_user_id, history_change_reason, history_type) "
        )
        history = "%(now)s, %(by)s, %(reason)s, %(kind)s"
        if kind == "+" and self.vendor == "postgresql":
            select = (
                "SELECT s.id, s.worker_id, s.month, s.quota, s.output, "
                "COALESCE(s.unit, ''), %(by)s, %(now)s, %(by)s, %(now)s, "
                f"{history} FROM {self.name} AS s"
            )
        else:
            tracked = ", ".join(f"r.{name}" for name in _TRACKED.split(", "))
            select = (
                f"SELECT {tracked}, {history} "
                f"FROM {_RECORD} r JOIN {self.name} s "
                "ON r.worker_id = s.worker_id AND r.month = s.month "
                "WHERE r.month BETWEEN %(first)s AND %(last)s"
            )
        with connection.cursor() as cursor:
            cursor.execute(
                columns + select, {**self._params(by_id, now, reason), "kind": kind}
            )

    def written(self) -> tuple[set[dt.date], set[int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT month FROM {self.name}")
            months = {
                value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
                for (value,) in cursor.fetchall()
            }
            cursor.execute(f"SELECT DISTINCT worker_id FROM {self.name}")
            worker_ids = {value for (value,) in cursor.fetchall()}
        return months, worker_ids

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


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


# --- the standard and disqualifications ---


@transaction.atomic
def set_advanced_standard(
    *, month: dt.date, threshold_pct: Decimal, by: AbstractBaseUser | None
) -> AdvancedStandard:
    """Put a standard in force from ``month`` on; earlier months keep theirs.

    Setting it again for the same month replaces the figure (history keeps
    the earlier one, with who and when).
    """
    standard = (
        AdvancedStandard.objects.select_for_update()
        .filter(effective_from=month)
        .first()
    ) or AdvancedStandard(effective_from=month)
    standard.threshold_pct = threshold_pct
    standard.set_by = by
    standard.set_at = timezone.now()
    standard.full_clean()
    standard._history_user = by
    standard.save()
    return standard


@transaction.atomic
def disqualify(
    *,
    worker: Worker,
    month: dt.date,
    reason: str,
    note: str = "",
    by: AbstractBaseUser | None,
) -> Disqualification:
    """Record the committee's decision that ``worker`` is not advanced in ``month``.

    Deciding again for the same worker-month replaces the reason and note.
    """
    clean_record_month(month)
    decision = (
        Disqualification.objects.select_for_update()
        .filter(worker=worker, month=month)
        .first()
    ) or Disqualification(worker=worker, month=month)
    decision.reason = reason
    decision.note = note
    decision.decided_by = by
    decision.decided_at = timezone.now()
    decision.full_clean()
    decision._history_user = by
    decision.save()
    return decision


@transaction.atomic
def requalify(*, worker: Worker, month: dt.date, by: AbstractBaseUser | None) -> bool:
    """Withdraw a disqualification; history keeps it with who withdrew it."""
    decision = (
        Disqualification.objects.select_for_update()
        .filter(worker=worker, month=month)
        .first()
    )
    if decision is None:
        return False
    decision._history_user = by
    decision.delete()
    return True
