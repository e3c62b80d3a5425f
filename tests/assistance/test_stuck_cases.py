"""Stuck cases (docs/ARCHITECTURE.md, "Definitions"): each clause of the
definition on a small built world, its boundaries, and that a later
month's data never moves an earlier month's list."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from assistance.models import CaseOutcome, Measure
from assistance.services import close_case, open_case
from assistance.stuck import stuck_cases
from tests.assistance.conftest import APR, FEB, MAR, MAY, record
from tests.factories import WorkerFactory, WorkshopFactory
from workers.models import Cause, Workshop

JUN = dt.date(1956, 6, 1)


def _case(name, helper_worker, secretary, *, month=FEB, workshop=None, **records):
    """A worker with a case opened in ``month`` and records {month key:
    output} (quota 100, so output is the attainment)."""
    worker = WorkerFactory(
        employee_no=name, workshop=workshop or helper_worker.workshop
    )
    months = {"feb": FEB, "mar": MAR, "apr": APR, "may": MAY}
    for key, output in records.items():
        record(worker, months[key], output)
    return open_case(
        worker=worker,
        month=month,
        cause=Cause.TECHNIQUE,
        measure=Measure.MENTORING,
        helpers=[helper_worker],
        opened_by=secretary,
    )


def _listed(month, workshops=None) -> set[str]:
    return {case.worker.employee_no for case in stuck_cases(month, workshops)}


@pytest.fixture
def world(db, helper_worker, secretary):
    """Cases opened in February at 80%, each failing one clause in April."""
    make = _case
    return {
        "stuck": make("stuck", helper_worker, secretary, feb=80, mar=82, apr=84),
        "gain_of_five": make("gain5", helper_worker, secretary, feb=80, apr=85),
        "meets": make("meets", helper_worker, secretary, feb=80, apr=100),
        "no_record_then": make("nothen", helper_worker, secretary, mar=80, apr=80),
        "no_record_now": make("nonow", helper_worker, secretary, feb=80, mar=80),
        "fell": make("fell", helper_worker, secretary, feb=80, apr=60),
        "opened_march": make(
            "march", helper_worker, secretary, month=MAR, mar=70, apr=70
        ),
    }


def test_a_case_with_no_real_gain_two_months_on_is_stuck(world):
    assert _listed(APR) == {"stuck", "fell"}


def test_a_gain_of_exactly_five_points_is_not_stuck(world):
    assert "gain5" not in _listed(APR)


def test_a_gain_just_under_five_points_is_stuck(db, helper_worker, secretary):
    case = _case("under5", helper_worker, secretary, feb=80, apr="84.99")
    assert {c.pk for c in stuck_cases(APR)} >= {case.pk}


def test_the_month_after_the_cases_month_is_too_early(world):
    assert "march" not in _listed(APR)
    assert _listed(MAR) == set()
    assert "march" not in _listed(MAY)  # no record in May yet
    record(world["opened_march"].worker, MAY, 72)
    assert "march" in _listed(MAY)


def test_records_for_the_cases_month_and_the_month_are_needed(world):
    listed = _listed(APR)
    assert "nothen" not in listed and "nonow" not in listed


def test_a_record_at_quota_is_not_stuck(world):
    assert "meets" not in _listed(APR)


def test_a_case_closed_by_the_month_is_not_stuck_and_one_closed_later_is(
    world, secretary
):
    close_case(
        case=world["fell"],
        by=secretary,
        outcome=CaseOutcome.OTHER,
        reason="调走了",
        effective_month=APR,
    )
    close_case(
        case=world["stuck"],
        by=secretary,
        outcome=CaseOutcome.OTHER,
        reason="调走了",
        effective_month=MAY,
    )
    assert _listed(APR) == {"stuck"}
    assert _listed(MAY) == set()


def test_a_later_months_record_does_not_change_the_months_list(world):
    before = [(c.pk, c.attainment_then, c.attainment_now) for c in stuck_cases(APR)]
    # May's records: one reaches quota, one falls, one appears from nowhere.
    record(world["stuck"].worker, MAY, 120)
    record(world["gain_of_five"].worker, MAY, 60)
    record(world["no_record_now"].worker, MAY, 70)
    after = [(c.pk, c.attainment_then, c.attainment_now) for c in stuck_cases(APR)]
    assert after == before
    assert _listed(MAY) == {"gain5", "nonow"}


def test_the_list_carries_the_attainment_then_and_now(world):
    case = stuck_cases(APR).get(pk=world["stuck"].pk)
    assert (case.attainment_then, case.attainment_now) == (80, 84)
    assert case.status_then == "open"


def test_workshops_narrow_the_list(world, helper_worker, secretary):
    elsewhere = WorkshopFactory(code="far")
    _case("far", helper_worker, secretary, workshop=elsewhere, feb=80, apr=80)
    assert "far" in _listed(APR)
    assert _listed(APR, Workshop.objects.filter(code="far")) == {"far"}
    assert "far" not in _listed(APR, Workshop.objects.exclude(code="far"))


def test_the_list_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(stuck_cases(APR))
    with django_assert_num_queries(0):
        [row.worker.workshop.name for row in rows]
    assert len(rows) == 2


def test_the_commands_text_counts_the_months_stuck_cases(world):
    out = io.StringIO()
    call_command(
        "movement_report", month="1956-04", format="text", language="en", stdout=out
    )
    assert (
        "2 help cases are stuck: their workers have gained nothing since they "
        "were opened." in out.getvalue()
    )
