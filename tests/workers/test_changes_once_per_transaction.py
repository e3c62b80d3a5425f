"""workers.changes: what a transaction changed is announced once, as it
commits, and the monthly summaries are brought up to date once, inside it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from factory.figures import summaries
from factory.models import MonthSummary
from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.changes import Change, Changed, Scope, announce_change, settle
from workers.signals import figures_changed

pytestmark = pytest.mark.django_db  # the real receivers run beside the test's

MAR, APR = dt.date(1956, 3, 1), dt.date(1956, 4, 1)


@pytest.fixture
def heard():
    received = []

    def listener(sender=None, *, changes, **kwargs):
        received.append({change: changed.months for change, changed in changes.items()})

    figures_changed.connect(listener, dispatch_uid="test-heard")
    yield received
    figures_changed.disconnect(dispatch_uid="test-heard")


def test_a_transactions_announcements_are_sent_once_as_it_ends(heard):
    with transaction.atomic():
        announce_change(Change.CASE_EVENTS, months={MAR})
        announce_change(Change.CASE_EVENTS, months={APR})
        with transaction.atomic():  # nested: sent with the outermost
            announce_change(Change.RECORDS, months={dt.date(1956, 4, 17)})
        assert heard == []
    assert heard == [
        {Change.CASE_EVENTS: frozenset({MAR, APR}), Change.RECORDS: frozenset({APR})}
    ]


def test_every_month_wins_over_months(heard):
    with transaction.atomic():
        announce_change(Change.ROSTER, months={MAR})
        announce_change(Change.ROSTER, months=None)
        announce_change(Change.ROSTER, months={APR})
    assert heard == [{Change.ROSTER: None}]


def test_a_transaction_rolled_back_sends_nothing(heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        announce_change(Change.RECORDS, months={MAR})
        raise RuntimeError
    assert heard == []
    with transaction.atomic():  # and the next transaction's are sent
        announce_change(Change.RECORDS, months={APR})
    assert heard == [{Change.RECORDS: frozenset({APR})}]


def test_outside_a_transaction_a_change_is_sent_at_once(heard):
    announce_change(Change.RECORDS, months={MAR})
    assert heard == [{Change.RECORDS: frozenset({MAR})}]


def test_settle_sends_what_waits_now_and_the_rest_at_the_end(heard):
    with transaction.atomic():
        announce_change(Change.RECORDS, months={MAR})
        settle()
        assert heard == [{Change.RECORDS: frozenset({MAR})}]
        settle()  # nothing waits: nothing sent
        announce_change(Change.CLASSIFICATIONS, months={APR})
    assert heard[1:] == [{Change.CLASSIFICATIONS: frozenset({APR})}]


def test_an_unknown_kind_of_change_is_an_error():
    with pytest.raises(TypeError, match="needs a Change"):
        announce_change("records", months={MAR})


def test_every_kind_of_change_says_what_it_reaches():
    labels = [change.label for change in Change]
    assert len(set(labels)) == len(labels)  # no two kinds folded into one
    for change in Change:
        assert isinstance(change.figures, Scope)
        assert isinstance(change.cases, Scope)


def test_a_failing_receiver_rolls_the_transaction_back(workshop):
    def failing(sender=None, **kwargs):
        raise RuntimeError("the summaries could not be written")

    figures_changed.connect(failing, dispatch_uid="test-failing")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            worker = WorkerFactory(workshop=workshop)
            ProductionRecordFactory(worker=worker, month=MAR)
    finally:
        figures_changed.disconnect(dispatch_uid="test-failing")
    assert not MonthSummary.objects.filter(month=MAR).exists()
    assert not worker.records.exists()


def test_a_thousand_writes_in_one_transaction_cost_one_upkeep(workshop):
    workers = [WorkerFactory(workshop=workshop) for _ in range(5)]
    before = summaries.upkeep.runs
    with transaction.atomic():
        for worker in workers:
            for month in (MAR, APR):
                ProductionRecordFactory(
                    worker=worker, month=month, quota=Decimal(100), output=Decimal(90)
                )
        assert summaries.upkeep.runs == before, "nothing before the end"
    assert summaries.upkeep.runs == before + 1
    assert summaries.differences() == []
    assert MonthSummary.objects.get(month=APR).failing == 5


def test_changes_that_no_summary_counts_cost_no_upkeep(workshop):
    before = summaries.upkeep.runs
    with transaction.atomic():
        announce_change(Change.FOLLOW_UPS, months={MAR})
        announce_change(Change.PUBLISHED, months={MAR})
        announce_change(Change.WORKER, months=None)
    assert summaries.upkeep.runs == before


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_commits_its_summaries_with_it(workshop):
    """Real commits (no test case's transaction around them)."""
    worker = WorkerFactory(workshop=workshop)
    with transaction.atomic():
        ProductionRecordFactory(
            worker=worker, month=MAR, quota=Decimal(100), output=Decimal(80)
        )
    assert MonthSummary.objects.get(month=MAR).failing == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        ProductionRecordFactory(
            worker=WorkerFactory(workshop=workshop),
            month=MAR,
            quota=Decimal(100),
            output=Decimal(80),
        )
        raise RuntimeError
    assert MonthSummary.objects.get(month=MAR).failing == 1
    assert summaries.differences() == []


def test_the_workers_of_a_transactions_changes_are_united(workshop):
    received = []

    def listener(sender=None, *, changes, **kwargs):
        received.append(changes)

    figures_changed.connect(listener, dispatch_uid="test-workers")
    try:
        with transaction.atomic():
            announce_change(Change.RECORDS, months={MAR}, workers={1})
            announce_change(Change.RECORDS, months={APR}, workers={2})
            announce_change(Change.CLASSIFICATIONS, months={MAR}, workers={3})
            announce_change(Change.CLASSIFICATIONS, months={MAR})  # not known
    finally:
        figures_changed.disconnect(dispatch_uid="test-workers")
    assert received == [
        {
            Change.RECORDS: Changed(frozenset({MAR, APR}), frozenset({1, 2})),
            Change.CLASSIFICATIONS: Changed(frozenset({MAR}), None),
        }
    ]


def test_a_change_of_one_workshops_workers_recomputes_that_workshop_alone(
    workshop, other_workshop
):
    here = WorkerFactory(workshop=workshop)
    there = WorkerFactory(workshop=other_workshop)
    with transaction.atomic():
        for worker in (here, there):
            ProductionRecordFactory(
                worker=worker, month=MAR, quota=Decimal(100), output=Decimal(90)
            )
    theirs = MonthSummary.objects.get(month=MAR, workshop=other_workshop)
    with transaction.atomic():
        record = here.records.get()
        record.output = Decimal(120)
        record.save()
    # The other workshop's row was left as it was (not deleted and written
    # again), and both rows equal a computation from scratch.
    assert MonthSummary.objects.get(month=MAR, workshop=other_workshop).pk == theirs.pk
    assert MonthSummary.objects.get(month=MAR, workshop=workshop).failing == 0
    assert summaries.differences() == []
