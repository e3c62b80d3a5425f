"""Cases follow every save of records; classification rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assistance.models import CaseStatus
from assistance.services import StaleEditError, classify
from tests.assistance.conftest import APR, FEB, MAR, MAY, record
from tests.factories import WorkerFactory
from workers.models import Cause, ShortfallClassification
from workers.services import RecordInput, save_records


def _save(worker, month, output, by=None, quota=100):
    return save_records(
        rows=[
            RecordInput(
                worker_id=worker.pk,
                month=month,
                quota=Decimal(quota),
                output=Decimal(output),
            )
        ],
        by=by,
        source="test",
    )


def test_saving_records_reaches_quota_and_relapses(case, failing_worker, secretary):
    _save(failing_worker, APR, 101, by=secretary)
    case.refresh_from_db()
    assert case.status == CaseStatus.REACHED_QUOTA
    _save(failing_worker, MAY, 60, by=secretary)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    # A correction of May's record is a save too.
    _save(failing_worker, MAY, 100, by=secretary)
    case.refresh_from_db()
    assert case.status == CaseStatus.REACHED_QUOTA
    assert case.reached_quota_month == MAY


def test_saving_the_same_record_again_changes_nothing(case, failing_worker):
    _save(failing_worker, APR, 101)
    case.refresh_from_db()
    events, version = case.events.count(), case.version
    _save(failing_worker, APR, 101)
    case.refresh_from_db()
    assert (case.events.count(), case.version) == (events, version)


def test_one_save_of_several_months(case, failing_worker, secretary):
    save_records(
        rows=[
            RecordInput(
                worker_id=failing_worker.pk,
                month=month,
                quota=Decimal(100),
                output=Decimal(output),
            )
            for month, output in ((APR, 120), (MAY, 99))
        ],
        by=secretary,
        source="import",
    )
    case.refresh_from_db()
    # The latest record decides: below quota in May.
    assert case.status == CaseStatus.OPEN


# --- classification ---


def test_classify_a_shortfall(failing_worker, secretary):
    result = classify(
        worker=failing_worker,
        month=MAR,
        cause=Cause.IDEOLOGY,
        note="常和爱人吵架",
        by=secretary,
        expected_version=0,
    )
    assert result.version == 1
    assert result.classified_by == secretary
    assert result.history.count() == 1


def test_classifying_a_worker_who_met_quota_is_refused(workshop, secretary):
    worker = WorkerFactory(workshop=workshop)
    record(worker, MAR, 100)
    with pytest.raises(ValidationError) as error:
        classify(worker=worker, month=MAR, cause=Cause.OTHER, note="", by=secretary)
    assert error.value.code == "met_quota"
    assert not ShortfallClassification.objects.exists()


def test_classifying_without_a_record_is_refused(failing_worker, secretary):
    with pytest.raises(ValidationError) as error:
        classify(
            worker=failing_worker, month=FEB, cause=Cause.OTHER, note="", by=secretary
        )
    assert error.value.code == "no_record"


def test_classify_again_same_values_is_a_no_op(failing_worker, secretary):
    first = classify(
        worker=failing_worker, month=MAR, cause=Cause.TECHNIQUE, note="", by=secretary
    )
    again = classify(
        worker=failing_worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        note="",
        by=secretary,
        expected_version=1,
    )
    assert again.version == first.version == 1
    assert again.history.count() == 1


def test_stale_classification_is_refused(failing_worker, secretary, manager):
    classify(
        worker=failing_worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        note="",
        by=secretary,
        expected_version=0,
    )
    # A second person's form was shown before the first saved.
    with pytest.raises(StaleEditError) as error:
        classify(
            worker=failing_worker,
            month=MAR,
            cause=Cause.FAMILY,
            note="",
            by=manager,
            expected_version=0,
        )
    assert error.value.current.cause == Cause.TECHNIQUE
    assert ShortfallClassification.objects.get().cause == Cause.TECHNIQUE
    changed = classify(
        worker=failing_worker,
        month=MAR,
        cause=Cause.FAMILY,
        note="",
        by=manager,
        expected_version=1,
    )
    assert changed.version == 2
    assert changed.history.count() == 2


def test_importing_the_next_month_reaches_quota_by_itself(case, failing_worker):
    from workers.importing import get_importer

    importer = get_importer("records")
    data = (
        f"工号,月份,定额,实际完成\r\n{failing_worker.employee_no},1956-04,100,104\r\n"
    ).encode()
    table = importer.read(data, "april.csv")
    plan = importer.plan(table, options={})
    assert plan.ok
    importer.apply(plan, user=None)
    case.refresh_from_db()
    assert case.status == CaseStatus.REACHED_QUOTA
    assert case.reached_quota_month == APR
