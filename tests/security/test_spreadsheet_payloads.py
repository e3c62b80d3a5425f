"""Every download × every formula payload: no cell of any CSV or XLSX export
starts a formula, even when a control character stands before the formula.

The payloads are the characters spreadsheet programs read as the start of a
formula (= + - @, their full-width forms, tab, carriage return), each once
as it is and once behind a \\x01: openpyxl refuses control characters, so
they are dropped, and they must be dropped *before* the cell is escaped, or
the dropping itself uncovers the "=". They are written into every text a
download shows: worker names, trades, units, a workshop's name, a demonstration, a
classification note of an uploaded file.

For an XLSX the sheets' XML is read, not openpyxl's idea of it: a formula is
an <f> element. For a CSV, each cell's first character.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from assistance.models import Demonstration, Measure
from assistance.services import open_case
from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.security.test_access_matrix import URLS
from workers.importing import get_importer
from workers.models import Cause, ImportBatch, ImportStatus, PoliticalStatus
from workers.spreadsheet_safety import safe_cell

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

BODY = 'HYPERLINK("http://evil.example/","x")'
# With the full-width ＝ ＋ － ＠, which some programs (WPS, Excel behind
# some input methods) read as = + - @.
STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PAYLOADS = [start + BODY for start in STARTS] + [
    "\x01" + start + BODY for start in STARTS
]
NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAR = dt.date(1956, 3, 1)


def safe_form(value: str) -> str:
    """What a text must become: control characters gone, then, when it
    starts a formula, one apostrophe in front (the spreadsheet shows text)."""
    text = CONTROL.sub("", value)
    return "'" + text if text[:1] in STARTS else text


@pytest.fixture
def payload_world(world, secretary, helper, other_helper):
    """One worker per payload in the manager's workshop (jg2), each below
    quota with an open case; the payload is their name, trade and unit; the
    workshop's name, a demonstration and an uploaded file carry them too."""
    workshop = world["workshop"]
    workshop.name = "\x01=WORKSHOP()"
    workshop.save()
    volunteer = WorkerFactory(
        name="团员",
        workshop=workshop,
        political_status=PoliticalStatus.LEAGUE_MEMBER,
        employee_no="H9999",
    )
    for n, payload in enumerate(PAYLOADS):
        worker = WorkerFactory(
            name=payload, trade=payload, workshop=workshop, employee_no=f"P{n:03d}"
        )
        ProductionRecordFactory(
            worker=worker,
            month=MAR,
            quota=Decimal(100),
            output=Decimal(50),
            unit=payload[:20],  # the unit column holds 20 characters
        )
        open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.MENTORING,
            helpers=[(helper.worker, other_helper.worker, volunteer)[n % 3]],
            opened_by=secretary,
        )
    Demonstration.objects.create(
        technique=PAYLOADS[6],
        demonstrator=volunteer,
        workshop=workshop,
        date=MAR,
        place=PAYLOADS[0],
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["工号", "月份", "原因", "备注"])
    for n, payload in enumerate(PAYLOADS):
        writer.writerow([f"NOPE{n}", "1956-03", "思想问题", payload])
    content = out.getvalue().encode()
    # The failed rows file is made when the file is planned, as the upload
    # does.
    importer = get_importer("classifications")
    table = importer.read(content, "payloads.csv")
    plan = importer.plan(table, options={})
    world["payload_batch"] = ImportBatch.objects.create(
        kind="classifications",
        filename="payloads.csv",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=secretary,
        status=ImportStatus.PREVIEWED,
        failed_rows=importer.failed_rows_csv(table, plan.errors),
    )
    return world


def _export_urls(w) -> list[str]:
    """Every page of the matrix (the downloads among them are kept), every
    report table in both formats for the factory and the workshop, the
    failed rows of the payload file."""
    month, code = w["month"], w["workshop"].code
    urls = list(URLS(w).values())
    for table in ("workshops", "causes", "trend", "outcomes", "cases"):
        for fmt in ("csv", "xlsx"):
            base = reverse("reports:export", args=[table, fmt])
            urls += [f"{base}?month={month}", f"{base}?month={month}&workshop={code}"]
    for table in ("ranking", "movers", "demonstrations"):
        for fmt in ("csv", "xlsx"):
            base = reverse("reports:export", args=[table, fmt])
            urls.append(f"{base}?month={month}&workshop={code}")
    urls.append(reverse("workers:import_failed_rows", args=[w["payload_batch"].pk]))
    return urls


@pytest.mark.parametrize("start", ["＝", "＋", "－", "＠"])
def test_a_full_width_formula_start_gets_the_apostrophe(start):
    assert safe_cell(start + BODY) == "'" + start + BODY
    assert safe_cell("\x01" + start + BODY) == "'" + start + BODY
    # In the middle of a text it is text.
    assert safe_cell("王" + start + "1") == "王" + start + "1"


def _csv_cells(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _xlsx_sheets(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/")
        }


# Downloads that list the workers by name: every payload must be in them,
# escaped, or the test would pass on a file that left them out.
NAMED = ("ranking.", "cases.", "export.csv", "overview.csv")


def test_no_export_holds_a_formula_for_any_payload(payload_world):
    client = Client()
    client.force_login(get_user_model().objects.get(username="alice"))
    problems, reached = [], set()
    failed_rows = reverse(
        "workers:import_failed_rows", args=[payload_world["payload_batch"].pk]
    )
    for url in _export_urls(payload_world):
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200:
            continue
        if content_type.startswith("text/csv"):
            body = response.content
            cells = _csv_cells(body)
            for cell in cells:
                if cell[:1] in STARTS and not NUMBER.match(cell):
                    problems.append(f"{url}: cell {cell!r}")
        elif "spreadsheetml" in content_type:
            sheets = _xlsx_sheets(response.content)
            for name, xml in sheets.items():
                if re.search(r"<f[\s>/]", xml):
                    problems.append(f"{url}: a formula in {name}")
            cells = ["".join(sheets.values())]
        else:
            continue
        reached.add(url.split("?")[0])
        text = "\n".join(cells)
        if CONTROL.search(text):
            problems.append(f"{url}: a control character was kept")
        expected = []
        if any(marker in url for marker in NAMED):
            expected = [safe_form(p) for p in PAYLOADS]
        elif url.endswith(failed_rows):
            # The importer reads cells without their surrounding white space.
            expected = [safe_form(p.strip()) for p in PAYLOADS]
        if expected:
            missing = [e for e in expected if _escaped_in(e, cells, content_type)]
            if missing:
                problems.append(f"{url}: payloads missing: {missing!r}")
    assert not problems, "\n".join(problems)
    # Every kind of download was reached: the report tables, the case list's
    # and the overview's CSV, the failed rows of an import.
    routes = {path.rsplit("/", 1)[-1] for path in reached}
    assert {"cases.csv", "cases.xlsx", "ranking.xlsx", "movers.xlsx"} <= routes
    assert {"export.csv", "overview.csv", "failed-rows.csv"} <= routes


def _escaped_in(expected: str, cells: list[str], content_type: str) -> bool:
    """True when the escaped payload is *missing*."""
    if content_type.startswith("text/csv"):
        return expected not in cells
    # In the sheet XML the text is XML-escaped; a CR is written as is or as
    # the _x000D_ escape of OOXML.
    xml = cells[0]
    candidates = {
        expected.replace("&", "&amp;").replace('"', "&quot;"),
        expected.replace("&", "&amp;"),
        expected.replace("\r", "_x000D_").replace('"', "&quot;"),
        expected.replace("\r", "_x000D_"),
    }
    return not any(candidate in xml for candidate in candidates)
