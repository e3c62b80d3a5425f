"""The frame and the tables on a 390×844 phone (and the language switch at
1366): headers broken only between words, dates whole, a wide table
scrolling in its own region; the language one tap away; the bulletin's
lead set in the face of the text around it."""

import datetime as dt

import pytest

from assistance.models import FollowUp, FollowUpKind
from tests.e2e.conftest import PHONE
from tests.factory.test_report_data import build_small_factory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}

# The words of the matched elements that the browser laid out over more than
# one line: broken in the middle. A word is a run without blanks or Chinese
# brackets and commas, so that a Chinese header or date, which has no
# blanks, is one word ("达到定额所需月数（中位数）" is two). Elements not drawn,
# or drawn 1px wide (the heads of tables stacked as cards), are left out.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.getBoundingClientRect().width <= 2) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/[^\\s（）、，]+/g)) {
        const tops = new Set();
        for (let i = match.index; i < match.index + match[0].length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const box = range.getClientRects()[0];
          if (box && box.width) tops.add(Math.round(box.top));
        }
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE}


@pytest.fixture
def small(secretary, workshop, other_workshop):
    return build_small_factory(workshop, other_workshop)


def test_table_headers_break_only_between_words_on_a_phone(
    page, login, live_server, small, screenshot
):
    login("alice")
    page.goto(f"{live_server.url}/dashboard/?month=1956-03")

    assert page.locator("main table th").count() > 10
    screenshot("phone-dashboard-headers")
    assert page.evaluate(BROKEN_WORDS, "main table th") == []
    # A table wider than the phone scrolls inside its own region, not the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_cases_timeline_keeps_each_date_on_one_line_on_a_phone(
    page, login, live_server, small, secretary
):
    case = small.cases["a4"]
    for day in (dt.date(1956, 3, 8), dt.date(1956, 3, 18), dt.date(1956, 12, 28)):
        FollowUp.objects.create(
            case=case, kind=FollowUpKind.TALK, date=day, text="谈心", author=secretary
        )
    login("alice")
    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    dates = page.locator("#case-timeline .w-date")
    assert "1956年12月28日" in dates.all_inner_texts()
    assert page.evaluate(BROKEN_WORDS, "#case-timeline .w-date") == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_language_switch_is_one_tap_away(
    page, login, live_server, secretary, viewport
):
    page.set_viewport_size(viewport)
    login("alice")
    page.goto(f"{live_server.url}/workers/")

    # One form, Django's set_language, visible without opening the menu.
    assert page.locator("form[action='/i18n/setlang/']").count() == 1
    switch = page.locator("#language-switch button[type=submit]")
    assert switch.is_visible()
    with page.expect_navigation():
        switch.click()
    assert page.url.endswith("/workers/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_bulletins_lead_sets_its_digits_in_the_face_of_the_text(
    page, login, live_server, small
):
    page.set_viewport_size(DESKTOP)
    login("alice")
    page.goto(f"{live_server.url}/reports/1956-03/")
    lead, text = page.locator("#headline-text"), page.locator("#failing-text")
    assert any(ch.isdigit() for ch in lead.inner_text())

    def style(locator, name):
        return locator.evaluate(f"el => getComputedStyle(el).{name}")

    assert style(lead, "fontWeight") == style(text, "fontWeight")
    assert style(lead, "color") == style(text, "color")
    # The faces the browser drew the glyphs with (digits and Chinese alike).
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]

    def faces(selector):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
        return {font["postScriptName"] for font in fonts["fonts"]}

    assert faces("#headline-text") <= faces("#failing-text")


def test_the_bulletin_never_scrolls_sideways_on_a_phone(
    page, login, live_server, small
):
    """Its workshops' table, the widest part, scrolls in its own region."""
    login("alice")
    page.goto(f"{live_server.url}/reports/1956-03/")
    assert page.locator("#bulletin-workshops table").count() == 1
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
