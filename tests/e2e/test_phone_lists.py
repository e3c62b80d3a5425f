"""The secretary's lists on a 390×844 phone: the work queue (home), the
classification queue and the case list fit the screen, with no sideways
scrolling, their rows stacked as cards."""

import datetime as dt
from decimal import Decimal

import pytest

from assistance.models import Measure
from assistance.services import classify, open_case
from tests.e2e.conftest import PHONE
from tests.factories import ProductionRecordFactory, WorkerFactory, WorkshopFactory
from workers.models import Cause, PoliticalStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FEB, MAR = dt.date(1956, 2, 1), dt.date(1956, 3, 1)

# Every element's box inside the viewport, a pixel of rounding allowed. An
# element inside a box that clips it (overflow hidden, e.g. visually hidden
# headers) is not seen; inside a scrolling box it is: that is sideways
# scrolling too.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (["hidden", "clip"].includes(style.overflowX)) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if ((box.right > width + 1 || box.left < -1) && !clipped(el)) {
      const name = `${el.tagName.toLowerCase()}#${el.id}.${el.className}`;
      out.push(`${name} ${box.left}-${box.right}`);
    }
  }
  return out;
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True}


@pytest.fixture
def month_of_work(secretary, workshop):
    """Long names and long causes: what squeezed the old tables."""
    other = WorkshopFactory(code="zz", name="铸造车间（翻砂、浇注、清理工段）")
    helper = WorkerFactory(
        name="韩文联", workshop=workshop, political_status=PoliticalStatus.PARTY_MEMBER
    )
    below = []
    for index in range(6):
        worker = WorkerFactory(
            name=f"欧阳建国{index}",
            employee_no=f"JG2-1956-{index:04d}",
            workshop=workshop if index % 2 else other,
        )
        for month, output in ((FEB, 70 + index), (MAR, 60 + index)):
            ProductionRecordFactory(
                worker=worker, month=month, quota=Decimal("100"), output=output
            )
        # "family financial difficulty": the longest last cause.
        classify(worker=worker, month=FEB, cause=Cause.FAMILY, note="", by=secretary)
        below.append(worker)
    for worker in below[:3]:
        open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper],
            opened_by=secretary,
        )
    return below


@pytest.mark.parametrize(
    ("name", "path", "rows"),
    [
        ("home", "/", "#work-queue .work-item"),
        ("classification-queue", "/cases/classify/?month=1956-03", ".queue-row"),
        ("case-list", "/cases/", "#case-table tbody tr[data-case]"),
    ],
)
def test_the_list_fits_a_phone(
    page, login, live_server, screenshot, month_of_work, name, path, rows
):
    login("alice")
    page.goto(f"{live_server.url}{path}")
    assert page.locator(rows).count() >= 3
    screenshot(f"phone-{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth") == PHONE["width"]
    assert page.evaluate(OVERFLOWING) == []
    # Each row is a card as wide as the screen, not a table squeezed into it:
    # the first row is at least 3/4 of the width, and no cell is a sliver.
    box = page.locator(rows).first.bounding_box()
    assert box["width"] >= PHONE["width"] * 0.75
    narrowest = page.locator(rows).first.evaluate(
        """row => Math.min(...[...row.querySelectorAll("td")]
            .filter(td => td.textContent.trim())
            .map(td => td.getBoundingClientRect().width))"""
    )
    assert narrowest == float("inf") or narrowest >= 120, narrowest
