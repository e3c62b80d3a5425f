"""Two people changing a case's experience to learn at the same moment
with the form of the same version (PostgreSQL only: SQLite serialises whole
-database writes). The case's row lock makes the second wait and find the
version gone: one change, one event."""

import pytest
from django.db import connection

from assistance.models import AssistanceCase, CaseEventKind, Measure
from assistance.services import StaleEditError, change_experience, open_case
from tests.assistance.conftest import MAR, record
from tests.assistance.test_concurrency import _race
from tests.factories import UserFactory, WorkerFactory
from workers.models import Cause, Experience, PoliticalStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real row locks"
    ),
]


def test_two_changes_of_one_version_at_once_one_wins(workshop):
    secretary = UserFactory(username="s1")
    worker = WorkerFactory(workshop=workshop, trade="车工")
    record(worker, MAR, 70)
    helper = WorkerFactory(
        workshop=workshop, political_status=PoliticalStatus.PARTY_MEMBER
    )
    case = open_case(
        worker=worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper],
        opened_by=secretary,
    )
    names = ("高速切削法", "多刀多刃切削")
    experiences = [
        Experience.objects.create(name=name, trades=["车工"], description="…")
        for name in names
    ]
    seen = case.version
    results = _race(
        *[
            lambda experience=experience: change_experience(
                case=case, experience=experience, by=secretary, expected_version=seen
            )
            for experience in experiences
        ]
    )
    assert sorted(type(result).__name__ for result in results) == [
        "AssistanceCase",
        StaleEditError.__name__,
    ]
    (won,) = [r for r in results if isinstance(r, AssistanceCase)]
    case.refresh_from_db()
    assert case.experience == won.experience
    assert case.version == seen + 1
    assert case.events.filter(kind=CaseEventKind.EXPERIENCE_CHANGED).count() == 1
