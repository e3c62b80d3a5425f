"""Bad input, all of it: one test per class, through the
planning API, the import commands and the upload pages.

Every test checks the same three things: a clear message (asked for in
English, so it is the translated string, not a code) naming the row and the
column where there is one; nothing saved; never a 500.

Already covered by the roster/records/classification helpers and not
repeated here (a test below only adds the path they did not take):

- tests/workers/test_import_tables.py — missing column named in the headers'
  language, duplicated header, unknown columns ignored, empty and
  header-only files, delimiter sniffing (, ; tab), NUL and long cells kept
  for the row validators, renamed programs/pictures/web pages/binaries,
  old .xls, damaged workbooks, oversized file, zip bomb, too many zip
  entries, XML entity bomb (pre-scan and defusedxml), rare and invisible
  characters kept at table level, parse_decimal's whole policy (NaN, inf,
  1e309, N/A, 1,200, full-width digits…), parse_month_value (Excel serials);
- tests/workers/test_import_records.py — every records row error (-5 quota,
  NaN/inf/1e309 output, 1956-13, future month, Excel serial as text,
  unknown and inactive worker), the same worker-month twice, full-width
  numbers, one bad row among a hundred saves nothing;
- tests/workers/test_import_roster.py / test_import_classifications.py —
  their row errors, duplicates, rare characters stored unchanged;
- tests/workers/test_import_views.py — file-level problems on the upload
  form, oversized upload, row errors cannot be confirmed, confirm twice
  imports once (sequential double click);
- tests/workers/test_records_entry.py — the entry grid's bad numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from assistance.models import AssistanceCase, CaseEvent, Measure
from assistance.services import classify, open_case
from tests.conftest import in_english
from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.hostile_files import BILLION_LAUGHS
from tests.spreadsheets import xlsx_bytes
from workers.importing import get_importer
from workers.models import (
    Cause,
    ImportBatch,
    ImportStatus,
    ProductionRecord,
    ShortfallClassification,
    Worker,
    Workshop,
)
from workers.months import add_months, current_month, month_label

pytestmark = pytest.mark.django_db

RECORDS_HEADER = "工号,月份,定额,实际完成"
ROSTER_HEADER = "工号,姓名,车间,工种,政治面貌,积极分子"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def crew(workshop, other_workshop):
    """T001–T003 in jg2 (the manager's workshop), Z001 in zz."""
    workers = [
        WorkerFactory(employee_no=f"T00{i}", name=f"工人{i}", workshop=workshop)
        for i in (1, 2, 3)
    ]
    workers.append(WorkerFactory(employee_no="Z001", workshop=other_workshop))
    return workers


def csv_bytes(*lines: str, encoding="utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


class Saved:
    """What is in the database, to prove that nothing changed."""

    def __init__(self):
        self.before = self.now()

    @staticmethod
    def now():
        return (
            Worker.objects.count(),
            ProductionRecord.objects.count(),
            ShortfallClassification.objects.count(),
        )

    def unchanged(self) -> bool:
        return self.now() == self.before


def plan(kind: str, data: bytes, filename: str = "file.csv"):
    """(table, plan, messages): the planning API, messages as the user reads
    them ("row 3, column 实际完成: …")."""
    importer = get_importer(kind)
    table = importer.read(data, filename)
    result = importer.plan(table, options={})
    return table, result, [error.describe(table) for error in result.errors]


def command_error(name: str, tmp_path, data: bytes, filename="file.csv") -> str:
    """Run an import command that must fail; its stderr and error text."""
    path = tmp_path / filename
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(name, str(path), stderr=err)
    return err.getvalue() + "\n" + str(info.value)


def upload(client, kind: str, data: bytes, name: str = "file.csv", **fields):
    in_english(client)
    response = client.post(
        reverse("workers:import_upload", args=[kind]),
        {"file": SimpleUploadedFile(name, data), **fields},
    )
    assert response.status_code == 200
    return response


def form_error(response) -> str:
    return " ".join(response.context["form"].errors["file"])


def page_errors(response) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in response.context["errors"]]


@pytest.fixture(autouse=True)
def _english_terminal(monkeypatch):
    # The import commands speak the terminal's language.
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")


# --- headers ---------------------------------------------------------------


def test_a_renamed_header_asks_to_match_columns_on_the_upload_page(
    secretary_client, crew
):
    saved = Saved()
    data = csv_bytes("编号,月份,定额,实际完成", "T001,1956-03,100,90")
    response = upload(secretary_client, "records", data)
    form = response.context["mapping_form"]
    # The file's headers are offered, the likely one preselected.
    assert [choice for choice, _label in form.fields["employee_no"].choices] == [
        "",
        "编号",
    ]
    assert form["employee_no"].value() == "编号"
    assert ImportBatch.objects.get().status == ImportStatus.MAPPING
    assert saved.unchanged()


def test_a_missing_header_through_the_command(crew, tmp_path):
    saved = Saved()
    text = command_error(
        "import_records",
        tmp_path,
        csv_bytes("employee_no,month,output", "T001,1956-03,90"),
    )
    assert "“quota” (or “定额”)" in text
    assert saved.unchanged()


def test_a_duplicated_header_on_the_upload_page(secretary_client, crew):
    saved = Saved()
    data = csv_bytes(RECORDS_HEADER + ",定额", "T001,1956-03,100,90,100")
    message = form_error(upload(secretary_client, "records", data))
    assert "same column twice" in message and "“定额”" in message
    assert saved.unchanged()


def test_extra_columns_are_ignored_and_named_on_the_preview(secretary_client, crew):
    data = csv_bytes(RECORDS_HEADER + ",备注,签名", "T001,1956-03,100,90,好,王")
    response = upload(secretary_client, "records", data)
    assert response.context["ignored_columns"] == ["备注", "签名"]
    assert "备注, 签名" in response.content.decode()
    assert not ProductionRecord.objects.exists()  # a preview saves nothing


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "empty"),
        (csv_bytes(RECORDS_HEADER), "no data rows"),
        (csv_bytes(RECORDS_HEADER, ",,,", ""), "no data rows"),
    ],
)
def test_empty_and_header_only_files_through_the_command(crew, tmp_path, data, words):
    saved = Saved()
    assert words in command_error("import_records", tmp_path, data)
    assert saved.unchanged()


