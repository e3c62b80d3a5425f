"""month_by_month (the monthly summaries' path) gives, month after month,
what with_reached_month(), reached_in() and stuck_cases() give one month
at a time:
random cases, records with gaps, changes of measure, and closings and
reopenings — several in one month, written out of order — on both
databases."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from assistance import standing
from assistance.models import AssistanceCase, CaseEvent, CaseEventKind, CaseStatus
from assistance.stuck import stuck_cases
from tests.factories import WorkerFactory, WorkshopFactory
from workers.models import Cause, ProductionRecord
from workers.months import add_months

FIRST = dt.date(1956, 1, 1)
MONTHS = [add_months(FIRST, n) for n in range(9)]


def _random_factory(seed: int) -> None:
    rng = random.Random(seed)
    again = random.Random(seed + 1000)
    workshops = [WorkshopFactory(code=f"m{n}") for n in range(2)]
    workers = [WorkerFactory(workshop=rng.choice(workshops)) for _ in range(6)]
    start = timezone.now()
    with transaction.atomic():
        for worker in workers:
            for month in MONTHS:
                if rng.random() < 0.7:  # gaps: months without a record
                    ProductionRecord.objects.create(
                        worker=worker,
                        month=month,
                        quota=Decimal(again.choice([100, 100, 96])),
                        output=Decimal(rng.choice([80, "99.99", 100, 120])),
                    )
            for _ in range(rng.randint(0, 2)):
                # Stored as closed: the standing never reads the stored status
                # (and one active case per worker would refuse two open ones).
                case = AssistanceCase.objects.create(
                    worker=worker,
                    month=rng.choice(MONTHS),
                    cause=Cause.TECHNIQUE,
                    measure="demonstration",
                    status=CaseStatus.CLOSED,
                    outcome="reached_quota",
                )
                for _ in range(rng.randint(0, 2)):
                    CaseEvent.objects.create(
                        case=case,
                        kind=CaseEventKind.MEASURE_CHANGED,
                        at=start + dt.timedelta(minutes=rng.randint(0, 5)),
                        measure=rng.choice(["mentoring", "hardship_aid", "other"]),
                        effective_month=rng.choice(
                            [m for m in MONTHS if m >= case.month]
                        ),
                    )
                # Re-diagnoses, from a generator of their own (the other
                # draws stay those of the seed).
                _rediagnoses(case, again, start)
                for _ in range(rng.randint(0, 4)):
                    closing = rng.random() < 0.6
                    CaseEvent.objects.create(
                        case=case,
                        kind=CaseEventKind.STATUS,
                        # Written out of order: the ranking is effective
                        # month, then when, then id.
                        at=start + dt.timedelta(minutes=rng.randint(0, 5)),
                        from_status=CaseStatus.OPEN if closing else CaseStatus.CLOSED,
                        to_status=CaseStatus.CLOSED if closing else CaseStatus.OPEN,
                        effective_month=rng.choice(
                            [m for m in MONTHS if m >= case.month]
                        ),
                        outcome=rng.choice(["reached_quota", "left_factory", "other"])
                        if closing
                        else "",
                    )
                # An event that is not a person's closing or reopening counts
                # for nothing.
                CaseEvent.objects.create(
                    case=case,
                    kind=CaseEventKind.STATUS,
                    from_status=CaseStatus.OPEN,
                    to_status=CaseStatus.REACHED_QUOTA,
                    effective_month=case.month,
                )


def _rediagnoses(case, rng, start) -> None:
    """Zero to two re-diagnoses of ``case``, in random months and order."""
    causes = [Cause.FAMILY, Cause.IDEOLOGY, Cause.OTHER]
    for _ in range(rng.randint(0, 2)):
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.REDIAGNOSED,
            at=start + dt.timedelta(minutes=rng.randint(0, 5)),
            old_cause=rng.choice(causes),
            cause=rng.choice(causes),
            old_measure="demonstration",
            measure=rng.choice(["mentoring", "other"]),
            effective_month=rng.choice([m for m in MONTHS if m >= case.month]),
        )


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("run_from", [0, 3])
def test_month_by_month_is_with_reached_month_and_reached_in_month_after_month(
    db, seed, run_from
):
    _random_factory(seed)
    cases = AssistanceCase.objects.order_by()
    run = MONTHS[run_from:]
    found = dict(standing.month_by_month(cases, run))
    assert list(found) == run
    for month in run:
        reached = dict(
            standing.reached_in(cases, month).values_list("pk", "measure_then")
        )
        reached_cause = dict(
            standing.reached_in(cases, month).values_list("pk", "cause_then")
        )
        # The stuck cases, as the definition's own query finds them.
        stuck_pks = set(stuck_cases(month).values_list("pk", flat=True))
        # The latest re-diagnosis by then, as the events rank.
        rediagnosed = {}
        for pk, effective in (
            CaseEvent.objects.filter(
                kind=CaseEventKind.REDIAGNOSED, effective_month__lte=month
            )
            .order_by("effective_month", "at", "pk")
            .values_list("case_id", "effective_month")
        ):
            rediagnosed[pk] = effective
        expected = {
            pk: standing.Then(
                status=status,
                outcome=outcome,
                measure=measure,
                reached_month=reached_month,
                reached_in=pk in reached,
                measure_before=reached.get(pk, found[month][pk].measure_before),
                cause_before=reached_cause.get(pk, found[month][pk].cause_before),
                stuck=pk in stuck_pks,
                rediagnosed_in=rediagnosed.get(pk),
            )
            for pk, status, outcome, measure, reached_month in (
                standing.with_reached_month(cases, month).values_list(
                    "pk",
                    "status_then",
                    "outcome_then",
                    "measure_then",
                    "reached_month_then",
                )
            )
        }
        assert found[month] == expected, month
        # The measure and the cause before the month are those at the end of
        # the one before.
        previous = standing.as_of(cases, add_months(month, -1))
        for pk, measure, cause in previous.values_list(
            "pk", "measure_then", "cause_then"
        ):
            assert found[month][pk].measure_before == measure
            assert found[month][pk].cause_before == cause


def _case_with_history(worker, *, outputs, events):
    """A case of MONTHS[0] for ``worker``, records of the given outputs (None:
    no record) and (month index, to status, outcome) closings/reopenings."""
    for month, output in zip(MONTHS, outputs, strict=False):
        if output is not None:
            ProductionRecord.objects.create(
                worker=worker, month=month, quota=100, output=Decimal(output)
            )
    case = AssistanceCase.objects.create(
        worker=worker,
        month=MONTHS[0],
        cause=Cause.FAMILY,
        measure="hardship_aid",
        status=CaseStatus.CLOSED,
        outcome="reached_quota",
    )
    for index, to_status, outcome in events:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.STATUS,
            from_status=CaseStatus.OPEN
            if to_status == CaseStatus.CLOSED
            else CaseStatus.CLOSED,
            to_status=to_status,
            outcome=outcome,
            effective_month=MONTHS[index],
        )
    return case


def test_a_case_closed_as_reached_before_the_run_keeps_the_run_it_closed_with(db):
    """Reached in February, closed as reached in March: the run it reached
    quota with starts in February whatever the records after the closing;
    reopened in June and closed again in August, from the run then."""
    with transaction.atomic():
        closed = _case_with_history(
            WorkerFactory(),
            outputs=[80, 110, 120, 90, 70, 130, 140, 120, 90],
            events=[
                (2, CaseStatus.CLOSED, "reached_quota"),
                (5, CaseStatus.OPEN, ""),
                (7, CaseStatus.CLOSED, "reached_quota"),
            ],
        )
    cases = AssistanceCase.objects.order_by()
    for run_from in range(len(MONTHS)):
        found = dict(standing.month_by_month(cases, MONTHS[run_from:]))
        for month, standings in found.items():
            expected = dict(
                standing.with_reached_month(cases, month).values_list(
                    "pk", "reached_month_then"
                )
            )
            assert standings[closed.pk].reached_month == expected[closed.pk], (
                run_from,
                month,
            )
    # The runs themselves: February's until August, then June's.
    months = dict(standing.month_by_month(cases, MONTHS))
    assert months[MONTHS[4]][closed.pk].reached_month == MONTHS[1]
    assert months[MONTHS[8]][closed.pk].reached_month == MONTHS[5]


def test_month_by_month_refuses_months_that_skip_one(db):
    with pytest.raises(ValueError):
        list(standing.month_by_month(AssistanceCase.objects.all(), MONTHS[::2]))
