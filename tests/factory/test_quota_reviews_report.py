"""The quota reviews in the figures: movement.json's ``quota_reviews`` for
the month shown and the reader's scope, what a correction counts of them,
and the bulletin's list of the committee's decisions.

The world is the quota review page's (tests/workers/test_quota_review_page.py)
beside the small factory of the report tests (test_report_data.py): in
March 1956 jg2's lathe operators (5 of 10 below quota, b1–b4 among them)
and zz's moulders (3 of 5) are groups. A decision is announced as its
transaction commits: the tests run the commit's callbacks (the cache's
refresh), as a commit would.
"""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from factory.figures.corrections import report_changes, scoped
from factory.figures.publishing import publish_month
from factory.figures.reports import movement_report
from tests.conftest import in_english
from tests.workers.test_quota_review_page import build
from workers.services import decide_quota_review

pytestmark = pytest.mark.world_per_module

MAR = dt.date(1956, 3, 1)
JSON = reverse("reports:movement_json")
BULLETIN = reverse("reports:bulletin", args=["1956-03"])
LATHE = {"workshop": "jg2", "trade": "车工", "workers": 10, "failing": 5}
MOULDERS = {"workshop": "zz", "trade": "铸工", "workers": 5, "failing": 3}


@pytest.fixture(scope="module")
def shared_report_world(shared_people) -> dict:
    with transaction.atomic():  # one transaction: the summaries kept once
        return build(shared_people.workshop, shared_people.other_workshop)


@pytest.fixture
def world(shared_report_world, db) -> dict:
    return copy.deepcopy(shared_report_world)


@pytest.fixture
def decide(world, django_capture_on_commit_callbacks):
    def decide(trade: str, decision: str = "kept", **kwargs):
        shop = world["other_workshop"] if trade == "铸工" else world["workshop"]
        with django_capture_on_commit_callbacks(execute=True):
            return decide_quota_review(
                workshop=shop,
                trade=trade,
                month=MAR,
                decision=decision,
                reason=kwargs.pop("reason", "经委员会讨论"),
                seen_version=0,
                by=None,
                **kwargs,
            )

    return decide


def test_the_json_lists_the_months_groups_with_their_decision(decide, secretary_client):
    report = secretary_client.get(JSON, {"month": "1956-03"}).json()
    assert report["quota_reviews"] == [
        {**LATHE, "decision": None},
        {**MOULDERS, "decision": None},
    ]
    assert report["quota_reviews"] == movement_report(month=MAR)["quota_reviews"]
    decide("铸工", "revise", revise_from=dt.date(1956, 5, 1))
    report = secretary_client.get(JSON, {"month": "1956-03"}).json()
    assert report["quota_reviews"][1] == {**MOULDERS, "decision": "revise"}
    # A month without groups has the key, empty.
    assert (
        secretary_client.get(JSON, {"month": "1956-02"}).json()["quota_reviews"] == []
    )


def test_a_reader_gets_the_groups_of_their_scope(
    world, secretary_client, manager_client
):
    # bob directs jg2: its lathe operators, not zz's moulders.
    mine = manager_client.get(JSON, {"month": "1956-03"}).json()
    assert mine["quota_reviews"] == [{**LATHE, "decision": None}]
    # One workshop's report: its groups, against the rest of the whole
    # factory (zz's moulders are still a group in zz's own report).
    zz = secretary_client.get(JSON, {"month": "1956-03", "workshop": "zz"}).json()
    assert zz["quota_reviews"] == [{**MOULDERS, "decision": None}]


def test_a_decision_after_publishing_is_a_change_of_the_groups_workshop(
    decide, secretary, secretary_client, manager_client
):
    publish_month(
        month=MAR,
        by=secretary,
        acknowledged={
            "missing_workshops",
            "unclassified",
            "proposed_closures",
            "quota_reviews",
        },
    )
    decide("铸工")
    published = secretary_client.get(JSON, {"month": "1956-03"}).json()
    live = secretary_client.get(JSON, {"month": "1956-03", "live": "1"}).json()
    # The published revision keeps what it froze.
    assert published["quota_reviews"][1]["decision"] is None
    assert live["quota_reviews"][1]["decision"] == "kept"
    changes = report_changes(published, live)
    assert changes == [
        {
            "figure": "quota_reviews.zz/铸工.decision",
            "published": None,
            "live": "kept",
            "workshop": "铸造车间",
        }
    ]
    # A change of zz's group is zz's: not one for jg2's director.
    assert scoped(changes, {"jg2"}) == []
    bulletin = manager_client.get(BULLETIN)
    assert bulletin.context["differences"] == []


def test_the_bulletin_lists_the_months_decisions(
    decide, secretary_client, manager_client
):
    assert (
        "bulletin-quota-reviews" not in secretary_client.get(BULLETIN).content.decode()
    )
    decide("铸工", reason="砂型改进后定额合理")
    decide("车工", "revise", revise_from=dt.date(1956, 5, 1), reason="换新车床")
    page = in_english(secretary_client).get(BULLETIN)
    rows = page.context["data"]["quota_decisions"]
    assert [(r["workshop"], r["trade"], r["decision"]) for r in rows] == [
        ("jg2", "车工", "revise"),
        ("zz", "铸工", "kept"),
    ]
    body = page.content.decode()
    assert "第二机工车间, 车工: the quota is to be revised from May 1956." in body
    assert "(5 of 10 workers below quota) 换新车床" in body
    assert "铸造车间, 铸工: the quota is kept." in body
    # bob reads his workshop's decision only.
    mine = manager_client.get(BULLETIN).content.decode()
    assert "换新车床" in mine and "砂型改进后定额合理" not in mine


def test_publishing_asks_about_the_groups_not_decided(world, decide, secretary_client):
    """The publish page lists the month's groups with no decision as
    unfinished work, links to their page and asks to confirm them."""
    publish = reverse("reports:publish", args=["1956-03"])
    decide("铸工")
    page = in_english(secretary_client).get(publish)
    assert page.context["unfinished"].quota_reviews == [
        (world["workshop"].name, "车工")
    ]
    html = page.content.decode()
    assert "1 trade group whose quota may be wrong is not decided" in html
    assert 'id="publish-quota-reviews-link"' in html
    others = {
        f"ack_{kind}": "on"
        for kind in page.context["unfinished"].kinds() - {"quota_reviews"}
    }
    refused = secretary_client.post(publish, others)
    assert refused.status_code == 400
    assert refused.context["form"].errors["ack_quota_reviews"]
    accepted = secretary_client.post(publish, {**others, "ack_quota_reviews": "on"})
    assert accepted.status_code == 302


def test_the_commands_text_names_each_group_with_its_decision(world, decide):
    decide("铸工")
    out = io.StringIO()
    call_command(
        "movement_report", month="1956-03", format="text", language="en", stdout=out
    )
    lines = [line for line in out.getvalue().splitlines() if "quota may be" in line]
    assert lines == [
        f"The quota may be wrong: {world['workshop'].name} × 车工, 5 of 10 below "
        "quota (no decision yet).",
        f"The quota may be wrong: {world['other_workshop'].name} × 铸工, 3 of 5 "
        "below quota (quota kept).",
    ]
