"""The monthly bulletin: what it says, to whom, in which language."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from factory.figures.reports import movement_report
from tests.conftest import in_english
from tests.factory.test_report_data import (
    MAR,
    SENTINEL,
)

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

BULLETIN = "/reports/1956-03/"


def test_the_headline_is_the_reports(small, secretary_client):
    response = secretary_client.get(BULLETIN)
    assert response.status_code == 200
    # The report and the campaign targets of the month (none here).
    report = {**movement_report(month=MAR), "campaigns": []}
    assert response.context["report"] == report
    content = response.content.decode()
    assert 'data-advanced-share="66.67"' in content
    assert 'data-advanced-change-pct="20.0"' in content
    assert 'data-advanced-share-change-pp="11.11"' in content
    assert 'data-failing="2" data-compare-failing="4"' in content


def test_it_reads_like_a_report_in_english(small, secretary_client):
    content = in_english(secretary_client).get(BULLETIN).content.decode()
    assert "The advanced producer movement in March 1956" in content
    assert (
        "March 1956: advanced producers are 66.67% of the 9 workers on quota (6), "
        "up 20% on February 1956 (+11.11 percentage points)."
    ) in content
    assert "Workers below quota: 2 (February 1956: 4, -2)." in content
    # The compared month's shortfalls, by cause (February: a3 a4 technique,
    # b1 family, b2 not classified).
    assert (
        "Of the 4 workers below quota in February 1956: backward technique 50% (2); "
        "family financial difficulty 25% (1); not classified 25% (1)."
    ) in content
    assert (
        "1 demonstration of advanced experience, 3 attendances (第二机工车间 1/3)."
    ) in content
    assert (
        "2 Party members, League members and activists made personally responsible "
        "for workers (Party member 1, League member 1)."
    ) in content
    assert "Hardship aid granted 1 time, 30.50 yuan in all." in content
    assert "2 workers with a help case reached quota" in content
    assert (
        "<strong>工人a3</strong> (第一机工车间, T-a3): backward technique; "
        "visit to a demonstration; helped by League member 团支书."
    ) in content


def test_it_reads_in_chinese_by_default(small, secretary_client):
    content = secretary_client.get(BULLETIN).content.decode()
    assert "1956年3月" in content
    assert "1956年2月" in content


def test_measures_taken_over_february_and_march(small, secretary_client):
    context = secretary_client.get(BULLETIN).context
    measures = context["measures"]
    assert (measures["start"], measures["end"]) == ("1956-02", "1956-03")
    assert measures["demonstrations"]["count"] == 1
    assert measures["demonstrations"]["attendance"] == 3
    # Helpers on the cases opened in February and March: 团支书 (League) on
    # a3 and a4, 韩文联 (Party) on b1; b4's April case is later.
    assert measures["helpers"]["total"] == 2
    assert measures["helpers"]["party_member"] == 1
    assert measures["helpers"]["league_member"] == 1
    assert measures["aid"] == {"grants": 1, "total": "30.50"}
    assert measures["cases_opened"]["demonstration"] == 2
    assert measures["cases_opened"]["hardship_aid"] == 1
    content = secretary_client.get(BULLETIN).content.decode()
    assert 'id="measure-demonstrations" data-count="1" data-attendance="3"' in content
    assert 'id="measure-aid" data-grants="1" data-total="30.50"' in content


def test_workshop_highlights_are_the_largest_falls(small, secretary_client):
    highlights = secretary_client.get(BULLETIN).context["highlights"]
    assert [(h["code"], h["compare_failing"], h["failing"]) for h in highlights] == [
        ("jg1", 2, 1),
        ("jg2", 2, 1),
    ]


def test_the_secretary_sees_who_reached_quota_by_name(small, secretary_client):
    content = secretary_client.get(BULLETIN).content.decode()
    assert "工人a3" in content
    assert "工人b1" in content
    assert "韩文联" in content  # b1's helper


def test_a_manager_sees_them_anonymised_and_only_for_their_workshop(
    small, manager_client
):
    response = manager_client.get(BULLETIN)
    assert response.status_code == 200
    content = response.content.decode()
    assert "工人b1" not in content
    assert "工人a3" not in content
    assert "T-b1" not in content
    assert "韩文联" not in content
    cases = response.context["reached_cases"]
    assert [case["workshop_code"] for case in cases] == ["jg2"]
    assert "name" not in cases[0]
    # Other workshops' rows are not theirs; factory totals are.
    assert [h["code"] for h in response.context["highlights"]] == ["jg2"]
    assert "第一机工车间" not in content
    assert response.context["report"]["workers_on_quota"] == 9


def test_no_note_reaches_a_manager(small, manager_client):
    for url in (BULLETIN, "/reports/1956-02/", reverse("reports:bulletin_index")):
        assert SENTINEL not in manager_client.get(url).content.decode()


def test_helpers_and_strangers_may_not_read_it(small, helper_client, anonymous_client):
    assert helper_client.get(BULLETIN).status_code == 403
    assert helper_client.get(reverse("reports:bulletin_index")).status_code == 403
    response = anonymous_client.get(BULLETIN)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_month_that_does_not_exist_is_404(small, secretary_client):
    assert secretary_client.get("/reports/1956-13/").status_code == 404


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "0000-01"])
@pytest.mark.parametrize("suffix", ["", "publish/"])
def test_a_month_outside_the_calendar_is_404_not_500(
    small, secretary_client, month, suffix
):
    # The month before 0001-01 and after 9999-12 are not dates: the page's
    # month links used to raise ValueError (500).
    assert secretary_client.get(f"/reports/{month}/{suffix}").status_code == 404


def test_it_prints_on_a4(small, secretary_client):
    content = secretary_client.get(BULLETIN).content.decode()
    assert 'href="/static/css/print.css" media="print"' in content
    css = (
        Path(__file__).resolve().parents[2] / "static" / "css" / "print.css"
    ).read_text()
    assert "size: A4" in css


def test_highlights_rank_falls_in_proportion_then_in_number():
    from factory.views.reports import _highlights

    rows = [
        {"code": "jg1", "compare_failing": 60, "failing": 32},
        {"code": "jg2", "compare_failing": 17, "failing": 4},
        {"code": "zp", "compare_failing": 52, "failing": 24},
        {"code": "zz", "compare_failing": 5, "failing": 9},  # rose: not a highlight
        {"code": "gj", "compare_failing": 25, "failing": 12},
    ]
    picked = _highlights({"workshops": rows})
    assert [row["code"] for row in picked] == ["jg2", "zp", "gj"]
    assert picked[0]["fall"] == 13
    assert picked[0]["fall_pct"] == 76.47


def test_a_few_cases_are_named_one_cause_after_another_the_rest_counted():
    from factory.views.reports import REACHED_NAMED, _reached

    causes = ["technique"] * 6 + ["family", "ideology"]
    reached = {
        "workshops": [
            {
                "code": "jg1",
                "name": "第一机工车间",
                "count": 10,
                "by_measure": {"demonstration": 10},
                "examples": [
                    {"cause": cause, "measure": "demonstration"} for cause in causes
                ],
            }
        ],
        "named": [],
    }
    result = _reached(reached)
    named = [case["cause"] for case in result["reached_cases"]]
    assert len(named) == REACHED_NAMED == 6
    assert named[:3] == ["family", "ideology", "technique"]
    assert result["reached_total"] == 10
    assert result["reached_more"] == 4
    assert "10" in result["reached_summary"]
    assert result["reached_cases"][0]["workshop_name"] == "第一机工车间"


def test_names_are_escaped(small, secretary_client):
    worker = small.workers["a3"]
    worker.name = "<b>胡</b>"
    worker.save()
    content = secretary_client.get(BULLETIN).content.decode()
    assert "<strong>&lt;b&gt;胡&lt;/b&gt;</strong>" in content
    assert "<b>胡</b>" not in content


def test_a_cached_bulletin_keeps_names_to_the_secretary(
    small, secretary_client, manager_client
):
    from django.core.cache import cache

    first = secretary_client.get(BULLETIN)
    _generation, blocks = cache.get(first.context["page_key"])
    stored = blocks["content"]
    assert "工人a3" in stored
    # What the cache keeps is served, but for the placeholders of the
    # request's own CSRF token and path (factory/figures/page_cache.py).
    served = secretary_client.get(BULLETIN).content.decode()
    assert all(piece in served for piece in re.split(r"pagehole\w+", stored))
    # The director's scope and anonymity give it a body of its own.
    director = manager_client.get(BULLETIN)
    assert director.context["page_key"] != first.context["page_key"]
    content = director.content.decode()
    assert "工人b1" not in content
    assert "工人a3" not in content
    assert "第一机工车间" not in content
