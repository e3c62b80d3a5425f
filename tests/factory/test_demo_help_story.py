"""The demo tells "Is the help working?" (DESIGN.md): by March 1956 a few
cases opened in January are stuck, one re-diagnosed in February from
ideology to technique reached quota, and two helpers' closed cases stand
against what the factory's record predicts — while every figure of the
report stays (tests/factory/test_seed_demo.py)."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
)
from assistance.outcomes import rediagnosis_outcomes
from assistance.stuck import stuck_cases
from factory.demo.plan import build_plan
from factory.demo.specs import FEB_CAUSES
from factory.figures import summaries
from workers.models import ProductionRecord, ShortfallClassification

JAN, FEB, MAR = dt.date(1956, 1, 1), dt.date(1956, 2, 1), dt.date(1956, 3, 1)


@pytest.fixture
def secretary(demo, client):
    client.force_login(get_user_model().objects.get(username="secretary"))
    return client


def work_queue(client) -> dict:
    home = client.get(reverse("home"))
    return {
        item.key: item
        for section in home.context["work_queue"]
        for item in section.items
    }


def test_the_work_queue_counts_the_january_cases_stuck_in_march(secretary):
    stuck = list(stuck_cases(MAR))
    item = work_queue(secretary)["stuck"]

    assert item.count == len(stuck)
    assert 3 <= len(stuck) <= 5
    # Below quota since January, with no real gain by March.
    assert {case.month for case in stuck} == {JAN}
    assert all(case.attainment_now < case.attainment_then + 5 for case in stuck)
    page = secretary.get(item.url).content.decode()
    assert all(case.worker.name in page for case in stuck)


def test_the_case_rediagnosed_from_ideology_to_technique_reached_quota(secretary):
    (event,) = CaseEvent.objects.filter(kind=CaseEventKind.REDIAGNOSED)
    case = event.case

    assert (event.old_cause, event.cause) == ("ideology", "technique")
    assert (event.old_measure, event.measure) == ("individual_help", "mentoring")
    assert (case.month, event.effective_month) == (JAN, FEB)
    assert (case.cause, case.measure) == ("technique", "mentoring")
    # February's shortfall is classified as the new cause; January's keeps
    # the one it was given.
    causes = dict(
        ShortfallClassification.objects.filter(worker=case.worker).values_list(
            "month", "cause"
        )
    )
    assert causes == {JAN: "ideology", FEB: "technique"}
    assert not ProductionRecord.objects.get(worker=case.worker, month=FEB).meets_quota
    assert ProductionRecord.objects.get(worker=case.worker, month=MAR).meets_quota
    assert case.status == CaseStatus.REACHED_QUOTA
    # The dashboards count it apart: reached quota a month after.
    outcomes = rediagnosis_outcomes(AssistanceCase.objects.all(), MAR, left_stuck=False)
    assert outcomes["rediagnosed"] == {"cases": 1, "reached": 1, "months": {"1": 1}}
    # Its page tells why.
    page = secretary.get(case.get_absolute_url())
    assert page.status_code == 200
    assert event.note in page.content.decode()


def test_february_keeps_the_reports_causes_after_the_rediagnosis(demo):
    causes = ShortfallClassification.objects.filter(month=FEB).values_list(
        "cause", flat=True
    )

    assert Counter(causes) == FEB_CAUSES


def test_the_helpers_effect_sets_two_helpers_actual_against_expected(secretary):
    plan = build_plan()
    closed = {spec.worker for spec in plan.closings}
    helpers = {case.helpers[0] for case in plan.cases if case.worker in closed}

    response = secretary.get(reverse("assistance:helper_effect"))

    assert response.status_code == 200
    rows = [
        {cell["key"]: cell["value"] for cell in row["cells"]}
        for row in response.context["rows"]
    ]
    assert {row["employee_no"] for row in rows} == helpers
    # Ten of the eleven closed cases reached quota, none of the causes has
    # ten closed cases: each case is expected to reach it 10 times in 11.
    # Who did better than that comes first.
    assert [
        (row["closed"], row["actual"], row["expected"], row["difference"])
        for row in rows
    ] == [
        (5, 5, Decimal("4.5"), Decimal("0.5")),
        (6, 5, Decimal("5.5"), Decimal("-0.5")),
    ]
    page = response.content.decode()
    assert all(row["name"] in page for row in rows)


def test_the_january_cases_closed_in_february_reached_quota_then(demo):
    closings = CaseEvent.objects.filter(
        kind=CaseEventKind.STATUS, to_status=CaseStatus.CLOSED
    )

    assert set(closings.values_list("effective_month", "outcome")) == {
        (FEB, "reached_quota"),
        (MAR, "transferred"),
    }
    for event in closings.filter(effective_month=FEB).select_related("case"):
        worker = event.case.worker
        assert event.case.month == JAN
        assert not ProductionRecord.objects.get(worker=worker, month=JAN).meets_quota
        assert ProductionRecord.objects.get(worker=worker, month=FEB).meets_quota


def test_the_monthly_summaries_are_current(demo):
    assert summaries.differences() == []
