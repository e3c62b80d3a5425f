"""The factory and workshop dashboards: figures, scoping, queries."""

import json
import re

import pytest
from django.db.models import F
from django.urls import reverse

from factory.figures.bundles import flatten
from factory.figures.publishing import mark_month_complete
from factory.figures.reports import case_outcomes, trend
from tests.conftest import in_english
from tests.factories import WorkshopFactory
from tests.factory.test_report_data import (
    MAR,
    SENTINEL,
    make_workers_with_records,
)

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

FIGURE = re.compile(r'data-figure="([^"]+)" data-value="([^"]*)"')


def figures_of(response) -> dict[str, str]:
    """The figures a page shows, by the path of the same figure in the JSON."""
    found = FIGURE.findall(response.content.decode())
    assert found, "the page shows no figures"
    return dict(found)


def same(shown: str, value) -> bool:
    if value is None:
        return shown == ""
    if isinstance(value, float):
        return float(shown) == value
    return shown == str(value)


def assert_page_matches(page: dict, expected: dict):
    missing = [key for key in page if key not in expected]
    assert not missing, f"figures with no counterpart: {missing}"
    wrong = {
        key: (shown, expected[key])
        for key, shown in page.items()
        if not same(shown, expected[key])
    }
    assert not wrong, wrong


def expected_figures(client, month="1956-03", workshop=None, compare=None):
    """The JSON report, and the trend and outcomes selectors, flattened."""
    query = {"month": month}
    if workshop:
        query["workshop"] = workshop.code
    if compare:
        query["compare"] = compare
    response = client.get(reverse("reports:movement_json"), query)
    assert response.status_code == 200
    expected = flatten({"report": response.json()})
    expected.update(flatten({"trend": trend(month=MAR, workshop=workshop)}))
    expected.update(flatten({"outcomes": case_outcomes(month=MAR, workshop=workshop)}))
    return expected


def test_every_factory_dashboard_figure_equals_the_json_report(small, secretary_client):
    page = figures_of(
        secretary_client.get(reverse("reports:dashboard"), {"month": "1956-03"})
    )
    expected = expected_figures(secretary_client)
    assert_page_matches(page, expected)
    # The headline figures are on the page at all (not just consistent).
    assert page["report.advanced_share"] == "66.67"
    # March is partial (zz has not reported): the page compares the
    # workshops that reported instead of the JSON's changes
    # (test_dashboard_partial_month.py), and shows none of those.
    assert "report.advanced_change_pct" not in page
    assert page["report.workshops.jg2.compare_failing"] == "2"
    assert page["report.workshops.jg2.failing"] == "1"
    assert page["report.causes.unclassified.count"] == "1"
    assert page["outcomes.reached_this_month"] == "2"  # a3 and b1
    assert "trend.1956-02.advanced" in page


def test_every_workshop_dashboard_figure_equals_the_json_report(
    small, secretary_client
):
    jg2 = small.workshops["jg2"]
    page = figures_of(
        secretary_client.get(
            reverse("reports:workshop_dashboard", args=["jg2"]), {"month": "1956-03"}
        )
    )
    assert_page_matches(page, expected_figures(secretary_client, workshop=jg2))
    assert page["report.workers_on_quota"] == "4"
    assert page["report.compare.failing"] == "2"
    assert page["report.failing"] == "1"


def test_a_manager_sees_the_same_figures_as_their_json(small, manager_client):
    page = figures_of(
        manager_client.get(reverse("reports:dashboard"), {"month": "1956-03"})
    )
    assert_page_matches(page, expected_figures(manager_client))


def test_defaults_are_the_working_month_and_the_month_before(
    small, secretary, secretary_client, django_capture_on_commit_callbacks
):
    # March is partial: zz's only worker has no March record. The working
    # month is the latest complete one, February.
    response = secretary_client.get(reverse("reports:dashboard"))
    assert response.context["month"] == "1956-02"
    assert response.context["compare"] == "1956-01"
    assert not response.context["month_partial"]
    # The secretary marks March complete (zz was closed for overhaul).
    with django_capture_on_commit_callbacks(execute=True):
        mark_month_complete(month=MAR, by=secretary)
    response = secretary_client.get(reverse("reports:dashboard"))
    assert response.context["month"] == "1956-03"
    assert response.context["compare"] == "1956-02"


def test_a_partial_month_is_shown_when_chosen_and_marked_partial(
    small, secretary_client
):
    response = secretary_client.get(reverse("reports:dashboard"), {"month": "1956-03"})
    assert response.context["month_partial"]
    body = response.content.decode()
    assert 'id="month-partial"' in body
    assert 'data-missing="zz"' in body
    assert 'id="mark-complete"' in body  # the secretary may mark it


