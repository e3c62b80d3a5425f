"""The check at the worker's own machine after a demonstration (DESIGN.md,
"Advanced experience"): who owes one, due and overdue, what recording it
writes, who may record it, the list, the work queue and the helper's phone
page."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assistance.checks import (
    AppliesToTrade,
    checks_due,
    checks_overdue,
    checks_owed,
    checks_pending,
)
from assistance.models import Demonstration, MachineCheck, Measure
from assistance.services import StaleEditError, open_case
from assistance.services.checks import record_machine_check
from tests.assistance.conftest import MAR, record
from tests.factories import WorkerFactory
from workers.models import Cause, Experience, Mastery, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery

DAY = dt.date(1956, 3, 10)
TODAY = timezone.localdate


def demonstrate(experience, workshop, date, *attendees) -> Demonstration:
    demonstration = Demonstration.objects.create(
        experience=experience,
        technique=experience.name if experience else "高速切削",
        demonstrator=WorkerFactory(workshop=workshop, name="表演者"),
        workshop=workshop,
        date=date,
    )
    demonstration.attendees.add(*attendees)
    return demonstration


def level(worker, experience, day, level_) -> None:
    record_mastery(rows=[MasteryInput(worker.pk, experience.pk, level_, day)], by=None)


def owed(as_of=DAY + dt.timedelta(days=1)) -> set[str]:
    return {row.worker.employee_no for row in checks_pending(as_of)}


@pytest.fixture
def cutting(db):
    return Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀，高转速"
    )


# --- who owes a check ------------------------------------------------------


def test_a_check_is_owed_by_attendees_of_its_trade_who_did_not_apply_it(
    workshop, cutting
):
    def lathe(number):
        return WorkerFactory(employee_no=number, workshop=workshop, trade="车工")

    plain = lathe("L1")
    miller = WorkerFactory(employee_no="M1", workshop=workshop, trade="铣工")
    applied = lathe("L2")  # applies it since February
    teaches = lathe("L3")
    relearning = lathe("L4")  # applied it, then checked back to learning
    applied_later = lathe("L5")  # applies it only after the demonstration
    left = lathe("L6")
    left.active = False
    left.save()
    level(applied, cutting, dt.date(1956, 2, 1), MasteryLevel.APPLIES)
    level(teaches, cutting, DAY, MasteryLevel.TEACHES)
    level(relearning, cutting, dt.date(1956, 2, 1), MasteryLevel.APPLIES)
    level(relearning, cutting, dt.date(1956, 3, 1), MasteryLevel.LEARNING)
    level(applied_later, cutting, DAY + dt.timedelta(days=3), MasteryLevel.APPLIES)
    demonstrate(
        cutting,
        workshop,
        DAY,
        plain,
        miller,
        applied,
        teaches,
        relearning,
        applied_later,
        left,
    )
    # The level at the demonstration's date decides, not the level now.
    assert owed() == {"L1", "L4", "L5"}


def test_an_experience_of_no_trade_is_owed_by_every_trade(workshop):
    everyone = Experience.objects.create(name="安全操作法", description="…")
    demonstrate(
        everyone,
        workshop,
        DAY,
        WorkerFactory(employee_no="L1", workshop=workshop, trade="车工"),
        WorkerFactory(employee_no="M1", workshop=workshop, trade="铣工"),
        WorkerFactory(employee_no="X1", workshop=workshop, trade=""),
    )
    assert owed() == {"L1", "M1", "X1"}


def test_a_demonstration_of_no_experience_owes_nothing(workshop):
    demonstrate(None, workshop, DAY, WorkerFactory(workshop=workshop))
    assert owed() == set()


@pytest.mark.parametrize(
    ("trades", "trade", "applies"),
    [
        ([], "车工", True),
        ([], "", True),
        (["车工"], "车工", True),
        (["车工", "铣工"], "铣工", True),
        (["车工"], "铣工", False),
        (["车工"], "", False),
        (["车工工"], "车工", False),
    ],
)
def test_the_sql_rule_of_trades_is_experience_applies_to(
    workshop, trades, trade, applies
):
    experience = Experience.objects.create(name="法", trades=trades, description="…")
    worker = WorkerFactory(workshop=workshop, trade=trade)
    demonstrate(experience, workshop, DAY, worker)
    in_sql = checks_owed().filter(
        AppliesToTrade("demonstration__experience__trades", "worker__trade")
    )
    assert experience.applies_to(trade) is applies
    assert in_sql.exists() is applies


# --- due and overdue -------------------------------------------------------


def test_a_check_is_due_for_14_days_then_overdue(workshop, cutting, secretary):
    worker = WorkerFactory(workshop=workshop)
    demonstrate(cutting, workshop, DAY, worker)

    def state(days_after):
        as_of = DAY + dt.timedelta(days=days_after)
        return (checks_due(as_of).count(), checks_overdue(as_of).count())

    assert state(-1) == (0, 0)  # not held yet
    assert state(0) == (1, 0)
    assert state(14) == (1, 0)
    assert state(15) == (0, 1)
    record_machine_check(
        demonstration=Demonstration.objects.get(),
        worker=worker,
        result="not_yet",
        reason="刀具还没磨好",
        checked_on=DAY + dt.timedelta(days=16),
        seen_version=0,
        by=secretary,
    )
    assert state(15) == (0, 0)  # recorded: neither


def test_due_and_overdue_are_one_query_each(
    workshop, cutting, django_assert_num_queries
):
    demonstrate(cutting, workshop, DAY, WorkerFactory(workshop=workshop))
    with django_assert_num_queries(1):
        list(checks_due(DAY))
    with django_assert_num_queries(1):
        assert checks_overdue(DAY + dt.timedelta(days=30)).count() == 1


# --- recording --------------------------------------------------------------


@pytest.fixture
def shown(workshop, cutting, secretary):
    worker = WorkerFactory(employee_no="L1", workshop=workshop, name="车工甲")
    return demonstrate(cutting, workshop, DAY, worker), worker


def test_applies_records_the_workers_level(shown, secretary):
    demonstration, worker = shown
    check = record_machine_check(
        demonstration=demonstration,
        worker=worker,
        result="applies",
        checked_on=DAY + dt.timedelta(days=5),
        seen_version=0,
        by=secretary,
    )
    assert check.version == 1 and check.checked_by == secretary
    now = Mastery.objects.current().get(worker=worker)
    assert (now.level, now.checked_on, now.checked_by) == (
        MasteryLevel.APPLIES,
        DAY + dt.timedelta(days=5),
        secretary,
    )
    # Corrected to "not yet": that day's level goes back to learning, and
    # the history keeps both results.
    record_machine_check(
        demonstration=demonstration,
        worker=worker,
        result="not_yet",
        reason="只在师傅的车床上做过",
        checked_on=DAY + dt.timedelta(days=5),
        seen_version=1,
        by=secretary,
    )
    assert Mastery.objects.current().get(worker=worker).level == MasteryLevel.LEARNING
    assert MachineCheck.history.filter(worker=worker).count() == 2
    assert MachineCheck.objects.get().version == 2


def test_not_yet_needs_a_reason(shown, secretary, secretary_client):
    demonstration, worker = shown
    with pytest.raises(ValidationError) as refused:
        record_machine_check(
            demonstration=demonstration,
            worker=worker,
            result="not_yet",
            reason="  ",
            checked_on=DAY,
            seen_version=0,
            by=secretary,
        )
    assert "reason" in refused.value.error_dict
    url = reverse("assistance:machine_check", args=[demonstration.pk, worker.pk])
    response = secretary_client.post(
        url, {"result": "not_yet", "checked_on": DAY.isoformat(), "version": 0}
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("reason", "reason_required")
    assert not MachineCheck.objects.exists()
    assert not Mastery.objects.exists()


def test_a_day_before_the_demonstration_or_after_today_is_refused(shown, secretary):
    demonstration, worker = shown
    for day in (DAY - dt.timedelta(days=1), TODAY() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            record_machine_check(
                demonstration=demonstration,
                worker=worker,
                result="applies",
                checked_on=day,
                seen_version=0,
                by=secretary,
            )
        assert "checked_on" in refused.value.error_dict


def test_a_form_drawn_before_another_check_is_stale(shown, secretary):
    demonstration, worker = shown
    arguments = {
        "demonstration": demonstration,
        "worker": worker,
        "result": "applies",
        "checked_on": DAY,
        "seen_version": 0,
        "by": secretary,
    }
    record_machine_check(**arguments)
    with pytest.raises(StaleEditError) as stale:
        record_machine_check(**{**arguments, "result": "not_yet", "reason": "x"})
    assert stale.value.current.result == "applies"


def test_only_an_attendee_of_a_demonstration_of_an_experience_is_checked(
    shown, secretary, workshop
):
    demonstration, _worker = shown
    with pytest.raises(ValidationError) as refused:
        record_machine_check(
            demonstration=demonstration,
            worker=WorkerFactory(workshop=workshop),
            result="applies",
            checked_on=DAY,
            seen_version=0,
            by=secretary,
        )
    assert refused.value.code == "not_an_attendee"


# --- who records ------------------------------------------------------------


@pytest.fixture
def helped(workshop, cutting, helper, secretary):
    """Two lathe operators at the demonstration: ``mine`` is helped by the
    helper, ``theirs`` by nobody the helper knows."""
    mine = WorkerFactory(employee_no="L1", workshop=workshop, name="帮扶对象")
    theirs = WorkerFactory(employee_no="L2", workshop=workshop, name="别人的")
    record(mine, MAR, 80)
    open_case(
        worker=mine,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    # Long ago: both checks are overdue today.
    demonstration = demonstrate(cutting, workshop, DAY, mine, theirs)
    return demonstration, mine, theirs


def _post(client, demonstration, worker, **data):
    url = reverse("assistance:machine_check", args=[demonstration.pk, worker.pk])
    return client.post(
        url,
        {"result": "applies", "checked_on": DAY.isoformat(), "version": 0, **data},
    )


def test_a_helper_records_the_checks_of_their_own_cases_workers_only(
    helped, helper, helper_client, manager_client, other_helper_client
):
    demonstration, mine, theirs = helped
    response = _post(helper_client, demonstration, mine, next="mine")
    assert response.status_code == 302
    assert response.url == reverse("assistance:my_cases")
    assert MachineCheck.objects.get().checked_by == helper
    assert _post(helper_client, demonstration, theirs).status_code == 403
    assert _post(other_helper_client, demonstration, mine).status_code == 403
    # A director reads the list, never records.
    assert _post(manager_client, demonstration, mine).status_code == 403
    assert MachineCheck.objects.count() == 1
    with pytest.raises(PermissionDenied):
        record_machine_check(
            demonstration=demonstration,
            worker=theirs,
            result="applies",
            checked_on=DAY,
            seen_version=0,
            by=helper,
        )


def test_a_pair_that_is_no_attendance_is_not_found(helped, secretary_client, workshop):
    demonstration, _mine, _theirs = helped
    stranger = WorkerFactory(workshop=workshop)
    url = reverse("assistance:machine_check", args=[demonstration.pk, stranger.pk])
    assert secretary_client.get(url).status_code == 404


# --- the list, the work queue, the phone page -------------------------------


def _listed(client, query="") -> list[str]:
    response = client.get(reverse("assistance:machine_checks") + query)
    assert response.status_code == 200
    return [row.worker.employee_no for row in response.context["rows"]]


def test_each_reader_lists_their_own_checks(
    helped,
    secretary_client,
    helper_client,
    manager_client,
    other_manager_client,
    other_workshop,
    cutting,
):
    demonstrate(
        cutting,
        other_workshop,
        TODAY() - dt.timedelta(days=3),
        WorkerFactory(employee_no="Z1", workshop=other_workshop),
    )
    assert _listed(secretary_client) == ["L1", "L2", "Z1"]
    assert _listed(secretary_client, "?overdue=on") == ["L1", "L2"]
    assert _listed(secretary_client, "?workshop=zz") == ["Z1"]
    assert _listed(helper_client) == ["L1"]
    assert _listed(manager_client) == ["L1", "L2"]
    assert _listed(other_manager_client) == ["Z1"]
    # Only who may record gets the button.
    page = manager_client.get(reverse("assistance:machine_checks")).content.decode()
    assert "data-record=" not in page
    page = helper_client.get(reverse("assistance:machine_checks")).content.decode()
    assert 'data-record="L1"' in page


def test_the_work_queue_counts_the_lists_overdue_checks(
    helped, secretary_client, manager_client, other_workshop, cutting
):
    # Due, not overdue: not counted.
    demonstrate(
        cutting,
        other_workshop,
        TODAY() - dt.timedelta(days=14),
        WorkerFactory(employee_no="Z1", workshop=other_workshop),
    )
    for client, expected in ((secretary_client, 2), (manager_client, 2)):
        home = client.get(reverse("home"))
        item = next(
            i
            for s in home.context["work_queue"]
            for i in s.items
            if i.key == "checks_overdue"
        )
        assert item.count == expected
        listed = client.get(item.url)
        assert listed.context["page"].paginator.count == item.count


def test_the_helpers_phone_page_shows_their_overdue_checks(
    helped, helper_client, other_helper_client
):
    demonstration, mine, _theirs = helped
    response = helper_client.get(reverse("assistance:my_cases"))
    assert [row.worker for row in response.context["overdue_checks"]] == [mine]
    record_url = reverse("assistance:machine_check", args=[demonstration.pk, mine.pk])
    assert f'href="{record_url}?next=mine"' in response.content.decode()
    other = other_helper_client.get(reverse("assistance:my_cases"))
    assert other.context["overdue_checks"] == []
    _post(helper_client, demonstration, mine, result="not_yet", reason="还在练")
    response = helper_client.get(reverse("assistance:my_cases"))
    assert response.context["overdue_checks"] == []


@pytest.mark.parametrize("size", [2, 8])
def test_the_list_runs_a_fixed_number_of_queries(
    workshop, cutting, secretary_client, django_assert_num_queries, size
):
    attendees = [WorkerFactory(workshop=workshop) for _ in range(size)]
    demonstrate(cutting, workshop, DAY, *attendees)
    # session, user, permissions (2), the workshops of the filter, the
    # count and the page of rows (workers, workshops, demonstrations and
    # experiences joined), the user's worker (navigation)
    with django_assert_num_queries(8):
        response = secretary_client.get(reverse("assistance:machine_checks"))
    assert len(response.context["rows"]) == size
