"""The quota review page (/workers/quota-reviews/): the month's groups with
their workers, the secretary's decision, a director's read-only view.

March 1956, every quota 100:

- 铸造车间 (zz) × 铸工: 5 on quota, 3 below (60%);
- 第二机工车间 (jg2) × 车工: 6 on quota, 4 below (66.67%);
- jg2 × 钳工: 20 on quota, all meet it (the rest of the factory's bulk).

Each group's share is more than three times the rest's (4 of 26 and 3 of
25), so both are groups; the fitters are not.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from tests.conftest import in_english
from tests.factories import WorkerFactory
from tests.factory.test_html_valid import VNU, vnu_errors
from workers.models import QuotaReview
from workers.quota_review import review_groups
from workers.services import RecordInput, decide_quota_review, save_records

pytestmark = pytest.mark.world_per_module

MAR = dt.date(1956, 3, 1)
MONTH = "1956-03"
URL = reverse("workers:quota_reviews")


def build(workshop, other_workshop) -> dict:
    """The two groups of the module's docstring, and the fitters."""
    rows = []
    people = {}
    for shop, trade, outputs in (
        (other_workshop, "铸工", ["80", "85", "90", "100", "110"]),
        (workshop, "车工", ["70", "88", "92", "99", "100", "120"]),
        (workshop, "钳工", ["100"] * 20),
    ):
        for number, output in enumerate(outputs, start=1):
            worker = WorkerFactory(
                workshop=shop,
                trade=trade,
                employee_no=f"{shop.code}-{trade}-{number:02d}",
                name=f"{trade}{number}号",
            )
            people[worker.employee_no] = worker
            rows.append(RecordInput(worker.pk, MAR, Decimal("100"), Decimal(output)))
    save_records(rows=rows, by=None, source="test")
    return {"workers": people, "workshop": workshop, "other_workshop": other_workshop}


@pytest.fixture(scope="module")
def shared_review_world(shared_people) -> dict:
    with transaction.atomic():  # one transaction: the summaries kept once
        return build(shared_people.workshop, shared_people.other_workshop)


@pytest.fixture
def world(shared_review_world, db) -> dict:
    return copy.deepcopy(shared_review_world)


def sections(response) -> dict[str, dict]:
    return {
        f"{s['group'].workshop_code} {s['group'].trade}": s
        for s in response.context["sections"]
    }


def post_decision(client, group, **data):
    prefix = group.anchor
    values = {"version": 0, "decision": "kept", "revise_from": "", "reason": "合理"}
    values |= data
    return client.post(
        f"{URL}?month={MONTH}",
        {"group": prefix, **{f"{prefix}-{key}": v for key, v in values.items()}},
    )


def zz_group():
    return next(g for g in review_groups(MAR) if g.workshop_code == "zz")


# --- what the page shows -------------------------------------------------------


def test_the_working_month_lists_each_group_with_its_workers(world, secretary_client):
    response = secretary_client.get(URL)
    assert response.status_code == 200
    assert response.context["month"] == MAR  # the working month by default
    shown = sections(response)
    assert list(shown) == ["jg2 车工", "zz 铸工"]
    casters = shown["zz 铸工"]
    assert (casters["group"].workers, casters["group"].failing) == (5, 3)
    # Lowest attainment first: the three below quota, then the others.
    assert [r.worker.employee_no for r in casters["records"]] == [
        f"zz-铸工-{n:02d}" for n in range(1, 6)
    ]
    body = response.content.decode()
    assert 'data-workers="5" data-failing="3"' in body
    assert "铸工1号" in body and "钳工1号" not in body
    assert casters["form"] is not None and casters["review"] is None


def test_a_director_reads_their_workshops_groups_and_decides_nothing(
    world, manager_client
):
    response = manager_client.get(URL, {"month": MONTH})
    assert response.status_code == 200
    shown = sections(response)
    # bob directs jg2: the moulders of zz are not his to read.
    assert list(shown) == ["jg2 车工"]
    assert shown["jg2 车工"]["form"] is None
    assert '<form method="post"' not in response.content.decode().split("<main")[1]
    lathe = next(g for g in review_groups(MAR) if g.workshop_code == "jg2")
    assert post_decision(manager_client, lathe).status_code == 403
    assert not QuotaReview.objects.exists()


def test_a_helper_may_not_read_the_page(world, helper_client):
    assert helper_client.get(URL).status_code == 403


def test_a_month_that_is_not_a_month_is_named_and_the_working_month_shown(
    world, secretary_client
):
    response = secretary_client.get(URL, {"month": "1956-13"})
    assert response.status_code == 200
    assert response.context["month"] == MAR
    assert "1956-13" in response.content.decode()
    assert response.context["chooser"].errors["month"]


def test_a_month_without_groups_says_so(world, secretary_client):
    response = in_english(secretary_client).get(URL, {"month": "1956-02"})
    assert response.context["sections"] == []
    assert "far above the rest of the factory" in response.content.decode()


# --- deciding -----------------------------------------------------------------


