"""/reports/movement.json: who may ask for what, and bad parameters."""

import pytest
from django.urls import reverse

from factory.figures.reports import movement_report
from tests.factory.test_report_data import FEB, MAR

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

URL = "/reports/movement.json"


def test_the_url_has_its_name():
    assert reverse("reports:movement_json") == URL


def test_the_secretary_gets_the_report_of_the_selector(small, secretary_client):
    response = secretary_client.get(URL, {"month": "1956-03"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    # The report and the campaign targets of the month (none here).
    assert response.json() == {**movement_report(month=MAR), "campaigns": []}
    assert response["X-Report-Source"] == "draft"


def test_the_secretary_may_ask_for_any_workshop_and_compare_month(
    small, secretary_client
):
    response = secretary_client.get(
        URL, {"month": "1956-03", "compare": "1956-02", "workshop": "jg1"}
    )
    assert response.json() == {
        **movement_report(month=MAR, compare=FEB, workshop=small.workshops["jg1"]),
        "campaigns": [],
    }


def test_a_manager_gets_factory_totals_and_only_their_workshop_rows(
    small, manager_client
):
    data = manager_client.get(URL, {"month": "1956-03"}).json()
    full = movement_report(month=MAR)
    assert data["workers_on_quota"] == full["workers_on_quota"] == 9
    assert data["causes"] == full["causes"]
    assert [row["code"] for row in data["workshops"]] == ["jg2"]


def test_a_manager_may_ask_for_their_own_workshop(small, manager_client):
    response = manager_client.get(URL, {"month": "1956-03", "workshop": "jg2"})
    assert response.status_code == 200
    assert response.json() == {
        **movement_report(month=MAR, workshop=small.workshops["jg2"]),
        "campaigns": [],
    }


def test_another_workshop_is_404_for_a_manager(small, manager_client):
    response = manager_client.get(URL, {"month": "1956-03", "workshop": "jg1"})
    assert response.status_code == 404
    assert "error" in response.json()
    assert "workers_on_quota" not in response.json()


def test_an_unknown_workshop_is_404(small, secretary_client):
    response = secretary_client.get(URL, {"month": "1956-03", "workshop": "nope"})
    assert response.status_code == 404
    assert response.json()["error"]


def test_a_helper_gets_403(small, helper_client):
    response = helper_client.get(URL, {"month": "1956-03"})
    assert response.status_code == 403
    assert response.json()["error"]


def test_anonymous_is_sent_to_login(small, anonymous_client):
    response = anonymous_client.get(URL, {"month": "1956-03"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "query",
    [
        {"month": "1956-13"},
        {"month": "soon"},
        {"month": "1956-03", "compare": "last"},
        {"month": "0001-01"},
    ],
)
def test_bad_parameters_are_400_with_a_message(small, secretary_client, query):
    response = secretary_client.get(URL, query)
    assert response.status_code == 400
    assert response.json()["error"]


def test_the_month_defaults_to_the_working_month(small, secretary_client):
    # March is partial (zz has not reported): February is the working month.
    data = secretary_client.get(URL).json()
    assert (data["month"], data["compare_month"]) == ("1956-02", "1956-01")
    assert data["completeness"]["complete"] is True
    march = secretary_client.get(URL, {"month": "1956-03"}).json()
    assert march["completeness"] == {
        "complete": False,
        "marked_complete": False,
        "workshops_expected": 3,
        "workshops_reporting": 2,
        "workers_with_records": 9,
        "missing_workshops": ["zz"],
    }


def test_the_message_is_in_the_readers_language(small, secretary_client):
    from tests.conftest import in_english

    english = in_english(secretary_client).get(URL, {"month": "x"}).json()["error"]
    assert "is not a month" in english
