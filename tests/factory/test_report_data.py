"""A small hand-made factory for the report, dashboard, bulletin and export
tests (no tests here; the other test_report*/test_dashboard*/... modules
import the fixture and helpers).

February (C) and March (M) 1956, default standard 100%:

    worker  workshop  Feb output  Mar output   notes
    a1      jg1       120 adv     130 adv
    a2      jg1       100 adv     100 meets    disqualified in March
    a3      jg1        90 below   100 adv      case reached quota in March
    a4      jg1        80 below    95 below    March: technique; case open
    a5      jg1       (none)      110 adv
    b1      jg2        50 below   120 adv      Feb: family; case closed (reached)
    b2      jg2     99.99 below   100 adv
    b3      jg2       100 adv     105 adv
    b4      jg2       150 adv      99 below    unclassified; case opened April
    z1      zz        100 adv     (none)

Every quota is 100. Expected figures are written out by hand in the tests.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    Demonstration,
    FollowUp,
    FollowUpKind,
    Measure,
)
from tests.factories import (
    ProductionRecordFactory,
    UserFactory,
    WorkerFactory,
    WorkshopFactory,
)
from workers.changes import Change, announce_change
from workers.models import (
    Cause,
    Disqualification,
    PoliticalStatus,
    ProductionRecord,
    ShortfallClassification,
    Worker,
)

JAN = dt.date(1956, 1, 1)
FEB = dt.date(1956, 2, 1)
MAR = dt.date(1956, 3, 1)
APR = dt.date(1956, 4, 1)

SENTINEL = "SENTINEL-PRIVATE-夫妻吵架"

OUTPUTS = {
    # worker: (workshop key, Feb output, Mar output)
    "a1": ("jg1", "120", "130"),
    "a2": ("jg1", "100", "100"),
    "a3": ("jg1", "90", "100"),
    "a4": ("jg1", "80", "95"),
    "a5": ("jg1", None, "110"),
    "b1": ("jg2", "50", "120"),
    "b2": ("jg2", "99.99", "100"),
    "b3": ("jg2", "100", "105"),
    "b4": ("jg2", "150", "99"),
    "z1": ("zz", "100", None),
}


class Small:
    """Handles on the small factory's rows."""

    def __init__(self, workshops, workers, cases, demonstration, author):
        self.workshops = workshops
        self.workers = workers
        self.cases = cases
        self.demonstration = demonstration
        self.author = author


