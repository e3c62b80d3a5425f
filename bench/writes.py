"""The writes, measured at the bench's size: time and queries of each.

What a secretary or a helper does every day, each through the service the
pages call: logging a follow-up, closing one case, saving one workshop's
entry grid (100 rows), importing 1,000 classifications, closing 141 cases
that reached quota at once, and correcting one record of a published month.

Each run happens inside a transaction that is rolled back afterwards, so
that every run meets the same data; the write's own atomic block is the
outermost one of the code (the wrapper is marked as a test case's, as
tests/transactions.py explains), so the monthly summaries are brought up to
date at its end exactly as before a commit. What only a commit does — the
cache's generation tokens replaced, a few one-row UPDATEs — is left out of
every figure alike. run.py runs this phase on a throw-away clone of the
bench database, at 1× and at 10×, and compares the two.
"""

from __future__ import annotations

import csv
import io
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assistance.models import AssistanceCase, CaseOutcome, CaseStatus, FollowUpKind
from assistance.services import add_follow_up, close_case
from assistance.services.bulk import Seen, close_reached_quota
from bench.generate import SECRETARY_USERNAME, Spec
from factory.figures.publishing import UNFINISHED_KINDS, publish_month
from workers.completeness import default_month
from workers.importing import get_importer
from workers.models import Cause, ProductionRecord, ShortfallClassification
from workers.months import month_str
from workers.services import RecordInput, save_records

RUNS = 5
GRID_ROWS = 100
CLASSIFICATIONS = 1000
BULK_CLOSE = 141


def _rolled_back() -> transaction.Atomic:
    """A transaction around one run, undone after it; marked as a test
    case's, so that the write's own block is the outermost (workers.changes)."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    return atomic


def measure(action: Callable[[], object], runs: int = RUNS) -> dict:
    """Median seconds of ``runs`` runs (after one to warm up) and the
    queries of one run."""
    times, queries = [], []
    for attempt in range(runs + 1):
        with _rolled_back():
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                action()
                elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        if attempt:
            times.append(elapsed)
            queries.append(len(captured))
    return {"seconds": statistics.median(times), "queries": max(queries)}


# --- what each write works on ----------------------------------------------


def _reached_cases(count: int) -> list[AssistanceCase]:
    """The first ``count`` cases that reached quota, by id (the same choice
    at every size: the first workshops' cases)."""
    return list(
        AssistanceCase.objects.filter(status=CaseStatus.REACHED_QUOTA).order_by("pk")[
            :count
        ]
    )


def _output_raised(
    record: ProductionRecord, by: Decimal, *, check_stale: bool = False
) -> RecordInput:
    """The record sent back as a row, its output ``by`` more (so it is
    written); ``check_stale``: with the entry grid's stale check, the record
    as read here being the one the grid showed."""
    return RecordInput(
        worker_id=record.worker_id,
        month=record.month,
        quota=record.quota,
        output=record.output + by,
        unit=record.unit,
        check_stale=check_stale,
        seen_updated_at=record.updated_at if check_stale else None,
    )


def _grid_rows(month) -> list[RecordInput]:
    """One workshop's first 100 records of the month, each output changed,
    as the entry grid sends them (with the grid's stale check)."""
    first = (
        ProductionRecord.objects.filter(month=month)
        .order_by("worker__workshop__code")
        .values_list("worker__workshop_id", flat=True)
        .first()
    )
    records = ProductionRecord.objects.filter(
        month=month, worker__workshop_id=first
    ).order_by("worker__employee_no")[:GRID_ROWS]
    return [
        _output_raised(record, Decimal("1"), check_stale=True) for record in records
    ]


def _classifications_file(month) -> bytes:
    """1,000 shortfalls of the month, each given a cause other than the one
    it has (so every row is written), in the import's Chinese columns."""
    current = dict(
        ShortfallClassification.objects.filter(month=month).values_list(
            "worker_id", "cause"
        )
    )
    causes = list(Cause.values)
    below = (
        ProductionRecord.objects.for_month(month)
        .below_quota()
        .order_by("worker__workshop__code", "worker__employee_no")
        .values_list("worker_id", "worker__employee_no")[:CLASSIFICATIONS]
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["工号", "月份", "原因", "备注"])
    for worker_id, number in below:
        now = current.get(worker_id)
        cause = causes[(causes.index(now) + 1) % len(causes)] if now else causes[0]
        writer.writerow([number, month_str(month), cause, "bench"])
    return out.getvalue().encode("utf-8")


def _import_classifications(data: bytes, user) -> None:
    importer = get_importer("classifications")
    plan = importer.plan(importer.read(data, "causes.csv"), options={})
    if not plan.ok:
        raise SystemExit(f"the bench classifications have errors: {plan.errors[:3]}")
    importer.apply(plan, user=user)


# --- the phase --------------------------------------------------------------


def writes_phase(spec: Spec) -> dict:
    user = get_user_model().objects.get(username=SECRETARY_USERNAME)
    month = default_month()
    open_case = AssistanceCase.objects.filter(status=CaseStatus.OPEN).order_by("pk")[0]
    reached = _reached_cases(BULK_CLOSE)
    if len(reached) < BULK_CLOSE:
        raise SystemExit(f"the bench has {len(reached)} cases that reached quota")
    grid = _grid_rows(month)
    causes = _classifications_file(month)
    today = timezone.localdate()

    results = {
        "follow_up": measure(
            lambda: add_follow_up(
                case=open_case,
                author=user,
                kind=FollowUpKind.TALK,
                text="谈心：下个月争取完成定额",
                date=today,
            )
        ),
        "close_case": measure(
            lambda: close_case(
                case=reached[0], by=user, outcome=CaseOutcome.REACHED_QUOTA
            )
        ),
        "entry_grid": measure(
            lambda: save_records(rows=grid, by=user, source="entry grid")
        ),
        "import_classifications": measure(
            lambda: _import_classifications(causes, user), runs=3
        ),
        "bulk_close": measure(
            lambda: close_reached_quota(
                cases=[Seen(case.pk, case.version) for case in reached], by=user
            ),
            runs=3,
        ),
    }
    # A correction of a published month: the month is published first (on
    # this clone, committed), then one record of it is corrected.
    publish_month(
        month=month,
        by=user,
        acknowledged=set(UNFINISHED_KINDS),
    )
    record = ProductionRecord.objects.filter(month=month).order_by("pk")[0]
    correction = [_output_raised(record, Decimal("5"))]
    results["correction"] = measure(
        lambda: save_records(rows=correction, by=user, source="correction")
    )
    return {
        "month": month_str(month),
        "sizes": {
            "grid_rows": len(grid),
            "classifications": causes.count(b"\n") - 1,
            "bulk_close": len(reached),
        },
        "writes": results,
    }
