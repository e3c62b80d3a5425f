"""Every page × every persona, and the sentinel private note that must never
reach a workshop director or another helper."""

import copy
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from assistance.models import CaseOutcome, Demonstration, FollowUpKind, Measure
from assistance.services import add_follow_up, classify, close_case, open_case
from tests.assistance.conftest import MAR, SENTINEL, record
from tests.factories import WorkerFactory
from workers.models import Cause

PERSONAS = [
    "secretary",
    "helper",
    "other_helper",
    "manager",
    "other_manager",
    "anonymous",
]


# The personas and the world are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module


@transaction.atomic  # one transaction: the summaries kept once
def build_world(people) -> dict:
    """A case full of private matter, a closed case with a private reason,
    a demonstration, and hardship aid."""
    secretary, helper, workshop = people.secretary, people.helper, people.workshop
    failing_worker = WorkerFactory(name="胡维亮", workshop=workshop)
    record(failing_worker, MAR, 80)
    case = open_case(
        worker=failing_worker,
        month=MAR,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    classify(
        worker=failing_worker,
        month=MAR,
        cause=Cause.IDEOLOGY,
        note=f"常和爱人闹口角 {SENTINEL}",
        by=secretary,
    )
    add_follow_up(
        case=case,
        author=helper,
        kind=FollowUpKind.HOME_VISIT,
        text=f"到家里谈了夫妻关系 {SENTINEL}",
        date=MAR,
    )
    add_follow_up(
        case=case,
        author=helper,
        kind=FollowUpKind.AID_GRANTED,
        text=f"生活补助 {SENTINEL}",
        date=MAR,
        is_private=False,
        aid_amount=Decimal("12.50"),
        aid_kind=f"生活 {SENTINEL}",
        aid_approved_by="工会",
    )
    left = WorkerFactory(workshop=workshop, name="王培胜")
    record(left, MAR, 70)
    closed = open_case(
        worker=left,
        month=MAR,
        cause=Cause.FAMILY,
        measure=Measure.HARDSHIP_AID,
        helpers=[people.other_helper.worker],
        opened_by=secretary,
    )
    close_case(
        case=closed,
        by=secretary,
        outcome=CaseOutcome.OTHER,
        reason=f"家里的事 {SENTINEL}",
    )
    demonstrator = WorkerFactory(workshop=workshop, name="先进工人")
    demonstration = Demonstration.objects.create(
        technique="高速切削",
        demonstrator=demonstrator,
        workshop=workshop,
        date=MAR,
        place="第二机工车间",
    )
    demonstration.attendees.add(failing_worker)
    return {"case": case, "closed": closed, "demonstration": demonstration}


@pytest.fixture(scope="module", autouse=True)
def shared_world(shared_people):
    return build_world(shared_people)


@pytest.fixture
def world(shared_world, db):
    return copy.deepcopy(shared_world)


def _pages(world):
    case = world["case"]
    closed = world["closed"]
    demonstration = world["demonstration"]
    worker = case.worker
    return {
        # name: (url, {persona: expected status})
        "home": (reverse("home"), {}),
        "case_list": (reverse("assistance:case_list"), {"secretary": 200}),
        "case_export": (reverse("assistance:case_export"), {"secretary": 200}),
        "my_cases": (
            reverse("assistance:my_cases"),
            {"secretary": 200, "helper": 200, "other_helper": 200},
        ),
        "overview": (
            reverse("assistance:overview"),
            {"secretary": 200, "manager": 200, "other_manager": 200},
        ),
        "overview_export": (
            reverse("assistance:overview_export"),
            {"secretary": 200, "manager": 200, "other_manager": 200},
        ),
        "case_detail": (
            case.get_absolute_url(),
            {
                "secretary": 200,
                "helper": 200,
                "other_helper": 404,
                "manager": 403,
                "other_manager": 404,
            },
        ),
        "closed_case_detail": (
            closed.get_absolute_url(),
            {
                "secretary": 200,
                "helper": 404,
                "other_helper": 200,
                "manager": 403,
                "other_manager": 404,
            },
        ),
        "case_edit": (
            reverse("assistance:case_edit", args=[case.pk]),
            {
                "secretary": 200,
                "helper": 403,
                "other_helper": 404,
                "manager": 403,
                "other_manager": 404,
            },
        ),
        "case_close": (
            reverse("assistance:case_close", args=[case.pk]),
            {
                "secretary": 200,
                "helper": 403,
                "other_helper": 404,
                "manager": 403,
                "other_manager": 404,
            },
        ),
        "case_reopen": (
            reverse("assistance:case_reopen", args=[closed.pk]),
            {
                "secretary": 200,
                "helper": 404,
                "other_helper": 403,
                "manager": 403,
                "other_manager": 404,
            },
        ),
        "followup_add": (
            reverse("assistance:followup_add", args=[case.pk]),
            {
                "secretary": 200,
                "helper": 200,
                "other_helper": 404,
                "manager": 403,
                "other_manager": 404,
            },
        ),
        "classification_queue": (
            reverse("assistance:classification_queue") + "?month=1956-03",
            {"secretary": 200},
        ),
        "classification_history": (
            reverse("assistance:classification_history", args=[worker.pk]),
            {"secretary": 200},
        ),
        "cases_open": (
            reverse("assistance:cases_open") + f"?month=1956-03&worker={worker.pk}",
            # The worker has a case: the secretary is sent back to the queue.
            {"secretary": 302},
        ),
        "demonstration_list": (
            reverse("assistance:demonstration_list"),
            {"secretary": 200, "manager": 200, "other_manager": 200},
        ),
        "demonstration_detail": (
            demonstration.get_absolute_url(),
            {
                "secretary": 200,
                "helper": 404,
                "other_helper": 404,
                "manager": 200,
                "other_manager": 404,
            },
        ),
        "demonstration_create": (
            reverse("assistance:demonstration_create") + "?trade=车工",
            {"secretary": 200},
        ),
        "aid_totals": (
            reverse("assistance:aid_totals") + "?year=1956&month=1956-03",
            {"secretary": 200},
        ),
    }


PAGE_NAMES = [
    "home",
    "case_list",
    "case_export",
    "my_cases",
    "overview",
    "overview_export",
    "case_detail",
    "closed_case_detail",
    "case_edit",
    "case_close",
    "case_reopen",
    "followup_add",
    "classification_queue",
    "classification_history",
    "cases_open",
    "demonstration_list",
    "demonstration_detail",
    "demonstration_create",
    "aid_totals",
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page_name", PAGE_NAMES)
def test_each_page_for_each_persona(request, world, page_name, persona):
    url, expected = _pages(world)[page_name]
    client = request.getfixturevalue(f"{persona}_client")
    response = client.get(url)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        return
    if page_name == "home":
        assert response.status_code == 200
        return
    assert response.status_code == expected.get(persona, 403)


@pytest.mark.parametrize("persona", ["manager", "other_manager", "other_helper"])
def test_sentinel_private_note_never_reaches_them(request, world, persona):
    client = request.getfixturevalue(f"{persona}_client")
    seen = []
    for name, (url, _expected) in _pages(world).items():
        if persona == "other_helper" and name.startswith("closed_case"):
            # The closed case is other_helper's own: its reason is theirs.
            continue
        if persona == "other_helper" and name == "case_reopen":
            continue
        response = client.get(url, follow=True)
        body = response.content.decode()
        seen.append((name, response.status_code))
        assert SENTINEL not in body, f"{name} leaked a note to {persona}"
    # They did reach pages (the test is not vacuous).
    assert any(status == 200 for _name, status in seen)


def test_the_sentinel_is_visible_where_it_belongs(
    world, secretary_client, helper_client
):
    """Control for the test above: the sentinel does show up for the readers."""
    url = world["case"].get_absolute_url()
    assert SENTINEL in secretary_client.get(url).content.decode()
    assert SENTINEL in helper_client.get(url).content.decode()
    history = reverse(
        "assistance:classification_history", args=[world["case"].worker_id]
    )
    assert SENTINEL in secretary_client.get(history).content.decode()


def test_manager_overview_shows_only_their_workshops(
    world, manager_client, other_manager_client
):
    mine = manager_client.get(reverse("assistance:overview_export")).content.decode()
    assert "胡维亮" in mine
    assert "王培胜" in mine
    theirs = other_manager_client.get(
        reverse("assistance:overview_export")
    ).content.decode()
    assert "胡维亮" not in theirs
