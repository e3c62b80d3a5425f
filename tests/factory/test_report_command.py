"""python manage.py movement_report: json, csv, text; errors."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from factory.figures.reports import movement_report
from tests.factory.test_report_data import FEB, JAN, MAR

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module


def run(*args) -> str:
    out = io.StringIO()
    call_command("movement_report", *args, stdout=out)
    return out.getvalue()


def test_json_prints_the_report_object(small):
    data = json.loads(run("--month", "1956-03", "--format", "json"))
    # The report and the campaign targets of the month (none here).
    assert data == {**movement_report(month=MAR), "campaigns": []}
    assert data["advanced_share"] == 66.67


def test_json_for_a_workshop_and_a_compare_month(small):
    data = json.loads(
        run(
            "--month",
            "1956-03",
            "--compare",
            "1956-01",
            "--workshop",
            "jg2",
            "--format",
            "json",
        )
    )
    assert data == {
        **movement_report(month=MAR, compare=JAN, workshop=small.workshops["jg2"]),
        "campaigns": [],
    }
    assert data["advanced_change_pct"] is None


def test_csv_is_a_flat_key_value_table(small):
    rows = list(csv.reader(io.StringIO(run("--month", "1956-03", "--format", "csv"))))
    assert rows[0] == ["key", "value"]
    table = dict(rows[1:])
    assert table["month"] == "1956-03"
    assert table["advanced_share"] == "66.67"
    assert table["compare.failing"] == "4"
    assert table["causes.technique.count"] == "1"
    assert table["workshops.jg2.compare_failing"] == "2"
    assert table["cases.open"] == "1"


def test_text_reads_like_a_bulletin_in_english(small):
    text = run("--month", "1956-03", "--language", "en")
    assert "March 1956: advanced producers are 66.67% of the 9 workers" in text
    assert "up 20% on February 1956 (+11.11 percentage points)" in text
    assert "第二机工车间: 4 workers on quota, advanced 75%, below quota 2 → 1." in text
    assert "Help cases: 1 open, 1 reached quota, 1 closed." in text


def test_text_says_when_there_is_nothing_to_compare_with(small):
    text = run("--month", "1956-03", "--compare", "1956-01", "--language", "en")
    assert "January 1956 had no advanced producers to compare with" in text


def test_text_uses_the_active_language_by_default(small):
    with translation.override("zh-hans"):
        text = run("--month", "1956-03")
    assert "1956年3月" in text


def test_text_says_down_when_advanced_producers_fell(small):
    text = run("--month", "1956-02", "--compare", "1956-03", "--language", "en")
    # February 5 against March 6: down 16.67%.
    assert "down 16.67% on March 1956 (-11.11 percentage points)" in text


@pytest.mark.parametrize(
    "args",
    [
        ["--month", "1956-13"],
        ["--month", "next month"],
        ["--month", "1956-03", "--compare", "1956/13"],
        ["--month", "1956-03", "--workshop", "nosuch"],
    ],
)
def test_bad_input_is_an_error_with_a_message(small, args):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert str(error.value)


def test_bad_input_exits_non_zero_with_the_message_on_stderr(small):
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "manage.py", "movement_report", "--month", "1956-13"],
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.returncode != 0
    assert "1956-13" in result.stderr
    assert result.stdout == ""


def test_february_is_the_default_compare_month(small):
    data = json.loads(run("--month", "1956-03", "--format", "json"))
    assert data["compare_month"] == "1956-02"
    assert data["compare"]["advanced"] == movement_report(month=FEB)["advanced"]