def test_compare_month_can_be_chosen(small, secretary_client):
    response = secretary_client.get(
        reverse("reports:dashboard"), {"month": "1956-03", "compare": "1956-01"}
    )
    page = figures_of(response)
    # January has no records: nothing reported to compare with, so no change
    # (the JSON's null, and its +66.67 points on nobody, are not shown).
    assert "report.advanced_change_pct" not in page
    assert 'data-not-compared="1"' in response.content.decode()
    assert_page_matches(page, expected_figures(secretary_client, compare="1956-01"))


@pytest.mark.parametrize("bad", ["1956-13", "March", "0001-01", "1956-02-30"])
def test_a_bad_month_is_a_400_with_a_message_keeping_what_was_typed(
    small, secretary_client, bad
):
    response = secretary_client.get(reverse("reports:dashboard"), {"month": bad})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="period-error"' in content
    assert f'value="{bad}"' in content


def test_anonymous_is_sent_to_login(small, anonymous_client):
    for url in (
        reverse("reports:dashboard"),
        reverse("reports:workshop_dashboard", args=["jg2"]),
    ):
        response = anonymous_client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_helpers_may_not_see_dashboards(small, helper_client):
    assert helper_client.get(reverse("reports:dashboard")).status_code == 403
    url = reverse("reports:workshop_dashboard", args=["jg2"])
    assert helper_client.get(url).status_code == 403


def test_a_manager_sees_only_their_workshops_rows(small, manager_client):
    response = manager_client.get(reverse("reports:dashboard"), {"month": "1956-03"})
    assert response.status_code == 200
    codes = [row["code"] for row in response.context["report"]["workshops"]]
    assert codes == ["jg2"]
    content = response.content.decode()
    assert "第一机工车间" not in content
    # The factory totals are theirs to see.
    assert figures_of(response)["report.workers_on_quota"] == "9"


def test_a_manager_cannot_reach_another_workshops_page(small, manager_client):
    own = reverse("reports:workshop_dashboard", args=["jg2"])
    other = reverse("reports:workshop_dashboard", args=["jg1"])
    assert manager_client.get(own).status_code == 200
    assert manager_client.get(other).status_code == 404
    assert manager_client.get("/dashboard/workshops/nosuch/").status_code == 404


def test_the_secretary_reaches_every_workshop(small, secretary_client):
    for code in ("jg1", "jg2", "zz"):
        url = reverse("reports:workshop_dashboard", args=[code])
        assert secretary_client.get(url).status_code == 200


def test_no_note_reaches_a_manager(small, manager_client):
    urls = [
        reverse("reports:dashboard") + "?month=1956-03",
        reverse("reports:workshop_dashboard", args=["jg2"]) + "?month=1956-03",
        reverse("reports:workshop_dashboard", args=["jg2"]) + "?month=1956-02",
    ]
    for url in urls:
        assert SENTINEL not in manager_client.get(url).content.decode()


def test_the_workshop_page_ranks_its_workers_and_shows_who_moved_up(
    small, secretary_client
):
    response = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["jg2"]), {"month": "1956-03"}
    )
    ranking = response.context["ranking"]
    # b1 120, b3 105, b2 100, b4 99.
    assert [row["employee_no"] for row in ranking] == ["T-b1", "T-b3", "T-b2", "T-b4"]
    assert [row["band"] for row in ranking] == [
        "advanced",
        "advanced",
        "advanced",
        "below_quota",
    ]
    assert [row["rank"] for row in ranking] == [1, 2, 3, 4]
    # Below quota in February, advanced in March: b1 (50) and b2 (99.99).
    assert [row["employee_no"] for row in response.context["movers"]] == [
        "T-b1",
        "T-b2",
    ]
    assert 'data-employee="T-b1"' in response.content.decode()


def test_the_workshop_page_lists_its_demonstrations_with_attendance(
    small, secretary_client
):
    response = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["jg2"]), {"month": "1956-03"}
    )
    demos = response.context["demonstrations"]
    assert [(d["technique"], d["attendance"]) for d in demos] == [("高速切削", 3)]
    assert 'data-attendance="3"' in response.content.decode()
    other = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["jg1"]), {"month": "1956-03"}
    )
    assert other.context["demonstrations"] == []


def test_equal_attainment_shares_a_rank(small, secretary_client):
    response = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["jg1"]), {"month": "1956-03"}
    )
    ranks = {row["employee_no"]: row["rank"] for row in response.context["ranking"]}
    # a1 130, a5 110, a2 and a3 100, a4 95.
    assert ranks == {"T-a1": 1, "T-a5": 2, "T-a2": 3, "T-a3": 3, "T-a4": 5}
    bands = {row["employee_no"]: row["band"] for row in response.context["ranking"]}
    assert bands["T-a2"] == "meets_quota"  # disqualified: meets quota, not advanced


