"""CSV and XLSX exports: escaping, numbers, scoping, same figures."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from factory.figures.reports import movement_report
from tests.factory.test_report_data import MAR, SENTINEL
from workers.spreadsheet_safety import safe_cell

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module


def url(table, fmt="csv", **query):
    from urllib.parse import urlencode

    query.setdefault("month", "1956-03")
    return reverse("reports:export", args=[table, fmt]) + "?" + urlencode(query)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # Control characters go first, so they cannot hide a formula.
        ("\x01=1", "'=1"),
        ("\x01\x1f\t=1", "'\t=1"),
        ("a\x0bb\x00", "ab"),
        ("line\nbreak", "line\nbreak"),
        ("a=b", "a=b"),
        ("王培胜", "王培胜"),
        ("", ""),
        (None, ""),
        (5, 5),
        (-5, -5),
        (2.5, 2.5),
        (Decimal("-3.50"), Decimal("-3.50")),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
    assert type(safe_cell(value)) is type(expected)


def test_a_formula_in_a_name_is_escaped_in_csv_and_xlsx(small, secretary_client):
    worker = small.workers["b3"]
    worker.name = "=cmd|' /C calc'!A0"
    worker.save()
    rows = csv_rows(secretary_client.get(url("ranking", workshop="jg2")))
    names = [row[2] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in names

    sheet = xlsx_rows(secretary_client.get(url("ranking", "xlsx", workshop="jg2")))
    names = [row[2] for row in sheet[1:]]
    assert "'=cmd|' /C calc'!A0" in names
    # Numbers stay numbers: rank, quota, output and attainment.
    first = sheet[1]
    assert first[0] == 1
    assert isinstance(first[4], (int, float))
    assert isinstance(first[7], (int, float))
    assert float(first[7]) == 120.0  # b1 leads with 120%


def test_xlsx_cells_are_never_formulas(small, secretary_client):
    small.workers["b1"].name = "=1+1"
    small.workers["b1"].save()
    response = secretary_client.get(url("ranking", "xlsx", workshop="jg2"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_workshops_table_has_the_reports_figures(small, secretary_client):
    rows = csv_rows(secretary_client.get(url("workshops")))
    report = movement_report(month=MAR)
    assert len(rows) == 1 + len(report["workshops"])
    body = {row[0]: row for row in rows[1:]}
    for expected in report["workshops"]:
        row = body[expected["code"]]
        assert row[1] == expected["name"]
        if expected["code"] == "zz":  # has not reported in March: no figures
            continue
        assert int(row[2]) == expected["workers_on_quota"]
        assert int(row[3]) == expected["advanced"]
        assert float(row[4]) == expected["advanced_share"]
        assert int(row[5]) == expected["failing"]
        assert int(row[6]) == expected["compare_failing"]


def test_xlsx_workshops_numbers_are_numbers(small, secretary_client):
    sheet = xlsx_rows(secretary_client.get(url("workshops", "xlsx")))
    jg2 = next(row for row in sheet if row[0] == "jg2")
    assert jg2[2:] == (4, 3, 75.0, 1, 2, -1)


def test_a_workshop_that_has_not_reported_exports_as_not_reported(
    small, secretary_client
):
    """March is partial and zz has no March record: its line says so, as
    the dashboard's row does, instead of zeros that read as a result."""
    rows = {row[0]: row for row in csv_rows(secretary_client.get(url("workshops")))}
    assert rows["zz"][2:6] == ["未报送"] * 4
    assert rows["zz"][7] == ""
    assert rows["jg2"][2:] == ["4", "3", "75.0", "1", "2", "-1"]


@pytest.mark.parametrize("table", ["causes", "trend", "outcomes"])
def test_each_dashboard_table_exports_in_both_formats(small, secretary_client, table):
    csv_body = csv_rows(secretary_client.get(url(table)))
    xlsx_body = xlsx_rows(secretary_client.get(url(table, "xlsx")))
    assert len(csv_body) == len(xlsx_body) > 1


def test_the_causes_and_trend_tables(small, secretary_client):
    causes = csv_rows(secretary_client.get(url("causes")))
    assert [row[1] for row in causes[1:]] == ["1", "0", "0", "0", "1"]
    trend = csv_rows(secretary_client.get(url("trend")))
    assert len(trend) == 3  # a header, February (the first month with records), March
    assert trend[-1][0] == "1956-03"
    assert trend[-1][1:] == ["9", "6", "66.67", "2"]


def test_a_manager_exports_only_their_workshops(small, manager_client):
    rows = csv_rows(manager_client.get(url("workshops")))
    assert [row[0] for row in rows[1:]] == ["jg2"]
    assert manager_client.get(url("ranking", workshop="jg1")).status_code == 404
    assert manager_client.get(url("workshops", workshop="jg1")).status_code == 404
    own = csv_rows(manager_client.get(url("ranking", workshop="jg2")))
    assert len(own) == 5


def test_the_case_list_is_scoped_and_has_no_notes(
    small, manager_client, secretary_client
):
    every = csv_rows(secretary_client.get(url("cases")))
    # Cases opened in or before March: a3, a4, b1 (b4's is April's).
    assert sorted(row[0] for row in every[1:]) == ["T-a3", "T-a4", "T-b1"]
    own = manager_client.get(url("cases"))
    rows = csv_rows(own)
    assert [row[0] for row in rows[1:]] == ["T-b1"]
    for response in (own, manager_client.get(url("cases", "xlsx"))):
        assert SENTINEL.encode() not in response.content


def test_workshop_tables_need_a_workshop(small, secretary_client):
    assert secretary_client.get(url("ranking")).status_code == 400
    response = secretary_client.get(url("demonstrations", workshop="jg2"))
    rows = csv_rows(response)
    assert rows[1][1] == "高速切削"
    assert rows[1][4] == "3"
    movers = csv_rows(secretary_client.get(url("movers", workshop="jg2")))
    assert [row[1] for row in movers[1:]] == ["T-b1", "T-b2"]


def test_unknown_tables_and_formats_are_404(small, secretary_client):
    assert secretary_client.get(url("salaries")).status_code == 404
    assert secretary_client.get(url("workshops", "pdf")).status_code == 404


def test_a_bad_month_is_400(small, secretary_client):
    assert secretary_client.get(url("workshops", month="1956-13")).status_code == 400


def test_helpers_and_strangers_get_no_export(small, helper_client, anonymous_client):
    assert helper_client.get(url("workshops")).status_code == 403
    assert helper_client.get(url("cases")).status_code == 403
    assert anonymous_client.get(url("workshops")).status_code == 302


def test_the_downloads_are_named_and_typed(small, secretary_client):
    response = secretary_client.get(url("workshops", "xlsx"))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        'filename="catchup-1956-03-factory-workshops.xlsx"'
        in (response["Content-Disposition"])
    )
    csv_response = secretary_client.get(url("ranking", workshop="jg2"))
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "catchup-1956-03-jg2-ranking.csv" in csv_response["Content-Disposition"]
