"""The pages for the advanced standard and the committee's disqualifications,
and the attainment section of the worker page."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import AdvancedStandard, Disqualification

pytestmark = pytest.mark.django_db

MARCH = dt.date(1956, 3, 1)
APRIL = dt.date(1956, 4, 1)
STANDARD = reverse("workers:standard")
DISQUALIFICATIONS = reverse("workers:disqualification_list")


def test_the_secretary_sets_a_standard_from_a_month(secretary_client, secretary):
    response = secretary_client.post(
        STANDARD, {"month": "1956-04", "threshold_pct": "110"}
    )

    assert response.status_code == 302
    standard = AdvancedStandard.objects.get()
    assert (standard.effective_from, standard.threshold_pct, standard.set_by) == (
        APRIL,
        Decimal("110"),
        secretary,
    )
    assert AdvancedStandard.pct_for(MARCH) == Decimal("100")
    page = secretary_client.get(STANDARD)
    assert b'data-month="1956-04"' in page.content
    assert list(page.context["changes"])[0].history_user == secretary


@pytest.mark.parametrize(
    "data",
    [
        {"month": "1956-13", "threshold_pct": "110"},
        {"month": "1956-04", "threshold_pct": "0"},
        {"month": "1956-04", "threshold_pct": "abc"},
        {"month": "", "threshold_pct": "110"},
    ],
)
def test_a_bad_standard_is_refused_with_the_input_kept(secretary_client, data):
    response = secretary_client.post(STANDARD, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["form"]["threshold_pct"].value() == data["threshold_pct"]
    assert not AdvancedStandard.objects.exists()


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_only_the_secretary_sets_standards_and_disqualifies(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get(STANDARD).status_code == 403
    assert client.post(STANDARD, {"month": "1956-04"}).status_code == 403
    assert client.get(DISQUALIFICATIONS).status_code == 403


def test_the_secretary_disqualifies_with_a_reason_and_withdraws(
    secretary_client, secretary, workshop
):
    worker = WorkerFactory(employee_no="D7", workshop=workshop)
    response = secretary_client.post(
        DISQUALIFICATIONS,
        {
            "employee_no": "D7",
            "month": "1956-03",
            "reason": "safety",
            "note": "ran the crane without the signal",
        },
    )

    assert response.status_code == 302
    decision = Disqualification.objects.get()
    assert (decision.worker, decision.month, decision.reason) == (
        worker,
        MARCH,
        "safety",
    )
    assert decision.decided_by == secretary
    page = secretary_client.get(DISQUALIFICATIONS, {"month": "1956-03"})
    assert list(page.context["decisions"]) == [decision]
    assert not secretary_client.get(DISQUALIFICATIONS, {"month": "1956-02"}).context[
        "decisions"
    ]

    response = secretary_client.post(
        reverse("workers:disqualification_withdraw", args=[decision.pk])
    )
    assert response.status_code == 302
    assert not Disqualification.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "", "note": "x"}, "reason"),
        ({"reason": "laziness", "note": "x"}, "reason"),
        ({"reason": "quality", "note": ""}, "note"),
        ({"employee_no": "NOPE", "reason": "quality", "note": "x"}, "employee_no"),
        ({"month": "2999-01", "reason": "quality", "note": "x"}, "month"),
    ],
)
def test_a_disqualification_needs_a_known_worker_and_a_reason(
    secretary_client, workshop, data, field
):
    WorkerFactory(employee_no="D8", workshop=workshop)
    response = secretary_client.post(
        DISQUALIFICATIONS, {"employee_no": "D8", "month": "1956-03", **data}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Disqualification.objects.exists()


def test_withdraw_needs_post(secretary_client, workshop):
    decision = Disqualification.objects.create(
        worker=WorkerFactory(workshop=workshop), month=MARCH, reason="quality"
    )
    url = reverse("workers:disqualification_withdraw", args=[decision.pk])
    assert secretary_client.get(url).status_code == 405


# --- the worker page ---------------------------------------------------------


def test_the_worker_page_shows_attainment_history_and_chart_data(
    secretary_client, workshop
):
    worker = WorkerFactory(workshop=workshop)
    for month, output in ((dt.date(1956, 2, 1), "90"), (MARCH, "120")):
        ProductionRecordFactory(
            worker=worker, month=month, quota=Decimal("100"), output=Decimal(output)
        )
    AdvancedStandard.objects.create(effective_from=MARCH, threshold_pct=Decimal("110"))

    response = secretary_client.get(worker.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-month="1956-03" data-band="advanced"' in html
    assert 'data-month="1956-02" data-band="below_quota"' in html
    start = html.index('<script id="attainment-data" type="application/json">')
    payload = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert json.loads(payload) == {
        "labels": ["1956-02", "1956-03"],
        "attainment": [90.0, 120.0],
        "standard": [100.0, 110.0],
        "bands": ["below_quota", "advanced"],
    }
    assert "js/attainment_chart.js" in html
    # No inline code: the CSP forbids it.
    assert "<script>" not in html


def test_a_worker_without_records_says_so(manager_client, workshop):
    worker = WorkerFactory(workshop=workshop)
    response = manager_client.get(worker.get_absolute_url())
    assert b'id="worker-records-empty"' in response.content
    assert b"attainment_chart.js" not in response.content
