"""workers.signals.announcements_gathered: many writes, one announcement."""

import datetime as dt

import pytest

from workers.signals import announce_change, announcements_gathered, figures_changed

pytestmark = pytest.mark.django_db  # the real receivers run beside the test's

MAR, APR = dt.date(1956, 3, 1), dt.date(1956, 4, 1)


@pytest.fixture
def heard():
    received = []

    def listener(sender=None, *, months, source, **kwargs):
        received.append((source, months))

    figures_changed.connect(listener, dispatch_uid="test-gathered")
    yield received
    figures_changed.disconnect(dispatch_uid="test-gathered")


def test_announcements_in_the_block_are_sent_once_per_source_at_its_end(heard):
    with announcements_gathered():
        announce_change(months={MAR}, source="assistance.caseevent")
        announce_change(months={APR}, source="assistance.caseevent")
        with announcements_gathered():  # nested: sent with the outermost
            announce_change(months={dt.date(1956, 4, 17)}, source="records")
        assert heard == []
    assert sorted(heard) == [
        ("assistance.caseevent", {MAR, APR}),
        ("records", {APR}),
    ]


def test_every_month_wins_over_months(heard):
    with announcements_gathered():
        announce_change(months={MAR}, source="import_workers")
        announce_change(months=None, source="import_workers")
        announce_change(months={APR}, source="import_workers")
    assert heard == [("import_workers", None)]


def test_a_block_left_by_an_exception_sends_nothing(heard):
    with pytest.raises(RuntimeError), announcements_gathered():
        announce_change(months={MAR}, source="records")
        raise RuntimeError
    assert heard == []
    announce_change(months={MAR}, source="records")  # and the next one is sent
    assert heard == [("records", {MAR})]
