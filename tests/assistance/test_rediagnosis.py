"""Re-diagnosis: a stuck case's cause or measure changed in one step, with
an event that keeps the old and the new, effective in the working month."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import override

from assistance import standing
from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    Measure,
)
from assistance.selectors import case_timeline
from assistance.services import (
    StaleEditError,
    classify,
    close_case,
    open_case,
    rediagnose,
)
from factory.figures import summaries
from tests.assistance.conftest import APR, FEB, MAR, record
from tests.factories import WorkerFactory
from workers.changes import Change
from workers.completeness import default_month
from workers.models import Cause, ShortfallClassification
from workers.signals import figures_changed


@pytest.fixture
def stuck(db, workshop, helper_worker, secretary):
    """Opened in February for backward technique at 80%; 82% in March, 81%
    in April (classified in February and April)."""
    worker = WorkerFactory(name="刘长海", workshop=workshop)
    for month, output in ((FEB, 80), (MAR, 82), (APR, 81)):
        record(worker, month, output)
    for month in (FEB, APR):
        classify(
            worker=worker, month=month, cause=Cause.TECHNIQUE, note="车床", by=secretary
        )
    return open_case(
        worker=worker,
        month=FEB,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )


def _classification(case, month):
    return ShortfallClassification.objects.get(worker=case.worker, month=month)


def test_a_new_cause_changes_the_case_and_the_latest_month_below_quota(
    stuck, secretary
):
    case = rediagnose(
        case=stuck, cause=Cause.FAMILY, by=secretary, reason="家里老人病了"
    )
    assert (case.cause, case.measure) == (Cause.FAMILY, Measure.DEMONSTRATION)
    assert AssistanceCase.objects.get(pk=stuck.pk).cause == Cause.FAMILY
    # April is the latest month below quota; February keeps its cause.
    april = _classification(stuck, APR)
    assert (april.cause, april.note) == (Cause.FAMILY, "车床")
    assert april.history.count() == 2
    assert _classification(stuck, FEB).cause == Cause.TECHNIQUE
    event = CaseEvent.objects.get(case=stuck, kind=CaseEventKind.REDIAGNOSED)
    assert (event.old_cause, event.cause) == (Cause.TECHNIQUE, Cause.FAMILY)
    assert (event.old_measure, event.measure) == (
        Measure.DEMONSTRATION,
        Measure.DEMONSTRATION,
    )
    assert event.note == "家里老人病了"
    assert event.by == secretary
    assert event.effective_month == default_month()


def test_a_new_measure_alone_leaves_the_classification(stuck, secretary):
    case = rediagnose(case=stuck, measure=Measure.MENTORING, by=secretary)
    assert (case.cause, case.measure) == (Cause.TECHNIQUE, Measure.MENTORING)
    assert _classification(stuck, APR).history.count() == 1
    event = CaseEvent.objects.get(case=stuck, kind=CaseEventKind.REDIAGNOSED)
    assert (event.old_measure, event.measure) == (
        Measure.DEMONSTRATION,
        Measure.MENTORING,
    )
    assert event.old_cause == event.cause == Cause.TECHNIQUE


def test_both_at_once(stuck, secretary):
    case = rediagnose(
        case=stuck, cause=Cause.FAMILY, measure=Measure.HARDSHIP_AID, by=secretary
    )
    assert (case.cause, case.measure) == (Cause.FAMILY, Measure.HARDSHIP_AID)
    assert case.version == stuck.version + 1


def test_nothing_new_is_refused_naming_the_field(stuck, secretary):
    for same in ({}, {"cause": Cause.TECHNIQUE, "measure": Measure.DEMONSTRATION}):
        with pytest.raises(ValidationError) as refused:
            rediagnose(case=stuck, by=secretary, **same)
        assert refused.value.error_dict["cause"][0].code == "unchanged"
    with override("en"), pytest.raises(ValidationError) as refused:
        rediagnose(case=stuck, cause=Cause.TECHNIQUE, by=secretary)
    message = refused.value.error_dict["cause"][0].message
    assert "new cause or a new measure" in message
    assert not CaseEvent.objects.filter(kind=CaseEventKind.REDIAGNOSED).exists()


def test_a_bad_choice_is_refused_naming_the_field(stuck, secretary):
    with pytest.raises(ValidationError) as refused:
        rediagnose(case=stuck, measure="prayer", by=secretary)
    assert refused.value.error_dict["measure"][0].code == "invalid_choice"


def test_a_closed_case_is_refused(stuck, secretary):
    close_case(case=stuck, by=secretary, outcome=CaseOutcome.OTHER, reason="调走")
    with pytest.raises(ValidationError) as refused:
        rediagnose(case=stuck, cause=Cause.FAMILY, by=secretary)
    assert refused.value.code == "closed"
    assert _classification(stuck, APR).cause == Cause.TECHNIQUE


def test_a_stale_version_is_refused(stuck, secretary):
    rediagnose(case=stuck, measure=Measure.MENTORING, by=secretary)
    with pytest.raises(StaleEditError):
        rediagnose(
            case=stuck,
            cause=Cause.FAMILY,
            by=secretary,
            expected_version=stuck.version,
        )


def test_months_before_it_read_the_case_as_it_was(stuck, secretary):
    rediagnose(
        case=stuck, cause=Cause.FAMILY, measure=Measure.HARDSHIP_AID, by=secretary
    )
    when = CaseEvent.objects.get(kind=CaseEventKind.REDIAGNOSED).effective_month
    assert when > FEB  # the working month: April, or March
    cases = AssistanceCase.objects.filter(pk=stuck.pk)
    for month in (FEB, MAR, APR):
        then = standing.as_of(cases, month).get()
        expected = (
            (Cause.FAMILY, Measure.HARDSHIP_AID)
            if month >= when
            else (Cause.TECHNIQUE, Measure.DEMONSTRATION)
        )
        assert (then.cause_then, then.measure_then) == expected, month
    # The monthly summaries, carried month by month, agree with the
    # definitions month by month.
    assert summaries.differences() == []


def test_the_timeline_shows_old_and_new(stuck, secretary):
    rediagnose(
        case=stuck,
        cause=Cause.FAMILY,
        measure=Measure.HARDSHIP_AID,
        by=secretary,
        reason="家里老人病了",
    )
    with override("en"):
        events = [
            item["obj"]
            for item in case_timeline(stuck, secretary)
            if item["type"] == "event" and item["obj"].kind == "rediagnosed"
        ]
        assert len(events) == 1
        assert events[0].summary == (
            "re-diagnosed: cause: backward technique → family financial "
            "difficulty; measure: visit to a demonstration → hardship aid"
        )
    assert events[0].shows_note


def test_it_announces_its_changes_once(stuck, secretary):
    heard = []

    def listener(sender=None, *, changes, **kwargs):
        heard.append(set(changes))

    figures_changed.connect(listener, dispatch_uid="test-rediagnosis")
    try:
        with transaction.atomic():
            rediagnose(case=stuck, cause=Cause.FAMILY, by=secretary)
    finally:
        figures_changed.disconnect(dispatch_uid="test-rediagnosis")
    assert heard == [{Change.CASE_EVENTS, Change.CLASSIFICATIONS}]
