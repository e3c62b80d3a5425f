"""Quota review groups (workers.quota_review): each clause of the definition
at its edge, on small factories built for each test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from tests.factories import ProductionRecordFactory, WorkerFactory, WorkshopFactory
from workers.changes import Change
from workers.models import QuotaDecision, QuotaReview
from workers.quota_review import group_records, review_groups, under_review_worker_ids
from workers.services import StaleReviewError, decide_quota_review
from workers.signals import figures_changed

MAR = dt.date(1956, 3, 1)
APR = dt.date(1956, 4, 1)
BELOW, MEETS = "99.99", "100"


def staff(shop, trade: str, below: int, meeting: int, month=MAR) -> list:
    """``below`` + ``meeting`` new workers of ``trade`` in ``shop``, each
    with a record of ``month`` (quota 100) just below or exactly at quota."""
    workers = []
    with transaction.atomic():  # one transaction: the summaries kept once
        for output in [BELOW] * below + [MEETS] * meeting:
            worker = WorkerFactory(workshop=shop, trade=trade)
            ProductionRecordFactory(
                worker=worker, month=month, quota=Decimal("100"), output=output
            )
            workers.append(worker)
    return workers


@pytest.fixture
def shops(db):
    return WorkshopFactory(code="zz", name="铸工车间"), WorkshopFactory(
        code="jg2", name="第二机工车间"
    )


def found(month=MAR, **kwargs) -> list[tuple[str, str, int, int]]:
    return [
        (g.workshop_code, g.trade, g.workers, g.failing)
        for g in review_groups(month, **kwargs)
    ]


def test_five_workers_on_quota_make_a_group_and_four_do_not(shops):
    zz, jg2 = shops
    staff(jg2, "车工", below=0, meeting=20)
    staff(zz, "铸工", below=2, meeting=3)
    staff(zz, "锻工", below=2, meeting=2)
    assert found() == [("zz", "铸工", 5, 2)]


def test_a_share_below_quota_of_exactly_40_percent_is_enough(shops):
    zz, jg2 = shops
    staff(jg2, "车工", below=0, meeting=20)
    staff(zz, "铸工", below=2, meeting=3)  # 40%
    staff(zz, "锻工", below=3, meeting=5)  # 37.5%
    assert found() == [("zz", "铸工", 5, 2)]


def test_exactly_three_times_the_rest_of_the_factory_is_enough(shops):
    zz, jg2 = shops
    staff(zz, "铸工", below=3, meeting=2)  # 60%
    # The rest: 4 of 20 below quota, 20%; three times that is 60%.
    staff(jg2, "车工", below=4, meeting=16)
    group = review_groups(MAR)[0]
    assert (group.trade, group.share, group.rest_share) == ("铸工", 60.0, 20.0)
    assert (group.rest_workers, group.rest_failing) == (20, 4)
    # One more below quota in the rest (5 of 21, 23.81%): no longer three times.
    staff(jg2, "车工", below=1, meeting=0)
    assert found() == []


def test_the_rest_is_every_worker_on_quota_outside_the_group(shops):
    zz, jg2 = shops
    staff(zz, "铸工", below=3, meeting=2)
    # The same trade in another workshop is another group, and part of the
    # rest; workers without a trade are in no group, but in the rest.
    staff(jg2, "铸工", below=0, meeting=4)
    staff(jg2, "", below=3, meeting=3)
    staff(jg2, "车工", below=0, meeting=10)
    # Without a record for March a worker is not on quota: not counted.
    WorkerFactory(workshop=zz, trade="铸工")
    group = review_groups(MAR)[0]
    assert (group.workers, group.rest_workers, group.rest_failing) == (5, 20, 3)
    assert found() == [("zz", "铸工", 5, 3)]


def test_a_trade_group_with_no_trade_is_no_group(shops):
    zz, jg2 = shops
    staff(zz, "", below=5, meeting=0)
    staff(jg2, "车工", below=0, meeting=10)
    assert found() == []


def test_meeting_quota_exactly_is_not_below_it(shops):
    zz, jg2 = shops
    staff(jg2, "车工", below=0, meeting=10)
    with transaction.atomic():
        for output in ("100", "100", "100", "99.99", "120"):
            ProductionRecordFactory(
                worker=WorkerFactory(workshop=zz, trade="铸工"),
                month=MAR,
                quota=Decimal("100"),
                output=output,
            )
    assert found() == []  # 1 of 5 below quota


def test_the_workshops_asked_for_narrow_the_groups_not_the_rest(shops):
    zz, jg2 = shops
    staff(zz, "铸工", below=3, meeting=2)
    staff(jg2, "车工", below=3, meeting=2)
    staff(jg2, "钳工", below=0, meeting=20)
    everyone = review_groups(MAR)
    assert [g.workshop_code for g in everyone] == ["jg2", "zz"]
    mine = review_groups(MAR, workshops=[jg2])
    assert mine == [g for g in everyone if g.workshop_code == "jg2"]


def test_a_later_months_records_never_change_a_months_groups(shops):
    zz, jg2 = shops
    casters = staff(zz, "铸工", below=3, meeting=2)
    staff(jg2, "车工", below=1, meeting=9)
    before = review_groups(MAR)
    assert len(before) == 1
    # April: everyone of the group meets quota, the rest falls behind.
    with transaction.atomic():
        for worker in casters:
            ProductionRecordFactory(worker=worker, month=APR, output="130")
    staff(jg2, "车工", below=10, meeting=0, month=APR)
    assert review_groups(MAR) == before
    assert found(APR) == [("jg2", "车工", 10, 10)]


def test_the_groups_are_two_queries_whatever_the_size(shops, django_assert_num_queries):
    zz, jg2 = shops
    staff(zz, "铸工", below=3, meeting=2)
    staff(jg2, "车工", below=0, meeting=30)
    # the month's counts by workshop and trade (the monthly summaries' rows),
    # then the decisions of the month, as one group qualifies
    with django_assert_num_queries(2):
        groups = review_groups(MAR)
    assert len(groups) == 1


def test_a_groups_records_are_its_workers_of_the_month(shops):
    zz, jg2 = shops
    casters = staff(zz, "铸工", below=3, meeting=2)
    staff(jg2, "车工", below=0, meeting=10)
    staff(zz, "铸工", below=1, meeting=0, month=APR)
    records = group_records(MAR, review_groups(MAR))
    assert sorted(r.worker_id for r in records) == sorted(w.pk for w in casters)
    assert not group_records(MAR, []).exists()


# --- the committee's decision (workers.services.decide_quota_review) ---------


@pytest.fixture
def casters(shops):
    """zz's moulders, 3 of 5 below quota in March; jg2's lathe operators all
    meet it: one group, zz × 铸工."""
    zz, jg2 = shops
    workers = staff(zz, "铸工", below=3, meeting=2)
    staff(jg2, "车工", below=0, meeting=10)
    return workers


def decide(shop, secretary, **kwargs):
    values = {
        "workshop": shop,
        "trade": "铸工",
        "month": MAR,
        "decision": QuotaDecision.KEPT,
        "reason": "新砂型，定额合理",
        "seen_version": 0,
        "by": secretary,
    }
    return decide_quota_review(**(values | kwargs))


def refusal(shop, secretary, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        decide(shop, secretary, **kwargs)
    return refused.value.message_dict


def test_a_decision_is_recorded_with_who_and_when(shops, casters, secretary):
    zz, _jg2 = shops
    review = decide(zz, secretary)
    assert (review.decision, review.version, review.decided_by) == (
        "kept",
        1,
        secretary,
    )
    assert review.revise_from is None and review.decided_at is not None
    assert review.history.get().history_user == secretary
    assert [g.decision for g in review_groups(MAR)] == ["kept"]


def test_to_be_revised_needs_a_month_not_before_the_month_reviewed(
    shops, casters, secretary
):
    zz, _jg2 = shops
    revise = {"decision": QuotaDecision.REVISE}
    assert list(refusal(zz, secretary, **revise)) == ["revise_from"]
    early = refusal(zz, secretary, revise_from=dt.date(1956, 2, 1), **revise)
    assert list(early) == ["revise_from"]
    assert "1956" in early["revise_from"][0]
    review = decide(zz, secretary, revise_from=dt.date(1956, 5, 17), **revise)
    assert review.revise_from == dt.date(1956, 5, 1)  # the month, as stored
    assert not QuotaReview.objects.exclude(pk=review.pk).exists()


def test_a_decision_needs_a_reason_and_a_known_decision(shops, casters, secretary):
    zz, _jg2 = shops
    assert list(refusal(zz, secretary, reason="   ")) == ["reason"]
    assert list(refusal(zz, secretary, decision="lower")) == ["decision"]
    assert not QuotaReview.objects.exists()


def test_a_later_decision_replaces_only_the_one_the_person_saw(
    shops, casters, secretary
):
    zz, _jg2 = shops
    first = decide(zz, secretary)
    # A form drawn before the first decision (it showed none): refused.
    with pytest.raises(StaleReviewError) as stale:
        decide(zz, secretary, decision=QuotaDecision.REVISE, revise_from=APR)
    assert stale.value.current == first
    second = decide(
        zz,
        secretary,
        decision=QuotaDecision.REVISE,
        revise_from=APR,
        reason="砂型改了",
        seen_version=first.version,
    )
    assert second.pk == first.pk and second.version == 2
    assert QuotaReview.objects.get().decision == "revise"
    assert [h.decision for h in second.history.order_by("history_id")] == [
        "kept",
        "revise",
    ]


def test_only_a_group_of_the_month_is_decided(shops, casters, secretary):
    zz, jg2 = shops
    assert list(refusal(jg2, secretary, trade="车工")) == [NON_FIELD_ERRORS]
    assert list(refusal(zz, secretary, month=APR)) == [NON_FIELD_ERRORS]


def test_one_decision_per_group_and_month_in_the_database(shops, casters, secretary):
    zz, _jg2 = shops
    review = decide(zz, secretary)
    twin = QuotaReview(
        workshop=zz,
        trade="铸工",
        month=MAR,
        decision="kept",
        reason="again",
        decided_at=review.decided_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_a_decision_is_announced_for_its_month(shops, casters, secretary):
    zz, _jg2 = shops
    heard = []

    def listen(sender=None, changes=None, **kwargs):
        heard.append(changes)

    figures_changed.connect(listen, dispatch_uid="test-quota-review")
    try:
        decide(zz, secretary)
    finally:
        figures_changed.disconnect(dispatch_uid="test-quota-review")
    assert [changed.months for changes in heard for changed in changes.values()] == [
        frozenset({MAR})
    ]
    assert list(heard[0]) == [Change.QUOTA_REVIEWS]


def test_a_group_is_under_review_until_its_quota_is_kept(shops, casters, secretary):
    zz, _jg2 = shops
    everyone = {worker.pk for worker in casters}
    assert under_review_worker_ids(MAR) == everyone
    kept = decide(zz, secretary)
    assert under_review_worker_ids(MAR) == set()
    decide(
        zz,
        secretary,
        decision=QuotaDecision.REVISE,
        revise_from=APR,
        seen_version=kept.version,
    )
    assert under_review_worker_ids(MAR) == everyone
    assert under_review_worker_ids(APR) == set()
