"""The case outcomes and the cases that reached quota, read from the monthly
summaries (assistance.outcomes, factory.figures.summaries), against the definitions
written out case by case here (docs/ARCHITECTURE.md, "Definitions").

The summary rows add counts up by workshop; these tests go through every
case of a factory of several workshops, measures and months to quota, in
Python, and expect the same figures — for the factory and each workshop,
and for every month, the months after the data included.
"""

from __future__ import annotations

import datetime as dt
import importlib
import statistics
from decimal import Decimal

import pytest

from assistance import standing
from assistance.models import AssistanceCase, CaseOutcome, CaseStatus, Measure
from assistance.outcomes import EXAMPLES_PER_CAUSE, median_months
from assistance.services.cases import close_case, open_case
from factory.figures import summaries
from factory.figures.lists import reached_quota_cases
from factory.figures.reports import case_outcomes
from tests.factories import WorkerFactory, WorkshopFactory
from workers.models import Cause
from workers.months import add_months
from workers.services import RecordInput, save_records

JAN = dt.date(1956, 1, 1)
MONTHS = [add_months(JAN, n) for n in range(6)]
CAUSES = list(Cause.values)
MEASURES = list(Measure.values)


@pytest.fixture
def factory_of_cases(db):
    """Three workshops; forty workers below quota in January, each with a
    case, who reach quota after 1 to 4 months (some never, some fall back
    once), with every cause and measure — written through the services."""
    shops = [WorkshopFactory(code=code, name=code) for code in ("c", "a", "b")]
    workers = [
        WorkerFactory(employee_no=f"W{n:02}", workshop=shops[n % 3]) for n in range(40)
    ]
    rows = []
    for n, worker in enumerate(workers):
        reaches_after = n % 5  # 0: never
        for index, month in enumerate(MONTHS):
            meets = reaches_after and index >= reaches_after
            if n % 7 == 0 and index == 3:
                meets = False  # fell back below quota once
            rows.append(
                RecordInput(
                    worker_id=worker.pk,
                    month=month,
                    quota=Decimal("100"),
                    output=Decimal("110") if meets else Decimal("80"),
                )
            )
    save_records(rows=rows, by=None, source="test")
    helper = WorkerFactory(employee_no="H1", political_status="party_member")
    for n, worker in enumerate(workers):
        open_case(
            worker=worker,
            month=JAN,
            cause=CAUSES[n % len(CAUSES)],
            measure=MEASURES[n % len(MEASURES)],
            helpers=[helper],
            opened_by=None,
        )
    return shops


def expected_outcomes(month: dt.date, workshop=None) -> dict:
    """By measure: cases opened by the month, reached (by then, or closed
    as such), and the median months from opening to the first month of the
    run of records that got there — case by case."""
    cases = AssistanceCase.objects.order_by()
    if workshop is not None:
        cases = cases.filter(worker__workshop=workshop)
    result = {m: {"cases": 0, "reached": 0, "months": []} for m in MEASURES}
    for case in standing.with_reached_month(cases, month):
        entry = result[case.measure_then]
        entry["cases"] += 1
        reached = case.status_then == CaseStatus.REACHED_QUOTA or (
            case.status_then == CaseStatus.CLOSED
            and case.outcome_then == CaseOutcome.REACHED_QUOTA
        )
        if reached:
            entry["reached"] += 1
            if case.reached_month_then:
                then, opened = case.reached_month_then, case.month
                entry["months"].append(
                    (then.year - opened.year) * 12 + then.month - opened.month
                )
    return {
        measure: (
            entry["cases"],
            entry["reached"],
            float(statistics.median(entry["months"])) if entry["months"] else None,
        )
        for measure, entry in result.items()
    }


def shown_outcomes(month: dt.date, workshop=None) -> dict:
    return {
        row["measure"]: (row["cases"], row["reached"], row["median_months"])
        for row in case_outcomes(month=month, workshop=workshop)["measures"]
    }


