"""Campaign targets (赶超目标): setting and revising one, and what the JSON
report, the dashboards and the bulletin say of it as of the month shown.

The small factory (test_report_data.py): jg2 has 2 workers below quota in
February and 1 in March; jg1 2 and 1; the factory 4 and 2, with an advanced
share of 55.56% in February and 66.67% in March. March is partial (zz has
not reported), February is the working month.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from factory.figures.bulletin_text import campaign_sentence
from factory.figures.campaigns import (
    campaigns_as_of,
    report_rows,
    revise_campaign,
    set_campaign,
)
from factory.figures.publishing import mark_month_complete
from factory.models import Campaign, CampaignVersion
from tests.conftest import in_english
from tests.factory.test_dashboard import (
    assert_page_matches,
    expected_figures,
    figures_of,
)
from tests.factory.test_report_data import FEB, JAN, MAR
from workers.services import RecordInput, save_records

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

APR, MAY = dt.date(1956, 4, 1), dt.date(1956, 5, 1)


def jg2_campaign(small, secretary, **changes) -> Campaign:
    values = {
        "workshop": small.workshops["jg2"],
        "measure": "failing",
        "start_month": FEB,
        "target_value": Decimal("0"),
        "target_month": APR,
        "by": secretary,
    }
    return set_campaign(**{**values, **changes})


def refused_fields(action) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        action()
    return refused.value.message_dict


# --- setting a campaign --------------------------------------------------------


def test_a_campaign_keeps_its_start_value_and_its_first_version(small, secretary):
    campaign = jg2_campaign(small, secretary)
    assert campaign.start_value == 2
    version = campaign.versions.get()
    assert (version.version, version.target_value, version.target_month) == (
        1,
        0,
        APR,
    )
    assert version.effective_month == FEB  # shown from its start on
    assert version.set_by == secretary
    assert version.set_at is not None


def test_the_factorys_campaign_starts_from_the_factorys_value(small, secretary):
    campaign = set_campaign(
        workshop=None,
        measure="advanced_share",
        start_month=FEB,
        target_value=Decimal("70"),
        target_month=APR,
        by=secretary,
    )
    assert campaign.workshop is None
    assert campaign.start_value == Decimal("55.56")


def test_a_start_month_without_records_is_refused_on_its_field(small, secretary):
    errors = refused_fields(lambda: jg2_campaign(small, secretary, start_month=JAN))
    assert list(errors) == ["start_month"]
    assert not Campaign.objects.exists()


def test_a_target_month_not_after_the_start_is_refused_on_its_field(small, secretary):
    errors = refused_fields(lambda: jg2_campaign(small, secretary, target_month=FEB))
    assert list(errors) == ["target_month"]


@pytest.mark.parametrize(
    ("measure", "target"),
    [
        ("failing", "2"),  # the start value itself
        ("failing", "3"),  # the wrong side
        ("failing", "0.5"),  # half a worker
        ("advanced_share", "55.56"),
        ("advanced_share", "40"),
        ("advanced_share", "100.01"),
    ],
)
def test_a_target_not_beyond_the_start_value_is_refused_on_its_field(
    small, secretary, measure, target
):
    errors = refused_fields(
        lambda: set_campaign(
            workshop=None if measure == "advanced_share" else small.workshops["jg2"],
            measure=measure,
            start_month=FEB,
            target_value=Decimal(target),
            target_month=APR,
            by=secretary,
        )
    )
    assert list(errors) == ["target_value"]
    assert errors["target_value"][0]  # a message, translated


def test_a_second_campaign_of_the_same_scope_measure_and_start_is_refused(
    small, secretary
):
    jg2_campaign(small, secretary)
    errors = refused_fields(lambda: jg2_campaign(small, secretary, target_value=1))
    assert list(errors) == ["start_month"]
    # The factory's scope is no workshop: refused all the same.
    values = {
        "workshop": None,
        "measure": "failing",
        "start_month": FEB,
        "target_value": Decimal("1"),
        "target_month": APR,
        "by": secretary,
    }
    set_campaign(**values)
    assert list(refused_fields(lambda: set_campaign(**values))) == ["start_month"]


# --- revising it -----------------------------------------------------------------


def test_a_revision_is_the_next_version_and_the_first_stays(small, secretary):
    campaign = jg2_campaign(small, secretary)
    version = revise_campaign(
        campaign=campaign, target_value=Decimal("1"), target_month=MAY, by=secretary
    )
    assert version.version == 2
    assert list(
        campaign.versions.values_list("version", "target_value", "target_month")
    ) == [(1, 0, APR), (2, 1, MAY)]


def test_a_revision_is_shown_from_the_working_month_and_earlier_months_keep_theirs(
    small, secretary
):
    campaign = jg2_campaign(small, secretary)
    mark_month_complete(month=MAR, by=secretary)  # the working month: March
    revised = revise_campaign(
        campaign=campaign, target_value=Decimal("1"), target_month=MAY, by=secretary
    )
    assert revised.effective_month == MAR
    (february,) = campaigns_as_of(FEB)
    (march,) = campaigns_as_of(MAR)
    assert (february["version"], february["target_value"]) == (1, 0)
    assert (march["version"], march["target_value"], march["target_month"]) == (
        2,
        1,
        "1956-05",
    )


def test_an_unchanged_target_or_one_on_the_wrong_side_is_not_a_revision(
    small, secretary
):
    campaign = jg2_campaign(small, secretary)
    for value, month, field in (
        ("0", APR, "target_value"),  # version 1's own
        ("2", APR, "target_value"),  # the start value
        ("1", FEB, "target_month"),
    ):
        errors = refused_fields(
            lambda value=value, month=month: revise_campaign(
                campaign=campaign,
                target_value=Decimal(value),
                target_month=month,
                by=secretary,
            )
        )
        assert list(errors) == [field]
    assert CampaignVersion.objects.count() == 1


# --- as of a month -----------------------------------------------------------------


def test_a_campaign_is_shown_from_its_start_month(small, secretary):
    set_campaign(
        workshop=small.workshops["jg2"],
        measure="failing",
        start_month=MAR,
        target_value=Decimal("0"),
        target_month=MAY,
        by=secretary,
    )
    assert campaigns_as_of(FEB) == []
    assert len(campaigns_as_of(MAR)) == 1


def test_the_report_rows_are_the_jsons_keys_in_their_order(small, secretary):
    jg2_campaign(small, secretary)
    assert report_rows(campaigns_as_of(MAR)) == [
        {
            "workshop": "jg2",
            "measure": "failing",
            "start_month": "1956-02",
            "start_value": 2,
            "target_value": 0,
            "target_month": "1956-04",
            "value": 1,
            "pace": -1.0,
            "projected_month": "1956-04",
            "on_course": True,
            "reached": False,
        }
    ]


def test_campaigns_as_of_a_month_run_three_queries(
    small, secretary, django_assert_num_queries
):
    jg2_campaign(small, secretary)
    set_campaign(
        workshop=None,
        measure="failing",
        start_month=FEB,
        target_value=Decimal("1"),
        target_month=APR,
        by=secretary,
    )
    # the campaigns with their workshops, their versions, the monthly
    # summaries from the earliest start on
    with django_assert_num_queries(3):
        states = campaigns_as_of(MAR)
    assert [state["workshop"] for state in states] == [None, "jg2"]


# --- the page /campaigns/ --------------------------------------------------------

URL = "/campaigns/"


def test_the_url_has_its_name():
    assert reverse("reports:campaigns") == URL


def set_on_the_page(client, **changes):
    data = {
        "action": "set",
        "workshop": "jg2",
        "measure": "failing",
        "start_month": "1956-02",
        "target_value": "0",
        "target_month": "1956-04",
    }
    return client.post(URL, {**data, **changes})


def test_the_secretary_sets_a_campaign_on_the_page(small, secretary, secretary_client):
    response = set_on_the_page(secretary_client)
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#campaign-{campaign.pk}"
    assert campaign.workshop == small.workshops["jg2"]
    assert campaign.versions.get().set_by == secretary
    page = secretary_client.get(URL)
    assert f'id="campaign-{campaign.pk}"' in page.content.decode()


def test_a_refused_campaign_is_shown_beside_its_field(small, secretary_client):
    response = in_english(secretary_client).post(
        URL,
        {
            "action": "set",
            "workshop": "jg2",
            "measure": "failing",
            "start_month": "1956-02",
            "target_value": "5",
            "target_month": "1956-01",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"target_value", "target_month"}
    content = response.content.decode()
    assert "The target month must come after the start month" in content
    assert 'id="error-summary"' in content
    assert not Campaign.objects.exists()


def test_a_bad_month_or_number_is_refused_by_the_form(small, secretary_client):
    response = set_on_the_page(
        secretary_client, target_month="soon", target_value="many", start_month="x"
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "target_month",
        "target_value",
        "start_month",
    }


def test_the_secretary_revises_a_target_and_the_page_lists_both_versions(
    small, secretary, secretary_client
):
    campaign = jg2_campaign(small, secretary)
    prefix = f"c{campaign.pk}"
    response = secretary_client.post(
        URL,
        {
            "action": "revise",
            "campaign": campaign.pk,
            f"{prefix}-target_value": "1",
            f"{prefix}-target_month": "1956-05",
        },
    )
    assert response.status_code == 302
    page = secretary_client.get(URL).content.decode()
    assert 'data-version="1"' in page
    assert 'data-version="2"' in page


def test_a_refused_revision_reopens_its_form_with_the_message(
    small, secretary, secretary_client
):
    campaign = jg2_campaign(small, secretary)
    prefix = f"c{campaign.pk}"
    response = secretary_client.post(
        URL,
        {
            "action": "revise",
            "campaign": campaign.pk,
            f"{prefix}-target_value": "0",
            f"{prefix}-target_month": "1956-04",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["target_value"]
    assert response.context["rows"][0]["open"]
    assert campaign.versions.count() == 1


def test_revising_a_campaign_that_does_not_exist_is_404(small, secretary_client):
    for campaign in ("999999", "nope", "99999999999999999999999"):
        response = secretary_client.post(
            URL, {"action": "revise", "campaign": campaign}
        )
        assert response.status_code == 404


def test_a_director_reads_the_factorys_and_their_workshops_campaigns_only(
    small, secretary, manager_client
):
    jg2_campaign(small, secretary)
    jg2_campaign(small, secretary, workshop=small.workshops["jg1"])
    factory = jg2_campaign(small, secretary, workshop=None, target_value=1)
    response = manager_client.get(URL)
    assert response.status_code == 200
    assert [row["campaign"].workshop_id for row in response.context["rows"]] == [
        None,
        small.workshops["jg2"].pk,
    ]
    assert response.context["rows"][0]["campaign"] == factory
    content = response.content.decode()
    assert 'id="set-campaign"' not in content
    assert "-revise" not in content


def test_a_director_may_not_set_or_revise(small, secretary, manager_client):
    campaign = jg2_campaign(small, secretary)
    assert set_on_the_page(manager_client, start_month="1956-03").status_code == 403
    response = manager_client.post(URL, {"action": "revise", "campaign": campaign.pk})
    assert response.status_code == 403
    assert Campaign.objects.count() == 1


def test_a_helper_gets_403(small, helper_client):
    assert helper_client.get(URL).status_code == 403
    assert set_on_the_page(helper_client).status_code == 403


def test_the_page_reads_in_english_and_chinese(
    small, secretary, client, secretary_client
):
    jg2_campaign(small, secretary)
    chinese = secretary_client.get(URL).content.decode()
    assert "赶超目标" in chinese
    english = in_english(secretary_client).get(URL).content.decode()
    assert "Campaign targets" in english
    assert "workers below quota" in english


# --- the JSON report, the dashboards and the bulletin ------------------------------

JSON = "/reports/movement.json"


def two_workshops_and_the_factory(small, secretary):
    jg2_campaign(small, secretary)
    jg2_campaign(small, secretary, workshop=small.workshops["jg1"])
    set_campaign(
        workshop=None,
        measure="advanced_share",
        start_month=FEB,
        target_value=Decimal("70"),
        target_month=APR,
        by=secretary,
    )


def test_the_json_carries_every_campaign_for_the_secretary(
    small, secretary, secretary_client
):
    two_workshops_and_the_factory(small, secretary)
    campaigns = secretary_client.get(JSON, {"month": "1956-03"}).json()["campaigns"]
    assert [(c["workshop"], c["measure"]) for c in campaigns] == [
        (None, "advanced_share"),
        ("jg1", "failing"),
        ("jg2", "failing"),
    ]
    factory = campaigns[0]
    # 55.56% → 66.67%: 11.11 points a month, 3.33 to go: April, on course.
    assert factory == {
        "workshop": None,
        "measure": "advanced_share",
        "start_month": "1956-02",
        "start_value": 55.56,
        "target_value": 70,
        "target_month": "1956-04",
        "value": 66.67,
        "pace": 11.11,
        "projected_month": "1956-04",
        "on_course": True,
        "reached": False,
    }


def test_a_director_reads_the_factorys_and_their_workshops_campaigns_in_the_json(
    small, secretary, manager_client
):
    two_workshops_and_the_factory(small, secretary)
    campaigns = manager_client.get(JSON, {"month": "1956-03"}).json()["campaigns"]
    assert [c["workshop"] for c in campaigns] == [None, "jg2"]
    own = manager_client.get(JSON, {"month": "1956-03", "workshop": "jg2"}).json()
    assert [c["workshop"] for c in own["campaigns"]] == ["jg2"]


def test_the_json_of_a_month_before_the_start_has_no_campaign(
    small, secretary, secretary_client
):
    set_campaign(
        workshop=small.workshops["jg2"],
        measure="failing",
        start_month=MAR,
        target_value=Decimal("0"),
        target_month=MAY,
        by=secretary,
    )
    assert secretary_client.get(JSON, {"month": "1956-02"}).json()["campaigns"] == []


def test_the_command_prints_the_jsons_campaigns(small, secretary, secretary_client):
    two_workshops_and_the_factory(small, secretary)
    out = io.StringIO()
    call_command("movement_report", month="1956-03", format="json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == secretary_client.get(JSON, {"month": "1956-03"}).json()
    csv = io.StringIO()
    call_command("movement_report", month="1956-03", format="csv", stdout=csv)
    assert "campaigns.jg2.failing.1956-02.projected_month,1956-04" in csv.getvalue()
    assert "campaigns.-.advanced_share.1956-02.value,66.67" in csv.getvalue()


def test_the_workshop_dashboard_draws_its_campaign_and_agrees_with_the_json(
    small, secretary, secretary_client
):
    two_workshops_and_the_factory(small, secretary)
    response = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["jg2"]), {"month": "1956-03"}
    )
    assert [c["workshop"] for c in response.context["campaigns"]] == ["jg2"]
    assert response.context["other_campaigns"] == []
    content = response.content.decode()
    assert 'data-campaign-chart="campaign-' in content
    # February and March shown, April the line alone (the target month).
    assert (
        'data-month="1956-02" data-label="1956年2月" data-value="2" data-line="2.0"'
        in (content)
    )
    assert (
        'data-month="1956-04" data-label="1956年4月" data-value="" data-line="0.0"'
        in (content)
    )
    page = figures_of(response)
    assert page["report.campaigns.jg2.failing.1956-02.value"] == "1"
    assert_page_matches(
        page, expected_figures(secretary_client, workshop=small.workshops["jg2"])
    )


def test_the_factory_dashboard_draws_its_own_and_lists_the_workshops(
    small, secretary, manager_client
):
    two_workshops_and_the_factory(small, secretary)
    response = manager_client.get(reverse("reports:dashboard"), {"month": "1956-03"})
    assert [c["workshop"] for c in response.context["campaigns"]] == [None]
    # The director's scope: jg2's, never jg1's.
    assert [c["workshop"] for c in response.context["other_campaigns"]] == ["jg2"]
    content = response.content.decode()
    assert 'data-campaign="jg1.' not in content
    assert_page_matches(figures_of(response), expected_figures(manager_client))


def test_the_bulletin_names_each_campaigns_state(small, secretary, secretary_client):
    two_workshops_and_the_factory(small, secretary)
    response = in_english(secretary_client).get("/reports/1956-03/")
    sentences = [card["sentence"] for card in response.context["campaigns"]]
    assert sentences[0] == (
        "The factory, advanced share: 55.56% (February 1956) → 70% by April 1956: "
        "66.67% in March 1956; at this pace: April 1956; on course."
    )
    content = response.content.decode()
    assert 'id="bulletin-campaigns"' in content
    assert content.count('data-on-course="true"') == 3


def test_a_director_reads_no_other_workshops_campaign_in_the_bulletin(
    small, secretary, manager_client
):
    two_workshops_and_the_factory(small, secretary)
    response = manager_client.get("/reports/1956-03/")
    assert [c["workshop"] for c in response.context["campaigns"]] == [None, "jg2"]


# --- as of the month -----------------------------------------------------------------


def test_a_later_months_records_and_revision_never_move_an_earlier_months_campaign(
    small, secretary, django_capture_on_commit_callbacks
):
    jg2_campaign(small, secretary)
    before = {month: campaigns_as_of(month) for month in (FEB, MAR)}
    jg2 = [w for w in small.workers.values() if w.workshop == small.workshops["jg2"]]
    with django_capture_on_commit_callbacks(execute=True):
        save_records(
            rows=[
                RecordInput(
                    worker_id=worker.pk,
                    month=APR,
                    quota=Decimal("100"),
                    output=Decimal("50"),
                )
                for worker in jg2
            ],
            by=secretary,
            source="test",
        )
        # April is the working month once complete: the revision shows from it.
        mark_month_complete(month=APR, by=secretary)
        revise_campaign(
            campaign=Campaign.objects.get(),
            target_value=Decimal("1"),
            target_month=MAY,
            by=secretary,
        )
    assert {month: campaigns_as_of(month) for month in (FEB, MAR)} == before
    april = report_rows(campaigns_as_of(APR))[0]
    # Every jg2 worker below quota in April: 4, the pace (4 − 2) ÷ 2 = +1.
    assert (april["value"], april["pace"], april["target_value"]) == (4, 1.0, 1)
    assert april["projected_month"] is None  # the wrong way: not at this pace
    assert not april["on_course"]


@pytest.mark.parametrize("count", [1, 3])
def test_the_campaign_page_runs_a_fixed_number_of_queries(
    small, secretary, secretary_client, django_assert_num_queries, count
):
    for code in ("jg2", "jg1", None)[:count]:
        jg2_campaign(small, secretary, workshop=small.workshops[code] if code else None)
    # session, user, permissions (2), the navigation's helper check, the
    # campaigns with their workshops and their versions with who set them
    # (2), the generation tokens, the months with records, the workshops of
    # the form, the working month (the months' completeness: 4), the
    # campaigns as of it (3: bundles.campaign_states, cached)
    with django_assert_num_queries(17):
        response = secretary_client.get(URL)
    assert len(response.context["rows"]) == count


def test_a_campaign_not_started_by_the_working_month_is_listed_without_figures(
    small, secretary, secretary_client
):
    # February is the working month (March is partial).
    jg2_campaign(small, secretary, start_month=MAR, target_month=MAY)
    response = secretary_client.get(URL)
    (row,) = response.context["rows"]
    assert row["state"] is None
    assert "data-not-started" in response.content.decode()


def test_the_commands_text_names_each_campaign_as_the_bulletin_does(small, secretary):
    two_workshops_and_the_factory(small, secretary)
    out = io.StringIO()
    call_command(
        "movement_report", month="1956-03", format="text", language="en", stdout=out
    )
    text = out.getvalue()
    states = campaigns_as_of(MAR)
    assert len(states) == 3
    with translation.override("en"):
        for state in states:
            assert campaign_sentence(state) in text
