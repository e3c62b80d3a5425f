"""The case services: every status transition and the rules that guard them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    CaseStatus,
    FollowUpKind,
    Measure,
)
from assistance.services import (
    StaleEditError,
    add_follow_up,
    close_case,
    helper_loads,
    open_case,
    propose_closure,
    reopen_case,
    sync_cases_with_records,
    update_case,
)
from tests.assistance.conftest import APR, FEB, MAR, MAY, record
from tests.factories import WorkerFactory
from workers.models import Cause, PoliticalStatus


def codes(error):
    """The codes of a ValidationError, whether it names fields or not."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def statuses(case):
    return list(
        case.events.filter(kind=CaseEventKind.STATUS).values_list(
            "from_status", "to_status"
        )
    )


# --- opening ---


def test_open_case_starts_open_with_its_helpers_and_an_event(case, helper_worker):
    assert case.status == CaseStatus.OPEN
    assert list(case.helpers.all()) == [helper_worker]
    assert statuses(case) == [("", CaseStatus.OPEN)]
    assert case.version == 1


def test_a_worker_has_one_active_case(case, failing_worker, helper_worker, secretary):
    with pytest.raises(ValidationError) as error:
        open_case(
            worker=failing_worker,
            month=APR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper_worker],
            opened_by=secretary,
        )
    assert "active_case_exists" in codes(error.value)
    assert AssistanceCase.objects.filter(worker=failing_worker).count() == 1


@pytest.mark.parametrize(
    "helper_kwargs",
    [
        {"political_status": PoliticalStatus.MASSES},
        {"political_status": PoliticalStatus.PARTY_MEMBER, "active": False},
    ],
)
def test_only_eligible_helpers(failing_worker, secretary, workshop, helper_kwargs):
    not_eligible = WorkerFactory(workshop=workshop, **helper_kwargs)
    with pytest.raises(ValidationError) as error:
        open_case(
            worker=failing_worker,
            month=MAR,
            cause=Cause.IDEOLOGY,
            measure=Measure.INDIVIDUAL_HELP,
            helpers=[not_eligible],
            opened_by=secretary,
        )
    assert "helpers" in error.value.message_dict
    assert not AssistanceCase.objects.exists()


def test_an_activist_may_help(failing_worker, secretary, workshop):
    activist = WorkerFactory(workshop=workshop, is_activist=True)
    case = open_case(
        worker=failing_worker,
        month=MAR,
        cause=Cause.FAMILY,
        measure=Measure.HARDSHIP_AID,
        helpers=[activist],
        opened_by=secretary,
    )
    assert list(case.helpers.all()) == [activist]


def test_a_worker_is_not_their_own_helper(secretary, workshop):
    member = WorkerFactory(
        workshop=workshop, political_status=PoliticalStatus.PARTY_MEMBER
    )
    record(member, MAR, 80)
    with pytest.raises(ValidationError) as error:
        open_case(
            worker=member,
            month=MAR,
            cause=Cause.OTHER,
            measure=Measure.OTHER,
            helpers=[member],
            opened_by=secretary,
        )
    assert "own_helper" in codes(error.value)


def test_a_case_needs_a_helper(failing_worker, secretary):
    with pytest.raises(ValidationError) as error:
        open_case(
            worker=failing_worker,
            month=MAR,
            cause=Cause.OTHER,
            measure=Measure.OTHER,
            helpers=[],
            opened_by=secretary,
        )
    assert "no_helpers" in codes(error.value)


def test_helper_limit_refuses_one_case_too_many(
    settings, case, helper_worker, secretary, workshop
):
    settings.CASE_HELPER_LIMIT = 1
    assert helper_loads([helper_worker.pk]) == {helper_worker.pk: 1}
    second = WorkerFactory(workshop=workshop)
    with pytest.raises(ValidationError) as error:
        open_case(
            worker=second,
            month=MAR,
            cause=Cause.OTHER,
            measure=Measure.OTHER,
            helpers=[helper_worker],
            opened_by=secretary,
        )
    assert "helper_full" in codes(error.value)
    # A closed case no longer counts against the helper.
    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="调走")
    assert open_case(
        worker=second,
        month=MAR,
        cause=Cause.OTHER,
        measure=Measure.OTHER,
        helpers=[helper_worker],
        opened_by=secretary,
    )