def test_the_secretary_records_a_decision_and_the_page_shows_it(
    world, secretary_client, secretary
):
    group = zz_group()
    response = post_decision(
        secretary_client,
        group,
        decision="revise",
        revise_from="1956-05",
        reason="新砂型以后定额偏高",
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?month={MONTH}#{group.anchor}")
    review = QuotaReview.objects.get()
    assert (review.decision, review.revise_from, review.decided_by) == (
        "revise",
        dt.date(1956, 5, 1),
        secretary,
    )
    page = in_english(secretary_client).get(URL, {"month": MONTH})
    body = page.content.decode()
    assert "Quota to be revised from March 1956" not in body
    assert "Quota to be revised from May 1956." in body
    assert "新砂型以后定额偏高" in body
    assert sections(page)["zz 铸工"]["form"].initial["version"] == 1


def test_a_decision_without_its_month_or_reason_is_refused_by_field(
    world, secretary_client
):
    response = post_decision(
        in_english(secretary_client), zz_group(), decision="revise", reason=""
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"reason"}  # the form's own check first
    response = post_decision(
        in_english(secretary_client), zz_group(), decision="revise", reason="偏高"
    )
    form = response.context["form"]
    assert set(form.errors) == {"revise_from"}
    assert "Give the month from which the quota is to be revised." in (
        response.content.decode()
    )
    assert 'id="error-summary"' in response.content.decode()
    assert not QuotaReview.objects.exists()


def test_a_decision_taken_meanwhile_is_not_replaced_unseen(
    world, secretary_client, secretary
):
    group = zz_group()
    decide_quota_review(
        workshop=world["other_workshop"],
        trade="铸工",
        month=MAR,
        decision="kept",
        reason="另一位委员：合理",
        seen_version=0,
        by=secretary,
    )
    # A form drawn before that decision (it showed none).
    response = post_decision(
        secretary_client, group, decision="revise", revise_from="1956-04"
    )
    assert response.status_code == 200
    assert QuotaReview.objects.get().decision == "kept"
    body = response.content.decode()
    assert "另一位委员：合理" in body  # the decision now stored is shown
    form = response.context["form"]
    assert form.non_field_errors()
    # Sent again, the form replaces what it now shows.
    assert form["version"].value() == 1
    again = post_decision(
        secretary_client, group, decision="revise", revise_from="1956-04", version=1
    )
    assert again.status_code == 302
    assert QuotaReview.objects.get().decision == "revise"


def test_a_group_no_longer_under_review_records_nothing(world, secretary_client):
    group = zz_group()
    # The moulders' records are corrected: all meet quota now.
    save_records(
        rows=[
            RecordInput(w.pk, MAR, Decimal("100"), Decimal("100"))
            for no, w in world["workers"].items()
            if no.startswith("zz-")
        ],
        by=None,
        source="test",
    )
    response = post_decision(secretary_client, group)
    assert response.status_code == 302
    assert not QuotaReview.objects.exists()


def test_the_page_costs_the_same_whatever_the_number_of_workers(
    world, secretary_client, django_assert_num_queries
):
    secretary_client.get(URL, {"month": MONTH})  # the session, warm
    # session, user, permissions (2), the worker of the frame's navigation;
    # the month's completeness (4); the month's counts by trade, the
    # decisions of its groups (none yet), the groups' records
    with django_assert_num_queries(12):
        secretary_client.get(URL, {"month": MONTH})
    more = [WorkerFactory(workshop=world["workshop"], trade="车工") for _ in range(10)]
    save_records(
        rows=[RecordInput(w.pk, MAR, Decimal("100"), Decimal("50")) for w in more],
        by=None,
        source="test",
    )
    decide_quota_review(
        workshop=world["workshop"],
        trade="车工",
        month=MAR,
        decision="kept",
        reason="合理",
        seen_version=0,
        by=None,
    )
    # ... and the decisions' rows for their forms, now that a group has one
    with django_assert_num_queries(13):
        response = secretary_client.get(URL, {"month": MONTH})
    assert len(sections(response)["jg2 车工"]["records"]) == 16


# --- valid HTML, with groups (the access matrix's world has none) ------------


@pytest.mark.skipif(
    not (VNU.exists() and shutil.which("java")) and not os.environ.get("CI"),
    reason="the Nu Html Checker is not installed: make var/vnu/vnu.jar (needs java)",
)
def test_the_page_passes_the_nu_html_checker(
    world, secretary_client, manager_client, secretary, tmp_path
):
    decide_quota_review(
        workshop=world["workshop"],
        trade="车工",
        month=MAR,
        decision="revise",
        revise_from=dt.date(1956, 5, 1),
        reason="车床换了",
        seen_version=0,
        by=secretary,
    )
    refused = post_decision(secretary_client, zz_group(), decision="revise")
    pages = {
        "secretary": secretary_client.get(URL, {"month": MONTH}),
        "secretary, English": in_english(secretary_client).get(URL),
        "refused": refused,
        "director": manager_client.get(URL, {"month": MONTH}),
    }
    files = []
    for number, response in enumerate(pages.values()):
        assert response.status_code == 200
        path = tmp_path / f"page-{number}.html"
        path.write_text(response.content.decode(), encoding="utf-8")
        files.append(path)
    assert vnu_errors(files) == []
