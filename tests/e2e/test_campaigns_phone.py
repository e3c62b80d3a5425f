"""Campaign targets in a browser: /campaigns/ and the dashboards' burn-down
on a 390 px phone and at 1366 px — nothing runs off the side, each chart is
drawn from its table, and axe finds nothing serious. (The sweeps of
test_accessibility.py reach both through the access matrix, whose world
has a campaign of one month: these have a burn-down of two, and both
measures.)"""

from decimal import Decimal

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from factory.figures.campaigns import set_campaign
from tests.e2e.conftest import PHONE, SCREENSHOTS
from tests.e2e.test_accessibility import DESKTOP, describe, run_axe
from tests.e2e.test_phone_lists import OVERFLOWING
from tests.factory.test_report_data import FEB, build_small_factory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

APR = FEB.replace(month=4)
# How many points each campaign chart drew, by canvas (Chart.js's own).
DRAWN = """() => Array.from(document.querySelectorAll("canvas[id^=campaign-]")).map(
  (canvas) => window.Chart.getChart(canvas).data.datasets.map((d) => d.data.length))"""


@pytest.fixture
def campaigns(workshop, other_workshop, secretary, manager):
    small = build_small_factory(workshop, other_workshop)
    for shop, measure, target in (
        (small.workshops["jg2"], "failing", "0"),
        (None, "advanced_share", "70"),
    ):
        set_campaign(
            workshop=shop,
            measure=measure,
            start_month=FEB,
            target_value=Decimal(target),
            target_month=APR,
            by=secretary,
        )
    return small


def _check(page, url: str, screenshot, name: str, within: str = "body *") -> None:
    """At both widths: no serious axe violation; on the phone, nothing of
    ``within`` runs off the side (the campaigns' tables opened)."""
    overflowing = OVERFLOWING.replace('"body *"', f'"{within}"')
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(url)
        page.evaluate(
            "document.querySelectorAll('#campaigns details')"
            ".forEach((d) => { d.open = true; })"
        )
        screenshot(f"{name}-{width}")
        if within != "body *":  # the section alone, to look at
            page.locator("#campaigns").screenshot(
                path=str(SCREENSHOTS / f"{name}-section-{width}.png")
            )
        if size is PHONE:
            assert page.evaluate(overflowing) == []
        assert [describe(v) for v in run_axe(page, url)] == []


def test_the_campaign_list_reads_on_a_phone_and_passes_axe(
    page, login, live_server, screenshot, campaigns
):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    url = f"{live_server.url}/campaigns/"
    _check(page, url, screenshot, "campaigns")
    # The revise form opens in place, and sends its campaign's new target.
    page.set_viewport_size(PHONE)
    page.goto(url)
    card = page.locator("article.card").filter(has_text="第二机工车间")
    card.locator("summary").click()
    card.locator("input[name$=target_value]").fill("1")
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert page.locator('[data-version="2"]').count() == 1
    assert [describe(v) for v in run_axe(page, url)] == []


def test_the_dashboards_draw_each_burn_down_from_its_table(
    page, login, live_server, screenshot, campaigns
):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    workshop = f"{live_server.url}/dashboard/workshops/jg2/?month=1956-03"
    # The dashboards' own tables scroll in their boxes: the campaigns' part.
    _check(page, workshop, screenshot, "campaign-workshop", "#campaigns *")
    # February and March, and April's point of the line: three months.
    assert page.evaluate(DRAWN) == [[3, 3]]
    factory = f"{live_server.url}/dashboard/?month=1956-03"
    _check(page, factory, screenshot, "campaign-factory", "#campaigns *")
    assert page.evaluate(DRAWN) == [[3, 3]]
    assert page.locator("#workshop-campaigns li").count() == 1
