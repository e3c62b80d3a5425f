"""Two people acting on the same case at the same moment (PostgreSQL only:
SQLite serialises whole-database writes, so there is no race to lose)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    Measure,
)
from assistance.services import StaleEditError, close_case, open_case, update_case
from tests.assistance.conftest import MAR, record
from tests.factories import UserFactory, WorkerFactory
from workers.models import Cause, PoliticalStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real row locks"
    ),
]


def _race(*actions):
    """Run the actions in threads released together; return what each did."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:  # the outcome is what the test checks
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def people(workshop):
    secretary = UserFactory(username="s1")
    worker = WorkerFactory(workshop=workshop, name="胡维亮")
    record(worker, MAR, 70)
    helpers = [
        WorkerFactory(workshop=workshop, political_status=PoliticalStatus.PARTY_MEMBER)
        for _ in range(2)
    ]
    return secretary, worker, helpers


def test_two_stale_edits_at_once_one_wins(people):
    secretary, worker, helpers = people
    case = open_case(
        worker=worker,
        month=MAR,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        helpers=[helpers[0]],
        opened_by=secretary,
    )
    seen = case.version
    results = _race(
        lambda: update_case(
            case=case,
            by=secretary,
            measure=Measure.MENTORING,
            helpers=[helpers[1]],
            expected_version=seen,
        ),
        lambda: close_case(
            case=case,
            by=secretary,
            outcome=CaseOutcome.OTHER,
            reason="调走",
            expected_version=seen,
        ),
    )
    stale = [r for r in results if isinstance(r, StaleEditError)]
    won = [r for r in results if isinstance(r, AssistanceCase)]
    assert len(stale) == 1 and len(won) == 1, results
    case.refresh_from_db()
    assert case.version == seen + 1
    # The loser changed nothing: either the edit or the close, not both.
    edited = case.measure == Measure.MENTORING
    closed = case.status == CaseStatus.CLOSED
    assert edited != closed


def test_two_cases_opened_for_one_worker_at_once(people):
    secretary, worker, helpers = people

    def opening(helper):
        return lambda: open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper],
            opened_by=secretary,
        )

    results = _race(opening(helpers[0]), opening(helpers[1]))
    assert sum(isinstance(r, AssistanceCase) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert AssistanceCase.objects.filter(worker=worker).count() == 1
    assert CaseEvent.objects.count() == 1