@transaction.atomic  # one transaction: the summaries kept once
def build_small_factory(workshop, other_workshop) -> Small:
    workshops = {
        "jg1": WorkshopFactory(code="jg1", name="第一机工车间"),
        "jg2": workshop,
        "zz": other_workshop,
    }
    author = UserFactory(username="committee-clerk")
    workers = {}
    for key, (ws, feb, mar) in OUTPUTS.items():
        worker = WorkerFactory(
            employee_no=f"T-{key}", name=f"工人{key}", workshop=workshops[ws]
        )
        workers[key] = worker
        for month, output in ((FEB, feb), (MAR, mar)):
            if output is not None:
                ProductionRecordFactory(
                    worker=worker, month=month, quota=Decimal("100"), output=output
                )
    Disqualification.objects.create(
        worker=workers["a2"], month=MAR, reason="quality", note=SENTINEL
    )
    ShortfallClassification.objects.create(
        worker=workers["a4"], month=MAR, cause=Cause.TECHNIQUE, note=SENTINEL
    )
    # a3 met quota in March: a stray classification must not be counted.
    ShortfallClassification.objects.create(
        worker=workers["a3"], month=MAR, cause=Cause.IDEOLOGY
    )
    ShortfallClassification.objects.create(
        worker=workers["b1"], month=FEB, cause=Cause.FAMILY, note=SENTINEL
    )
    ShortfallClassification.objects.create(
        worker=workers["a3"], month=FEB, cause=Cause.TECHNIQUE
    )
    ShortfallClassification.objects.create(
        worker=workers["a4"], month=FEB, cause=Cause.TECHNIQUE
    )
    member = WorkerFactory(
        employee_no="T-h1",
        name="韩文联",
        workshop=workshops["jg2"],
        political_status=PoliticalStatus.PARTY_MEMBER,
    )
    league = WorkerFactory(
        employee_no="T-h2",
        name="团支书",
        workshop=workshops["jg1"],
        political_status=PoliticalStatus.LEAGUE_MEMBER,
    )
    cases = {
        "a4": AssistanceCase.objects.create(
            worker=workers["a4"],
            month=FEB,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
        ),
        "a3": AssistanceCase.objects.create(
            worker=workers["a3"],
            month=FEB,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            status=CaseStatus.REACHED_QUOTA,
            reached_quota_month=MAR,
        ),
        "b1": AssistanceCase.objects.create(
            worker=workers["b1"],
            month=FEB,
            cause=Cause.FAMILY,
            measure=Measure.HARDSHIP_AID,
            status=CaseStatus.CLOSED,
            outcome=CaseOutcome.REACHED_QUOTA,
            reached_quota_month=MAR,
            close_reason=SENTINEL,
        ),
        "b4": AssistanceCase.objects.create(
            worker=workers["b4"],
            month=APR,
            cause=Cause.OTHER,
            measure=Measure.OTHER,
        ),
    }
    # The trace a case's services would have left: the figures of a month
    # read a case's standing from its events and the records.
    for case in cases.values():
        CaseEvent.objects.create(
            case=case,
            from_status="",
            to_status=CaseStatus.OPEN,
            month=case.month,
            effective_month=case.month,
            measure=case.measure,
        )
    for key in ("a3", "b1"):
        CaseEvent.objects.create(
            case=cases[key],
            from_status=CaseStatus.OPEN,
            to_status=CaseStatus.REACHED_QUOTA,
            month=MAR,
            effective_month=MAR,
        )
    CaseEvent.objects.create(
        case=cases["b1"],
        from_status=CaseStatus.REACHED_QUOTA,
        to_status=CaseStatus.CLOSED,
        effective_month=MAR,
        outcome=CaseOutcome.REACHED_QUOTA,
        note=SENTINEL,
    )
    cases["a3"].helpers.add(league)
    cases["a4"].helpers.add(league)
    cases["b1"].helpers.add(member)
    FollowUp.objects.create(
        case=cases["b1"],
        author=author,
        kind=FollowUpKind.AID_GRANTED,
        date=dt.date(1956, 2, 20),
        text=SENTINEL,
        aid_amount=Decimal("30.50"),
    )
    FollowUp.objects.create(
        case=cases["a4"],
        author=author,
        kind=FollowUpKind.HOME_VISIT,
        date=dt.date(1956, 3, 5),
        text=SENTINEL,
    )
    demonstration = Demonstration.objects.create(
        technique="高速切削",
        demonstrator=workers["b3"],
        workshop=workshops["jg2"],
        date=dt.date(1956, 2, 25),
        place="第二机工车间",
    )
    demonstration.attendees.add(workers["b1"], workers["b2"], workers["b4"])
    return Small(workshops, workers, cases, demonstration, author)


def make_workers_with_records(count: int, workshop, month=MAR, output="100"):
    """count workers of one workshop with a record in month, in bulk."""
    start = Worker.objects.count()
    workers = Worker.objects.bulk_create(
        Worker(employee_no=f"B{start + i:06d}", name=f"批量{i}", workshop=workshop)
        for i in range(count)
    )
    ProductionRecord.objects.bulk_create(
        ProductionRecord(
            worker=worker,
            month=month,
            quota=Decimal("100"),
            output=Decimal(output) if i % 3 else Decimal("80"),
        )
        for i, worker in enumerate(workers)
    )
    # bulk_create sends no model signals: a bulk writer announces its change.
    announce_change(Change.RECORDS, months={month})
    return workers
