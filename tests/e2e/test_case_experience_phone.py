"""The experience to learn, changed on the case page on a 390 px phone: the
secretary picks another of the worker's trade's (long names), saves, and
the case's history says so; a form drawn before someone else's change is
answered on the same page. No sideways scrolling, no serious axe
violation."""

import datetime as dt
from decimal import Decimal

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from assistance.models import Measure
from assistance.services import change_experience, open_case
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import describe, run_axe
from tests.e2e.test_phone_lists import OVERFLOWING
from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import Cause, Experience

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MAR = dt.date(1956, 3, 1)


@pytest.fixture
def lathe_case(secretary, helper, workshop):
    first, second = (
        Experience.objects.create(name=name, trades=["车工"], description="…")
        for name in (
            "硬质合金车刀高速切削法（苏联专家推荐，王崇伦改进）",
            "多刀多刃强力切削法（一次装夹，几把车刀同时切削）",
        )
    )
    worker = WorkerFactory(
        name="欧阳建国", employee_no="JG2-1956-0001", workshop=workshop, trade="车工"
    )
    ProductionRecordFactory(worker=worker, month=MAR, output=Decimal("80"))
    case = open_case(
        worker=worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper.worker],
        opened_by=secretary,
        experience=first,
    )
    return case, first, second


def _fits_and_passes(page, url: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OVERFLOWING) == []
    assert [describe(v) for v in run_axe(page, url)] == []


def test_the_secretary_changes_the_experience_on_a_phone(
    page, login, live_server, screenshot, lathe_case, secretary
):
    case, first, second = lathe_case
    url = case.get_absolute_url()
    page.context.add_init_script(AXE_SCRIPT)
    page.set_viewport_size(PHONE)
    login("alice")
    page.goto(f"{live_server.url}{url}")
    assert page.locator("#case-experience-name").inner_text() == first.name
    screenshot("case-experience-phone")
    _fits_and_passes(page, url)
    page.select_option("#case-experience-form select", str(second.pk))
    with page.expect_navigation():
        page.click("#case-experience-save")
    assert page.url.endswith(url)
    assert page.locator("#case-experience-name").inner_text() == second.name
    assert "要学习的先进经验：" in page.locator("#case-timeline").inner_text()
    # Someone else clears it while the page is open: saving is refused on
    # the same page, which says so and shows the case as it is now.
    change_experience(case=case, experience=None, by=secretary)
    page.select_option("#case-experience-form select", str(first.pk))
    with page.expect_navigation():
        page.click("#case-experience-save")
    assert page.locator("#error-summary").is_visible()
    assert page.locator("#case-experience-name").count() == 0
    screenshot("case-experience-phone-stale")
    _fits_and_passes(page, url)
    case.refresh_from_db()
    assert case.experience is None
