"""send_case_reminders: the right helpers, and the secretaries' digest."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from assistance.models import AssistanceCase, CaseOutcome, FollowUpKind, Measure
from assistance.services import add_follow_up, close_case, open_case
from tests.assistance.conftest import APR, MAR, SENTINEL, record
from tests.factories import UserFactory, WorkerFactory
from workers.models import Cause, PoliticalStatus


def _age(case, days):
    """Pretend the case was opened ``days`` days ago."""
    AssistanceCase.objects.filter(pk=case.pk).update(
        opened_at=timezone.now() - dt.timedelta(days=days)
    )


@pytest.fixture
def emails(secretary, helper, other_helper):
    for user, address in (
        (secretary, "alice@example.org"),
        (helper, "dora@example.org"),
        (other_helper, "erin@example.org"),
    ):
        user.email = address
        user.save()


@pytest.fixture
def quiet(case, settings):
    settings.CASE_REMINDER_DAYS = 14
    _age(case, 20)
    add_follow_up(
        case=case,
        author=case.helpers.get().user,
        kind=FollowUpKind.HOME_VISIT,
        text=SENTINEL,
        date=timezone.localdate() - dt.timedelta(days=15),
    )
    return case


def _recipients():
    return {tuple(message.to): message for message in mail.outbox}


def test_quiet_case_reminds_its_helper_and_digests_to_the_secretary(emails, quiet):
    call_command("send_case_reminders")
    sent = _recipients()
    assert set(sent) == {("dora@example.org",), ("alice@example.org",)}
    assert "胡维亮" in sent[("dora@example.org",)].body
    assert "胡维亮" in sent[("alice@example.org",)].body
    # Notes never travel by e-mail.
    assert all(SENTINEL not in m.body for m in mail.outbox)


def test_a_recent_follow_up_means_no_reminder(emails, quiet, helper):
    add_follow_up(case=quiet, author=helper, kind=FollowUpKind.TALK, text="谈心")
    call_command("send_case_reminders")
    assert mail.outbox == []


def test_a_new_case_is_not_overdue(emails, case):
    call_command("send_case_reminders")
    assert mail.outbox == []


def test_worker_back_at_quota_means_no_reminder(emails, quiet, failing_worker):
    record(failing_worker, APR, 100)
    call_command("send_case_reminders")
    assert mail.outbox == []


def test_closed_cases_are_not_reminded(emails, quiet, secretary):
    close_case(case=quiet, by=secretary, outcome=CaseOutcome.OTHER, reason="调走")
    call_command("send_case_reminders")
    assert mail.outbox == []


def test_other_helpers_and_managers_get_nothing(
    emails, quiet, manager, other_helper_worker, workshop, secretary
):
    manager.email = "bob@example.org"
    manager.save()
    # other_helper has a case of their own, followed up today.
    worker = WorkerFactory(workshop=workshop)
    record(worker, MAR, 50)
    theirs = open_case(
        worker=worker,
        month=MAR,
        cause=Cause.OTHER,
        measure=Measure.OTHER,
        helpers=[other_helper_worker],
        opened_by=secretary,
    )
    _age(theirs, 30)
    add_follow_up(
        case=theirs,
        author=other_helper_worker.user,
        kind=FollowUpKind.TALK,
        text="x",
    )
    call_command("send_case_reminders")
    recipients = {address for m in mail.outbox for address in m.to}
    assert recipients == {"dora@example.org", "alice@example.org"}


def test_helper_without_email_is_named_in_the_digest(secretary, quiet, workshop):
    secretary.email = "alice@example.org"
    secretary.save()
    call_command("send_case_reminders")
    (digest,) = mail.outbox
    assert digest.to == ["alice@example.org"]
    # Listed once among the quiet cases, once among those nobody was told of.
    assert digest.body.count("胡维亮") == 2


def test_days_option_and_dry_run(emails, case, capsys):
    _age(case, 3)
    call_command("send_case_reminders", "--days", "2", "--dry-run")
    assert mail.outbox == []
    out = capsys.readouterr().out
    assert "dora@example.org" in out
    assert "would send 2" in out


def test_one_email_per_helper_for_several_cases(
    emails, quiet, helper_worker, secretary, workshop
):
    activist = WorkerFactory(
        workshop=workshop, political_status=PoliticalStatus.MASSES, is_activist=True
    )
    activist.user = UserFactory(username="gina", email="gina@example.org")
    activist.save()
    worker = WorkerFactory(workshop=workshop)
    record(worker, MAR, 40)
    second = open_case(
        worker=worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker, activist],
        opened_by=secretary,
    )
    _age(second, 40)
    call_command("send_case_reminders")
    to_dora = [m for m in mail.outbox if m.to == ["dora@example.org"]]
    assert len(to_dora) == 1
    assert worker.name in to_dora[0].body and "胡维亮" in to_dora[0].body
    assert any(m.to == ["gina@example.org"] for m in mail.outbox)


def test_a_helper_who_left_the_factory_is_not_reminded(emails, quiet, helper):
    helper.worker.active = False
    helper.worker.save()
    call_command("send_case_reminders")
    (digest,) = mail.outbox
    assert digest.to == ["alice@example.org"]
    # The case is named among the quiet ones and among those nobody was told of.
    assert digest.body.count("胡维亮") == 2