def test_target_month_comes_after_the_case_month(
    failing_worker, helper_worker, secretary
):
    with pytest.raises(ValidationError) as error:
        open_case(
            worker=failing_worker,
            month=MAR,
            cause=Cause.OTHER,
            measure=Measure.OTHER,
            helpers=[helper_worker],
            opened_by=secretary,
            target_month=MAR,
        )
    assert "target_month" in error.value.message_dict


def test_opening_after_a_later_record_met_quota_reaches_it_at_once(
    failing_worker, helper_worker, secretary
):
    record(failing_worker, APR, 104)
    case = open_case(
        worker=failing_worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    assert case.status == CaseStatus.REACHED_QUOTA
    assert case.reached_quota_month == APR


# --- following the records ---


def test_open_to_reached_quota_by_a_later_record(case, failing_worker):
    record(failing_worker, APR, 100)
    result = sync_cases_with_records(APR)
    case.refresh_from_db()
    assert result.reached_quota == 1
    assert case.status == CaseStatus.REACHED_QUOTA
    assert case.reached_quota_month == APR
    assert case.version == 2
    assert statuses(case)[-1] == (CaseStatus.OPEN, CaseStatus.REACHED_QUOTA)
    event = case.events.last()
    assert event.month == APR
    assert event.by is None


def test_a_record_of_the_case_month_itself_does_not_reach_quota(case, failing_worker):
    failing_worker.records.filter(month=MAR).update(output=Decimal("120"))
    sync_cases_with_records(MAR)
    sync_cases_with_records(APR)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_a_later_record_below_quota_keeps_it_open(case, failing_worker):
    record(failing_worker, APR, 95)
    assert sync_cases_with_records(APR).reached_quota == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert statuses(case) == [("", CaseStatus.OPEN)]


def test_relapse_sends_reached_quota_back_to_open(case, failing_worker):
    record(failing_worker, APR, 110)
    sync_cases_with_records(APR)
    record(failing_worker, MAY, 90)
    result = sync_cases_with_records(MAY)
    case.refresh_from_db()
    assert result.reopened == 1
    assert case.status == CaseStatus.OPEN
    assert case.reached_quota_month is None
    assert statuses(case) == [
        ("", CaseStatus.OPEN),
        (CaseStatus.OPEN, CaseStatus.REACHED_QUOTA),
        (CaseStatus.REACHED_QUOTA, CaseStatus.OPEN),
    ]
    assert case.events.last().month == MAY


def test_an_earlier_month_corrected_does_not_override_the_latest(case, failing_worker):
    record(failing_worker, APR, 110)
    record(failing_worker, MAY, 90)
    sync_cases_with_records(MAY)
    sync_cases_with_records(APR)
    case.refresh_from_db()
    # The worker fell below quota again in May: the April success is past.
    assert case.status == CaseStatus.OPEN


def test_sync_is_idempotent(case, failing_worker):
    record(failing_worker, APR, 110)
    sync_cases_with_records(APR)
    events = CaseEvent.objects.count()
    again = sync_cases_with_records(APR)
    case.refresh_from_db()
    assert again.reached_quota == again.reopened == 0
    assert CaseEvent.objects.count() == events
    assert case.version == 2


def test_sync_leaves_closed_cases_alone(case, failing_worker, secretary):
    close_case(case=case, by=secretary, outcome=CaseOutcome.LEFT_FACTORY, reason="离厂")
    record(failing_worker, APR, 130)
    assert sync_cases_with_records(APR).reached_quota == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_sync_limited_to_workers_leaves_others(case, failing_worker, workshop):
    record(failing_worker, APR, 130)
    other = WorkerFactory(workshop=workshop)
    sync_cases_with_records(APR, worker_ids=[other.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    sync_cases_with_records(APR, worker_ids=[failing_worker.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.REACHED_QUOTA


@transaction.atomic  # loaded as one transaction: the summaries kept once
def _many_cases(count, workshop, secretary):
    helper = WorkerFactory(
        workshop=workshop, political_status=PoliticalStatus.PARTY_MEMBER
    )
    workers = WorkerFactory.create_batch(count, workshop=workshop)
    for worker in workers:
        record(worker, FEB, 70)
        open_case(
            worker=worker,
            month=FEB,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper],
            opened_by=secretary,
        )
        record(worker, MAR, 105)
    return workers


@pytest.mark.parametrize("count", [10, 60])
def test_sync_runs_a_fixed_number_of_queries(
    count, workshop, secretary, django_assert_num_queries
):
    _many_cases(count, workshop, secretary)
    # savepoint, lock the changing cases, insert their events, update them,
    # release savepoint
    with django_assert_num_queries(5):
        result = sync_cases_with_records(MAR)
    assert result.reached_quota == count
    assert (
        AssistanceCase.objects.filter(status=CaseStatus.REACHED_QUOTA).count() == count
    )
    assert CaseEvent.objects.filter(to_status=CaseStatus.REACHED_QUOTA).count() == count


# --- closing and reopening ---


def test_close_with_success_after_reaching_quota(case, failing_worker, secretary):
    record(failing_worker, APR, 110)
    sync_cases_with_records(APR)
    case.refresh_from_db()
    closed = close_case(
        case=case,
        by=secretary,
        outcome=CaseOutcome.REACHED_QUOTA,
        expected_version=case.version,
    )
    assert closed.status == CaseStatus.CLOSED
    assert closed.outcome == CaseOutcome.REACHED_QUOTA
    assert closed.closed_by == secretary
    assert statuses(closed)[-1] == (CaseStatus.REACHED_QUOTA, CaseStatus.CLOSED)


def test_success_is_measured_not_declared(case, secretary):
    with pytest.raises(ValidationError) as error:
        close_case(case=case, by=secretary, outcome=CaseOutcome.REACHED_QUOTA)
    assert "not_reached" in codes(error.value)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_close_without_success_needs_a_reason(case, secretary):
    with pytest.raises(ValidationError) as error:
        close_case(case=case, by=secretary, outcome=CaseOutcome.TRANSFERRED, reason=" ")
    assert "reason" in error.value.message_dict
    closed = close_case(
        case=case, by=secretary, outcome=CaseOutcome.TRANSFERRED, reason="调往锻工车间"
    )
    assert closed.status == CaseStatus.CLOSED
    assert closed.close_reason == "调往锻工车间"
    assert statuses(closed)[-1] == (CaseStatus.OPEN, CaseStatus.CLOSED)


def test_closing_twice_is_refused(case, secretary):
    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="x")
    with pytest.raises(ValidationError):
        close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="y")


def test_stale_close_is_refused(case, secretary):
    propose_closure(case=case, by=secretary)  # version 1 → 2
    with pytest.raises(StaleEditError) as error:
        close_case(
            case=case,
            by=secretary,
            outcome=CaseOutcome.OTHER,
            reason="x",
            expected_version=1,
        )
    assert error.value.current.version == 2
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_reopen_a_closed_case(case, secretary):
    close_case(case=case, by=secretary, outcome=CaseOutcome.LEFT_FACTORY, reason="离厂")
    case.refresh_from_db()
    reopened = reopen_case(
        case=case, by=secretary, reason="又回厂了", expected_version=case.version
    )
    assert reopened.status == CaseStatus.OPEN
    assert reopened.outcome == ""
    assert statuses(reopened)[-1] == (CaseStatus.CLOSED, CaseStatus.OPEN)


def test_reopened_case_follows_the_records(case, failing_worker, secretary):
    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="误结")
    record(failing_worker, APR, 101)
    reopened = reopen_case(case=case, by=secretary, reason="结错了")
    assert reopened.status == CaseStatus.REACHED_QUOTA


def test_reopen_refused_when_another_case_is_active(
    case, failing_worker, helper_worker, secretary
):
    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="x")
    open_case(
        worker=failing_worker,
        month=APR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    with pytest.raises(ValidationError) as error:
        reopen_case(case=case, by=secretary, reason="y")
    assert "active_case_exists" in codes(error.value)


def test_reopen_needs_a_reason_and_a_closed_case(case, secretary):
    with pytest.raises(ValidationError):
        reopen_case(case=case, by=secretary, reason="y")
    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="x")
    with pytest.raises(ValidationError):
        reopen_case(case=case, by=secretary, reason="")


