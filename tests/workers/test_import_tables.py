"""read_table and the value parsers: every way a file can be refused or read."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import translation

from tests.hostile_files import BILLION_LAUGHS
from tests.spreadsheets import csv_bytes, xlsx_bytes
from workers.importing.base import Importer
from workers.importing.errors import RowError
from workers.importing.limits import ImportFileError
from workers.importing.reading import read_table
from workers.importing.tables import Column
from workers.importing.values import (
    ValueProblem,
    attempt,
    clean_employee_no,
    parse_bool,
    parse_choice,
    parse_decimal,
    parse_month_value,
)
from workers.models import Cause, PoliticalStatus
from workers.text import MAX_CELL_CHARS, check_text

COLUMNS = [
    Column("employee_no", ("工号",)),
    Column("name", ("姓名",)),
    Column("quota", ("定额",), required=False),
    Column("month", ("月份",), required=False),
]

HEADER = ["工号", "姓名", "定额"]
ROWS = [["E001", "张三", "1200"], ["E002", "李四", "12.5"]]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rewrite_zip(data, change):
    """Copy a workbook's zip, letting change(name, bytes) alter entries."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
        extra = change(None, None)
        for name, content in extra or []:
            target.writestr(name, content)
    return out.getvalue()


def values(table):
    return [(row.number, row.values) for row in table.rows]


# --- reading what should be read ---------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected_encoding"),
    [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")],
)
def test_csv_is_read_in_utf8_with_or_without_bom_and_gbk(encoding, expected_encoding):
    table = read_table(csv_bytes([HEADER, *ROWS], encoding), "r.csv", COLUMNS)
    assert table.encoding == expected_encoding
    assert table.columns == ["employee_no", "name", "quota"]
    assert values(table) == [
        (2, {"employee_no": "E001", "name": "张三", "quota": "1200"}),
        (3, {"employee_no": "E002", "name": "李四", "quota": "12.5"}),
    ]
    assert table.header_for("employee_no") == "工号"


def test_gb18030_characters_outside_gbk_are_read():
    # 𠮷 (U+20BB7) is a surname character GBK lacks; GB18030 has it.
    data = csv_bytes([HEADER, ["E001", "𠮷小明", "1"]], "gb18030")
    assert read_table(data, "r.csv", COLUMNS).rows[0].values["name"] == "𠮷小明"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(delimiter):
    data = csv_bytes([HEADER, *ROWS], delimiter=delimiter)
    table = read_table(data, "r.csv", COLUMNS)
    assert table.rows[1].values["quota"] == "12.5"


def test_english_headers_in_any_case_and_spacing_are_accepted():
    data = csv_bytes([[" Employee_NO ", "NAME", "quota"], ["E001", "张三", "1"]])
    table = read_table(data, "r.csv", COLUMNS)
    assert table.columns == ["employee_no", "name", "quota"]
    assert table.header_for("name") == "NAME"


def test_blank_rows_are_skipped_but_row_numbers_stay_the_spreadsheets():
    data = b"employee_no,name\r\n\r\nE001,A\r\n,\r\nE002,B\r\n"
    table = read_table(data, "r.csv", COLUMNS)
    assert [row.number for row in table.rows] == [3, 5]


def test_a_quoted_cell_with_a_line_break_is_one_row():
    data = b'employee_no,name\r\nE001,"two\r\nlines"\r\nE002,B\r\n'
    table = read_table(data, "r.csv", COLUMNS)
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values["name"] == "two\r\nlines"


def test_unknown_columns_are_ignored_and_reported():
    data = csv_bytes([["工号", "姓名", "备注", "电话"], ["E001", "张三", "x", "1"]])
    table = read_table(data, "r.csv", COLUMNS)
    assert table.ignored_columns == ["备注", "电话"]
    assert set(table.rows[0].values) == {"employee_no", "name"}


def test_short_rows_give_empty_cells():
    table = read_table(b"employee_no,name,quota\r\nE001\r\n", "r.csv", COLUMNS)
    assert table.rows[0].values == {"employee_no": "E001", "name": "", "quota": ""}


