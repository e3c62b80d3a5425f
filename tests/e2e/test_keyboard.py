"""Keyboard use, which axe-core does not measure: the skip
link, a focus outline of at least 3:1, the classification queue's sticky
save bar never covering the focused element, and the error summary taking
the focus after a failed submit. Screenshots: test-artifacts/screenshots/a11y-*.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from tests.e2e.conftest import PHONE, SCREENSHOTS
from tests.factories import ProductionRecordFactory, WorkerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
MAR = dt.date(1956, 3, 1)

# The focused element's outline and the contrast of its colour against the
# first opaque background behind it (WCAG's relative luminance).
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el.parentElement, background = [255, 255, 255];
  while (node) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) {
      background = c.slice(0, 3);
      break;
    }
    node = node.parentElement;
  }
  const style = getComputedStyle(el);
  const ring = rgb(style.outlineColor).slice(0, 3);
  const [a, b] = [lum(ring), lum(background)].sort((x, y) => y - x);
  return {
    what: el.outerHTML.slice(0, 120),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: (a + 0.05) / (b + 0.05),
  };
}"""

# Is the focused element hidden behind the sticky bar (or above the window)?
COVERED = """() => {
  const el = document.activeElement;
  const bar = document.querySelector(".position-sticky.bottom-0");
  if (!bar || bar.contains(el) || el === document.body) return null;
  const r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return null;
  if (r.height > b.top / 2) return null;  // a whole table's region
  return r.bottom > b.top + 1 || r.top < 0 ? el.outerHTML.slice(0, 120) : null;
}"""


# Two frames: the browser scrolls to the focus in the frame after the Tab,
# and a loaded machine may paint that scroll a frame late.
AFTER_TAB = f"""() => new Promise(done => requestAnimationFrame(
  () => requestAnimationFrame(() => done([
  document.activeElement === document.body
    || document.activeElement.id === "skip-link",
  ({COVERED})(),
]))))"""


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"a11y-{name}.png"))


def log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )


@transaction.atomic  # one transaction: the summaries kept once
def below_quota(workshop, count: int) -> list:
    workers = []
    for number in range(count):
        worker = WorkerFactory(
            name=f"工人{number:02d}", workshop=workshop, employee_no=f"Q{number:03d}"
        )
        ProductionRecordFactory(
            worker=worker, month=MAR, quota=Decimal(100), output=Decimal(80)
        )
        workers.append(worker)
    return workers


def test_skip_link_and_a_visible_focus_outline(live_server, page, secretary):
    log_in(page, live_server, secretary)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/workers/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-link"
    box = page.locator("#skip-link").bounding_box()
    assert box and box["width"] > 20 and box["y"] >= 0, "the skip link is not shown"
    shot(page, "skip-link-zh")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"

    # Every stop from the top: the navigation on red, then the page's own.
    page.goto(f"{live_server.url}/workers/")
    weak = []
    for stop in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("['content', ''].includes(document.activeElement.id)"):
            continue  # the skip link's target, or past the end (the body)
        focus = page.evaluate(FOCUS_STYLE)
        if focus["style"] == "none" or focus["width"] < 2 or focus["contrast"] < 3:
            weak.append(f"stop {stop + 1}: {focus}")
        if stop == 2:
            shot(page, "focus-nav-link-zh")
        if stop == 16:
            shot(page, "focus-in-page-zh")
    assert not weak, "focus outlines under 2px or 3:1:\n" + "\n".join(weak)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_the_save_bar_never_covers_the_focused_element(
    live_server, page, secretary, workshop, size
):
    below_quota(workshop, 30)
    log_in(page, live_server, secretary)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/cases/classify/?month=1956-03")
    assert page.locator(".position-sticky.bottom-0").count() == 1
    covered, stops = [], 0
    while stops < 400:
        page.keyboard.press("Tab")
        stops += 1
        # Past the last field the focus leaves the page or starts over; else,
        # once the page has scrolled to the focus (the next frame), is the
        # focused element under the bar? One round trip a stop.
        at_start, hidden = page.evaluate(AFTER_TAB)
        if stops > 1 and at_start:
            break
        if hidden:
            covered.append(f"stop {stops}: {hidden}")
    assert stops > 60, "the queue has too few Tab stops to scroll"
    name = "save-bar-focus-" + ("phone" if size == PHONE else "desktop")
    shot(page, name)
    assert not covered, (
        f"{len(covered)} of {stops} Tab stops hidden by the save bar:\n"
        + "\n".join(covered[:10])
    )


def test_a_failed_case_opening_focuses_the_error_summary(
    live_server, page, secretary, workshop
):
    (worker,) = below_quota(workshop, 1)
    log_in(page, live_server, secretary)
    page.goto(f"{live_server.url}/cases/open/?month=1956-03&worker={worker.pk}")
    with page.expect_navigation():
        page.click("#open-form button[type=submit]")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = page.locator("#error-summary a")
    assert links.count() >= 1, page.locator("#error-summary").inner_text()
    shot(page, "error-summary-zh")
    target = links.first.get_attribute("href").lstrip("#")
    links.first.click()
    focused = page.evaluate("document.activeElement.id")
    assert focused in (target, f"{target}_0"), (focused, target)
