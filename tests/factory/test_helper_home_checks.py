"""The helper's start page counts their own checks at the machine that are
overdue (assistance.checks.own_checks_overdue) and links to the list of
them, which shows the same number."""

import pytest
from django.urls import reverse

from assistance.models import Measure
from assistance.services import open_case
from tests.assistance.conftest import MAR, record
from tests.assistance.test_machine_checks import DAY, demonstrate
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause, Experience

OVERDUE_LIST = reverse("assistance:machine_checks") + "?overdue=on"


@pytest.fixture
def overdue(workshop, helper, secretary):
    """The helper's worker and another's owe a check of a demonstration of
    March 1956: both are overdue today."""
    cutting = Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀，高转速"
    )
    helped = WorkerFactory(employee_no="L1", workshop=workshop)
    record(helped, MAR, 80)
    open_case(
        worker=helped,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    demonstrate(cutting, workshop, DAY, helped, WorkerFactory(workshop=workshop))


def _line(html: str) -> str:
    start = html.index('id="helper-checks-overdue"')
    return html[start : html.index("</p>", start)]


def test_the_helpers_home_counts_their_overdue_checks_and_links_to_them(
    overdue, helper_client
):
    chinese = _line(helper_client.get(reverse("home")).content.decode())
    assert "您帮扶的工人有 1 项上机检查已逾期。" in chinese
    home = in_english(helper_client).get(reverse("home"))
    assert home.context["checks_overdue"] == 1
    line = _line(home.content.decode())
    assert 'data-count="1"' in line
    assert f'href="{OVERDUE_LIST}"' in line.replace("&amp;", "&")
    assert "1 check at the machine of your workers is overdue." in line
    # The list behind the link shows them: the same number.
    listed = helper_client.get(OVERDUE_LIST)
    assert listed.context["page"].paginator.count == 1


def test_a_helper_without_any_says_so(overdue, other_helper_client):
    home = in_english(other_helper_client).get(reverse("home"))
    line = _line(home.content.decode())
    assert 'data-count="0"' in line
    assert "No check at the machine is overdue." in line
    assert "href" not in line