# --- proposals, edits, follow-ups ---


def test_helper_proposes_closure_once(case, helper):
    proposed = propose_closure(case=case, by=helper)
    assert proposed.closure_proposed_by == helper
    again = propose_closure(case=case, by=helper)
    assert again.version == proposed.version
    assert case.events.filter(kind=CaseEventKind.CLOSURE_PROPOSED).count() == 1


def test_update_case_logs_each_change(case, secretary, other_helper_worker):
    updated = update_case(
        case=case,
        by=secretary,
        measure=Measure.MENTORING,
        helpers=[other_helper_worker],
        target_month=MAY,
        expected_version=1,
    )
    assert updated.measure == Measure.MENTORING
    assert list(updated.helpers.all()) == [other_helper_worker]
    assert updated.version == 2
    kinds = set(case.events.values_list("kind", flat=True))
    assert {
        CaseEventKind.MEASURE_CHANGED,
        CaseEventKind.HELPERS_CHANGED,
        CaseEventKind.TARGET_CHANGED,
    } <= kinds


def test_stale_update_is_refused_and_changes_nothing(
    case, secretary, helper_worker, other_helper_worker
):
    update_case(
        case=case,
        by=secretary,
        measure=Measure.MENTORING,
        helpers=[helper_worker],
        expected_version=1,
    )
    with pytest.raises(StaleEditError):
        update_case(
            case=case,
            by=secretary,
            measure=Measure.OTHER,
            helpers=[other_helper_worker],
            expected_version=1,
        )
    case.refresh_from_db()
    assert case.measure == Measure.MENTORING
    assert list(case.helpers.all()) == [helper_worker]


