"""The dashboards in a real browser (Debian's Chromium): charts drawn under
the Content Security Policy, readable at phone width, printable bulletin."""

import re
from pathlib import Path

import pytest

from tests.factory.test_report_data import build_small_factory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


# The browser settings of tests/e2e/conftest.py, which applies there only.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": PHONE}


@pytest.fixture
def signed_in(page, live_server):
    def sign_in(username):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "correct horse battery staple")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        return live_server.url

    return sign_in


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def test_a_director_sees_their_workshop_on_a_phone(
    page, signed_in, manager, workshop, other_workshop
):
    build_small_factory(workshop, other_workshop)
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    base = signed_in("bob")
    page.goto(f"{base}/dashboard/workshops/jg2/?month=1956-03")
    # The headline figures are on the first screen of a phone.
    tile = page.locator("#tile-failing")
    assert tile.is_visible()
    assert tile.bounding_box()["y"] < PHONE["height"]
    assert (
        page.locator('#tile-failing [data-figure="report.failing"]').inner_text() == "1"
    )
    # Charts were drawn by the vendored Chart.js from the json_script data.
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-share-chart')")
    assert page.evaluate("() => Chart.getChart('causes-chart').data.datasets[0].data")
    # Nothing wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
    _shot(page, "dashboard-workshop-phone-zh")
    # Another workshop's page is not theirs.
    response = page.goto(f"{base}/dashboard/workshops/jg1/")
    assert response.status == 404


def test_the_factory_dashboard_and_bulletin_print(
    page, signed_in, secretary, workshop, other_workshop
):
    build_small_factory(workshop, other_workshop)
    base = signed_in("alice")
    page.goto(f"{base}/dashboard/?month=1956-03")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('trend-failing-chart')"
    )
    # Printing opens the tables behind the charts.
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("#trend-table").is_visible()
    page.emulate_media(media="screen")
    page.goto(f"{base}/reports/1956-03/")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert _pages(pdf) == 1  # one A4 page


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_the_month_picker_reads_the_pages_language_and_works_by_keyboard(
    page, signed_in, secretary, workshop, other_workshop
):
    """A select of the known months, labelled by the server: the browser's
    own month input would write "March 1956" on a Chinese page."""
    build_small_factory(workshop, other_workshop)
    base = signed_in("alice")
    page.goto(f"{base}/dashboard/?month=1956-03")
    month = page.locator("#id_month")
    assert month.locator("option:checked").inner_text() == "1956年3月 · 数据不全"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    month.focus()
    page.keyboard.press("ArrowDown")  # latest first: March, then February
    assert month.input_value() == "1956-02"
    page.keyboard.press("Tab")  # "compared with"
    page.keyboard.press("Tab")  # "show"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "month=1956-02" in page.url
    assert page.locator("#dashboard-title").inner_text().endswith("1956年2月")
    _shot(page, "dashboard-month-picker-phone-zh")