def test_the_outcomes_are_those_of_every_case_in_every_month(factory_of_cases):
    assert summaries.differences() == []
    later = add_months(MONTHS[-1], 3)
    for month in [*MONTHS, later]:
        assert shown_outcomes(month) == expected_outcomes(month), month
        for shop in factory_of_cases:
            assert shown_outcomes(month, shop) == expected_outcomes(month, shop)
    # The factory has cases that took 1, 2, 3 and 4 months.
    assert {v[2] for v in shown_outcomes(MONTHS[-1]).values()} - {None}


def test_closing_a_case_as_reached_counts_it_from_the_closing_month(
    factory_of_cases,
):
    case = AssistanceCase.objects.filter(worker__employee_no="W01").get()
    close_case(case=case, by=None, outcome=CaseOutcome.REACHED_QUOTA)
    assert summaries.differences() == []
    for month in MONTHS:
        assert shown_outcomes(month) == expected_outcomes(month), month


def expected_reached(month: dt.date) -> list:
    """Every case that reached quota in the month: open at the end of the
    month before, and the month's record meets quota."""
    before = add_months(month, -1)
    found = []
    for case in standing.as_of(AssistanceCase.objects.order_by(), before):
        record = case.worker.records.filter(month=month).first()
        if (
            case.status_then == CaseStatus.OPEN
            and record
            and record.output >= record.quota
        ):
            found.append(case)
    return found


def test_the_cases_that_reached_quota_are_counted_and_the_first_named(
    factory_of_cases,
):
    for month in MONTHS[1:]:
        cases = expected_reached(month)
        shown = reached_quota_cases(month=month)
        by_workshop = {row["code"]: row["count"] for row in shown["workshops"]}
        expected_by_workshop: dict[str, int] = {}
        for case in cases:
            code = case.worker.workshop.code
            expected_by_workshop[code] = expected_by_workshop.get(code, 0) + 1
        assert by_workshop == expected_by_workshop, month
        # Workshops by code; the first of each cause named, in that order.
        assert [row["code"] for row in shown["workshops"]] == sorted(by_workshop)
        ordered = sorted(cases, key=lambda c: (c.worker.workshop.code, c.month, c.pk))
        for cause in CAUSES:
            first = [c.worker.employee_no for c in ordered if c.cause == cause]
            named = [c["employee_no"] for c in shown["named"] if c["cause"] == cause]
            assert named == first[:EXAMPLES_PER_CAUSE], (month, cause)
        assert sum(by_workshop.values()) == len(cases)
    assert any(len(expected_reached(m)) > EXAMPLES_PER_CAUSE for m in MONTHS[1:])


def test_the_median_of_a_histogram_is_that_of_its_values():
    assert median_months({}) is None
    assert median_months({"3": 1}) == 3.0
    assert median_months({"1": 2, "4": 1}) == 1.0
    assert median_months({"1": 1, "4": 1}) == 2.5
    assert median_months({"2": 2, "1": 2, "10": 1}) == 2.0


def test_old_published_bulletins_keep_their_counts_and_first_names():
    migration = importlib.import_module(
        "factory.migrations.0006_case_outcomes_and_reached"
    )
    cases = [
        {
            "employee_no": f"E{n}",
            "name": f"N{n}",
            "workshop_code": "a" if n < 9 else "b",
            "workshop_name": "A" if n < 9 else "B",
            "cause": "technique" if n % 3 else "family",
            "measure": "demonstration" if n % 2 else "mentoring",
            "opened": "1956-01",
            "helpers": [],
        }
        for n in range(12)
    ]
    converted = migration.reached_from_list(cases)
    assert [(r["code"], r["count"]) for r in converted["workshops"]] == [
        ("a", 9),
        ("b", 3),
    ]
    assert converted["workshops"][0]["by_measure"] == {
        "mentoring": 5,
        "demonstration": 4,
    }
    technique = [
        c["employee_no"] for c in converted["named"] if c["cause"] == "technique"
    ]
    assert technique == ["E1", "E2", "E4", "E5", "E7", "E8"]
    assert len(converted["workshops"][0]["examples"]) == 9  # 6 technique, 3 family
