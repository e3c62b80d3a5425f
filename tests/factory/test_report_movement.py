"""The movement report selector: shape, hand-counted figures, edges, queries."""

import datetime as dt
from decimal import Decimal

import pytest

from factory.figures.reports import (
    change_pct,
    movement_report,
    points_change,
    share,
    trend,
)
from tests.factories import WorkshopFactory
from tests.factory.test_report_data import (
    JAN,
    MAR,
)
from workers.models import AdvancedStandard, Disqualification

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

TOP_KEYS = [
    "month",
    "compare_month",
    "workers_on_quota",
    "advanced",
    "advanced_share",
    "failing",
    "compare",
    "advanced_change",
    "advanced_change_pct",
    "advanced_share_change_pp",
    "causes",
    "workshops",
    "cases",
    "stuck_cases",
    "quota_reviews",
    "completeness",
    "revision",
]


def test_the_report_has_exactly_the_keys_of_design(small):
    report = movement_report(month=MAR)
    assert list(report) == TOP_KEYS
    assert list(report["compare"]) == [
        "workers_on_quota",
        "advanced",
        "advanced_share",
        "failing",
    ]
    assert list(report["causes"]) == [
        "technique",
        "ideology",
        "family",
        "other",
        "unclassified",
    ]
    assert all(list(value) == ["count", "share"] for value in report["causes"].values())
    assert list(report["workshops"][0]) == [
        "code",
        "name",
        "workers_on_quota",
        "advanced",
        "advanced_share",
        "failing",
        "compare_failing",
    ]
    assert list(report["cases"]) == ["open", "reached_quota", "closed"]


def test_factory_figures_match_a_hand_count(small):
    report = movement_report(month=MAR)
    # March: a1..a5, b1..b4 on quota (z1 has no March record).
    # Advanced: a1 a3 a5 b1 b2 b3 (a2 meets quota but is disqualified).
    # Below quota: a4 (95) and b4 (99).
    assert report["month"] == "1956-03"
    assert report["compare_month"] == "1956-02"  # the month before by default
    assert report["workers_on_quota"] == 9
    assert report["advanced"] == 6
    assert report["advanced_share"] == 66.67  # 6/9
    assert report["failing"] == 2
    # February: a1..a4, b1..b4, z1 (a5 has no record: left out of the share).
    # Advanced: a1, a2 (output equal to quota), b3, b4, z1. Below: a3 a4 b1 b2
    # (b2's 99.99 is below quota).
    assert report["compare"] == {
        "workers_on_quota": 9,
        "advanced": 5,
        "advanced_share": 55.56,
        "failing": 4,
    }
    assert report["advanced_change"] == 1
    assert report["advanced_change_pct"] == 20.0  # (6 - 5) / 5
    assert report["advanced_share_change_pp"] == 11.11  # 66.67 - 55.56
    # March's shortfalls: a4 classified technique, b4 not classified. a3's
    # stray March classification (a3 met quota) and February's are ignored.
    assert report["causes"] == {
        "technique": {"count": 1, "share": 50.0},
        "ideology": {"count": 0, "share": 0.0},
        "family": {"count": 0, "share": 0.0},
        "other": {"count": 0, "share": 0.0},
        "unclassified": {"count": 1, "share": 50.0},
    }
    # Cases opened in or before March, present status: a4 open, a3 reached
    # quota, b1 closed; b4's April case is not counted.
    assert report["cases"] == {"open": 1, "reached_quota": 1, "closed": 1}


def test_workshops_list_those_with_workers_on_quota_in_either_month(small):
    report = movement_report(month=MAR)
    assert report["workshops"] == [
        {
            "code": "jg1",
            "name": "第一机工车间",
            "workers_on_quota": 5,
            "advanced": 3,
            "advanced_share": 60.0,
            "failing": 1,
            "compare_failing": 2,
        },
        {
            "code": "jg2",
            "name": "第二机工车间",
            "workers_on_quota": 4,
            "advanced": 3,
            "advanced_share": 75.0,
            "failing": 1,
            "compare_failing": 2,
        },
        # zz had records in February only: listed with zeros for March.
        {
            "code": "zz",
            "name": "铸造车间",
            "workers_on_quota": 0,
            "advanced": 0,
            "advanced_share": 0.0,
            "failing": 0,
            "compare_failing": 0,
        },
    ]


