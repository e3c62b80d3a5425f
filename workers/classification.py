"""The rules of classification (分类排队), written once.

A worker's shortfall in a month gets one primary cause. Both ways of
classifying — the classification queue's form (assistance's ``classify``)
and the classifications import — go through this module:

- ``shortfall_problems``: only a shortfall is classified, so a worker-month
  needs a record, below quota;
- ``save_classifications``: writes many at once in the caller's transaction,
  deciding again what changed under a row lock (someone may have classified
  meanwhile); the same cause and note again changes nothing; a change raises
  the version (a form showing the old one is stale), records who and when,
  keeps history, and announces the change to the figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from workers.changes import Change, announce_change
from workers.models import MEETS_QUOTA, ProductionRecord, ShortfallClassification
from workers.services.records import WriteCounts

# Above this many rows one query for the months is cheaper than an IN list of
# workers, and it never meets SQLite's parameter limit.
SMALL = 500
# New classifications' history rows are copied in SQL, this many ids a
# statement: under both SQLite's (32,766) and PostgreSQL's (65,535) limits.
HISTORY_CHUNK = 10_000
_TABLE = ShortfallClassification._meta.db_table
_HISTORY_TABLE = ShortfallClassification.history.model._meta.db_table
# What a history row repeats of its classification (simple_history's
# tracked fields: every concrete field).
_TRACKED = ", ".join(f.column for f in ShortfallClassification._meta.concrete_fields)
NO_RECORD = "no_record"
MET_QUOTA = "met_quota"


@dataclass(frozen=True, slots=True)
class ClassificationInput:
    worker_id: int
    month: dt.date
    cause: str
    note: str
    # The version the form showed (0: none existed); None: not checked.
    expected_version: int | None = None

    @property
    def key(self) -> tuple[int, dt.date]:
        return (self.worker_id, self.month)


@dataclass
class ClassificationResult(WriteCounts):
    # (worker_id, month) → the stored classification, for rows whose expected
    # version no longer matched (nothing of those was written).
    stale: dict[tuple[int, dt.date], ShortfallClassification | None] = field(
        default_factory=dict
    )


def shortfall_problems(
    keys: Iterable[tuple[int, dt.date]],
) -> dict[tuple[int, dt.date], str]:
    """(worker_id, month) → NO_RECORD or MET_QUOTA for those that cannot be
    classified; the rest are shortfalls. One query."""
    keys = set(keys)
    if not keys:
        return {}
    query = ProductionRecord.objects.filter(month__in={month for _w, month in keys})
    if len(keys) <= SMALL:
        query = query.filter(worker_id__in={worker for worker, _m in keys})
    # Meets quota is MEETS_QUOTA, evaluated by the database (the one rule).
    meets = {
        (worker_id, month): met
        for worker_id, month, met in query.order_by()
        .annotate(met=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField()))
        .values_list("worker_id", "month", "met")
    }
    problems = {}
    for key in keys:
        if key not in meets:
            problems[key] = NO_RECORD
        elif meets[key]:
            problems[key] = MET_QUOTA
    return problems


def stored_classifications(
    keys: Iterable[tuple[int, dt.date]], *, lock: bool = False
) -> dict[tuple[int, dt.date], ShortfallClassification]:
    keys = set(keys)
    if not keys:
        return {}
    query = ShortfallClassification.objects.filter(
        month__in={month for _w, month in keys}
    )
    if len(keys) <= SMALL:
        query = query.filter(worker_id__in={worker for worker, _m in keys})
    if lock:
        query = query.select_for_update()
    return {
        (c.worker_id, c.month): c
        for c in query.order_by()
        if (c.worker_id, c.month) in keys
    }


def save_classifications(
    *,
    rows: Sequence[ClassificationInput],
    by: AbstractBaseUser | None,
    source: str = "",
) -> ClassificationResult:
    """Create or update the classifications of ``rows`` (checked by the
    caller with ``shortfall_problems``), in the caller's transaction.

    A row whose ``expected_version`` no longer matches is left out and
    reported in ``stale``; the caller decides whether to roll back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("save_classifications must run inside a transaction")
    result = ClassificationResult()
    now = timezone.now()
    stored = stored_classifications(((r.worker_id, r.month) for r in rows), lock=True)
    to_create, to_update = [], []
    for row in rows:
        current = stored.get((row.worker_id, row.month))
        if row.expected_version is not None:
            seen = current.version if current is not None else 0
            if seen != row.expected_version:
                result.stale[(row.worker_id, row.month)] = current
                continue
        if current is None:
            to_create.append(
                ShortfallClassification(
                    worker_id=row.worker_id,
                    month=row.month,
                    cause=row.cause,
                    note=row.note,
                    classified_by=by,
                    classified_at=now,
                    version=1,
                )
            )
        elif (current.cause, current.note) == (row.cause, row.note):
            result.unchanged += 1
        else:
            current.cause = row.cause
            current.note = row.note
            current.classified_by = by
            current.classified_at = now
            # A form showing the old version is now stale.
            current.version += 1
            to_update.append(current)
    history_reason = source[:100] or None
    history = {
        "default_user": by,
        "default_change_reason": history_reason,
        "default_date": now,
    }
    if to_create:
        ShortfallClassification.objects.bulk_create(to_create, batch_size=500)
        _copy_history([c.pk for c in to_create], by=by, now=now, reason=history_reason)
    if to_update:
        bulk_update_with_history(
            to_update,
            ShortfallClassification,
            ["cause", "note", "classified_by", "classified_at", "version"],
            batch_size=500,
            **history,
        )
    if to_create or to_update:
        # bulk writes send no model signals: announce them, once written
        # (receivers that keep derived rows read them).
        written = (*to_create, *to_update)
        announce_change(
            Change.CLASSIFICATIONS,
            months={c.month for c in written},
            workers={c.worker_id for c in written},
        )
    result.created, result.updated = len(to_create), len(to_update)
    return result


def _copy_history(ids: list[int], *, by, now, reason: str | None) -> None:
    """A "+" history row for each new classification, as simple_history
    writes it, copied from the stored rows in one statement per
    HISTORY_CHUNK ids: its own bulk_create is cut into batches of 83 rows on
    SQLite (Django's 999 parameters), so the cost of a page of the queue
    would grow with its rows."""
    by_id = by.pk if by is not None else None
    with connection.cursor() as cursor:
        for start in range(0, len(ids), HISTORY_CHUNK):
            chunk = ids[start : start + HISTORY_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {_HISTORY_TABLE} ({_TRACKED}, history_date, "
                "history_user_id, history_change_reason, history_type) "
                f"SELECT {_TRACKED}, %s, %s, %s, '+' FROM {_TABLE} "
                f"WHERE id IN ({marks})",
                [connection.ops.adapt_datetimefield_value(now), by_id, reason, *chunk],
            )
