"""The catalogue of advanced experiences, an experience's workers and the
levels of a demonstration's attendees, with long names, on a 390 px phone:
no sideways scrolling, rows stacked as cards, and the levels recorded from
the phone; each page without a serious axe violation, at 1366 px too."""

import datetime as dt

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from assistance.models import Demonstration
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import DESKTOP, describe, run_axe
from tests.e2e.test_phone_lists import OVERFLOWING
from tests.factories import WorkerFactory, WorkshopFactory
from workers.models import Experience, Mastery, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MAR_10 = dt.date(1956, 3, 10)


@pytest.fixture
def shown(secretary, workshop):
    other = WorkshopFactory(code="zz", name="铸造车间（翻砂、浇注、清理工段）")
    experience = Experience.objects.create(
        name="硬质合金车刀高速切削法（苏联专家推荐，王崇伦改进）",
        trades=["车工", "铣工", "刨工"],
        description="刀具前角加大，转速每分钟一千转以上。" * 5,
        first_shown_by=WorkerFactory(name="欧阳建国", workshop=workshop),
    )
    demonstration = Demonstration.objects.create(
        experience=experience,
        technique=experience.name,
        demonstrator=WorkerFactory(workshop=workshop, name="表演者"),
        workshop=workshop,
        date=MAR_10,
    )
    attendees = [
        WorkerFactory(
            name=f"司马建设{index}",
            employee_no=f"JG2-1956-{index:04d}",
            workshop=workshop if index % 2 else other,
            trade="铸工" if index == 3 else "车工",
        )
        for index in range(5)
    ]
    demonstration.attendees.add(*attendees)
    record_mastery(
        rows=[
            MasteryInput(w.pk, experience.pk, MasteryLevel.LEARNING, MAR_10)
            for w in attendees[:3]
        ],
        by=secretary,
    )
    return demonstration


def _fits_the_phone(page, rows: str, within: str = "body") -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OVERFLOWING.replace("body *", f"{within} *")) == []
    assert page.locator(rows).first.bounding_box()["width"] >= PHONE["width"] * 0.75


def _axe(page, url: str) -> list[str]:
    return [describe(violation) for violation in run_axe(page, url)]


def test_the_catalogue_and_the_levels_fit_a_phone_and_pass_axe(
    page, login, live_server, screenshot, shown
):
    page.context.add_init_script(AXE_SCRIPT)
    login("alice")
    page.set_viewport_size(PHONE)
    experience = shown.experience
    pages = [
        ("experience-list", "/experiences/", "#experience-table tbody tr"),
        (
            "experience-detail",
            experience.get_absolute_url(),
            "#experience-levels tbody tr",
        ),
        (
            "demonstration-levels",
            shown.get_absolute_url(),
            "#attendee-levels-table tbody tr",
        ),
    ]
    worker = shown.attendees.get(employee_no="JG2-1956-0001")
    pages.append(
        ("worker-mastery", worker.get_absolute_url(), "#worker-mastery-table tbody tr")
    )
    for name, url, rows in pages:
        page.goto(f"{live_server.url}{url}")
        assert page.locator(rows).count() >= 1, name
        screenshot(f"phone-{name}")
        # The worker's page: its own section (the roster's change history
        # above it is a table that scrolls sideways, as it did before).
        _fits_the_phone(page, rows, "#worker-mastery" if "mastery" in name else "body")
        assert _axe(page, url) == [], name
    # The levels, chosen and recorded from the phone.
    page.goto(f"{live_server.url}{shown.get_absolute_url()}")
    for index in (0, 4):
        worker = shown.attendees.get(employee_no=f"JG2-1956-{index:04d}")
        page.select_option(f"#id_levels-level-{worker.pk}", "applies")
    with page.expect_navigation():
        page.click("#attendee-levels-form button[type=submit]")
    assert Mastery.objects.current().filter(level="applies").count() == 2
    page.set_viewport_size(DESKTOP)
    for name, url, _rows in pages:
        page.goto(f"{live_server.url}{url}")
        assert _axe(page, url) == [], name