def test_a_workshop_without_records_in_either_month_is_left_out(small):
    WorkshopFactory(code="empty", name="空车间")
    codes = [row["code"] for row in movement_report(month=MAR)["workshops"]]
    assert "empty" not in codes


def test_workshop_report_counts_only_its_workers(small):
    report = movement_report(month=MAR, workshop=small.workshops["jg2"])
    assert report["workers_on_quota"] == 4
    assert report["advanced"] == 3
    assert report["advanced_share"] == 75.0
    assert report["failing"] == 1
    assert report["compare"] == {
        "workers_on_quota": 4,
        "advanced": 2,
        "advanced_share": 50.0,
        "failing": 2,
    }
    assert report["advanced_change_pct"] == 50.0
    assert report["advanced_share_change_pp"] == 25.0
    assert report["causes"]["unclassified"] == {"count": 1, "share": 100.0}
    assert report["causes"]["technique"] == {"count": 0, "share": 0.0}
    assert report["cases"] == {"open": 0, "reached_quota": 0, "closed": 1}
    assert [row["code"] for row in report["workshops"]] == ["jg2"]


def test_compare_month_can_be_chosen(small):
    report = movement_report(month=MAR, compare=JAN)
    assert report["compare_month"] == "1956-01"
    assert report["compare"]["workers_on_quota"] == 0
    # Nothing to take a percentage of: null, documented in change_pct.
    assert report["advanced_change_pct"] is None
    assert report["advanced_change"] == 6
    assert report["advanced_share_change_pp"] == 66.67


def test_any_day_of_the_month_is_taken_as_the_month(small):
    assert movement_report(month=dt.date(1956, 3, 17)) == movement_report(month=MAR)


def test_a_new_standard_applies_from_its_month_on(small):
    AdvancedStandard.objects.create(effective_from=MAR, threshold_pct=Decimal("110"))
    report = movement_report(month=MAR)
    # At 110%: a1 (130), a5 (110, exactly the standard), b1 (120).
    assert report["advanced"] == 3
    # February keeps the 100% standard it had.
    assert report["compare"]["advanced"] == 5
    # Below quota is still output < quota, whatever the standard.
    assert report["failing"] == 2


def test_a_new_standard_reaches_the_summaries_the_report_reads(
    small, django_assert_num_queries
):
    AdvancedStandard.objects.create(effective_from=MAR, threshold_pct=Decimal("110"))
    # The standards are applied when the summaries are kept, not read here:
    # counts, causes, cases (the summaries), the month's completeness (4),
    # and the stuck cases (one more: assistance.stuck reads the cases, the
    # summaries do not keep them), the quota review groups (one more: they
    # count the month's records by trade, which the summaries do not keep).
    with django_assert_num_queries(9):
        report = movement_report(month=MAR)
    with django_assert_num_queries(1):
        points = trend(month=MAR)
    assert points[-1]["advanced"] == report["advanced"] == 3


def test_a_disqualified_worker_is_not_advanced_but_not_failing(small):
    Disqualification.objects.create(
        worker=small.workers["a1"], month=MAR, reason="safety"
    )
    report = movement_report(month=MAR)
    assert report["advanced"] == 5
    assert report["failing"] == 2
    assert report["workers_on_quota"] == 9


def test_shares_round_halves_away_from_zero():
    # 1/32 = 3.125%: banker's rounding (and float round) would give 3.12.
    assert share(1, 32) == 3.13
    assert share(1, 160) == 0.63  # 0.625
    assert share(2, 3) == 66.67
    assert share(0, 0) == 0.0
    assert change_pct(33, 32) == 3.13
    assert change_pct(31, 32) == -3.13
    assert change_pct(5, 0) is None
    assert points_change(78.5, 43.5) == 35.0
    assert points_change(66.67, 55.56) == 11.11


def test_trend_starts_at_the_first_month_with_records(small):
    # The small factory's records begin in February: no empty months
    # before it (the gaps after it: test_dashboard_partial_month.py).
    points = trend(month=MAR, months=4)
    assert [p["month"] for p in points] == ["1956-02", "1956-03"]
    assert points[0] == {
        "month": "1956-02",
        "workers_on_quota": 9,
        "advanced": 5,
        "advanced_share": 55.56,
        "failing": 4,
    }
    report = movement_report(month=MAR)
    assert points[-1]["advanced_share"] == report["advanced_share"]
    assert points[-1]["failing"] == report["failing"]
    assert points[-2]["advanced"] == report["compare"]["advanced"]
