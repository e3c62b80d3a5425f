"""The checks at the machine on a 390 px phone: a helper finds the overdue
check of the worker they help on "My cases", records "not yet" with the
reason from the phone, and the card is gone; the secretary's list of checks
and the check's form fit the phone with long names, stacked as cards; each
page without a serious axe violation, at 1366 px too."""

import datetime as dt
from decimal import Decimal

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.utils import timezone

from assistance.models import Demonstration, MachineCheck, Measure
from assistance.services import open_case
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import DESKTOP, describe, run_axe
from tests.e2e.test_phone_lists import OVERFLOWING
from tests.factories import ProductionRecordFactory, WorkerFactory, WorkshopFactory
from workers.models import Cause, Experience

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MAR = dt.date(1956, 3, 1)


@pytest.fixture
def overdue(secretary, helper, workshop):
    """A long-named experience shown 20 days ago to the worker the helper
    helps and to lathe operators of another workshop."""
    other = WorkshopFactory(code="zz", name="铸造车间（翻砂、浇注、清理工段）")
    experience = Experience.objects.create(
        name="硬质合金车刀高速切削法（苏联专家推荐，王崇伦改进）",
        trades=["车工"],
        description="刀具前角加大，转速每分钟一千转以上。",
    )
    helped = WorkerFactory(
        name="欧阳建国", employee_no="JG2-1956-0001", workshop=workshop, trade="车工"
    )
    ProductionRecordFactory(worker=helped, month=MAR, output=Decimal("80"))
    open_case(
        worker=helped,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    demonstration = Demonstration.objects.create(
        experience=experience,
        technique=experience.name,
        demonstrator=WorkerFactory(workshop=workshop, name="表演者"),
        workshop=workshop,
        date=timezone.localdate() - dt.timedelta(days=20),
    )
    others = [
        WorkerFactory(
            name=f"司马建设{index}",
            employee_no=f"ZZ-1956-{index:04d}",
            workshop=other,
            trade="车工",
        )
        for index in range(3)
    ]
    demonstration.attendees.add(helped, *others)
    return demonstration, helped


def _fits_the_phone(page, rows: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OVERFLOWING) == []
    assert page.locator(rows).first.bounding_box()["width"] >= PHONE["width"] * 0.75


def _axe(page, url: str) -> list[str]:
    return [describe(violation) for violation in run_axe(page, url)]


def test_a_helper_records_an_overdue_check_on_a_phone(
    page, login, live_server, screenshot, overdue
):
    demonstration, helped = overdue
    page.context.add_init_script(AXE_SCRIPT)
    page.set_viewport_size(PHONE)
    login("dora")
    page.goto(f"{live_server.url}/cases/mine/")
    cards = page.locator("#my-overdue-checks .my-check")
    assert cards.count() == 1
    assert "欧阳建国" in cards.first.inner_text()
    screenshot("checks-phone-mine")
    _fits_the_phone(page, "#my-overdue-checks .my-check")
    assert _axe(page, "/cases/mine/") == []
    with page.expect_navigation():
        cards.first.locator(".check-record").click()
    form_url = page.url.removeprefix(live_server.url)
    _fits_the_phone(page, "#check-form")
    assert _axe(page, form_url) == []
    page.locator("label[for=id_result_1]").click()  # not yet
    page.fill("textarea[name=reason]", "车床主轴跳动太大，要先修好车床")
    screenshot("checks-phone-form")
    with page.expect_navigation():
        page.click("#check-form button[type=submit]")
    assert page.url.endswith("/cases/mine/")
    assert page.locator("#my-overdue-checks").count() == 0
    check = MachineCheck.objects.get()
    assert (check.worker, check.result) == (helped, "not_yet")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}{form_url}")
    assert _axe(page, form_url) == []


def test_the_list_of_checks_fits_a_phone_and_passes_axe(
    page, login, live_server, screenshot, overdue
):
    demonstration, helped = overdue
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    pages = [
        ("checks", "/cases/checks/", "#checks-table tbody tr"),
        (
            "checks-overdue",
            "/cases/checks/?overdue=on&workshop=zz",
            "#checks-table tbody tr",
        ),
        (
            "check-form",
            f"/cases/checks/{demonstration.pk}/{helped.pk}/",
            "#check-form",
        ),
    ]
    page.set_viewport_size(PHONE)
    for name, url, rows in pages:
        page.goto(f"{live_server.url}{url}")
        assert page.locator(rows).count() >= 1, name
        screenshot(f"phone-{name}")
        _fits_the_phone(page, rows)
        assert _axe(page, url) == [], name
    assert page.locator("#checks-table tbody tr").count() == 0  # the form page
    page.goto(f"{live_server.url}/cases/checks/?workshop=zz")
    assert page.locator("#checks-table tbody tr").count() == 3
    page.set_viewport_size(DESKTOP)
    for name, url, _rows in pages:
        page.goto(f"{live_server.url}{url}")
        assert _axe(page, url) == [], name
    # In English too, at both widths.
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": live_server.url}]
    )
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        for name, url, _rows in pages:
            page.goto(f"{live_server.url}{url}")
            assert _axe(page, url) == [], (name, size)
    assert "Check at the machine" in page.content()  # the form, in English
