"""Writes on workers' records that must stay consistent.

``save_records`` is the one path through which production records are created
or changed — the import, the entry grid and the admin all call it — so every
change leaves history and every change reaches assistance through the
``records_saved`` signal.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from workers.models import (
    AdvancedStandard,
    Disqualification,
    ProductionRecord,
    Worker,
)
from workers.months import first_of_month, month_label, month_str
from workers.signals import announce_change, records_saved

CENT = Decimal("0.01")
# quota and output are numeric(12, 2): at most ten digits before the point.
AMOUNT_LIMIT = Decimal("10000000000")
# Rows per INSERT/UPDATE statement. Django's bulk_update writes one CASE
# branch per row and field, whose cost grows with the square of the batch:
# a few hundred rows per statement is the sweet spot on PostgreSQL.
CREATE_BATCH = 2000
UPDATE_BATCH = 500

# Fields that bulk_update writes; updated_at because bulk_update skips auto_now.
UPDATED_FIELDS = ["quota", "output", "unit", "updated_by", "updated_at"]


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


@dataclass(frozen=True, slots=True)
class RecordInput:
    """One worker's quota and output for one month, as the caller read them.

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

    if _sql_path_possible(rows):
        return _save_in_sql(rows=rows, by_id=by_id, source=source, now=now)

    wanted: dict[tuple[int, dt.date], RecordInput] = {}
    for row in rows:
        key = (row.worker_id, row.month)
        if key in wanted:
            raise ValueError(
                f"worker {row.worker_id} month {month_str(row.month)} given twice"
            )
        if row.month.day != 1:
            raise ValueError(f"month {row.month} is not the first of a month")
        wanted[key] = row

    _lock_months({month for _worker, month in wanted})
    existing = _existing_records(
        wanted.keys(), lock=any(row.check_stale for row in rows)
    )

    stale: dict[tuple[int, dt.date], ProductionRecord | None] = {}
    to_create: list[ProductionRecord] = []
    to_update: list[ProductionRecord] = []
    for key, row in wanted.items():
        stored = existing.get(key)
        if row.check_stale:
            seen = stored[_UPDATED_AT] if stored is not None else None
            if seen != row.seen_updated_at:
                stale[key] = _instance(stored) if stored is not None else None
                continue
        quota = clean_quota(row.quota)
        output = clean_output(row.output)
        if stored is None:
            to_create.append(
                _new_record(
                    worker_id=row.worker_id,
                    month=row.month,
                    quota=quota,
                    output=output,
                    unit=row.unit or "",
                    entered_by_id=by_id,
                    entered_at=now,
                    updated_by_id=by_id,
                    updated_at=now,
                )
            )
            continue
        unit = stored[_UNIT] if row.unit is None else row.unit
        if (
            stored[_QUOTA] == quota
            and stored[_OUTPUT] == output
            and stored[_UNIT] == unit
        ):
            result.unchanged += 1
            continue
        # Only changed rows become model instances: a re-import of 100,000
        # unchanged rows never builds one.
        record = _instance(stored)
        record.quota = quota
        record.output = output
        record.unit = unit
        record.updated_by_id = by_id
        record.updated_at = now
        to_update.append(record)

    if stale:
        raise StaleRecordsError(stale)

    history = {
        "default_user": by,
        "default_change_reason": source,
        "default_date": now,
    }
    if to_create:
        bulk_create_with_history(
            to_create, ProductionRecord, batch_size=CREATE_BATCH, **history
        )
    if to_update:
        bulk_update_with_history(
            to_update,
            ProductionRecord,
            UPDATED_FIELDS,
            batch_size=UPDATE_BATCH,
            **history,
        )
    result.created = len(to_create)
    result.updated = len(to_update)
    for record in (*to_create, *to_update):
        result.months.add(record.month)
        result.worker_ids.add(record.worker_id)
    _announce(result)
    return result


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
    announce_change(months=result.months, source="records")


# --- the PostgreSQL path: the rows go through COPY, the rest is SQL ---

