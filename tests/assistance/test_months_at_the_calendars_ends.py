"""Months at the ends of the calendar (0001-01, 9999-12) read as
months, but the pages look at the month before or after: never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from assistance.models import AssistanceCase, Demonstration, Measure
from tests.factories import WorkerFactory
from workers.models import Cause


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
@pytest.mark.parametrize(
    "name", ["assistance:aid_totals", "assistance:classification_queue"]
)
def test_extreme_month_in_the_query_is_reported(secretary_client, name, month):
    response = secretary_client.get(reverse(name) + f"?month={month}")
    assert response.status_code == 200
    assert response.context["month"] != dt.date(int(month[:4]), int(month[5:]), 1)
    levels = [m.level_tag for m in response.context["messages"]]
    assert "error" in levels


def test_no_case_is_opened_for_month_one(
    secretary_client, failing_worker, helper_worker
):
    secretary_client.post(
        reverse("assistance:cases_open"),
        {
            "month": "0001-01",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-worker": failing_worker.pk,
            "form-0-cause": Cause.TECHNIQUE,
            "form-0-measure": Measure.DEMONSTRATION,
            "form-0-helpers": [helper_worker.pk],
        },
    )
    assert not AssistanceCase.objects.exists()


@pytest.mark.parametrize("day", [dt.date(9999, 12, 15), dt.date(1, 1, 5)])
def test_demonstration_at_the_end_of_the_calendar_shows(
    secretary_client, workshop, day
):
    demonstration = Demonstration.objects.create(
        technique="x",
        demonstrator=WorkerFactory(workshop=workshop),
        workshop=workshop,
        date=day,
    )
    response = secretary_client.get(demonstration.get_absolute_url())
    assert response.status_code == 200
    assert day.replace(day=1) in [row.month for row in response.context["effect"]]
