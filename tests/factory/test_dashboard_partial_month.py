"""The dashboards of a partial month (DESIGN.md, "The month"): a workshop
that has not reported reads "not reported", never zero; the factory's
changes compare only the workshops that reported in both months, and say
so. The twelve-month trend starts at the first month with records, and the
month picker lists the known months in the page's language.

The small factory (test_report_data.py): March is partial (zz has not
reported: z1 has no March record), February is complete, January has no
records at all.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from factory.figures.publishing import mark_month_complete
from factory.figures.reports import trend
from tests.conftest import in_english
from tests.factories import ProductionRecordFactory
from tests.factory.test_dashboard import figures_of
from tests.factory.test_report_data import MAR

pytestmark = pytest.mark.world_per_module

REPORTED = re.compile(r'data-reported-figure="([^"]+)" data-value="([^"]*)"')


def reported_figures(response) -> dict[str, str]:
    """The changes a partial month's page shows over the workshops that
    reported in both months (not the JSON's: those count the others as 0)."""
    return dict(REPORTED.findall(response.content.decode()))


def row_of(response, code: str) -> str:
    content = response.content.decode()
    found = re.search(rf'<tr data-workshop="{code}".*?</tr>', content, re.S)
    assert found, f"no row for {code}"
    return found.group()


def dashboard(client, **query):
    response = client.get(reverse("reports:dashboard"), query)
    assert response.status_code == 200
    return response


# ------------------------------------------------- workshops not reported


def test_a_workshop_that_has_not_reported_reads_not_reported_never_zero(
    small, secretary_client
):
    response = dashboard(secretary_client, month="1956-03")
    row = row_of(response, "zz")
    assert 'data-not-reported="month"' in row
    assert "未报送" in row
    # No figure and no change for it: not 0 on quota, not "0 → 0".
    assert "data-figure" not in row
    assert "→" not in row
    assert not [key for key in figures_of(response) if ".zz." in key]
    # The workshops that did report keep their figures.
    assert "data-not-reported" not in row_of(response, "jg1")
    assert figures_of(response)["report.workshops.jg2.failing"] == "1"


def test_not_reported_reads_in_english_too(small, secretary_client):
    response = dashboard(in_english(secretary_client), month="1956-03")
    assert "not reported" in row_of(response, "zz")


def test_a_partial_months_changes_compare_only_the_workshops_that_reported(
    small, secretary_client
):
    response = dashboard(secretary_client, month="1956-03")
    page = figures_of(response)
    # The JSON's changes count zz's February (z1, advanced) against nothing:
    # they are not the page's result for a partial month.
    for key in (
        "report.advanced_change_pct",
        "report.advanced_share_change_pp",
        "report.compare.failing",
    ):
        assert key not in page
    # jg1 and jg2 in March against jg1 and jg2 in February: advanced 6 of 9
    # against 4 of 8, below quota 2 against 4.
    assert reported_figures(response) == {
        "advanced_change_pct": "50.0",
        "advanced_share_change_pp": "16.67",
        "compare.failing": "4",
        "failing_change": "-2",
    }
    note = re.search(r'<p[^>]*id="reported-comparison".*?</p>', response.text, re.S)
    assert note, "the page does not say what its changes compare"
    assert "2个车间" in note.group()
    # The headline figures of the month itself stay (they are the month's).
    assert page["report.advanced_share"] == "66.67"
    assert page["report.failing"] == "2"


def test_the_json_report_of_a_partial_month_keeps_its_meaning(small, secretary_client):
    data = secretary_client.get(
        reverse("reports:movement_json"), {"month": "1956-03"}
    ).json()
    assert data["advanced_change_pct"] == 20.0
    assert data["advanced_share_change_pp"] == 11.11
    assert [row["code"] for row in data["workshops"]] == ["jg1", "jg2", "zz"]
    assert "reported" not in data


def test_a_comparison_with_a_partial_month_leaves_its_missing_workshops_out(
    small, secretary_client
):
    response = dashboard(secretary_client, month="1956-02", compare="1956-03")
    row = row_of(response, "zz")
    assert 'data-not-reported="compare"' in row
    assert "未报送 → 0" in re.sub(r"<[^>]+>", "", row)
    # Its February is shown; its change is not.
    assert figures_of(response)["report.workshops.zz.workers_on_quota"] == "1"
    assert "report.workshops.zz.compare_failing" not in figures_of(response)
    # jg1 and jg2: February 4 of 8 advanced, March 6 of 9.
    assert reported_figures(response) == {
        "advanced_change_pct": "-33.33",
        "advanced_share_change_pp": "-16.67",
        "compare.failing": "2",
        "failing_change": "2",
    }


def test_a_workshop_page_of_a_workshop_that_has_not_reported_shows_no_result(
    small, secretary_client
):
    response = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["zz"]), {"month": "1956-03"}
    )
    page = figures_of(response)
    for key in (
        "report.advanced_share",
        "report.workers_on_quota",
        "report.failing",
        "report.advanced_change_pct",
        "report.advanced_share_change_pp",
    ):
        assert key not in page
    tiles = re.search(
        r'<div[^>]*id="tiles".*?id="tile-open-cases"', response.text, re.S
    )
    assert tiles.group().count("未报送") == 2
    assert ">-100<" not in tiles.group()  # no "−100%" on the month before
    assert reported_figures(response) == {}