def test_follow_up_defaults_to_today_and_private(case, helper):
    follow_up = add_follow_up(
        case=case, author=helper, kind=FollowUpKind.HOME_VISIT, text="家访"
    )
    assert follow_up.is_private
    assert follow_up.date is not None


def test_aid_granted_needs_an_amount(case, helper):
    with pytest.raises(ValidationError) as error:
        add_follow_up(
            case=case, author=helper, kind=FollowUpKind.AID_GRANTED, text="补助"
        )
    assert "aid_amount" in error.value.message_dict
    aid = add_follow_up(
        case=case,
        author=helper,
        kind=FollowUpKind.AID_GRANTED,
        text="补助",
        aid_amount=Decimal("15"),
        aid_kind="生活补助",
        aid_approved_by="工会",
    )
    assert aid.aid_amount == Decimal("15")


def test_an_amount_only_on_aid(case, helper):
    with pytest.raises(ValidationError):
        add_follow_up(
            case=case,
            author=helper,
            kind=FollowUpKind.TALK,
            text="谈心",
            aid_amount=Decimal("5"),
        )


def test_follow_up_not_in_the_future_nor_on_a_closed_case(case, helper, secretary):
    import datetime as dt

    from django.utils import timezone

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        add_follow_up(
            case=case, author=helper, kind=FollowUpKind.TALK, text="x", date=tomorrow
        )
    assert "date" in error.value.message_dict
    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="x")
    with pytest.raises(ValidationError) as error:
        add_follow_up(case=case, author=helper, kind=FollowUpKind.TALK, text="x")
    assert "closed" in codes(error.value)
