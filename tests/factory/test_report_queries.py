"""The reports on data of the test's own: a fixed number of queries
whatever the size, the standard in force month by month, the rounding of
shares, and a factory with nothing in it. (The report tests that read the
small factory build it once per module; these need the database to hold
only what they put in it.)"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from factory.figures.reports import (
    movement_report,
    trend,
)
from tests.factories import ProductionRecordFactory, WorkerFactory, WorkshopFactory
from tests.factory.test_dashboard import figures_of
from tests.factory.test_report_data import (
    FEB,
    JAN,
    MAR,
    make_workers_with_records,
)
from workers.completeness import months_with_records
from workers.models import AdvancedStandard

# --- from test_report_movement.py


def test_a_month_without_records_gives_zeros(db):
    report = movement_report(month=MAR)
    assert report["workers_on_quota"] == 0
    assert report["advanced_share"] == 0.0
    assert report["advanced_change_pct"] is None
    assert report["advanced_share_change_pp"] == 0.0
    assert report["workshops"] == []
    assert report["causes"]["unclassified"] == {"count": 0, "share": 0.0}
    assert report["cases"] == {"open": 0, "reached_quota": 0, "closed": 0}


def test_each_month_counts_with_the_latest_standard_in_force_then(db):
    # Standards from January (90%), February (120%) and March (95%): each
    # month takes the latest that began on or before it, never a later one.
    for month, pct in ((JAN, "90"), (FEB, "120"), (MAR, "95")):
        AdvancedStandard.objects.create(effective_from=month, threshold_pct=pct)
    shop = WorkshopFactory(code="s1")
    for month in (dt.date(1955, 12, 1), JAN, FEB, MAR):
        for output in ("89.99", "90", "95", "119.99", "120"):
            ProductionRecordFactory(
                worker=WorkerFactory(workshop=shop),
                month=month,
                quota=Decimal("100"),
                output=Decimal(output),
            )
    points = trend(month=MAR, months=4)
    # December 1955: before any standard, 100% (only 119.99 and 120).
    assert [p["advanced"] for p in points] == [2, 4, 1, 3]
    report = movement_report(month=MAR)
    assert (report["advanced"], report["compare"]["advanced"]) == (3, 1)


def test_report_share_uses_the_same_rounding(db):
    shop = WorkshopFactory(code="r1")
    for i in range(32):
        ProductionRecordFactory(
            worker=WorkerFactory(workshop=shop),
            month=MAR,
            output="100" if i == 0 else "50",
        )
    assert movement_report(month=MAR)["advanced_share"] == 3.13


@pytest.mark.parametrize("size", [10, 1000])
def test_the_report_runs_nine_queries_whatever_the_size(
    db, django_assert_num_queries, size
):
    shop = WorkshopFactory(code="q1")
    other = WorkshopFactory(code="q2")
    make_workers_with_records(size // 2, shop, month=FEB)
    make_workers_with_records(size - size // 2, other, month=MAR)
    # standing counts by month and workshop, causes, cases (the monthly
    # summaries); the month's completeness (the active roster by workshop,
    # records by workshop, the secretary's mark, and the first record of
    # workshops whose workers joined after the month); the stuck cases (one
    # query of assistance.stuck: the summaries do not keep them); the quota
    # review groups (one query of workers.quota_review: the month's records
    # by trade, which the summaries do not keep)
    with django_assert_num_queries(9):
        report = movement_report(month=MAR)
    with django_assert_num_queries(9):
        movement_report(month=MAR, workshop=shop)
    assert report["workers_on_quota"] == size - size // 2
    assert report["compare"]["workers_on_quota"] == size // 2


@pytest.mark.parametrize("size", [10, 1000])
def test_the_trend_runs_one_query_whatever_the_size(
    db, django_assert_num_queries, size
):
    make_workers_with_records(size, WorkshopFactory(code="q3"), month=FEB)
    # the monthly summaries of the twelve months, summed by month
    with django_assert_num_queries(1):
        points = trend(month=MAR)
    assert points[-2]["workers_on_quota"] == size


def test_months_with_records_are_each_month_once_latest_first(
    db, django_assert_num_queries
):
    assert months_with_records() == []
    for month in (FEB, dt.date(1955, 11, 1), MAR, FEB):
        ProductionRecordFactory(month=month)
    with django_assert_num_queries(1):
        months = months_with_records()
    assert months == [MAR, FEB, dt.date(1955, 11, 1)]
    assert all(type(month) is dt.date for month in months)


# --- from test_bulletin.py


@pytest.mark.parametrize("size", [10, 1000])
def test_the_bulletin_runs_a_fixed_number_of_queries(
    db, secretary_client, django_assert_num_queries, size
):
    make_workers_with_records(size, WorkshopFactory(code="big"), month=MAR)
    # session, user, permissions (2), generation, report (3 over the monthly
    # summaries: standing counts, causes, cases), causes of the
    # compared month, measures (5: the experiences demonstrated, whose
    # effects are two more when there are any), reached cases (their helpers are
    # prefetched in one more query when there are any), snapshot, months
    # with records and their completeness (4), navigation's helper check,
    # the campaign targets (one query; their versions and the figures they
    # read are two more only when there are campaigns), the stuck cases
    # (one query of assistance.stuck, in the report), the quota review
    # groups (one, in the report) and their decisions (one, the bulletin's)
    with django_assert_num_queries(26):
        response = secretary_client.get("/reports/1956-03/")
    assert response.context["report"]["workers_on_quota"] == size


# --- from test_report_json.py


@pytest.mark.parametrize("size", [10, 1000])
def test_the_json_runs_a_fixed_number_of_queries(
    db, secretary_client, django_assert_num_queries, size
):
    from tests.factories import WorkshopFactory
    from tests.factory.test_report_data import make_workers_with_records

    make_workers_with_records(size, WorkshopFactory(code="big"), month=MAR)
    # session, user, permissions (2), the user's worker (the role's helper
    # flag: factory.role_cache, kept in the shared cache in production),
    # generation tokens, months with records and their completeness (4: the
    # default month), the report (3 over the monthly summaries: counts,
    # causes, cases), the month's revisions, the campaign targets (one
    # query; their versions and figures only when there are campaigns), the
    # stuck cases (one query of assistance.stuck, in the report), the quota
    # review groups (one query of workers.quota_review, in the report)
    with django_assert_num_queries(18):
        data = secretary_client.get("/reports/movement.json").json()
    assert data["workers_on_quota"] == size


# --- from test_dashboard.py


def test_an_empty_factory_shows_a_dashboard_with_nothing_reported(db, secretary_client):
    response = secretary_client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    # A month without a record is partial: nothing reported, not a result
    # of zero (test_dashboard_partial_month.py).
    page = figures_of(response)
    assert "report.workers_on_quota" not in page and "report.failing" not in page
    assert 'data-not-reported="month"' in response.content.decode()
    assert page["report.cases.open"] == "0"