def test_a_workshop_that_reported_in_both_months_keeps_its_own_changes(
    small, secretary_client
):
    # jg2 reported in February and March: its figures are like for like,
    # whatever other workshops did.
    response = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["jg2"]), {"month": "1956-03"}
    )
    page = figures_of(response)
    assert page["report.compare.failing"] == "2"
    assert page["report.advanced_change_pct"] == "50.0"
    assert 'id="reported-comparison"' not in response.text


def test_a_complete_month_shows_the_factorys_changes_as_the_json_has_them(
    small, secretary, secretary_client, django_capture_on_commit_callbacks
):
    # The secretary marks March complete: zz's absence is final, its 0 too.
    with django_capture_on_commit_callbacks(execute=True):
        mark_month_complete(month=MAR, by=secretary)
    response = dashboard(secretary_client, month="1956-03")
    page = figures_of(response)
    assert page["report.advanced_change_pct"] == "20.0"
    assert page["report.advanced_share_change_pp"] == "11.11"
    assert reported_figures(response) == {}
    assert "data-not-reported" not in response.text
    assert 'id="reported-comparison"' not in response.text


# --------------------------------------------------------------- the trend


def test_the_trend_starts_at_the_first_month_with_records(small, secretary_client):
    assert [point["month"] for point in trend(month=MAR)] == ["1956-02", "1956-03"]
    response = dashboard(secretary_client, month="1956-03")
    rows = re.findall(r'<tr data-month="([^"]+)"', response.text)
    assert rows == ["1956-02", "1956-03"]
    # March is partial, and the chart says so.
    assert response.context["chart_data"]["trend"]["labels"] == [
        "1956年2月",
        "1956年3月 · 数据不全",
    ]
    assert 'id="trend-start"' in response.text


def test_the_trend_keeps_a_month_without_records_after_the_first(small):
    ProductionRecordFactory(
        worker=small.workers["a1"],
        month=dt.date(1955, 12, 1),
        quota=Decimal("100"),
        output=Decimal("100"),
    )
    points = trend(month=MAR)
    assert [point["month"] for point in points] == [
        "1955-12",
        "1956-01",
        "1956-02",
        "1956-03",
    ]
    assert points[1]["workers_on_quota"] == 0  # January: a gap, not cut


def test_the_trend_is_at_most_twelve_months(small):
    ProductionRecordFactory(
        worker=small.workers["a1"],
        month=dt.date(1954, 1, 1),
        quota=Decimal("100"),
        output=Decimal("100"),
    )
    points = trend(month=MAR)
    assert len(points) == 12
    assert points[0]["month"] == "1955-04"


def test_a_partial_month_is_marked_in_the_trend(small, secretary_client):
    response = dashboard(secretary_client, month="1956-03")
    row = re.search(r'<tr data-month="1956-03".*?</tr>', response.text, re.S).group()
    assert "数据不全" in row
    assert (
        "数据不全"
        not in re.search(
            r'<tr data-month="1956-02".*?</tr>', response.text, re.S
        ).group()
    )


def test_a_workshop_that_has_not_reported_has_no_trend_figure_for_the_month(
    small, secretary_client
):
    response = secretary_client.get(
        reverse("reports:workshop_dashboard", args=["zz"]), {"month": "1956-03"}
    )
    row = re.search(r'<tr data-month="1956-03".*?</tr>', response.text, re.S).group()
    assert 'data-not-reported="month"' in row and "data-figure" not in row
    # A gap in the charts, not a fall to 0.
    chart = response.context["chart_data"]["trend"]
    assert chart["failing"] == [0, None]
    assert chart["advanced_share"] == [100.0, None]


# --------------------------------------------------------- the month picker


def test_no_page_has_a_month_input_the_browser_would_label_in_its_own_language():
    templates = Path(settings.BASE_DIR) / "templates"
    offending = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"""type=["']month["']""", path.read_text())
    ]
    assert offending == []


def _options(response, name: str) -> list[tuple[str, str, bool]]:
    select = re.search(
        rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', response.text, re.S
    )
    assert select, f"no select named {name}"
    return [
        (value, label.strip(), bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1)
        )
    ]


@pytest.mark.parametrize(
    "url", [reverse("reports:dashboard"), "/dashboard/workshops/jg2/"]
)
def test_the_month_picker_lists_the_known_months_in_the_pages_language(
    small, secretary_client, url
):
    response = secretary_client.get(url, {"month": "1956-03"})
    assert _options(response, "month") == [
        ("1956-03", "1956年3月 · 数据不全", True),
        ("1956-02", "1956年2月", False),
    ]
    compare = _options(response, "compare")
    assert compare[0] == ("", "上一个月", True)
    assert [value for value, _label, _selected in compare[1:]] == [
        "1956-03",
        "1956-02",
    ]
    english = in_english(secretary_client).get(
        url, {"month": "1956-02", "compare": "1956-03"}
    )
    assert _options(english, "month") == [
        ("1956-03", "March 1956 · partial", False),
        ("1956-02", "February 1956", True),
    ]
    assert ("1956-03", "March 1956 · partial", True) in _options(english, "compare")


def test_a_chosen_month_without_records_is_in_the_picker_and_chosen(
    small, secretary_client
):
    response = dashboard(secretary_client, month="1957-01", compare="1955-06")
    assert _options(response, "month")[0] == ("1957-01", "1957年1月 · 无记录", True)
    assert ("1955-06", "1955年6月 · 无记录", True) in _options(response, "compare")