def test_xlsx_numbers_dates_and_text_become_text():
    data = xlsx_bytes(
        [
            ["工号", "姓名", "定额", "月份", None, None],
            [1001, "张三", 1200.0, dt.datetime(1956, 3, 1)],
            [1002.0, "李四", 12.5, 20516],
            ["E003", "  王五 ", 0.1, "1956-03"],
        ]
    )
    table = read_table(data, "r.xlsx", COLUMNS)
    assert table.format == "xlsx"
    assert values(table) == [
        (
            2,
            {
                "employee_no": "1001",
                "name": "张三",
                "quota": "1200",
                "month": "1956-03-01",
            },
        ),
        (3, {"employee_no": "1002", "name": "李四", "quota": "12.5", "month": "20516"}),
        (
            4,
            {"employee_no": "E003", "name": "王五", "quota": "0.1", "month": "1956-03"},
        ),
    ]


def test_xlsx_is_recognised_by_content_whatever_its_name():
    data = xlsx_bytes([HEADER, *ROWS])
    assert read_table(data, "roster.csv", COLUMNS).format == "xlsx"


def test_names_with_rare_and_invisible_characters_are_kept_unchanged():
    name = "Zoe\u0301 \u200b𠮷\u202e"
    table = read_table(
        csv_bytes([["employee_no", "name"], ["E1", name]]), "r.csv", COLUMNS
    )
    assert table.rows[0].values["name"] == name.strip()
    assert check_text(name) is None


# --- refusing what should be refused -------------------------------------------


def refused(data, filename="r.csv"):
    with pytest.raises(ImportFileError) as info:
        read_table(data, filename, COLUMNS)
    return info.value.message


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", "\ufeff".encode()])
def test_an_empty_file_is_refused(data):
    assert "empty" in refused(data)


@pytest.mark.parametrize(
    "data",
    [
        csv_bytes([HEADER]),
        csv_bytes([HEADER], "gbk"),
        csv_bytes([HEADER, [",", ","]]).replace(b",,\r\n", b"\r\n,,\r\n"),
        xlsx_bytes([HEADER]),
    ],
    # Named, not by their bytes: an XLSX holds the time it was made, and
    # every pytest-xdist worker must collect the same test ids.
    ids=["csv", "csv-gbk", "csv-blank-rows", "xlsx"],
)
def test_a_file_with_only_headers_is_refused(data):
    assert "no data rows" in refused(data)


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes])
def test_a_missing_column_is_named_in_the_language_of_the_headers(make):
    message = refused(make([["工号", "定额"], ["E001", "1"]]))
    assert "“姓名” (or “name”)" in message
    assert "工号" in message  # the headers found are listed

    message = refused(make([["employee_no", "quota"], ["E001", "1"]]))
    assert "“name” (or “姓名”)" in message


@pytest.mark.parametrize(
    "header",
    [
        ["工号", "姓名", "工号"],
        ["工号", "姓名", "employee_no"],
        ["工号", "姓名", "x", "X"],
    ],
)
def test_a_duplicated_header_is_refused(header):
    message = refused(csv_bytes([header, ["1", "2", "3", "4"]]))
    assert "twice" in message


def test_undecodable_bytes_are_refused():
    # Invalid in UTF-8 and in GB18030 (0x80 and 0xFF are never lead bytes).
    data = "工号,姓名\r\n".encode() + b"E1,\xff\x80\xff\r\n"
    assert "could not be read as text" in refused(data)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200), "roster.csv"),
        (b"\x7fELF\x02\x01\x01" + bytes(200), "roster.csv"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", "roster.csv"),
        (b"\x89PNG\r\n\x1a\n" + bytes(50), "roster.xlsx"),
    ],
)
def test_a_renamed_program_or_picture_is_refused(data, name):
    assert "not a spreadsheet" in refused(data, name)


def test_random_binary_renamed_csv_is_refused():
    data = bytes(range(256)) * 20
    assert "could not be read as text" in refused(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table>",
        "\ufeff<html><head><meta charset=gbk></head>".encode(),
        b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com">',
    ],
)
def test_a_web_page_saved_as_csv_or_xlsx_is_refused(data):
    assert "web page" in refused(data, "roster.csv")
    assert "web page" in refused(data, "roster.xlsx")


def test_binary_named_xlsx_is_refused():
    data = bytes(range(256)) * 20
    assert "named like an Excel workbook" in refused(data, "roster.xlsx")


def test_csv_named_xlsx_is_read_by_its_content():
    table = read_table(csv_bytes([HEADER, *ROWS]), "roster.xlsx", COLUMNS)
    assert table.format == "csv"
    assert len(table.rows) == 2