def test_a_header_only_workbook_on_the_upload_page(secretary_client, crew):
    data = xlsx_bytes([RECORDS_HEADER.split(",")])
    message = form_error(upload(secretary_client, "records", data, "r.xlsx"))
    assert "no data rows" in message


# --- numbers: the policy of workers/importing/values.py -----------------------


@pytest.mark.parametrize(
    ("output", "stored", "words"),
    [
        ("-5", None, "“-5” is negative"),
        ("NaN", None, "“NaN” is not a number"),
        ("1e309", None, "“1e309” is not a number"),
        ("N/A", None, "“N/A” is not a number"),
        ("12,5", None, "“12,5” is not a number"),  # a decimal comma
        ("1,200", Decimal("1200"), None),  # thousands separators
        ("１２０", Decimal("120"), None),  # full-width digits (NFKC)
        ("１２０．５", Decimal("120.5"), None),
        (" 90 ", Decimal("90"), None),
    ],
)
def test_numbers_follow_the_documented_policy(crew, output, stored, words):
    saved = Saved()
    data = csv_bytes(
        RECORDS_HEADER, "T001,1956-03,100,90", f'T002,1956-03,100,"{output}"'
    )
    _table, result, messages = plan("records", data)
    if stored is None:
        assert len(messages) == 1, messages
        assert messages[0].startswith("row 3, column 实际完成: ")
        assert words in messages[0]
        assert saved.unchanged()
    else:
        assert messages == []
        get_importer("records").apply(result, user=None)
        assert ProductionRecord.objects.get(worker=crew[1]).output == stored


