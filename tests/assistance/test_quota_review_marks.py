"""While a trade group's quota is under review (workers.quota_review), its
workers are marked on the classification queue, and the case-opening pages
say why before a case is opened for them.

The world is the quota review page's (tests/workers/test_quota_review_page.py:
zz's moulders and jg2's lathe operators are groups in March 1956), with
one fitter of jg2 below quota too: in no group, never marked.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from tests.conftest import in_english
from tests.factories import WorkerFactory
from tests.workers.test_quota_review_page import build
from workers.services import RecordInput, decide_quota_review, save_records

pytestmark = pytest.mark.world_per_module

MAR = dt.date(1956, 3, 1)
QUEUE = reverse("assistance:classification_queue")


@pytest.fixture(scope="module")
def shared_marks_world(shared_people) -> dict:
    with transaction.atomic():  # one transaction: the summaries kept once
        world = build(shared_people.workshop, shared_people.other_workshop)
        fitter = WorkerFactory(
            workshop=shared_people.workshop, trade="钳工", employee_no="jg2-钳工-99"
        )
        save_records(
            rows=[RecordInput(fitter.pk, MAR, Decimal("100"), Decimal("60"))],
            by=None,
            source="test",
        )
        world["workers"][fitter.employee_no] = fitter
        return world


@pytest.fixture
def world(shared_marks_world, db) -> dict:
    return copy.deepcopy(shared_marks_world)


def marked(response) -> dict[str, str]:
    """{employee number: the group's anchor} of the queue's marked rows."""
    return {
        row.worker.employee_no: row.quota_review.anchor
        for group in response.context["groups"]
        for row in group.rows
        if row.quota_review
    }


def decide(world, trade: str, decision: str, **kwargs):
    shop = world["other_workshop"] if trade == "铸工" else world["workshop"]
    return decide_quota_review(
        workshop=shop,
        trade=trade,
        month=MAR,
        decision=decision,
        reason="经委员会讨论",
        seen_version=kwargs.pop("seen_version", 0),
        by=None,
        **kwargs,
    )


def test_the_queue_marks_the_workers_of_a_group_under_review(world, secretary_client):
    response = in_english(secretary_client).get(QUEUE, {"month": "1956-03"})
    marks = marked(response)
    # The three moulders and four lathe operators below quota; not the fitter.
    assert sorted(marks) == [
        *[f"jg2-车工-{n:02d}" for n in range(1, 5)],
        *[f"zz-铸工-{n:02d}" for n in range(1, 4)],
    ]
    body = response.content.decode()
    anchor = marks["zz-铸工-01"]
    link = f"{reverse('workers:quota_reviews')}?month=1956-03#{anchor}"
    assert f'href="{link}"' in body
    assert body.count("quota-review-mark") == 7


def test_a_quota_kept_ends_the_marks_and_one_to_be_revised_keeps_them(
    world, secretary_client
):
    decide(world, "铸工", "kept")
    decide(world, "车工", "revise", revise_from=dt.date(1956, 5, 1))
    marks = marked(secretary_client.get(QUEUE, {"month": "1956-03"}))
    assert sorted(marks) == [f"jg2-车工-{n:02d}" for n in range(1, 5)]


def test_the_marks_cost_three_queries_whatever_the_number_of_rows(
    world, secretary_client, django_assert_num_queries
):
    url = f"{QUEUE}?month=1956-03"
    secretary_client.get(url)
    # The queue's own 14 for a month asked for (test_classification_views.py
    # counts the working month's) and the marks' three: the month's counts
    # by trade, their decisions, the records of the groups under review.
    with django_assert_num_queries(17):
        assert len(marked(secretary_client.get(url))) == 7
    more = [WorkerFactory(workshop=world["workshop"], trade="车工") for _ in range(6)]
    save_records(
        rows=[RecordInput(w.pk, MAR, Decimal("100"), Decimal("50")) for w in more],
        by=None,
        source="test",
    )
    with django_assert_num_queries(17):
        marks = marked(secretary_client.get(url))
    # Ten lathe operators below quota now; with them the rest of the factory
    # is a third below quota, and the moulders' 60% no longer three times it.
    assert len(marks) == 10
    assert not any(number.startswith("zz-") for number in marks)


def test_the_case_opening_page_says_why_before_a_case_is_opened(
    world, secretary_client
):
    moulder = world["workers"]["zz-铸工-01"]
    fitter = world["workers"]["jg2-钳工-99"]
    response = in_english(secretary_client).get(
        reverse("assistance:cases_open"),
        {"month": "1956-03", "worker": [moulder.pk, fitter.pk]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("quota-review-notice") == 1
    notice = body.split("quota-review-notice", 1)[1].split("</div>", 1)[0]
    assert "The quota of 铸工 in 铸造车间 is under review for March 1956" in notice
    # The moulder's row, not the fitter's: the notice is in his fieldset.
    rows = {
        "moulder" if "铸工1号" in part else "fitter": part
        for part in body.split("<fieldset")[1:]
    }
    assert "quota-review-notice" in rows["moulder"]
    assert "quota-review-notice" not in rows["fitter"]


def test_the_one_helper_page_says_why_too(world, secretary_client):
    moulder = world["workers"]["zz-铸工-02"]
    fitter = world["workers"]["jg2-钳工-99"]
    response = secretary_client.get(
        reverse("assistance:cases_open_with_helper"),
        {"month": "1956-03", "worker": [moulder.pk, fitter.pk]},
    )
    assert response.status_code == 200
    rows = {row["worker"].employee_no: row for row in response.context["rows"]}
    assert rows["zz-铸工-02"]["quota_review"].trade == "铸工"
    assert rows["jg2-钳工-99"]["quota_review"] is None
    assert response.content.decode().count("quota-review-notice") == 1
