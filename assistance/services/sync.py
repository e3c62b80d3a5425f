"""Cases follow the records: reached quota, and back to open on a relapse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.utils import timezone

from assistance.models import AssistanceCase, CaseEvent, CaseEventKind, CaseStatus
from workers.changes import Change, announce_change
from workers.models import MEETS_QUOTA, ProductionRecord


@dataclass(frozen=True)
class SyncResult:
    reached_quota: int = 0
    reopened: int = 0


@transaction.atomic
def sync_cases_with_records(
    month: dt.date, *, worker_ids: Collection[int] | None = None
) -> SyncResult:
    """Move cases to reached quota / back to open from the records.

    A case's status follows the worker's latest record for a month after the
    case's month: at or above quota → reached quota, below → open (a relapse
    before the secretary closed it). Only cases opened before ``month`` can
    be affected by that month's records. The status is derived from the
    records rather than from the order of saves, so running it again (or for
    several months in any order) changes nothing: it is idempotent. It runs a
    fixed number of queries however many cases change.
    """
    cases = AssistanceCase.objects.filter(month__lt=month)
    if worker_ids is not None:
        cases = cases.filter(worker_id__in=list(worker_ids))
    return apply_transitions(cases)


def _latest_later_record() -> models.QuerySet:
    """The worker's latest record after the case's month (for a Subquery)."""
    return ProductionRecord.objects.filter(
        worker=OuterRef("worker"), month__gt=OuterRef("month")
    ).order_by("-month")


def apply_transitions(cases: models.QuerySet) -> SyncResult:
    latest = _latest_later_record()
    judged = cases.order_by().alias(
        latest_meets=Subquery(
            latest.annotate(
                meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField())
            ).values("meets")[:1]
        )
    )
    # Lock the rows that will change before writing, so a secretary closing
    # one of them at the same moment waits, and the events match the updates.
    latest_month = Subquery(latest.values("month")[:1])
    changing = list(
        judged.filter(
            Q(status=CaseStatus.OPEN, latest_meets=True)
            | Q(status=CaseStatus.REACHED_QUOTA, latest_meets=False)
        )
        .annotate(deciding_month=latest_month)
        .select_for_update()
        .values_list("pk", "status", "deciding_month")
    )
    to_reach = [pk for pk, status, _m in changing if status == CaseStatus.OPEN]
    to_reopen = [
        pk for pk, status, _m in changing if status == CaseStatus.REACHED_QUOTA
    ]
    now = timezone.now()
    _move(
        to_reach,
        from_status=CaseStatus.OPEN,
        to_status=CaseStatus.REACHED_QUOTA,
        reached_quota_month=latest_month,
        now=now,
    )
    _move(
        to_reopen,
        from_status=CaseStatus.REACHED_QUOTA,
        to_status=CaseStatus.OPEN,
        reached_quota_month=None,
        now=now,
    )
    if changing:
        # QuerySet.update and the INSERT … SELECT send no model signals. The
        # changes are effective in the months of the records behind them.
        announce_change(
            Change.CASE_STATUS_SYNC,
            months={month for _pk, _status, month in changing},
        )
    return SyncResult(reached_quota=len(to_reach), reopened=len(to_reopen))


def _move(
    case_ids: list[int],
    *,
    from_status: str,
    to_status: str,
    reached_quota_month: Subquery | None,
    now: dt.datetime,
) -> None:
    """Log and make one transition of ``case_ids``: an INSERT and an UPDATE,
    however many cases (none for no case)."""
    if not case_ids:
        return
    _log_status_changes(case_ids, from_status=from_status, to_status=to_status, now=now)
    AssistanceCase.objects.filter(pk__in=case_ids).update(
        status=to_status,
        reached_quota_month=reached_quota_month,
        version=F("version") + 1,
    )


def _log_status_changes(
    case_ids: list[int], *, from_status: str, to_status: str, now: dt.datetime
) -> None:
    """One CaseEvent per case, written by a single INSERT … SELECT.

    bulk_create would split the rows into batches on SQLite (999 parameters
    per statement), so the number of queries would grow with the number of
    cases; copying them from a SELECT keeps it at one on every database. The
    event's month is the record's month that decided the change.
    """
    columns = [
        "case",
        "kind",
        "at",
        "by",
        "from_status",
        "to_status",
        "month",
        "effective_month",
        "note",
        "measure",
        "outcome",
    ]
    source = (
        AssistanceCase.objects.filter(pk__in=case_ids)
        .order_by()
        .annotate(
            e_kind=Value(CaseEventKind.STATUS.value),
            e_at=Value(now, output_field=DateTimeField()),
            e_by=Value(None, output_field=IntegerField()),
            e_from=Value(from_status),
            e_to=Value(to_status),
            e_month=Subquery(_latest_later_record().values("month")[:1]),
            # A change caused by records is effective in the record's month.
            e_effective=Subquery(_latest_later_record().values("month")[:1]),
            e_note=Value(""),
            e_measure=Value(""),
            e_outcome=Value(""),
        )
        .values_list(
            "pk",
            "e_kind",
            "e_at",
            "e_by",
            "e_from",
            "e_to",
            "e_month",
            "e_effective",
            "e_note",
            "e_measure",
            "e_outcome",
        )
    )
    select_sql, params = source.query.sql_with_params()
    quote = connection.ops.quote_name
    meta = CaseEvent._meta
    column_sql = ", ".join(quote(meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({column_sql}) {select_sql}", params
        )
