"""On a 390×844 phone the secretary finds the one helper of a bulk action —
opening several workers' cases, moving a helper's cases — by typing two
characters in the helper picker of the case forms."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assistance.models import AssistanceCase, Measure
from assistance.services import classify, open_case
from tests.e2e.conftest import PHONE
from tests.factories import ProductionRecordFactory, WorkerFactory, WorkshopFactory
from workers.models import Cause, PoliticalStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MARCH = dt.date(1956, 3, 1)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture
def helpers(workshop):
    """王培胜, the one wanted, among forty other members; 王培德 shares his
    first two characters in another workshop."""
    other = WorkshopFactory(code="aa", name="铸造车间")
    wanted = WorkerFactory(
        name="王培胜", workshop=workshop, political_status=PoliticalStatus.LEAGUE_MEMBER
    )
    WorkerFactory(
        name="王培德", workshop=other, political_status=PoliticalStatus.PARTY_MEMBER
    )
    for index in range(40):
        WorkerFactory(
            name=f"李{index}号",
            workshop=other if index % 2 else workshop,
            political_status=PoliticalStatus.PARTY_MEMBER,
        )
    return wanted


def choose_by_typing(page, wanted_name: str) -> None:
    """Type two characters in the picker, tap the helper wanted among the
    two offered."""
    wrapper = page.locator(".ts-wrapper").first
    assert wrapper.is_visible()
    control = wrapper.locator(".ts-control input")
    control.tap()
    control.press_sequentially(wanted_name[:2])
    options = wrapper.locator(".ts-dropdown .option:visible")
    expect(options).to_have_count(2)
    # Each with political status and load, as on /cases/open/.
    wanted = options.filter(has_text=wanted_name)
    assert "共青团员" in wanted.inner_text() and "个帮扶对象" in wanted.inner_text()
    dropdown = wrapper.locator(".ts-dropdown").bounding_box()
    assert dropdown["y"] >= 0 and dropdown["y"] + dropdown["height"] <= PHONE["height"]
    assert wanted.bounding_box()["height"] >= 44
    wanted.tap()
    control.blur()
    expect(wrapper.locator(".ts-dropdown")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_one_helper_of_several_cases_is_found_by_two_characters(
    page, login, live_server, screenshot, secretary, workshop, helpers
):
    workers = []
    for name, cause in (("胡维亮", Cause.TECHNIQUE), ("马六孩", Cause.FAMILY)):
        worker = WorkerFactory(name=name, workshop=workshop)
        ProductionRecordFactory(worker=worker, month=MARCH, output=Decimal("70"))
        classify(worker=worker, month=MARCH, cause=cause, note="", by=secretary)
        workers.append(worker)
    login("alice")
    query = "&".join(f"worker={w.pk}" for w in workers)
    page.goto(f"{live_server.url}/cases/open/one-helper/?month=1956-03&{query}")
    expect(page.locator("h1")).to_contain_text("1956年3月")
    # The picker's hint is the field's own: it says where the workers are.
    expect(page.locator("#id_helper_helptext")).to_contain_text("上面")
    choose_by_typing(page, "王培胜")
    screenshot("one-helper-picker-phone-chosen")
    assert page.locator("select[name=helper]").input_value() == str(helpers.pk)
    with page.expect_navigation():
        page.locator("#one-helper-submit").tap()
    opened = AssistanceCase.objects.filter(worker__in=workers)
    assert opened.count() == 2
    assert {tuple(c.helpers.all()) for c in opened} == {(helpers,)}


def test_the_new_helper_of_a_move_is_found_by_two_characters(
    page, login, live_server, screenshot, secretary, workshop, helpers
):
    leaving = WorkerFactory(
        name="调走的团员",
        workshop=workshop,
        political_status=PoliticalStatus.LEAGUE_MEMBER,
    )
    worker = WorkerFactory(name="胡维亮", workshop=workshop)
    ProductionRecordFactory(worker=worker, month=MARCH, output=Decimal("70"))
    case = open_case(
        worker=worker,
        month=MARCH,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[leaving],
        opened_by=secretary,
    )
    login("alice")
    page.goto(f"{live_server.url}/cases/helpers/{leaving.pk}/move/")
    choose_by_typing(page, "王培胜")
    screenshot("move-helper-picker-phone-chosen")
    with page.expect_navigation():
        page.locator("#move-submit").tap()
    assert list(case.helpers.all()) == [helpers]