def test_a_damaged_xls_is_refused_with_advice():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    assert ".xls" in refused(data, "roster.xls")


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "not an Excel workbook" in refused(out.getvalue(), "roster.xlsx")


def test_a_damaged_workbook_is_refused():
    data = xlsx_bytes([HEADER, *ROWS])
    assert "not an Excel workbook" in refused(data[: len(data) // 2], "roster.xlsx")


def test_an_oversized_file_is_refused_before_reading(settings):
    settings.IMPORT_MAX_BYTES = 1000
    data = csv_bytes([HEADER] + [["E1", "张三", "1"]] * 200)
    assert "too large" in refused(data)


def test_a_zip_bomb_is_refused_before_parsing():
    # 300 MB of zeros deflate to about 300 KB.
    bomb = bytes(300 * 1024 * 1024)

    def add_bomb(name, content):
        if name is None:
            return [("xl/media/image1.png", bomb)]
        return content

    data = rewrite_zip(xlsx_bytes([HEADER, *ROWS]), add_bomb)
    assert len(data) < 2 * 1024 * 1024
    assert "zip bomb" in refused(data, "roster.xlsx")


def test_a_workbook_with_too_many_entries_is_refused():
    def add_many(name, content):
        if name is None:
            return [(f"xl/media/{i}.bin", b"") for i in range(1500)]
        return content

    data = rewrite_zip(xlsx_bytes([HEADER, *ROWS]), add_many)
    assert "zip bomb" in refused(data, "roster.xlsx")


# The billion laughs (tests/hostile_files.py): entities nesting ten deep.
ENTITY_BOMB = BILLION_LAUGHS


def test_an_xml_entity_bomb_is_refused():
    def add_entities(name, content):
        if name == "xl/sharedStrings.xml" or name == "xl/worksheets/sheet1.xml":
            return ENTITY_BOMB + content.split(b"?>", 1)[-1]
        return content if name else None

    data = rewrite_zip(xlsx_bytes([HEADER, *ROWS]), add_entities)
    assert "entity" in refused(data, "roster.xlsx")


def test_the_reader_itself_never_expands_entities(monkeypatch):
    # The pre-scan is belt; calamine, which never expands entities, braces.
    from workers.importing import workbooks

    monkeypatch.setattr(workbooks, "_scan_xml", lambda archive, entry, rows: 0)

    def add_entities(name, content):
        if name == "xl/worksheets/sheet1.xml":
            return ENTITY_BOMB + content.split(b"?>", 1)[-1]
        return content if name else None

    data = rewrite_zip(xlsx_bytes([HEADER, *ROWS]), add_entities)
    table = read_table(data, "roster.xlsx", COLUMNS)
    assert [row.values["name"] for row in table.rows] == ["张三", "李四"]


# --- cells ---------------------------------------------------------------------


def test_bad_cells_are_kept_for_the_row_validators_not_file_errors():
    data = csv_bytes([["employee_no", "name"], ["E1", "a\x00b"], ["E3", "a\x07"]])
    table = read_table(data, "r.csv", COLUMNS)
    problems = [check_text(row.values["name"]) for row in table.rows]
    assert "NUL" in problems[0]
    assert "U+0007" in problems[1]


def test_a_cell_over_the_length_limit_refuses_the_file_naming_row_and_column():
    long_name = "长" * (MAX_CELL_CHARS + 1)
    data = csv_bytes([["employee_no", "name"], ["E1", "张三"], ["E2", long_name]])
    message = refused(data)
    assert "Row 3, column B holds 1001 characters" in message
    assert "at most 1000" in message


def test_check_text_allows_tabs_and_line_breaks():
    assert check_text("a\tb\r\nc") is None


def test_importer_check_cells_reports_rows_and_columns():
    table = read_table(
        csv_bytes([["employee_no", "name"], ["E1", "ok"], ["E\x002", "x"]]),
        "r.csv",
        COLUMNS,
    )
    from workers.importing.errors import ImportPlan

    plan = ImportPlan()
    assert Importer().check_cells(table, plan) == {3}
    assert [(e.row, e.column) for e in plan.errors] == [(3, "employee_no")]


def test_failed_rows_csv_has_a_bom_the_users_headers_and_escaped_formulas():
    table = read_table(
        csv_bytes([["工号", "姓名"], ["E1", "=cmd|' /C calc'!A0"], ["E2", "ok"]]),
        "r.csv",
        COLUMNS,
    )
    data = Importer().failed_rows_csv(
        table, [RowError(2, "name", "bad"), RowError(2, None, "worse")]
    )
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,工号,姓名,errors"
    assert lines[1].startswith("2,E1,'=cmd")
    assert "姓名: bad; worse" in lines[1]
    assert len(lines) == 2  # the good row is not in the file


def test_a_formula_in_a_header_is_escaped_in_the_failed_rows_file():
    formula = '=HYPERLINK("http://evil.example/")'
    table = read_table(
        csv_bytes([["工号", formula], ["E1", "张三"]]),
        "r.csv",
        COLUMNS,
        mapping={"name": formula},
    )
    data = Importer().failed_rows_csv(table, [RowError(2, "name", "bad")])
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[2] == "'" + formula


def test_row_error_describes_itself_with_the_users_header():
    table = read_table(csv_bytes([HEADER, *ROWS]), "r.csv", COLUMNS)
    assert RowError(5, "employee_no", "bad").describe(table) == (
        "row 5, column 工号: bad"
    )
    assert RowError(5, None, "bad").describe(table) == "row 5: bad"


# --- values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200", Decimal("1200")),
        (" 12.5 ", Decimal("12.5")),
        ("1,200", Decimal("1200")),
        ("12,345,678.25", Decimal("12345678.25")),
        ("１２００", Decimal("1200")),
        ("１２．５", Decimal("12.5")),
        (".5", Decimal("0.5")),
        ("0", Decimal("0")),
    ],
)
def test_parse_decimal_accepts(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e309",
        "1E3",
        "N/A",
        "12,00",
        "1,2",
        "1.2.3",
        "¥100",
        "100件",
        "50%",
        "٣",
        "--1",
        "1 200",
    ],
)
def test_parse_decimal_refuses_with_a_message_naming_the_text(text):
    with pytest.raises(ValueProblem) as info:
        parse_decimal(text)
    if text:
        assert text in info.value.message


