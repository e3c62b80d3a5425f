"""save_records, the one path for records; the standard; disqualifications."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import (
    ProductionRecordFactory,
    UserFactory,
    WorkerFactory,
)
from workers.models import (
    AdvancedStandard,
    Disqualification,
    DisqualificationReason,
    ProductionRecord,
)
from workers.services import (
    RecordInput,
    StaleRecordsError,
    disqualify,
    requalify,
    save_records,
    set_advanced_standard,
)
from workers.signals import records_saved

FEB = dt.date(1956, 2, 1)
MARCH = dt.date(1956, 3, 1)


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk")


@pytest.fixture
def sent():
    """Every records_saved signal sent during the test."""
    calls = []

    def receiver(sender, signal, **kwargs):
        calls.append(kwargs)

    records_saved.connect(receiver, dispatch_uid="test-records-sent")
    yield calls
    records_saved.disconnect(dispatch_uid="test-records-sent")


def row(worker, month=MARCH, quota="100", output="90", unit="件", **extra):
    return RecordInput(
        worker_id=worker.pk,
        month=month,
        quota=Decimal(quota),
        output=Decimal(output),
        unit=unit,
        **extra,
    )


def test_it_creates_records_with_who_and_history(db, clerk, sent):
    workers = WorkerFactory.create_batch(3)

    result = save_records(
        rows=[row(w, output=str(80 + i)) for i, w in enumerate(workers)],
        by=clerk,
        source="import",
    )

    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0}
    record = ProductionRecord.objects.get(worker=workers[2], month=MARCH)
    assert (record.quota, record.output, record.unit) == (
        Decimal("100"),
        Decimal("82"),
        "件",
    )
    assert record.entered_by == clerk and record.updated_by == clerk
    history = list(record.history.all())
    assert len(history) == 1
    assert history[0].history_type == "+"
    assert history[0].history_user == clerk
    assert history[0].history_change_reason == "import"
    assert history[0].output == Decimal("82")
    assert sent == [{"months": {MARCH}, "worker_ids": {w.pk for w in workers}}]


def test_saving_the_same_rows_again_changes_nothing(db, clerk, sent):
    workers = WorkerFactory.create_batch(2)
    rows = [row(w) for w in workers]
    save_records(rows=rows, by=clerk, source="import")
    before = list(ProductionRecord.objects.values_list("pk", "updated_at"))
    sent.clear()

    result = save_records(rows=rows, by=clerk, source="import")

    assert result.counts == {"created": 0, "updated": 0, "unchanged": 2}
    assert list(ProductionRecord.objects.values_list("pk", "updated_at")) == before
    assert ProductionRecord.history.count() == 2
    assert sent == []


def test_values_equal_after_rounding_are_unchanged(db, clerk):
    worker = WorkerFactory()
    save_records(rows=[row(worker, quota="100.004")], by=clerk, source="import")

    result = save_records(rows=[row(worker, quota="100.00")], by=clerk, source="x")

    assert ProductionRecord.objects.get().quota == Decimal("100.00")
    assert result.unchanged == 1


def test_an_update_keeps_the_old_value_in_history(db, clerk, secretary, sent):
    worker, other = WorkerFactory.create_batch(2)
    save_records(rows=[row(worker), row(other)], by=clerk, source="import")
    sent.clear()

    result = save_records(
        rows=[row(worker, output="120"), row(other)], by=secretary, source="grid"
    )

    assert result.counts == {"created": 0, "updated": 1, "unchanged": 1}
    record = ProductionRecord.objects.get(worker=worker)
    assert record.output == Decimal("120")
    assert record.entered_by == clerk and record.updated_by == secretary
    newest, oldest = record.history.order_by("-history_date", "-history_id")
    assert (oldest.output, oldest.history_user) == (Decimal("90"), clerk)
    assert (newest.output, newest.history_type) == (Decimal("120"), "~")
    assert (newest.history_user, newest.history_change_reason) == (secretary, "grid")
    assert sent == [{"months": {MARCH}, "worker_ids": {worker.pk}}]


def test_attainment_follows_an_update(db, clerk):
    worker = WorkerFactory()
    save_records(rows=[row(worker, output="90")], by=clerk, source="import")
    save_records(rows=[row(worker, output="125")], by=clerk, source="import")

    assert ProductionRecord.objects.get().attainment == Decimal("125.00")


def test_a_missing_unit_keeps_the_stored_one(db, clerk):
    worker = WorkerFactory()
    save_records(rows=[row(worker, unit="定额工时")], by=clerk, source="import")

    result = save_records(rows=[row(worker, unit=None)], by=clerk, source="import")
    assert result.unchanged == 1
    result = save_records(rows=[row(worker, unit="件")], by=clerk, source="import")
    assert result.updated == 1
    assert ProductionRecord.objects.get().unit == "件"


def test_the_same_worker_month_twice_saves_nothing(db, clerk):
    worker = WorkerFactory()
    with pytest.raises(ValueError):
        save_records(rows=[row(worker), row(worker)], by=clerk, source="import")
    assert not ProductionRecord.objects.exists()


@pytest.mark.parametrize(
    ("quota", "output"),
    [("0", "10"), ("-5", "10"), ("100", "-1"), ("NaN", "1"), ("100", "Infinity")],
)
def test_values_the_rules_refuse_save_nothing(db, clerk, quota, output):
    good, bad = WorkerFactory.create_batch(2)
    with pytest.raises(ValidationError):
        save_records(
            rows=[row(good), row(bad, quota=quota, output=output)],
            by=clerk,
            source="import",
        )
    assert not ProductionRecord.objects.exists()


def test_a_stale_row_is_refused_and_nothing_is_saved(db, clerk):
    worker, other = WorkerFactory.create_batch(2)
    record = ProductionRecordFactory(worker=worker, month=MARCH)
    seen = record.updated_at
    save_records(rows=[row(worker, output="95")], by=clerk, source="someone else")

    with pytest.raises(StaleRecordsError) as caught:
        save_records(
            rows=[
                row(worker, output="70", check_stale=True, seen_updated_at=seen),
                row(other, check_stale=True, seen_updated_at=None),
            ],
            by=clerk,
            source="grid",
        )

    assert list(caught.value.current) == [(worker.pk, MARCH)]
    assert caught.value.current[(worker.pk, MARCH)].output == Decimal("95")
    assert ProductionRecord.objects.get(worker=worker).output == Decimal("95")
    assert not ProductionRecord.objects.filter(worker=other).exists()


def test_a_row_created_meanwhile_is_stale_too(db, clerk):
    worker = WorkerFactory()
    ProductionRecordFactory(worker=worker, month=MARCH)
    with pytest.raises(StaleRecordsError):
        save_records(
            rows=[row(worker, check_stale=True, seen_updated_at=None)],
            by=clerk,
            source="grid",
        )


def test_an_unchanged_stale_check_passes(db, clerk):
    worker = WorkerFactory()
    record = ProductionRecordFactory(worker=worker, month=MARCH)
    result = save_records(
        rows=[
            row(
                worker, output="50", check_stale=True, seen_updated_at=record.updated_at
            )
        ],
        by=clerk,
        source="grid",
    )
    assert result.updated == 1


def test_many_rows_over_several_months(db, clerk):
    """More rows than one SQL batch or one lookup chunk, old and new mixed."""
    workers = WorkerFactory.create_batch(1200)
    first = [row(w, month=FEB, output="80") for w in workers[:700]]
    save_records(rows=first, by=clerk, source="import")

    rows = [row(w, month=FEB, output="85") for w in workers[:350]]
    rows += [row(w, month=FEB, output="80") for w in workers[350:700]]
    rows += [row(w, month=MARCH, output="100") for w in workers]
    result = save_records(rows=rows, by=clerk, source="import")

    assert result.counts == {"created": 1200, "updated": 350, "unchanged": 350}
    assert ProductionRecord.objects.count() == 1900
    assert ProductionRecord.objects.filter(month=FEB, output=85).count() == 350
    assert ProductionRecord.history.count() == 700 + 1200 + 350
    assert (
        ProductionRecord.history.filter(
            history_type="~", history_user=clerk, history_change_reason="import"
        ).count()
        == 350
    )


def test_each_history_row_repeats_its_record_as_written(db, clerk, secretary):
    """New, changed and unchanged rows in one save: every history row of the
    save has its record's id and values after the save, with who and when
    (the new records' rows are copied from the staged rows, the changed
    ones' read back from the records)."""
    workers = WorkerFactory.create_batch(6)
    save_records(rows=[row(w, output="80") for w in workers[:4]], by=clerk, source="a")
    result = save_records(
        rows=[
            row(workers[0], output="80"),  # unchanged
            row(workers[1], output="95"),  # changed
            row(workers[2], output="96", unit=None),  # changed, keeps its unit
            row(workers[4], output="97"),  # new
            row(workers[5], output="98", unit=None),  # new, no unit
            row(workers[3], month=FEB, output="99"),  # new, another month
        ],
        by=secretary,
        source="b",
    )
    assert result.counts == {"created": 3, "updated": 2, "unchanged": 1}
    fields = [
        "id",
        "worker_id",
        "month",
        "quota",
        "output",
        "unit",
        "entered_by_id",
        "entered_at",
        "updated_by_id",
        "updated_at",
    ]
    history = ProductionRecord.history.filter(history_change_reason="b")
    assert history.count() == 5
    for entry in history:
        record = ProductionRecord.objects.get(pk=entry.id)
        assert [getattr(entry, name) for name in fields] == [
            getattr(record, name) for name in fields
        ]
        assert entry.history_user == secretary
        assert entry.history_date == record.updated_at
        assert entry.history_type == ("~" if record.entered_by == clerk else "+")


def test_the_standard_is_set_from_a_month_with_who(db, secretary):
    standard = set_advanced_standard(
        month=MARCH, threshold_pct=Decimal("110"), by=secretary
    )
    assert (standard.threshold_pct, standard.set_by) == (Decimal("110"), secretary)
    assert AdvancedStandard.pct_for(FEB) == Decimal("100")
    assert AdvancedStandard.pct_for(MARCH) == Decimal("110")

    set_advanced_standard(month=MARCH, threshold_pct=Decimal("105"), by=secretary)
    assert AdvancedStandard.objects.get().threshold_pct == Decimal("105")
    assert list(
        AdvancedStandard.history.order_by("history_id").values_list(
            "threshold_pct", "history_user"
        )
    ) == [(Decimal("110"), secretary.pk), (Decimal("105"), secretary.pk)]


def test_a_standard_must_be_positive(db, secretary):
    with pytest.raises(ValidationError):
        set_advanced_standard(month=MARCH, threshold_pct=Decimal("0"), by=secretary)


def test_disqualify_and_requalify(db, secretary):
    worker = WorkerFactory()
    decision = disqualify(
        worker=worker,
        month=MARCH,
        reason=DisqualificationReason.SAFETY,
        note="ran the crane without a signal",
        by=secretary,
    )
    assert (decision.reason, decision.decided_by) == ("safety", secretary)

    assert requalify(worker=worker, month=MARCH, by=secretary) is True
    assert not Disqualification.objects.exists()
    deleted = Disqualification.history.get(history_type="-")
    assert deleted.history_user == secretary
    assert requalify(worker=worker, month=MARCH, by=secretary) is False


def test_a_disqualification_needs_a_reason(db, secretary):
    with pytest.raises(ValidationError):
        disqualify(worker=WorkerFactory(), month=MARCH, reason="", by=secretary)


def test_bulk_create_returns_ids_and_generated_columns(db):
    """Django's bulk_create contract, kept by the faster one (COPY on PG)."""
    workers = WorkerFactory.create_batch(3)
    made = ProductionRecord.objects.bulk_create(
        ProductionRecord(worker=w, month=MARCH, quota=Decimal("80"), output=100)
        for w in workers
    )
    assert all(record.pk for record in made)
    assert {record.pk for record in made} == set(
        ProductionRecord.objects.values_list("pk", flat=True)
    )
    assert all(record.entered_at is not None for record in made)
    if db_returns_generated():
        assert [record.attainment for record in made] == [Decimal("125.00")] * 3


def test_bulk_update_writes_the_fields_asked_for_only(db):
    records = [
        ProductionRecordFactory(worker=w, unit="件")
        for w in WorkerFactory.create_batch(3)
    ]
    for index, record in enumerate(records):
        record.output = Decimal(50 + index)
        record.unit = "changed but not asked"
    updated = ProductionRecord.objects.bulk_update(records, ["output"])

    assert updated == 3
    stored = ProductionRecord.objects.order_by("pk")
    assert [r.output for r in stored] == [Decimal(50), Decimal(51), Decimal(52)]
    assert {r.unit for r in stored} == {"件"}
    assert [r.attainment for r in stored] == [Decimal(50), Decimal(51), Decimal(52)]


def test_text_with_tabs_and_backslashes_survives_the_bulk_paths(db, clerk):
    worker = WorkerFactory()
    unit = "a\\b\tc\nd"
    save_records(rows=[row(worker, unit=unit)], by=clerk, source="x\ty")
    assert ProductionRecord.objects.get().unit == unit
    assert ProductionRecord.history.get().unit == unit
    save_records(rows=[row(worker, unit=unit + "\\")], by=clerk, source="x")
    assert ProductionRecord.objects.get().unit == unit + "\\"


def db_returns_generated() -> bool:
    from django.db import connection

    return connection.features.can_return_rows_from_bulk_insert


def test_rows_with_and_without_a_unit_in_one_save(db, clerk, sent):
    """On PostgreSQL these go through two statements; both kinds in one call."""
    kept, changed, new_bare, new_with = WorkerFactory.create_batch(4)
    save_records(
        rows=[row(kept, unit="定额工时"), row(changed, unit="件")],
        by=clerk,
        source="import",
    )
    sent.clear()

    result = save_records(
        rows=[
            row(kept, unit=None),  # the stored unit stays: unchanged
            row(changed, output="99", unit=None),  # unit kept, output changed
            row(new_bare, unit=None),  # a new record without a unit
            row(new_with, unit="吨"),
        ],
        by=clerk,
        source="second",
    )

    assert result.counts == {"created": 2, "updated": 1, "unchanged": 1}
    units = dict(ProductionRecord.objects.values_list("worker_id", "unit"))
    assert units == {
        kept.pk: "定额工时",
        changed.pk: "件",
        new_bare.pk: "",
        new_with.pk: "吨",
    }
    assert ProductionRecord.objects.get(worker=changed).output == Decimal("99")
    assert set(
        ProductionRecord.history.filter(history_change_reason="second").values_list(
            "worker_id", "history_type"
        )
    ) == {(changed.pk, "~"), (new_bare.pk, "+"), (new_with.pk, "+")}
    assert sent == [
        {"months": {MARCH}, "worker_ids": {changed.pk, new_bare.pk, new_with.pk}}
    ]