def test_a_bad_number_is_listed_on_the_preview_and_cannot_be_confirmed(
    secretary_client, crew
):
    saved = Saved()
    data = csv_bytes(RECORDS_HEADER, "T001,1956-03,100,90", "T002,1956-03,100,N/A")
    response = upload(secretary_client, "records", data)
    assert page_errors(response) == [
        (3, "实际完成", "“N/A” is not a number (write digits, e.g. 1200 or 12.5)")
    ]
    assert not response.context["may_confirm"]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    confirm = secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    assert confirm.status_code == 302
    assert saved.unchanged()


def test_numbers_in_a_workbook_that_are_not_numbers(crew):
    """An XLSX cell holding a float NaN/inf or text is refused like text."""
    data = xlsx_bytes(
        [
            RECORDS_HEADER.split(","),
            ["T001", "1956-03", 100, float("inf")],
            ["T002", "1956-03", "N/A", 90],
            ["T003", "1956-03", 100, 95.5],
        ]
    )
    _table, _result, messages = plan("records", data, "r.xlsx")
    assert [m.split(":")[0] for m in messages] == [
        "row 2, column 实际完成",
        "row 3, column 定额",
    ]


# --- months ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "words"),
    [
        ("2024-13", "“2024-13” is not a month"),
        ("2024-02-30", "“2024-02-30” is not a month"),
        ("1956-00", "“1956-00” is not a month"),
        ("0000-01", "“0000-01” is not a month"),
        ("三月", "“三月” is not a month"),
        ("20516", "looks like an Excel date number"),
        ("20516.5", "looks like an Excel date number"),
        ("9999-12", "is in the future"),
    ],
)
@pytest.mark.parametrize("kind", ["records", "classifications"])
def test_bad_months_name_row_and_column(crew, kind, month, words):
    saved = Saved()
    if kind == "records":
        data = csv_bytes(RECORDS_HEADER, f"T001,{month},100,90")
    else:
        data = csv_bytes("工号,月份,原因", f"T001,{month},技术落后")
    _table, _result, messages = plan(kind, data)
    if kind == "classifications" and month == "9999-12":
        # A classification explains a record; whether a future one is
        # refused as such or for lack of a record, it is refused.
        assert messages and messages[0].startswith("row 2")
    else:
        assert len(messages) == 1
        assert messages[0].startswith("row 2, column 月份: ")
        assert words in messages[0]
    assert saved.unchanged()


def test_next_month_is_the_future_in_a_workbook_date_cell(crew):
    """A real date cell (what Excel writes for a date) is read as its month;
    next month is still refused."""
    next_month = add_months(current_month(), 1)
    data = xlsx_bytes(
        [
            RECORDS_HEADER.split(","),
            ["T001", dt.datetime.combine(next_month, dt.time()), 100, 90],
        ]
    )
    _table, _result, messages = plan("records", data, "r.xlsx")
    # Months in the message read as the reader writes them (month_label).
    assert messages == [
        f"row 2, column 月份: {month_label(next_month)} is in the future: records "
        f"can only be given up to {month_label(add_months(next_month, -1))}."
    ]


def test_an_excel_serial_number_cell_is_refused_with_advice(crew):
    """A month column that lost its date format holds numbers like 20516."""
    data = xlsx_bytes([RECORDS_HEADER.split(","), ["T001", 20516, 100, 90]])
    _table, _result, messages = plan("records", data, "r.xlsx")
    assert len(messages) == 1
    assert messages[0].startswith("row 2, column 月份: “20516” looks like an Excel")
    assert "format the column as text" in messages[0]


# --- unknown workers, another workshop -------------------------------------------


def test_an_unknown_worker_through_the_upload_page(secretary_client, crew):
    saved = Saved()
    data = csv_bytes(RECORDS_HEADER, "T001,1956-03,100,90", "X999,1956-03,100,90")
    errors = page_errors(upload(secretary_client, "records", data))
    assert errors == [
        (3, "工号", "no worker has the employee number “X999”"),
    ]
    assert saved.unchanged()


def _grid(client, workshop_code="jg2", month="1956-03"):
    url = reverse("workers:records_entry") + f"?workshop={workshop_code}&month={month}"
    return url, in_english(client).get(url)


