"""A helper on a phone-sized screen logs a home visit from "My cases"."""

import datetime as dt
from decimal import Decimal

import pytest

from assistance.models import FollowUp, FollowUpKind, Measure
from assistance.services import open_case
from tests.e2e.conftest import PHONE
from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import Cause

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True}


def test_helper_logs_a_home_visit_on_a_phone(
    page, login, screenshot, helper, other_helper, secretary, workshop
):
    mine = WorkerFactory(name="胡维亮", workshop=workshop)
    theirs = WorkerFactory(name="王培胜", workshop=workshop)
    for worker in (mine, theirs):
        ProductionRecordFactory(
            worker=worker, month=dt.date(1956, 3, 1), output=Decimal("80")
        )
    for worker, user in ((mine, helper), (theirs, other_helper)):
        open_case(
            worker=worker,
            month=dt.date(1956, 3, 1),
            cause=Cause.IDEOLOGY,
            measure=Measure.INDIVIDUAL_HELP,
            helpers=[user.worker],
            opened_by=secretary,
        )

    login("dora")
    # The home page already lists the helper's own cases, and only those.
    cards = page.locator("#home-my-cases .my-case")
    assert cards.count() == 1
    assert "胡维亮" in cards.first.inner_text()
    assert "王培胜" not in page.content()
    screenshot("my-cases-phone-home")

    page.locator("#home-my-cases .followup-add").first.click()
    page.locator("label[for=id_kind_1]").click()  # home visit
    assert page.locator("#id_kind_1").is_checked()
    assert page.input_value("input[name=date]")  # today, filled in
    page.fill("textarea[name=text]", "到家里谈心，夫妻和好了")
    screenshot("my-cases-phone-followup-form")
    with page.expect_navigation():
        page.click("#followup-form button[type=submit]")
    assert page.url.endswith("/cases/mine/")
    assert page.locator(".alert-success").count() == 1
    screenshot("my-cases-phone-after")

    follow_up = FollowUp.objects.get()
    assert follow_up.kind == FollowUpKind.HOME_VISIT
    assert follow_up.is_private
    # Nothing is wider than the phone: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