def test_the_unclassified_link_goes_to_the_classification_queue(
    small, secretary_client, manager_client
):
    content = secretary_client.get(
        reverse("reports:dashboard"), {"month": "1956-03"}
    ).content.decode()
    assert 'id="classify-link"' in content
    assert "/cases/classify/?month=1956-03" in content
    manager_page = manager_client.get(
        reverse("reports:dashboard"), {"month": "1956-03"}
    )
    assert 'id="classify-link"' not in manager_page.content.decode()


def test_charts_get_their_data_by_json_script_and_no_inline_script(
    small, secretary_client
):
    response = secretary_client.get(reverse("reports:dashboard"), {"month": "1956-03"})
    content = response.content.decode()
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>',
        content,
        re.S,
    )
    data = json.loads(match.group(1))
    assert data["trend"]["advanced_share"][-1] == 66.67
    assert data["trend"]["failing"][-2:] == [4, 2]
    assert data["causes"]["counts"] == [1, 0, 0, 0, 1]
    scripts = re.findall(r"<script([^>]*)>", content)
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert "vendor/chartjs/chart.umd.min.js" in content
    assert "js/dashboard.js" in content
    # Each chart has its table behind it.
    for table in ("causes-table", "trend-table"):
        assert f'id="{table}"' in content


def test_the_dashboard_reads_in_english_too(small, secretary_client):
    from tests.conftest import in_english

    content = (
        in_english(secretary_client)
        .get(reverse("reports:dashboard"), {"month": "1956-03"})
        .content.decode()
    )
    assert "March 1956" in content
    assert "Workers below quota" in content


