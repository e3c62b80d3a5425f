"""The secretary classifies from the keyboard, opens a case from the queue
and lands on its page."""

import datetime as dt
from decimal import Decimal

import pytest

from assistance.models import AssistanceCase, Measure
from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import Cause, ShortfallClassification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MARCH = dt.date(1956, 3, 1)


def test_classify_and_open_a_case(page, login, screenshot, secretary, helper, workshop):
    below = [WorkerFactory(name=name, workshop=workshop) for name in ("胡维亮", "李四")]
    for worker, output in zip(below, (70, 90), strict=True):
        ProductionRecordFactory(worker=worker, month=MARCH, output=Decimal(output))

    login("alice")
    page.click("#nav-classify")
    progress = page.locator("#queue-progress")
    assert progress.get_attribute("data-classified") == "0"
    assert progress.get_attribute("data-total") == "2"
    # Keyboard only: focus the first cause, choose, Tab on.
    first = f"#cause-{below[0].pk}"
    page.focus(first)
    page.select_option(first, Cause.IDEOLOGY)
    page.keyboard.press("Tab")
    page.keyboard.type("常和爱人闹口角")
    page.select_option(f"#cause-{below[1].pk}", Cause.TECHNIQUE)
    screenshot("classify-queue-desktop")
    with page.expect_navigation():
        page.click("#classify-save")
    assert progress.get_attribute("data-classified") == "2"
    assert ShortfallClassification.objects.count() == 2

    page.check(f"input[name=worker][value='{below[0].pk}']")
    with page.expect_navigation():
        page.click("#open-selected")
    assert page.input_value("select[name=form-0-measure]") == Measure.INDIVIDUAL_HELP
    page.select_option("select[name=form-0-helpers]", str(helper.worker.pk))
    screenshot("cases-open-desktop")
    with page.expect_navigation():
        page.click("#open-form button[type=submit]")
    case = AssistanceCase.objects.get()
    assert case.worker == below[0]
    assert list(case.helpers.all()) == [helper.worker]

    page.goto(page.url.split("/cases/")[0] + case.get_absolute_url())
    assert "常和爱人闹口角" in page.locator("#case-cause-note").inner_text()
    screenshot("case-detail-desktop")


def test_opening_cases_from_a_filtered_queue_comes_back_to_it(
    page, login, live_server, secretary, helper, workshop
):
    below = [WorkerFactory(name=name, workshop=workshop) for name in ("胡维亮", "李四")]
    for worker, output in zip(below, (70, 90), strict=True):
        ProductionRecordFactory(worker=worker, month=MARCH, output=Decimal(output))

    login("alice")
    queue = f"{live_server.url}/cases/classify/?month=1956-03&show=uncased"
    page.goto(queue)
    page.check(f"input[name=worker][value='{below[0].pk}']")
    with page.expect_navigation():
        page.click("#open-selected")
    page.select_option("select[name=form-0-cause]", Cause.TECHNIQUE)
    page.select_option("select[name=form-0-measure]", Measure.MENTORING)
    page.select_option("select[name=form-0-helpers]", str(helper.worker.pk))
    with page.expect_navigation():
        page.click("#open-form button[type=submit]")
    assert page.url == queue
    # Back on the same list: the worker with a case has left it.
    assert page.locator("#queue-shown").get_attribute("data-shown") == "1"
    assert page.locator("#queue-progress").get_attribute("data-total") == "2"
