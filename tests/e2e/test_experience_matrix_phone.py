"""Who has mastered what on a 390 px phone, with long names: the page never
scrolls sideways, the matrix scrolls inside its own region with the worker
column kept in view, the levels read as words with their legend; no serious
axe violation at 390 px nor at 1366 px, in Chinese and English, for the
secretary and a director."""

import datetime as dt

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import DESKTOP, describe, run_axe
from tests.factories import WorkerFactory
from workers.models import Experience, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MAR_10 = dt.date(1956, 3, 10)
URL = "/experiences/matrix/?workshop=jg2"

# Elements past the screen's edge that no scrolling region of their own
# holds: the page itself would scroll sideways.
OUTSIDE_ANY_REGION = """() => {
  const width = window.innerWidth;
  const held = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if (["hidden", "clip", "auto", "scroll"].includes(x)) {
        return up.getBoundingClientRect().right <= width + 1;
      }
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if ((box.right > width + 1 || box.left < -1) && !held(el)) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
    }
  }
  return out;
}"""


@pytest.fixture
def matrix(secretary, manager, workshop):
    experiences = [
        Experience.objects.create(
            name=f"{name}（苏联专家推荐，第二机工车间改进）",
            trades=trades,
            description="…",
        )
        for name, trades in (
            ("硬质合金车刀高速切削法", ["车工"]),
            ("多刀多刃强力切削法", ["车工", "刨工"]),
            ("快速对刀与工件装夹法", ["车工", "铣工"]),
            ("砂型快速造型法", ["铸工"]),
            ("安全文明生产操作法", []),
        )
    ]
    workers = [
        WorkerFactory(
            name=f"欧阳司马建设{index}",
            employee_no=f"JG2-1956-{index:04d}",
            workshop=workshop,
            trade="铸工" if index == 3 else "车工",
        )
        for index in range(8)
    ]
    levels = list(MasteryLevel)
    record_mastery(
        rows=[
            MasteryInput(w.pk, e.pk, levels[(i + j) % 3], MAR_10)
            for i, w in enumerate(workers)
            for j, e in enumerate(experiences)
            if e.applies_to(w.trade) and (i + j) % 4
        ],
        by=secretary,
    )
    return experiences


def _axe(page) -> list[str]:
    return [describe(violation) for violation in run_axe(page, URL)]


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_the_matrix_fits_a_phone_and_passes_axe(
    page, login, live_server, screenshot, matrix, username
):
    page.context.add_init_script(AXE_SCRIPT)
    login(username)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{URL}")
    assert page.locator("#experience-matrix tbody tr").count() == 8
    screenshot(f"phone-experience-matrix-{username}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(OUTSIDE_ANY_REGION) == []
    # The matrix is wider than the phone and scrolls in its own region...
    region = page.locator("#matrix-scroll")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert region.get_attribute("tabindex") == "0"  # reachable by keyboard
    worker = page.locator("#experience-matrix tbody tr th").first
    before = worker.bounding_box()["x"]
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    # ...with the worker's name kept in view.
    assert abs(worker.bounding_box()["x"] - before) < 1
    assert worker.is_visible()
    # Levels in words, explained by the legend, not by colour alone.
    legend = page.locator("#matrix-legend").inner_text()
    for word in ("学习中", "已掌握", "能传授", "—"):
        assert word in legend
    assert page.locator("#experience-matrix td[data-level=applies]").first.inner_text()
    assert _axe(page) == []
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}{URL}")
    screenshot(f"desktop-experience-matrix-{username}")
    assert _axe(page) == []
    # And in English, at both widths.
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": live_server.url}]
    )
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}{URL}")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        assert _axe(page) == [], size
    page.set_viewport_size(DESKTOP)
    # The catalogue and the navigation lead here.
    page.goto(f"{live_server.url}/experiences/")
    with page.expect_navigation():
        page.click("#experience-matrix-link")
    assert page.locator("#experience-matrix").count() == 1
    assert page.locator("#nav-experiences").count() == 1