def test_parse_decimal_limits():
    assert attempt(parse_decimal, "-3")[1] is not None
    assert parse_decimal("-3", allow_negative=True) == Decimal("-3")
    assert attempt(parse_decimal, "1.234", decimal_places=2)[1] is not None
    assert parse_decimal("1.230", decimal_places=2) == Decimal("1.23")
    assert attempt(parse_decimal, "12345678901", max_digits=12, decimal_places=2)[1]
    assert parse_decimal("1234567890", max_digits=12, decimal_places=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("是", True),
        ("no", False),
        ("n", False),
        ("False", False),
        ("0", False),
        ("否", False),
        ("", False),
    ],
)
def test_parse_bool(text, expected):
    assert parse_bool(text) is expected


def test_parse_bool_refuses_other_words_and_optionally_blank():
    assert attempt(parse_bool, "maybe")[1] is not None
    assert attempt(parse_bool, "", blank=None)[1] is not None


def test_parse_month_value():
    assert parse_month_value("1956年3月") == dt.date(1956, 3, 1)
    assert parse_month_value("1956-03-01") == dt.date(1956, 3, 1)
    assert parse_month_value("１９５６-０３") == dt.date(1956, 3, 1)
    message = attempt(parse_month_value, "20516")[1]
    assert "Excel date" in message and "YYYY-MM" in message
    assert attempt(parse_month_value, "")[1] is not None
    assert attempt(parse_month_value, "1956-13")[1] is not None


def test_parse_choice_accepts_codes_and_labels_in_both_languages():
    assert parse_choice("中共党员", PoliticalStatus) == "party_member"
    assert parse_choice("probationary member", PoliticalStatus) == (
        "probationary_member"
    )
    assert parse_choice("League Member", PoliticalStatus) == "league_member"
    assert parse_choice("masses", PoliticalStatus) == "masses"
    assert parse_choice("技术落后", Cause) == "technique"
    assert parse_choice("团员", PoliticalStatus, aliases={"团员": "league_member"}) == (
        "league_member"
    )
    message = attempt(parse_choice, "党外人士", PoliticalStatus)[1]
    assert "党外人士" in message and "中共党员" in message


def test_clean_employee_no_normalises_full_width_characters():
    assert clean_employee_no(" Ｅ００１ ") == "E001"
