"""A helper's access follows the roster (docs/ARCHITECTURE.md, "Access").

A helper whose worker record is no longer active, or no longer eligible
(not a Party, probationary or League member, and not an activist), loses the
cases at the next request — 404, no follow-ups, nothing in "My cases" — and
the secretary finds their open cases on the case list, filtered by
``?helpers_left=1``, to reassign them.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from assistance.models import AssistanceCase, CaseOutcome, FollowUp, Measure
from assistance.services import close_case, open_case
from tests.assistance.conftest import MAR, record
from tests.factories import WorkerFactory
from workers.models import Cause, PoliticalStatus, Worker


def _leaves(worker, **changes):
    for name, value in changes.items():
        setattr(worker, name, value)
    worker.save()


GONE = [
    pytest.param({"active": False}, id="left-the-factory"),
    pytest.param({"political_status": PoliticalStatus.MASSES}, id="no-longer-a-member"),
]


@pytest.mark.parametrize("changes", GONE)
def test_a_helper_who_is_gone_loses_the_case_at_the_next_request(
    helper_client, helper_worker, case, changes
):
    page = reverse("assistance:case_detail", args=[case.pk])
    assert helper_client.get(page).status_code == 200
    _leaves(helper_worker, **changes)
    assert helper_client.get(page).status_code == 404
    follow_up = reverse("assistance:followup_add", args=[case.pk])
    response = helper_client.post(
        follow_up, {"kind": "talk", "date": "1956-03-20", "text": "谈心"}
    )
    assert response.status_code == 404
    assert not FollowUp.objects.exists()
    propose = reverse("assistance:case_propose_closure", args=[case.pk])
    assert helper_client.post(propose).status_code == 404
    mine = helper_client.get(reverse("assistance:my_cases"))
    assert mine.status_code == 200
    assert list(mine.context["cases"]) == []


def test_an_activist_who_left_the_league_keeps_helping(
    helper_client, helper_worker, case
):
    _leaves(helper_worker, political_status=PoliticalStatus.MASSES, is_activist=True)
    page = reverse("assistance:case_detail", args=[case.pk])
    assert helper_client.get(page).status_code == 200


def test_the_rule_on_the_worker_and_on_the_queryset_agree(db, workshop):
    """Worker.is_eligible_helper (one row) and eligible_helpers() (many) are
    the same rule: for every combination they say the same."""
    for n, (active, status, activist) in enumerate(
        itertools.product((True, False), PoliticalStatus.values, (True, False))
    ):
        WorkerFactory(
            employee_no=f"R{n:03d}",
            workshop=workshop,
            active=active,
            political_status=status,
            is_activist=activist,
        )
    eligible = set(Worker.objects.eligible_helpers().values_list("pk", flat=True))
    gone = set(Worker.objects.no_longer_eligible().values_list("pk", flat=True))
    for worker in Worker.objects.all():
        assert (worker.pk in eligible) is worker.is_eligible_helper, worker
        assert (worker.pk in gone) is not worker.is_eligible_helper, worker


@pytest.fixture
def cases_of_gone_helpers(case, helper_worker, other_helper_worker, secretary):
    """Three more cases in jg2: one shared by the helper (who will leave) and
    the other helper; one of the other helper's alone; one of the helper's
    that is closed (nothing to reassign)."""
    workshop = case.worker.workshop

    def opened(name, helpers):
        worker = WorkerFactory(name=name, workshop=workshop)
        record(worker, MAR, 60)
        return open_case(
            worker=worker,
            month=MAR,
            cause=Cause.FAMILY,
            measure=Measure.HARDSHIP_AID,
            helpers=helpers,
            opened_by=secretary,
        )

    shared = opened("共同帮扶", [helper_worker, other_helper_worker])
    kept = opened("别人帮扶", [other_helper_worker])
    closed = opened("已结案", [helper_worker])
    close_case(case=closed, by=secretary, outcome=CaseOutcome.OTHER, reason="调走")
    _leaves(helper_worker, active=False)
    return {"case": case, "shared": shared, "kept": kept, "closed": closed}


def test_the_secretary_finds_the_cases_whose_helper_is_gone(
    secretary_client, cases_of_gone_helpers, django_assert_num_queries
):
    c = cases_of_gone_helpers
    url = reverse("assistance:case_list") + "?helpers_left=1"
    # session, user, permissions (2), the count of cases to reassign, the
    # page count, the status counts, the user's worker (navigation), the
    # workshop filter's choices (count and rows), the page of cases, their
    # helpers (prefetch)
    with django_assert_num_queries(12):
        response = secretary_client.get(url)
    assert response.status_code == 200
    listed = {case.pk for case in response.context["page"]}
    assert listed == {c["case"].pk, c["shared"].pk}
    text = response.content.decode()
    # The gone helper is marked in the row, and the filter is labelled.
    assert "已不能担任帮助人" in text
    assert "帮助人已离开或不再符合条件" in text


def test_the_case_list_says_how_many_cases_wait_for_a_new_helper(
    secretary_client, cases_of_gone_helpers
):
    response = secretary_client.get(reverse("assistance:case_list"))
    assert response.context["helpers_left"] == 2
    notice = response.content.decode()
    assert "?helpers_left=1" in notice
    assert AssistanceCase.objects.with_helper_gone().count() == 2