def _grid_data(response, rows: dict[int, dict]):
    formset = response.context["formset"]
    data = {
        f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
        f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
        f"{formset.prefix}-MIN_NUM_FORMS": "0",
        f"{formset.prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, form in enumerate(formset.forms):
        values = {
            name: form[name].value() if form[name].value() is not None else ""
            for name in ("worker_id", "version", "quota", "output", "unit")
        }
        values.update(rows.get(index, {}))
        for name, value in values.items():
            data[f"{form.prefix}-{name}"] = str(value)
    return data


def test_the_entry_grid_refuses_a_worker_of_another_workshop(secretary_client, crew):
    """A forged grid row for Z001 (workshop zz) in jg2's grid saves nothing,
    not even the honest rows."""
    saved = Saved()
    url, page = _grid(secretary_client)
    data = _grid_data(
        page,
        {
            0: {"quota": "100", "output": "90"},
            1: {"worker_id": crew[3].pk, "quota": "100", "output": "10"},
        },
    )
    response = secretary_client.post(url, data)
    assert response.status_code == 200
    # The grid's rows must be the workshop's workers, in order: a forged
    # row reads as "the list changed", and the user is asked to reopen it.
    assert "list of workers changed" in response.content.decode()
    assert saved.unchanged()


def test_the_entry_grid_refuses_an_unknown_worker_id(secretary_client, crew):
    saved = Saved()
    url, page = _grid(secretary_client)
    data = _grid_data(page, {0: {"worker_id": "999999", "quota": "1", "output": "1"}})
    response = secretary_client.post(url, data)
    assert response.status_code == 200
    assert saved.unchanged()


@pytest.mark.parametrize("value", ["1e309", "N/A", "１２０", "1,200", "\x00", "9" * 40])
def test_the_entry_grid_never_fails_on_odd_numbers(secretary_client, crew, value):
    """The grid is a form, not an import: whatever it accepts it must store
    exactly, whatever it refuses it must say so on the field."""
    url, page = _grid(secretary_client)
    response = secretary_client.post(
        url, _grid_data(page, {0: {"quota": "100", "output": value}})
    )
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        stored = ProductionRecord.objects.get(worker=crew[0]).output
        assert stored == Decimal(
            value.replace(",", "").translate(
                str.maketrans("０１２３４５６７８９", "0123456789")
            )
        )
    else:
        assert response.context["rows"][0]["form"].errors["output"]
        assert not ProductionRecord.objects.exists()


# --- names: unusual characters, markup, formulas -----------------------------------

NAMES = {
    "R001": "𠀀明",  # outside the BMP (4 bytes in UTF-8)
    "R002": "e\u0301方",  # a combining acute accent
    "R003": "王\u200b五",  # a zero-width space
    "R004": "\u202e五王\u202c",  # bidi override and pop
    "R005": "<script>alert(1)</script>&amp;",  # markup
    "R006": "=1+1",  # a formula
    "R007": "@SUM(A1)",
}


def _roster(names=NAMES) -> bytes:
    lines = [ROSTER_HEADER] + [
        f'{number},"{name}",jg2,车工,群众,否' for number, name in names.items()
    ]
    return csv_bytes(*lines)


def test_unusual_names_are_stored_and_shown_unchanged_and_escaped(
    secretary_client, crew
):
    response = upload(secretary_client, "workers", _roster(), "roster.csv")
    batch = ImportBatch.objects.get()
    assert response.context["may_confirm"], page_errors(response)
    secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    stored = dict(
        Worker.objects.filter(employee_no__startswith="R").values_list(
            "employee_no", "name"
        )
    )
    assert stored == NAMES
    page = secretary_client.get(reverse("workers:worker_list") + "?q=&sort=employee_no")
    html = page.content.decode()
    for number in ("R001", "R002", "R003", "R004"):
        assert NAMES[number] in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in html
    assert "=1+1" in html
    detail = secretary_client.get(
        Worker.objects.get(employee_no="R005").get_absolute_url()
    ).content.decode()
    assert "<script>alert(1)" not in detail


def test_a_formula_name_is_stored_as_text_and_escaped_in_downloads(
    secretary_client, crew
):
    get_importer("workers").apply(plan("workers", _roster())[1], user=None)
    worker = Worker.objects.get(employee_no="R006")
    ProductionRecordFactory(
        worker=worker, month=dt.date(1956, 3, 1), quota=Decimal(100), output=Decimal(50)
    )
    response = secretary_client.get(
        reverse("reports:export", args=["ranking", "csv"])
        + "?month=1956-03&workshop=jg2"
    )
    text = response.content.decode("utf-8-sig")
    assert "'=1+1" in text
    assert ",=1+1" not in text


def test_a_formula_cell_in_a_workbook_is_not_run(crew):
    """openpyxl writes "=1+1" as a formula with no cached value; the importer
    reads values only (data_only), so the name is empty: a row error, never
    the formula's text or a computed value passed off as a name."""
    rows = [ROSTER_HEADER.split(","), ["R010", "=1+1", "jg2", "车工", "群众", "否"]]
    _table, _result, messages = plan("workers", xlsx_bytes(rows), "r.xlsx")
    assert len(messages) == 1
    assert messages[0].startswith("row 2, column 姓名: ")


# --- damaged cells ------------------------------------------------------------------


def test_a_nul_byte_is_a_row_error_on_the_upload_page(secretary_client, crew):
    saved = Saved()
    data = _roster({"R001": "王\x00五", "R002": "李四"})
    errors = page_errors(upload(secretary_client, "workers", data))
    assert errors == [(2, "姓名", "contains a NUL character (the file may be damaged)")]
    assert saved.unchanged()


def test_a_control_character_is_a_row_error(crew):
    _table, _result, messages = plan("workers", _roster({"R001": "王\x07五"}))
    assert messages == ["row 2, column 姓名: contains the control character U+0007"]


def test_a_one_megabyte_cell_refuses_the_file_on_the_upload_page(
    secretary_client, crew
):
    saved = Saved()
    data = (
        csv_bytes(RECORDS_HEADER)
        + ("T002,1956-03," + "1" * 1_000_000 + ",90\r\n").encode()
    )
    message = form_error(upload(secretary_client, "records", data))
    assert "Row 2, column C holds 1000000 characters" in message
    assert not ImportBatch.objects.exists()
    assert saved.unchanged()


# --- whole files ------------------------------------------------------------------


def test_a_file_over_the_limit_through_the_command(crew, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1000
    saved = Saved()
    data = csv_bytes(RECORDS_HEADER, *["T001,1956-03,100,90"] * 100)
    assert "too large" in command_error("import_records", tmp_path, data)
    assert saved.unchanged()


def _zip_with(extra: dict[str, bytes], base: bytes | None = None) -> bytes:
    base = base or xlsx_bytes([RECORDS_HEADER.split(","), ["T001", "1956-03", 100, 90]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, extra.pop(item.filename, content))
        for name, content in extra.items():
            target.writestr(name, content)
    return out.getvalue()


def test_a_zip_bomb_on_the_upload_page(secretary_client, crew):
    bomb = _zip_with({"xl/media/image1.png": bytes(250 * 1024 * 1024)})
    assert len(bomb) < 2 * 1024 * 1024
    message = form_error(upload(secretary_client, "records", bomb, "r.xlsx"))
    assert "zip bomb" in message
    assert not ImportBatch.objects.exists()


def test_an_xml_entity_bomb_on_the_upload_page(secretary_client, crew):
    lol = (
        BILLION_LAUGHS
        + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&lol9;</t></si></sst>"
    )
    bomb = _zip_with({"xl/sharedStrings.xml": lol})
    message = form_error(upload(secretary_client, "records", bomb, "r.xlsx"))
    assert "entity" in message
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"<!DOCTYPE html><html><body>roster</body></html>", "r.csv", "web page"),
        (b"\x7fELF\x02\x01\x01" + bytes(500), "r.xlsx", "not a spreadsheet"),
        (b"MZ\x90\x00" + bytes(500), "r.csv", "not a spreadsheet"),
        (b"PK\x03\x04" + bytes(100), "r.xlsx", "not an Excel workbook"),
    ],
)
def test_a_renamed_file_through_the_command(crew, tmp_path, data, filename, words):
    saved = Saved()
    assert words in command_error("import_records", tmp_path, data, filename)
    assert saved.unchanged()


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_import(crew, tmp_path, delimiter):
    lines = [
        RECORDS_HEADER.replace(",", delimiter),
        delimiter.join(["T001", "1956-03", "100", "120"]),
        delimiter.join(["T002", "1956-03", "1,200", "1,150.5"]),
    ]
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes(*lines, encoding="gb18030"))
    call_command("import_records", str(path), stdout=io.StringIO())
    outputs = dict(
        ProductionRecord.objects.values_list("worker__employee_no", "output")
    )
    assert outputs == {"T001": Decimal("120"), "T002": Decimal("1150.5")}