def _fill(size: int):
    first = WorkshopFactory(code="big1", name="大车间一")
    second = WorkshopFactory(code="big2", name="大车间二")
    make_workers_with_records(size // 2, first, month=MAR)
    make_workers_with_records(size - size // 2, second, month=MAR)
    return first


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize(
    ("persona", "which"),
    [
        ("secretary_client", "factory"),
        ("secretary_client", "workshop"),
        ("manager_client", "factory"),
    ],
)
def test_dashboard_queries_do_not_grow_with_the_factory(
    request, db, django_assert_num_queries, size, persona, which, workshop
):
    """The same number at 10 and at 1,000 workers.

    With an empty cache, the secretary's factory page: session, user, the
    user's permissions (user and group), the generation tokens, the months
    with records, their completeness (4: roster, records by workshop, marks,
    first records; the records by workshop from the monthly summaries), the
    report (standing counts, causes, cases: the summaries), the trend (the
    summaries), the case outcomes (the summaries, and the cases that reached
    quota this month), the month's revisions, the navigation's helper check,
    the campaign targets (19: one query; their versions and the figures
    they read are two more only when there are campaigns). The workshop page
    adds the workshop lookup, the standards for the ranking, the ranking and
    the demonstrations (23); a manager's factory page adds their workshop
    codes and the navigation's manager check, and skips the helper check
    (20).
    """
    big = _fill(size)
    big.managers.add(request.getfixturevalue("manager"))
    client = request.getfixturevalue(persona)
    url = (
        reverse("reports:dashboard")
        if which == "factory"
        else reverse("reports:workshop_dashboard", args=["big1"])
    )
    # One more each for the stuck cases of the report (assistance.stuck
    # reads the cases: the summaries do not keep them), and one more for its
    # quota review groups (workers.quota_review counts the month's records
    # by trade, which the summaries do not keep), and one more for the case
    # outcomes' re-diagnosed and stuck cases (assistance.outcomes.
    # rediagnosis_outcomes reads the cases, live).
    expected = {
        ("secretary_client", "factory"): 22,
        ("secretary_client", "workshop"): 26,
        ("manager_client", "factory"): 23,
    }[(persona, which)]
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


def test_a_second_request_is_served_from_the_cache(
    small, secretary_client, django_assert_num_queries
):
    url = reverse("reports:dashboard") + "?month=1956-03"
    secretary_client.get(url)
    # session, user, permissions (2), generation, navigation's helper check
    with django_assert_num_queries(6):
        response = secretary_client.get(url)
    assert figures_of(response)["report.advanced_share"] == "66.67"


def test_a_user_without_a_role_gets_403_everywhere(small, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    for url in (
        reverse("reports:dashboard"),
        reverse("reports:workshop_dashboard", args=["jg2"]),
        reverse("reports:bulletin", args=["1956-03"]),
        reverse("reports:bulletin_index"),
        reverse("reports:movement_json"),
        reverse("reports:export", args=["workshops", "csv"]),
    ):
        assert client.get(url).status_code == 403, url


def test_a_superuser_is_treated_as_the_secretary(small, client):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get(reverse("reports:dashboard"), {"month": "1956-03"})
    assert [row["code"] for row in response.context["report"]["workshops"]] == [
        "jg1",
        "jg2",
        "zz",
    ]


def _body_renders(response) -> int:
    """How many times the page's body template ran (its includes)."""
    return sum(t.name == "factory/_report_tiles.html" for t in response.templates)


def test_the_rendered_body_is_cached_and_kept_apart_by_scope_and_language(
    small, secretary_client, manager_client
):
    url = reverse("reports:dashboard") + "?month=1956-03"
    first = secretary_client.get(url)
    again = secretary_client.get(url)
    assert _body_renders(first) == 1
    assert _body_renders(again) == 0  # the body came from the cache
    assert figures_of(again) == figures_of(first)
    assert "第一机工车间" in again.content.decode()
    # A director's scope has a body of its own: never the secretary's rows.
    director = manager_client.get(url)
    assert _body_renders(director) == 1
    assert "第一机工车间" not in director.content.decode()
    # Another language has a body of its own too.
    english = in_english(secretary_client).get(url)
    assert _body_renders(english) == 1
    assert english.content.decode().count('lang="en"') >= 1
    assert "The factory" in english.content.decode()


def test_a_data_change_renders_the_body_afresh(
    small, secretary_client, django_capture_on_commit_callbacks
):
    from workers.models import ProductionRecord

    url = reverse("reports:workshop_dashboard", args=["jg2"]) + "?month=1956-03"
    before = figures_of(secretary_client.get(url))
    record = ProductionRecord.objects.filter(
        month=MAR, worker__workshop__code="jg2", output__lt=F("quota")
    ).first()
    with django_capture_on_commit_callbacks(execute=True):
        record.output = record.quota
        record.save()
    after = secretary_client.get(url)
    assert _body_renders(after) == 1
    assert int(figures_of(after)["report.failing"]) == int(before["report.failing"]) - 1


def _mark_complete_form(content: str) -> tuple[str, str]:
    """The CSRF token and the ``next`` of the page's "mark complete" form."""
    form = re.search(r'<form[^>]*id="mark-complete-form".*?</form>', content, re.S)
    assert form, "the page has no form to mark the month complete"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group())
    here = re.search(r'name="next" value="([^"]*)"', form.group())
    return token.group(1), here.group(1)


def test_a_cached_page_carries_each_requests_own_token_and_path(
    small, secretary_client
):
    """The cached blocks hold no per-request value: a second member of the
    secretary's side, served the blocks the first one's request rendered,
    gets a CSRF token of their own session (the form posts) and their own
    path in ``next``."""
    from django.test import Client

    from factory.roles import SECRETARY
    from tests.factories import UserFactory

    url = reverse("reports:dashboard")
    first = secretary_client.get(url, {"month": "1956-03"})
    assert _body_renders(first) == 1
    colleague = Client(enforce_csrf_checks=True)
    colleague.force_login(UserFactory(username="carol", groups=[SECRETARY]))
    colleague.get(reverse("home"))  # a session's first page sets its CSRF cookie
    again = colleague.get(url, {"month": "1956-03", "from": "home"})
    assert _body_renders(again) == 0  # the blocks came from the cache
    content = again.content.decode()
    assert "pagehole" not in content
    token, here = _mark_complete_form(content)
    assert here == "/dashboard/?month=1956-03&amp;from=home"
    assert token != _mark_complete_form(first.content.decode())[0]
    posted = colleague.post(
        reverse("reports:month_completion", args=["1956-03"]),
        {"csrfmiddlewaretoken": token, "next": "/dashboard/?month=1956-03"},
    )
    assert posted.status_code == 302
    assert posted["Location"] == "/dashboard/?month=1956-03"


def test_a_cached_page_costs_no_figure(small, secretary_client, monkeypatch):
    """A request whose page is cached builds no context: no bundle, no
    completeness, no month picker."""
    from factory.figures import bundles

    url = reverse("reports:dashboard") + "?month=1956-03&compare=1956-02"
    secretary_client.get(url)

    def refuse(*args, **kwargs):
        raise AssertionError("a cached page read a bundle")

    monkeypatch.setattr("factory.views.dashboard.report_view", refuse)
    monkeypatch.setattr(bundles, "all_completeness", refuse)
    response = secretary_client.get(url)
    assert response.status_code == 200
    assert figures_of(response)["report.advanced_share"] == "66.67"
