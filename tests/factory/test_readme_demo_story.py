"""The README's demo story, walked on a freshly seeded demo.

Each step reads its figures and names from the README's own sentences (a
sentence reworded fails here, and this walk is brought along with it), then
does what the sentence says through the pages. The secretary closes every
case the home page says is waiting before the helper's step: the story must
hold whatever a visitor tries first.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from assistance.models import AssistanceCase, CaseStatus, FollowUp, FollowUpKind

README = Path(__file__).resolve().parents[2] / "README.md"
User = get_user_model()


@pytest.fixture(scope="module")
def story() -> str:
    """The story: the paragraph after the table of demo logins."""
    text = README.read_text()
    section = text.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split("\n\n")[-1].split())


def told(story: str, pattern: str) -> re.Match:
    found = re.search(pattern, story)
    assert found, f"the README's demo story no longer says /{pattern}/"
    return found


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def number(text: str) -> Decimal:
    return Decimal(text)


def test_the_readme_demo_story_holds_step_by_step(demo, story):
    # 1. The secretary's dashboard: March 1956 and the report's figures.
    said = told(
        story,
        r"open the dashboard for (\w+ \d{4}): ([\d.]+)% of the workers on quota "
        r"are advanced producers \((\d+) of (\d+)\), ([\d.]+)% more than in "
        r"(\w+) \(\+([\d.]+) percentage points\), and the second machining "
        r"workshop's workers below quota fell from (\d+) to (\d+)",
    )
    secretary = logged_in("secretary")
    dashboard = secretary.get(reverse("reports:dashboard"))
    assert dashboard.status_code == 200
    month = dt.datetime.strptime(said[1], "%B %Y").date()
    assert dashboard.context["month"] == month.strftime("%Y-%m")
    report = dashboard.context["report"]
    assert number(said[2]) == Decimal(str(report["advanced_share"]))
    assert (int(said[3]), int(said[4])) == (
        report["advanced"],
        report["workers_on_quota"],
    )
    assert number(said[5]) == Decimal(str(report["advanced_change_pct"]))
    assert said[6] == "February" and report["compare_month"] == "1956-02"
    assert number(said[7]) == Decimal(str(report["advanced_share_change_pp"]))
    jg2 = next(row for row in report["workshops"] if row["code"] == "jg2")
    assert (int(said[8]), int(said[9])) == (jg2["compare_failing"], jg2["failing"])

    # 2. The home asks the secretary to close the cases that reached quota;
    # the secretary does, Hu Weiliang's among them.
    said = told(
        story,
        r"asks the secretary to close the (\d+) cases that reached quota in "
        r"\w+, Hu Weiliang's among them \(his case shows the League branch "
        r"secretary's talks and home visit\)",
    )
    home = secretary.get(reverse("home"))
    waiting = next(
        item
        for section in home.context["work_queue"]
        for item in section.items
        if item.key == "to_close"
    )
    assert waiting.count == int(said[1])
    hu = AssistanceCase.objects.get(worker__name="胡维亮")
    assert hu.status == CaseStatus.REACHED_QUOTA
    timeline = secretary.get(hu.get_absolute_url()).context["timeline"]
    kinds = {
        item["obj"].kind
        for item in timeline
        if item["type"] == "follow_up"
        and item["obj"].author.username == "league-secretary"
    }
    assert kinds == {FollowUpKind.TALK, FollowUpKind.HOME_VISIT}
    cases = AssistanceCase.objects.filter(status=CaseStatus.REACHED_QUOTA)
    ticks = {"case": [c.pk for c in cases]}
    ticks.update({f"version-{c.pk}": c.version for c in cases})
    url = reverse("assistance:case_list") + "?status=reached_quota"
    secretary.post(url, ticks)  # asks once, naming how many
    assert secretary.post(url, {**ticks, "confirm": len(cases)}).status_code == 302
    hu.refresh_from_db()
    assert hu.status == CaseStatus.CLOSED

    # 3. The League branch secretary, on the phone's "My cases", still has a
    # case and logs a home visit on it.
    said = told(
        story,
        r"As `league-secretary` on a phone, \*My cases\* still holds "
        r"(\w+ \w+)'s case \((\w+), below quota in \w+ too\): log a home visit",
    )
    helper = logged_in("league-secretary")
    mine = helper.get(reverse("assistance:my_cases"))
    assert said[2] in mine.content.decode()
    case = next(c for c in mine.context["cases"] if c.worker.name == said[2])
    assert case.status == CaseStatus.OPEN
    visit = helper.post(
        reverse("assistance:followup_add", args=[case.pk]) + "?next=mine",
        {
            "kind": FollowUpKind.HOME_VISIT,
            "date": "1956-03-28",
            "text": "家访，了解她的思想情况。",
            "is_private": "on",
            "next": "mine",
        },
    )
    assert visit.status_code == 302, visit.context and visit.context["form"].errors
    assert FollowUp.objects.filter(
        case=case, kind=FollowUpKind.HOME_VISIT, author__username="league-secretary"
    ).exists()

    # 4. The director sees the workshop, and no private note.
    told(story, r"As `director` you see your workshop but no private note")
    director = logged_in("director")
    private = FollowUp.objects.filter(
        case__worker__workshop__code="jg2", is_private=True
    ).first()
    for url in (
        reverse("reports:workshop_dashboard", args=["jg2"]),
        reverse("assistance:overview"),
    ):
        page = director.get(url)
        assert page.status_code == 200, url
        assert private.text not in page.content.decode()
    # The case itself, with its notes, is not a director's page.
    assert director.get(private.case.get_absolute_url()).status_code == 403
