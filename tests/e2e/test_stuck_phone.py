"""Stuck cases in a browser: the list stacks as cards on a 390 px phone and
lays out at 1366 px, and from a row the secretary re-diagnoses a case in one
step; list and form have no serious axe violation. (The sweeps of
test_accessibility.py reach the list through the access matrix, whose world
has no stuck case: these are the rows.)"""

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from assistance.models import AssistanceCase, CaseEventKind
from tests.assistance.test_stuck_page import _stuck
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import DESKTOP, describe, run_axe
from tests.e2e.test_phone_lists import OVERFLOWING
from tests.factories import WorkshopFactory
from workers.models import Cause

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
URL = "/cases/stuck/?month=1956-04"


@pytest.fixture
def stuck_world(workshop, helper, secretary):
    """Three stuck cases, one in a workshop with a long name."""
    far = WorkshopFactory(code="zz", name="铸造车间（翻砂、浇注、清理工段）")
    return [
        _stuck(f"JG2-1956-000{n}", shop, helper.worker, secretary)
        for n, shop in enumerate((workshop, far, workshop))
    ]


def _axe(page, url: str) -> list[str]:
    return [describe(violation) for violation in run_axe(page, url)]


def test_the_list_stacks_on_a_phone_and_a_row_is_re_diagnosed(
    page, login, live_server, screenshot, stuck_world
):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{URL}")
    rows = page.locator("#stuck-list tbody tr")
    assert rows.count() == 3
    screenshot("stuck-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OVERFLOWING) == []
    assert rows.first.bounding_box()["width"] >= PHONE["width"] * 0.75
    assert _axe(page, URL) == []
    case = stuck_world[0]
    with page.expect_navigation():
        page.click(f'[data-rediagnose="{case.pk}"]')
    assert page.evaluate(OVERFLOWING) == []
    assert _axe(page, page.url) == []
    page.select_option("#id_cause", Cause.TECHNIQUE)
    page.fill("#id_reason", "其实是不会看图纸")
    with page.expect_navigation():
        page.click("#case-rediagnose-form button[type=submit]")
    assert page.url.endswith(URL)
    case = AssistanceCase.objects.get(pk=case.pk)
    assert case.cause == Cause.TECHNIQUE
    assert case.events.filter(kind=CaseEventKind.REDIAGNOSED).count() == 1


def test_the_list_lays_out_at_desktop_width(
    page, login, live_server, screenshot, stuck_world
):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}{URL}")
    assert page.locator("#stuck-list thead").is_visible()
    screenshot("stuck-desktop")
    assert page.evaluate(OVERFLOWING) == []
    assert _axe(page, URL) == []