def test_a_decimal_comma_in_a_semicolon_file_is_refused_not_misread(crew):
    """12,5 in a European file is twelve and a half, not 125: refused."""
    data = csv_bytes("工号;月份;定额;实际完成", "T001;1956-03;100;12,5")
    _table, _result, messages = plan("records", data)
    assert messages == [
        "row 2, column 实际完成: “12,5” is not a number (write digits, e.g. 1200 "
        "or 12.5)"
    ]


def test_the_same_file_confirmed_twice_at_once_imports_once(secretary_client, crew):
    """Two confirms of one batch (a double click that got past the page's
    script, or two tabs): one import, the second says so, and the records'
    history shows one write per record. (The browser's double click on the
    confirm button: tests/e2e/test_journeys.py.)"""
    data = csv_bytes(RECORDS_HEADER, "T001,1956-03,100,90", "T002,1956-03,100,80")
    upload(secretary_client, "records", data)
    batch = ImportBatch.objects.get()
    url = reverse("workers:import_confirm", args=[batch.pk])
    first = secretary_client.post(url, follow=True)
    second = secretary_client.post(url, follow=True)
    assert first.status_code == second.status_code == 200
    assert "already been dealt with" in second.content.decode()
    assert ProductionRecord.objects.count() == 2
    assert ProductionRecord.history.count() == 2


