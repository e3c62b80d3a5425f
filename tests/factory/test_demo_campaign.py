"""The demo's campaign target: the second machining workshop (jg2) from 17
below quota in February 1956 to 4 by April, reached in March — on the
dashboard, in the JSON and in the bulletin (DESIGN.md, "Is the help
working?")."""

import pytest
from django.urls import reverse

from tests.conftest import in_english

JG2 = {
    "workshop": "jg2",
    "measure": "failing",
    "start_month": "1956-02",
    "start_value": 17,
    "target_value": 4,
    "target_month": "1956-04",
}


@pytest.fixture
def secretary_of_the_demo(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="secretary"))
    return client


def test_the_json_of_march_reads_17_to_4_reached_and_on_course(secretary_of_the_demo):
    # March is the demo's working month: the default.
    report = secretary_of_the_demo.get(reverse("reports:movement_json")).json()
    assert report["month"] == "1956-03"
    # 17 → 4 in one month: a pace of −13, and the target met in March.
    assert report["campaigns"] == [
        {
            **JG2,
            "value": 4,
            "pace": -13.0,
            "projected_month": "1956-03",
            "on_course": True,
            "reached": True,
        }
    ]


def test_in_its_start_month_the_campaign_has_no_pace_yet(secretary_of_the_demo):
    report = secretary_of_the_demo.get(
        reverse("reports:movement_json"), {"month": "1956-02"}
    ).json()
    assert report["campaigns"] == [
        {
            **JG2,
            "value": 17,
            "pace": None,
            "projected_month": None,
            "on_course": False,
            "reached": False,
        }
    ]
    january = secretary_of_the_demo.get(
        reverse("reports:movement_json"), {"month": "1956-01"}
    ).json()
    assert january["campaigns"] == []


def test_the_jg2_dashboard_draws_the_burn_down_with_its_projection(
    secretary_of_the_demo,
):
    response = in_english(secretary_of_the_demo).get(
        reverse("reports:workshop_dashboard", args=["jg2"])
    )
    (campaign,) = response.context["campaigns"]
    assert campaign["title"] == (
        "第二加工车间, workers below quota: 17 (February 1956) → 4 by April 1956"
    )
    assert campaign["projection"] == "at this pace: March 1956"
    content = response.content.decode()
    assert 'data-campaign="jg2.failing.1956-02"' in content
    assert "data-on-course" in content and "data-reached" in content
    # February, March, and April's point of the straight line.
    assert [row["value"] for row in campaign["rows"]] == [17, 4, None]
    assert [row["line"] for row in campaign["rows"]] == [17.0, 10.5, 4.0]


def test_the_director_of_jg2_finds_it_on_the_factory_dashboard(demo, client):
    from django.contrib.auth import get_user_model

    director = get_user_model().objects.get(managed_workshops__code="jg2")
    client.force_login(director)
    response = client.get(reverse("reports:dashboard"))
    assert [c["workshop"] for c in response.context["other_campaigns"]] == ["jg2"]


def test_the_bulletin_says_it_is_reached_and_on_course(secretary_of_the_demo):
    response = in_english(secretary_of_the_demo).get(
        reverse("reports:bulletin", args=["1956-03"])
    )
    (campaign,) = response.context["campaigns"]
    assert campaign["sentence"] == (
        "第二加工车间, workers below quota: 17 (February 1956) → 4 by April 1956: "
        "4 in March 1956; target reached; at this pace: March 1956; on course."
    )
    assert campaign["sentence"] in response.content.decode()
