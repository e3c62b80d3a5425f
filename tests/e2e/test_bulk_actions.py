"""On the demo factory, the secretary's two bulk actions of a month: every
case that reached quota by the working month closed in one action from the
work queue's list (asked once; those that reached quota only in a month
still being collected left to wait), and a workshop classified as last
month in one action."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from assistance.models import AssistanceCase, CaseOutcome, CaseStatus
from assistance.worklists import uncased_shortfalls
from workers.completeness import default_month
from workers.models import ProductionRecord, ShortfallClassification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FEB = dt.date(1956, 2, 1)
MAR = dt.date(1956, 3, 1)
APR = dt.date(1956, 4, 1)


def april_for_one_workshop() -> int:
    """April's records of one workshop only (April partial, March still the
    working month), every open case of it at quota: how many such cases."""
    from workers.services.records import RecordInput, save_records

    opened = AssistanceCase.objects.filter(status=CaseStatus.OPEN)
    code = opened.values_list("worker__workshop__code", flat=True).first()
    march = ProductionRecord.objects.filter(month=MAR, worker__workshop__code=code)
    helped = set(opened.values_list("worker_id", flat=True))
    reaching = opened.filter(worker__workshop__code=code).count()
    save_records(
        rows=[
            RecordInput(
                r.worker_id,
                APR,
                r.quota,
                r.quota if r.worker_id in helped else r.output,
            )
            for r in march
        ],
        by=None,
        source="test",
    )
    return reaching


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())


def test_a_months_bulk_actions_on_the_demo(demo, page, login, screenshot, live_server):
    """Seeded once (seconds), both actions in turn."""
    waiting = AssistanceCase.objects.filter(status=CaseStatus.REACHED_QUOTA).count()
    assert waiting > 10
    reached_in_april = april_for_one_workshop()
    assert reached_in_april > 0 and default_month() == MAR
    uncased_in_march = uncased_shortfalls(MAR).count()
    closed = AssistanceCase.objects.filter(status=CaseStatus.CLOSED).count()
    login("secretary", "demo-secretary-1956")
    page.goto(f"{live_server.url}/")
    item = page.locator("[data-item=to_close]")
    assert item.get_attribute("data-count") == str(waiting)
    with page.expect_navigation():
        item.locator("a").click()
    boxes = page.locator("input[name=case][form=bulk-close-form]")
    assert boxes.count() == waiting
    # The "tick all" box (static/js/bulk.js) ticks every row.
    page.check("input[data-select-all=bulk-close-form]")
    assert page.locator("input[name=case]:checked").count() == waiting
    screenshot("bulk-close-desktop")
    assert page.locator("[data-waits-for]").count() == reached_in_april
    with page.expect_navigation():
        page.click("#bulk-close-submit")
    # Asked once, naming how many; nothing closed yet.
    confirm = page.locator("#bulk-close-confirm-submit")
    assert confirm.get_attribute("value") == str(waiting)
    assert AssistanceCase.objects.filter(status=CaseStatus.CLOSED).count() == closed
    with page.expect_navigation():
        confirm.click()
    # April's wait for April; March's counts say the same as before.
    assert (
        AssistanceCase.objects.filter(status=CaseStatus.REACHED_QUOTA).count()
        == reached_in_april
    )
    assert uncased_shortfalls(MAR).count() == uncased_in_march
    closed = AssistanceCase.objects.filter(
        status=CaseStatus.CLOSED,
        outcome=CaseOutcome.REACHED_QUOTA,
        closed_at__isnull=False,
    )
    assert closed.count() >= waiting
    assert page.locator(".alert-success").count() == 1
    screenshot("bulk-close-done-desktop")
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-item=to_close]").get_attribute("data-count") == "0"

    # A workshop's causes accepted from last month in one action.
    page.goto(f"{live_server.url}/cases/classify/?month=1956-03")
    button = page.locator("button[id^=accept-]").first
    count = int(button.get_attribute("data-count"))
    assert count > 0
    prefilled = page.locator(".prefilled-badge").count()
    assert prefilled >= count
    before = ShortfallClassification.objects.filter(month=MAR).count()
    screenshot("classify-as-last-month-desktop")
    with page.expect_navigation():
        button.click()
    march = ShortfallClassification.objects.filter(month=MAR)
    assert march.count() == before + count
    last = dict(
        ShortfallClassification.objects.filter(month=FEB).values_list(
            "worker_id", "cause"
        )
    )
    new = march.filter(classified_by__username="secretary")
    assert all(last[c.worker_id] == c.cause for c in new)
    # The workshop's rows are no longer marked; the others still are.
    assert page.locator(".prefilled-badge").count() == prefilled - count
    screenshot("classify-as-last-month-done-desktop")