# --- ids past what a database key can hold ---------------------------------------

# SQLite refuses an integer past 2^63 - 1 with an OverflowError, PostgreSQL
# with "out of range for type bigint": each was a 500 wherever an id posted
# or asked for reached a query.
HUGE_IDS = [str(2**63), str(2**64)]
FEB, MAR = dt.date(1956, 2, 1), dt.date(1956, 3, 1)


@pytest.fixture
def ticks(workshop, helper, other_helper, secretary):
    """Something for every bulk form to tick: a case whose worker reached
    quota in March, a worker classified in March without a case."""
    met = WorkerFactory(workshop=workshop)
    ProductionRecordFactory(worker=met, month=FEB, output=80)
    ProductionRecordFactory(worker=met, month=MAR, output=120)
    case = open_case(
        worker=met,
        month=FEB,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    waiting = WorkerFactory(workshop=workshop)
    ProductionRecordFactory(worker=waiting, month=FEB, output=80)
    ProductionRecordFactory(worker=waiting, month=MAR, output=80)
    classify(worker=waiting, month=FEB, cause=Cause.FAMILY, note="", by=secretary)
    classify(worker=waiting, month=MAR, cause=Cause.FAMILY, note="", by=secretary)
    return SimpleNamespace(
        case=case,
        waiting=waiting,
        helper=helper.worker,
        other_helper=other_helper.worker,
        workshop=workshop,
    )


def _open_rows(worker, helper, **override) -> dict:
    """The bulk opening page's formset, one row."""
    return {
        "month": "1956-03",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-worker": worker,
        "form-0-cause": Cause.FAMILY,
        "form-0-measure": Measure.HARDSHIP_AID,
        "form-0-helpers": [helper],
    } | override


# name: (method, url, data), each a function of the ticks and the huge id.
ID_ROUTES = {
    "bulk close, case": (
        "post",
        lambda t, x: reverse("assistance:case_list") + "?status=reached_quota",
        lambda t, x: {"case": [x], f"version-{x}": "1"},
    ),
    "bulk close, version": (
        "post",
        lambda t, x: reverse("assistance:case_list") + "?status=reached_quota",
        lambda t, x: {"case": [t.case.pk], f"version-{t.case.pk}": x},
    ),
    "classify as last month, worker": (
        "post",
        lambda t, x: reverse("assistance:classify_as_last_month"),
        lambda t, x: {
            "month": "1956-03",
            "workshop": t.workshop.pk,
            "worker": [x],
            f"cause-{x}": Cause.FAMILY,
            f"version-{x}": "0",
        },
    ),
    "classify as last month, workshop": (
        "post",
        lambda t, x: reverse("assistance:classify_as_last_month"),
        lambda t, x: {"month": "1956-03", "workshop": x},
    ),
    "one helper, worker": (
        "post",
        lambda t, x: reverse("assistance:cases_open_with_helper"),
        lambda t, x: {
            "month": "1956-03",
            "helper": t.helper.pk,
            "worker": [x],
            f"version-{x}": "1",
        },
    ),
    "one helper, helper": (
        "post",
        lambda t, x: reverse("assistance:cases_open_with_helper"),
        lambda t, x: {
            "month": "1956-03",
            "helper": x,
            "worker": [t.waiting.pk],
            f"version-{t.waiting.pk}": "1",
        },
    ),
    "one helper page, worker": (
        "get",
        lambda t, x: reverse("assistance:cases_open_with_helper"),
        lambda t, x: {"month": "1956-03", "worker": [x]},
    ),
    "move, case": (
        "post",
        lambda t, x: reverse("assistance:helper_move_cases", args=[t.helper.pk]),
        lambda t, x: {"to_helper": t.other_helper.pk, "case": [x]},
    ),
    "move, new helper": (
        "post",
        lambda t, x: reverse("assistance:helper_move_cases", args=[t.helper.pk]),
        lambda t, x: {
            "to_helper": x,
            "case": [t.case.pk],
            f"version-{t.case.pk}": t.case.version,
        },
    ),
    "move page, helper": (
        "get",
        lambda t, x: reverse("assistance:helper_move_cases", args=[x]),
        lambda t, x: {},
    ),
    "open page, worker": (
        "get",
        lambda t, x: reverse("assistance:cases_open"),
        lambda t, x: {"month": "1956-03", "worker": [x]},
    ),
    "open, worker": (
        "post",
        lambda t, x: reverse("assistance:cases_open"),
        lambda t, x: _open_rows(x, t.helper.pk),
    ),
    "open, helpers": (
        "post",
        lambda t, x: reverse("assistance:cases_open"),
        lambda t, x: _open_rows(t.waiting.pk, x),
    ),
    "workshop, managers": (
        "post",
        lambda t, x: reverse("workers:workshop_edit", args=[t.workshop.pk]),
        lambda t, x: {"code": t.workshop.code, "name": "改名", "managers": [x]},
    ),
    "case page": (
        "get",
        lambda t, x: reverse("assistance:case_detail", args=[x]),
        lambda t, x: {},
    ),
}


def _state():
    return (
        list(AssistanceCase.objects.values_list("pk", "status", "version")),
        CaseEvent.objects.count(),
        list(ShortfallClassification.objects.values_list("pk", "cause", "version")),
        list(Workshop.objects.values_list("pk", "name", "managers")),
    )


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_past_the_databases_range_is_refused_not_a_500(
    secretary, ticks, route, huge
):
    method, url, data = ID_ROUTES[route]
    client = Client(raise_request_exception=False)
    client.force_login(secretary)
    before = _state()
    response = getattr(client, method)(url(ticks, huge), data(ticks, huge))
    assert response.status_code in (200, 302, 400, 404)
    assert _state() == before
