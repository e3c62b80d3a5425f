"""A check at the machine that is overdue says since when, in the pages'
dates, never for how many days: the demo's demonstrations of 1956 are
tens of thousands of days before today, which no one can use (DESIGN.md,
"Advanced experience")."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import Measure
from assistance.services import open_case
from tests.assistance.conftest import MAR, record
from tests.assistance.test_machine_checks import demonstrate
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause, Experience

# The checks of a demonstration of 10 March 1956 were due by the 24th.
DAY = dt.date(1956, 3, 10)


@pytest.fixture
def overdue(workshop, helper, secretary):
    cutting = Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀，高转速"
    )
    helped = WorkerFactory(employee_no="L1", workshop=workshop, name="帮扶对象")
    record(helped, MAR, 80)
    open_case(
        worker=helped,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    demonstrate(cutting, workshop, DAY, helped)
    # Shown three days ago: due, not overdue.
    recent = WorkerFactory(employee_no="L2", workshop=workshop)
    demonstrate(cutting, workshop, timezone.localdate() - dt.timedelta(days=3), recent)
    return cutting


def _row(html: str, employee_no: str) -> str:
    start = html.index(f'data-worker="{employee_no}"')
    return html[start : html.index("</tr>", start)]


def test_the_list_says_since_when_a_check_is_overdue(overdue, secretary_client):
    html = in_english(secretary_client).get(reverse("assistance:machine_checks"))
    html = html.content.decode()
    late = _row(html, "L1")
    assert "overdue since 1956-03-24" in late
    assert "days" not in late and "day overdue" not in late
    # A check still on time keeps its day and "due".
    due = (timezone.localdate() + dt.timedelta(days=11)).strftime("%Y-%m-%d")
    on_time = _row(html, "L2")
    assert due in on_time and ">due<" in on_time
    assert "overdue" not in on_time


def test_in_chinese_too(overdue, secretary_client):
    html = secretary_client.get(reverse("assistance:machine_checks")).content.decode()
    assert "1956-03-24 到期，已逾期" in _row(html, "L1")
    assert "逾期 " not in html  # no count of days ("逾期 N 天")


def test_the_helpers_phone_page_says_since_when(overdue, helper_client):
    chinese = helper_client.get(reverse("assistance:my_cases")).content.decode()
    assert "表演 1956-03-10" in chinese
    assert "1956-03-24 到期，已逾期" in chinese
    html = in_english(helper_client).get(reverse("assistance:my_cases"))
    card = html.content.decode()
    card = card[card.index('id="my-overdue-checks"') :]
    assert "Demonstration 1956-03-10" in card
    assert "overdue since 1956-03-24" in card
    assert "days overdue" not in card
