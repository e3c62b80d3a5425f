"""The quota reviews in a browser, with groups (the access matrix's world
has none: the sweeps of test_accessibility.py see the page empty): the page
stacks its workers as cards on a 390 px phone and lays out at 1366 px; it,
the classification queue's marks and the case-opening page's notice have
no serious axe violation at either width."""

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import DESKTOP, describe, run_axe
from tests.e2e.test_phone_lists import OVERFLOWING
from tests.workers.test_quota_review_page import build

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE = "/workers/quota-reviews/?month=1956-03"


@pytest.fixture
def review_world(workshop, other_workshop, secretary):
    return build(workshop, other_workshop)


def _axe(page, url: str) -> list[str]:
    return [describe(violation) for violation in run_axe(page, url)]


def _both_widths(page, url: str) -> None:
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert _axe(page, url) == [], size
    page.set_viewport_size(PHONE)


def test_the_page_stacks_on_a_phone_and_passes_axe(
    page, login, live_server, screenshot, review_world
):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{PAGE}")
    sections = page.locator("section.quota-review")
    assert sections.count() == 2
    rows = sections.first.locator("tbody tr")
    assert rows.count() == 6  # jg2's lathe operators
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OVERFLOWING) == []
    assert rows.first.bounding_box()["width"] >= PHONE["width"] * 0.75
    # Undecided: the form is open, and the decision is a tap away.
    assert sections.first.locator("textarea").is_visible()
    screenshot("quota-reviews-phone")
    _both_widths(page, PAGE)
    # The secretary keeps the moulders' quota: the page says so.
    moulders = sections.nth(1)
    moulders.locator("input[value=kept]").check()
    moulders.locator("textarea").fill("砂型改进后定额合理")
    with page.expect_navigation():
        moulders.locator("button[type=submit]").click()
    decided = page.locator("section.quota-review[data-decision=kept]")
    assert "砂型改进后定额合理" in decided.inner_text()
    page.set_viewport_size(DESKTOP)
    screenshot("quota-reviews-desktop")
    _both_widths(page, PAGE)


def test_the_marks_and_the_notice_pass_axe(page, login, live_server, review_world):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    page.set_viewport_size(PHONE)
    queue = "/cases/classify/?month=1956-03"
    page.goto(f"{live_server.url}{queue}")
    assert page.locator(".quota-review-mark").count() == 7
    assert page.evaluate(OVERFLOWING) == []
    _both_widths(page, queue)
    worker = review_world["workers"]["zz-铸工-01"].pk
    opening = f"/cases/open/?month=1956-03&worker={worker}"
    page.goto(f"{live_server.url}{opening}")
    assert page.locator(".quota-review-notice").count() == 1
    assert page.evaluate(OVERFLOWING) == []
    _both_widths(page, opening)