_RECORD = ProductionRecord._meta.db_table
_HISTORY = ProductionRecord.history.model._meta.db_table
# What a history row repeats of its record (simple_history's tracked fields).
_TRACKED = (
    "id, worker_id, month, quota, output, unit, "
    "entered_by_id, entered_at, updated_by_id, updated_at"
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _sql_path_possible(rows: Sequence[RecordInput]) -> bool:
    """PostgreSQL with psycopg2's COPY, and no entry-grid staleness check
    (which compares each stored row's updated_at: the ORM path does that)."""
    if connection.vendor != "postgresql" or any(row.check_stale for row in rows):
        return False
    with connection.cursor() as cursor:
        return hasattr(cursor.cursor, "copy_expert")


def _save_in_sql(
    *,
    rows: Sequence[RecordInput],
    by_id: int | None,
    source: str,
    now: dt.datetime,
) -> SaveResult:
    """save_records on PostgreSQL without a model instance per row.

    The checked rows are copied into a temporary table; one
    ``INSERT … ON CONFLICT (worker_id, month) DO UPDATE … WHERE … IS
    DISTINCT FROM …`` creates the new records and changes the changed ones
    (an unchanged row is not written at all, so it leaves no history), and
    the same statement writes a history row for each record it returned —
    the values after the change, with who, when and why, as simple_history
    writes them. The generated columns are the database's own work.
    """
    keys: set[tuple[int, dt.date]] = set()
    months: set[dt.date] = set()
    month_text: dict[dt.date, str] = {}
    buffer = io.StringIO()
    write = buffer.write
    with_unit = without_unit = 0
    for row in rows:
        worker_id, month = int(row.worker_id), row.month
        key = (worker_id, month)
        if key in keys:
            raise ValueError(f"worker {worker_id} month {month_str(month)} given twice")
        keys.add(key)
        text = month_text.get(month)
        if text is None:
            if month.day != 1:
                raise ValueError(f"month {month} is not the first of a month")
            text = month_text[month] = month.isoformat()
            months.add(month)
        if row.unit is None:
            unit = "\\N"
            without_unit += 1
        else:
            unit = row.unit.translate(_COPY_ESCAPES)
            with_unit += 1
        write(
            f"{worker_id}\t{text}\t{clean_quota(row.quota)}\t"
            f"{clean_output(row.output)}\t{unit}\n"
        )
    del keys
    _lock_months(months)

    result = SaveResult()
    staging = f"records_staging_{uuid.uuid4().hex}"
    with connection.cursor() as cursor:
        # Same column types as the table (numeric(12, 2), varchar(20)), so a
        # value the table cannot hold fails here; gone at commit.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT worker_id, month, quota, output, unit FROM {_RECORD} WITH NO DATA"
        )
        buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY {staging} (worker_id, month, quota, output, unit) FROM STDIN",
            buffer,
        )
        del buffer
        # Rows equal to the stored record leave the staging table first: an
        # unchanged row then costs a join, not a row lock taken by ON
        # CONFLICT (which would write every one of them). The month locks
        # keep other saves of these records out until commit.
        cursor.execute(
            f"WITH same AS (DELETE FROM {staging} AS s USING {_RECORD} AS r "
            "WHERE r.worker_id = s.worker_id AND r.month = s.month "
            "AND r.quota = s.quota AND r.output = s.output "
            "AND (s.unit IS NULL OR r.unit = s.unit) "
            "RETURNING s.unit IS NULL AS no_unit) "
            "SELECT count(*) FILTER (WHERE NOT no_unit), "
            "count(*) FILTER (WHERE no_unit) FROM same"
        )
        same_with_unit, same_without_unit = cursor.fetchone()
        with_unit -= same_with_unit
        without_unit -= same_without_unit
        for given, count in ((True, with_unit), (False, without_unit)):
            if not count:
                continue
            cursor.execute(
                _upsert_sql(staging, unit_given=given),
                {"by": by_id, "now": now, "reason": source},
            )
            created, updated, saved_months, worker_ids = cursor.fetchone()
            result.created += created
            result.updated += updated
            result.months.update(saved_months or ())
            result.worker_ids.update(worker_ids or ())
        cursor.execute(f"DROP TABLE {staging}")
    result.unchanged = len(rows) - result.created - result.updated
    _announce(result)
    return result


def _upsert_sql(staging: str, *, unit_given: bool) -> str:
    """One statement: create or change the records, write their history.

    Without a unit the stored one is kept (a new record gets ""), and only
    quota and output decide whether a row changed.
    """
    compared = "quota, output, unit" if unit_given else "quota, output"
    changed = ", ".join(f"r.{name}" for name in compared.split(", "))
    proposed = ", ".join(f"EXCLUDED.{name}" for name in compared.split(", "))
    set_unit = "unit = EXCLUDED.unit, " if unit_given else ""
    which = "IS NOT NULL" if unit_given else "IS NULL"
    return f"""
        WITH saved AS (
            INSERT INTO {_RECORD} AS r (
                worker_id, month, quota, output, unit,
                entered_by_id, entered_at, updated_by_id, updated_at
            )
            SELECT s.worker_id, s.month, s.quota, s.output, COALESCE(s.unit, ''),
                   %(by)s, %(now)s, %(by)s, %(now)s
            FROM {staging} AS s
            WHERE s.unit {which}
            ON CONFLICT (worker_id, month) DO UPDATE SET
                quota = EXCLUDED.quota, output = EXCLUDED.output, {set_unit}
                updated_by_id = EXCLUDED.updated_by_id,
                updated_at = EXCLUDED.updated_at
            WHERE ({changed}) IS DISTINCT FROM ({proposed})
            RETURNING r.*, (r.xmax = 0) AS inserted
        ), history AS (
            INSERT INTO {_HISTORY} (
                {_TRACKED},
                history_date, history_user_id, history_change_reason, history_type
            )
            SELECT {_TRACKED}, %(now)s, %(by)s, %(reason)s,
                   CASE WHEN inserted THEN '+' ELSE '~' END
            FROM saved
        )
        SELECT count(*) FILTER (WHERE inserted),
               count(*) FILTER (WHERE NOT inserted),
               array_agg(DISTINCT month),
               array_agg(DISTINCT worker_id)
        FROM saved
    """


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


_RECORD_ATTNAMES = [field.attname for field in ProductionRecord._meta.concrete_fields]


def _new_record(**values) -> ProductionRecord:
    """ProductionRecord(**values), built from positional arguments as Django
    builds the rows it loads: a third faster, which counts at 100,000 rows."""
    return ProductionRecord(*[values.get(name) for name in _RECORD_ATTNAMES])


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
