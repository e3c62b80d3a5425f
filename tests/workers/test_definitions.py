"""The definitions of docs/ARCHITECTURE.md at their edges, on the QuerySet that carries
them (meets_quota, below_quota, advanced, with_band)."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import (
    AdvancedStandard,
    Band,
    Disqualification,
    DisqualificationReason,
    ProductionRecord,
)
from workers.selectors import worker_attainment_history

pytestmark = pytest.mark.django_db

FEB = dt.date(1956, 2, 1)
MARCH = dt.date(1956, 3, 1)
APRIL = dt.date(1956, 4, 1)


def record(quota, output, month=MARCH, worker=None):
    return ProductionRecordFactory(
        worker=worker or WorkerFactory(),
        month=month,
        quota=Decimal(quota),
        output=Decimal(output),
    )


def bands(month=MARCH):
    return dict(
        ProductionRecord.objects.for_month(month)
        .with_band()
        .values_list("worker__employee_no", "band")
    )


def test_output_equal_to_quota_meets_quota_and_is_advanced_at_100():
    equal = record("100", "100")
    months = ProductionRecord.objects.for_month(MARCH)

    assert list(months.meets_quota()) == [equal]
    assert list(months.below_quota()) == []
    assert list(months.advanced()) == [equal]
    assert bands() == {equal.worker.employee_no: Band.ADVANCED}


def test_a_hundredth_below_quota_is_below_and_not_advanced():
    short = record("100", "99.99")
    months = ProductionRecord.objects.for_month(MARCH)

    assert list(months.below_quota()) == [short]
    assert list(months.meets_quota()) == []
    assert list(months.advanced()) == []
    assert bands() == {short.worker.employee_no: Band.BELOW_QUOTA}


def test_no_rounding_makes_99_996_percent_advanced():
    # 99.996% shows as 100.00 when rounded; the definition compares exactly.
    nearly = record("25000", "24999")
    assert nearly.attainment == Decimal("100.00")
    assert not ProductionRecord.objects.for_month(MARCH).advanced().exists()
    assert not ProductionRecord.objects.for_month(MARCH).meets_quota().exists()


def test_a_changed_standard_applies_from_its_month_and_leaves_earlier_ones(
    secretary,
):
    worker = WorkerFactory()
    march = record("100", "105", MARCH, worker)
    april = record("100", "105", APRIL, worker)
    AdvancedStandard.objects.create(
        effective_from=APRIL, threshold_pct=Decimal("110"), set_by=secretary
    )

    advanced = ProductionRecord.objects.advanced()
    assert list(advanced) == [march]
    assert april not in advanced
    assert bands(MARCH) == {worker.employee_no: Band.ADVANCED}
    assert bands(APRIL) == {worker.employee_no: Band.MEETS_QUOTA}
    standards = dict(
        ProductionRecord.objects.with_standing().values_list("month", "standard_pct")
    )
    assert standards == {MARCH: Decimal("100"), APRIL: Decimal("110")}


def test_exactly_at_a_raised_standard_is_advanced():
    AdvancedStandard.objects.create(effective_from=FEB, threshold_pct=Decimal("110"))
    at = record("80", "88")
    assert list(ProductionRecord.objects.advanced()) == [at]


def test_a_standard_below_100_makes_an_advanced_producer_below_quota():
    AdvancedStandard.objects.create(effective_from=MARCH, threshold_pct=Decimal("95"))
    close = record("100", "96")

    assert list(ProductionRecord.objects.advanced()) == [close]
    assert list(ProductionRecord.objects.below_quota()) == [close]
    # Advanced takes precedence in the band.
    assert bands() == {close.worker.employee_no: Band.ADVANCED}


def test_the_latest_earlier_standard_is_the_one_in_force():
    AdvancedStandard.objects.create(effective_from=FEB, threshold_pct=Decimal("120"))
    AdvancedStandard.objects.create(effective_from=MARCH, threshold_pct=Decimal("105"))
    AdvancedStandard.objects.create(effective_from=APRIL, threshold_pct=Decimal("130"))
    assert AdvancedStandard.pct_for(MARCH) == Decimal("105")
    record("100", "110")
    assert ProductionRecord.objects.advanced().count() == 1


def test_a_disqualified_worker_is_not_advanced_but_still_meets_quota():
    kept = record("100", "150")
    barred = record("100", "150")
    Disqualification.objects.create(
        worker=barred.worker, month=MARCH, reason=DisqualificationReason.QUALITY
    )

    months = ProductionRecord.objects.for_month(MARCH)
    assert list(months.advanced()) == [kept]
    assert set(months.meets_quota()) == {kept, barred}
    assert bands()[barred.worker.employee_no] == Band.MEETS_QUOTA


def test_a_disqualification_counts_only_for_its_month():
    worker = WorkerFactory()
    record("100", "120", FEB, worker)
    record("100", "120", MARCH, worker)
    Disqualification.objects.create(
        worker=worker, month=MARCH, reason=DisqualificationReason.DISCIPLINE
    )
    assert list(
        ProductionRecord.objects.advanced().values_list("month", flat=True)
    ) == [FEB]


def test_workers_without_a_record_that_month_are_left_out():
    on_quota = record("100", "120")
    only_february = WorkerFactory()
    record("100", "50", FEB, only_february)
    WorkerFactory()  # never any record

    months = ProductionRecord.objects.for_month(MARCH)
    assert months.count() == 1
    assert list(months.with_band().values_list("worker", flat=True)) == [
        on_quota.worker_id
    ]
    assert months.below_quota().count() == 0


def test_attainment_is_stored_by_the_database():
    stored = record("80", "100")
    stored.refresh_from_db()
    assert stored.attainment == Decimal("125.00")
    top = ProductionRecord.objects.order_by("-attainment").first()
    assert top == stored


def test_worker_history_has_bands_from_the_queryset(secretary):
    worker = WorkerFactory()
    record("100", "90", FEB, worker)
    record("100", "105", MARCH, worker)
    record("100", "105", APRIL, worker)
    AdvancedStandard.objects.create(effective_from=APRIL, threshold_pct=Decimal("110"))

    history = worker_attainment_history(worker)

    assert [(row["label"], row["band"]) for row in history] == [
        ("1956-02", Band.BELOW_QUOTA),
        ("1956-03", Band.ADVANCED),
        ("1956-04", Band.MEETS_QUOTA),
    ]
    assert history[2]["standard_pct"] == Decimal("110")
