"""Helpers' results against the causes, with rows, in a browser: the
secretary's table stacks as cards on a 390 px phone and lays out at 1366
px, and it and the helper's own line have no serious axe violation. (The
sweeps of test_accessibility.py reach the page through the access matrix,
whose world has no helper with five closed cases: these are the rows.)"""

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.assistance.test_helper_effect import build
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import DESKTOP, describe, run_axe
from tests.e2e.test_phone_lists import OVERFLOWING
from tests.people import People

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def effect_world(
    workshop,
    other_workshop,
    secretary,
    manager,
    other_manager,
    helper,
    other_helper,
    inactive_user,
):
    return build(
        People(
            workshop=workshop,
            other_workshop=other_workshop,
            secretary=secretary,
            manager=manager,
            other_manager=other_manager,
            helper=helper,
            other_helper=other_helper,
            inactive_user=inactive_user,
        )
    )


def _axe(page, url: str) -> list[str]:
    return [describe(violation) for violation in run_axe(page, url)]


def test_the_table_stacks_on_a_phone_and_passes_axe(
    page, login, live_server, screenshot, effect_world
):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    url = "/cases/helpers/effect/?month=1956-04"
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{url}")
    rows = page.locator("#helper-effect-table tbody tr")
    assert rows.count() == 2
    screenshot("helper-effect-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OVERFLOWING) == []
    assert rows.first.bounding_box()["width"] >= PHONE["width"] * 0.75
    # The headers' links are out of sight on a phone: the form sorts.
    assert page.locator("#helper-effect-sort").is_visible()
    assert _axe(page, url) == []
    page.select_option("#helper-effect-sort-by", "-closed")
    with page.expect_navigation():
        page.click("#helper-effect-sort button[type=submit]")
    assert "sort=-closed" in page.url and "month=1956-04" in page.url
    page.set_viewport_size(DESKTOP)
    assert not page.locator("#helper-effect-sort").is_visible()
    screenshot("helper-effect-desktop")
    assert _axe(page, url) == []


def test_the_helpers_own_line_passes_axe(page, login, live_server, effect_world):
    page.context.add_init_script(AXE_SCRIPT)
    login("dora")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/cases/mine/")
    assert page.locator("#my-effect [data-figure=actual]").inner_text() == "4"
    assert page.evaluate(OVERFLOWING) == []
    assert _axe(page, "/cases/mine/") == []
