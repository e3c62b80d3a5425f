"""The outcomes of re-diagnosed cases, beside the stuck cases left as they
were, as of a month (assistance.outcomes.rediagnosis_outcomes), and the
first month a case was stuck agreeing with the stuck lists month by month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance import stuck
from assistance.models import AssistanceCase, CaseOutcome, Measure
from assistance.outcomes import rediagnosis_outcomes
from assistance.services import close_case, open_case, rediagnose
from factory.figures import summaries
from factory.figures.reports import case_outcomes
from factory.models import CaseStuckSince
from tests.assistance.conftest import APR, FEB, MAR, MAY, record
from tests.factories import WorkerFactory
from workers.models import Cause, ProductionRecord

JUN = dt.date(1956, 6, 1)
MONTHS = [FEB, MAR, APR, MAY, JUN]


def _case(key, workshop, helper, secretary, outputs):
    worker = WorkerFactory(employee_no=key, workshop=workshop)
    for month, output in zip(MONTHS, outputs, strict=False):
        if output is not None:
            record(worker, month, output)
    return open_case(
        worker=worker,
        month=FEB,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper],
        opened_by=secretary,
    )


@pytest.fixture
def world(db, workshop, helper_worker, secretary):
    """Up to April: A and B stuck in April, C gaining, D stuck and closed in
    May. A is re-diagnosed in April (the working month then); then May's
    and June's records: A reaches quota in May, B in June."""
    cases = {
        "A": _case("A", workshop, helper_worker, secretary, [80, 81, 82]),
        "B": _case("B", workshop, helper_worker, secretary, [70, None, 72]),
        "C": _case("C", workshop, helper_worker, secretary, [70, 80, 90]),
        "D": _case("D", workshop, helper_worker, secretary, [60, 60, 60]),
    }
    rediagnose(case=cases["A"], cause=Cause.FAMILY, by=secretary, reason="家里")
    close_case(
        case=cases["D"],
        by=secretary,
        outcome=CaseOutcome.OTHER,
        reason="调走",
        effective_month=MAY,
    )
    for key, outputs in {"A": (100, 100), "B": (74, 100), "C": (95, 99)}.items():
        worker = cases[key].worker
        for month, output in zip((MAY, JUN), outputs, strict=True):
            record(worker, month, output)
    return cases


def _figures(month):
    return rediagnosis_outcomes(AssistanceCase.objects.all(), month)


def test_re_diagnosed_cases_are_counted_apart_from_those_left_as_they_were(world):
    assert _figures(JUN) == {
        # A: re-diagnosed in April, at quota from May: one month.
        "rediagnosed": {"cases": 1, "reached": 1, "months": {"1": 1}},
        # B: stuck from April, at quota in June (two months); D: stuck in
        # April, closed without reaching quota.
        "left_stuck": {"cases": 2, "reached": 1, "months": {"2": 1}},
    }


def test_they_are_as_of_the_month(world):
    # April: A just re-diagnosed; B and D stuck, nobody at quota yet.
    assert _figures(APR) == {
        "rediagnosed": {"cases": 1, "reached": 0, "months": {}},
        "left_stuck": {"cases": 2, "reached": 0, "months": {}},
    }
    # March: nobody re-diagnosed yet, and a month is too early to be stuck.
    assert _figures(MAR) == {
        "rediagnosed": {"cases": 0, "reached": 0, "months": {}},
        "left_stuck": {"cases": 0, "reached": 0, "months": {}},
    }


def test_the_first_month_stuck_is_the_first_stuck_list_a_case_is_on(world):
    for month in MONTHS:
        firsts = dict(
            stuck.with_record_then(AssistanceCase.objects.all())
            .annotate(first=stuck.first_stuck_month(month))
            .values_list("worker__employee_no", "first")
        )
        expected = dict.fromkeys("ABCD")
        for earlier in MONTHS[: MONTHS.index(month) + 1]:
            for case in stuck.stuck_cases(earlier):
                key = case.worker.employee_no
                expected[key] = expected[key] or earlier
        assert firsts == expected, month
    assert expected == {"A": APR, "B": APR, "C": None, "D": APR}


def test_the_dashboard_shows_them_beside_the_outcomes_by_measure(
    world, secretary_client
):
    outcomes = case_outcomes(month=JUN)
    assert [row["measure"] for row in outcomes["measures"]] == list(Measure.values)
    assert outcomes["rediagnosed"] == {
        "cases": 1,
        "reached": 1,
        "reached_share": 100.0,
        "median_months": 1.0,
    }
    # ... beside the stuck cases left as they were (from the monthly
    # summaries, which the definition's count is held to).
    assert outcomes["left_stuck"] == {
        "cases": 2,
        "reached": 1,
        "reached_share": 50.0,
        "median_months": 2.0,
    }
    body = secretary_client.get(
        reverse("reports:dashboard"), {"month": "1956-06"}
    ).content.decode()
    assert 'id="rediagnosis-table"' in body
    assert 'data-figure="outcomes.left_stuck.cases" data-value="2"' in body
    assert 'data-figure="outcomes.rediagnosed.median_months" data-value="1.0"' in body


def test_a_workshops_outcomes_are_its_workers(world, other_workshop):
    outcomes = case_outcomes(month=JUN, workshop=other_workshop)
    assert outcomes["rediagnosed"]["cases"] == outcomes["left_stuck"]["cases"] == 0


def test_the_summaries_keep_them_as_the_definition_counts_them(world):
    """Every month's rows hold rediagnosis_outcomes' counts, and the first
    month each case was stuck; a later month's record recomputes from that
    month on, starting from the months stuck before it; a record of the
    cases' month moves the first month stuck of a case."""
    assert summaries.differences() == []
    assert dict(
        CaseStuckSince.objects.values_list("case__worker__employee_no", "month")
    ) == {
        "A": APR,
        "B": APR,
        "D": APR,
    }
    for month in MONTHS:
        assert summaries.case_apart(month) == {
            key: counts for key, counts in _figures(month).items() if counts["cases"]
        }
    record(world["B"].worker, dt.date(1956, 7, 1), 70)  # upkeep from July on
    assert summaries.differences() == []
    # C's February record falls: C is stuck in April (90 is not 5 above 88).
    february = ProductionRecord.objects.get(worker=world["C"].worker, month=FEB)
    february.output = Decimal(88)
    february.save()
    assert summaries.differences() == []
    assert CaseStuckSince.objects.get(case=world["C"]).month == APR
