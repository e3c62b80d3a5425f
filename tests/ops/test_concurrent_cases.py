"""Two people saving the same case at once: one is refused, nothing is lost.

Real concurrency needs real connections: each person is a thread with a
connection of its own, on PostgreSQL (SQLite in memory has one writer and
no row locks, so the race cannot happen there).
"""

import threading

import pytest
from django.db import transaction

from assistance.models import AssistanceCase, CaseEvent, Measure
from assistance.services import StaleEditError, add_follow_up, update_case
from tests.assistance.conftest import MAR, record  # noqa: F401 (fixtures below)
from tests.factories import WorkerFactory
from tests.ops.helpers import (
    in_thread,
    postgresql_only,
    wait_until_blocked_on_a_lock,
)
from workers.models import Cause

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(secretary, helper, workshop):
    from assistance.services import open_case

    worker = WorkerFactory(name="胡维亮", workshop=workshop)
    record(worker, MAR, 80)
    return open_case(
        worker=worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper.worker],
        opened_by=secretary,
    )


def test_two_people_change_the_same_case_at_once(case, secretary):
    # Both opened the edit form on version 1 of the case.
    seen = case.version
    first_saved, release = threading.Event(), threading.Event()

    def first_person():
        with transaction.atomic():
            update_case(
                case=case,
                by=secretary,
                measure=Measure.MENTORING,
                helpers=list(case.helpers.all()),
                expected_version=seen,
            )
            first_saved.set()
            release.wait(30)  # still holding the case's row lock

    def second_person():
        return update_case(
            case=case,
            by=secretary,
            measure=Measure.OTHER,
            helpers=list(case.helpers.all()),
            expected_version=seen,
        )

    first, first_outcome = in_thread(first_person)
    assert first_saved.wait(30)
    second, second_outcome = in_thread(second_person)
    wait_until_blocked_on_a_lock()  # the second save waits for the first...
    release.set()  # ...which commits now
    first.join(30)
    second.join(30)

    assert "error" not in first_outcome
    refused = second_outcome.get("error")
    assert isinstance(refused, StaleEditError)
    assert str(refused.message)  # a message for the form
    # The refused person is shown the case as it is now, to redo their change.
    assert refused.current.measure == Measure.MENTORING

    case.refresh_from_db()
    assert case.measure == Measure.MENTORING  # the first change is kept whole
    assert case.version == seen + 1
    assert CaseEvent.objects.filter(case=case, note__contains="other").count() == 0


def test_two_helpers_log_follow_ups_at_once(case, helper, secretary):
    """Follow-ups are added, never overwritten: both are kept."""
    start = threading.Barrier(2)

    def log(author, text):
        def run():
            start.wait(30)
            return add_follow_up(case=case, author=author, kind="talk", text=text)

        return run

    threads = [
        in_thread(log(helper, "谈心一次")),
        in_thread(log(secretary, "家访一次")),
    ]
    for thread, outcome in threads:
        thread.join(30)
        assert "error" not in outcome
    texts = set(
        AssistanceCase.objects.get(pk=case.pk).follow_ups.values_list("text", flat=True)
    )
    assert texts == {"谈心一次", "家访一次"}
