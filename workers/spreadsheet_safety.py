"""Cells that are safe to open in a spreadsheet — the one rule, for every app
— and the CSV and XLSX downloads built from them.

Every CSV and XLSX the project writes (the report downloads, the case lists,
an import's failed rows, ``movement_report --format csv``) passes each cell
through safe_cell(). It lives on the ground floor so that workers,
assistance and factory all use the same function.

A worker named "=HYPERLINK(...)" must not become a live formula on the
secretary's machine (OWASP "CSV injection"). The order matters: control
characters are dropped *first* (openpyxl refuses them in an XLSX, and some
programs skip them), and only then is the text checked for a formula start.
The other way round, "\\x01=HYPERLINK(...)" passes the check and the dropping
uncovers the "=".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook

# What spreadsheet programs read as the start of a formula, plus tab and
# carriage return, which some of them skip before looking, and the
# full-width ＝ ＋ － ＠, which some read as = + - @ (WPS; Excel behind some
# input methods).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# Control characters an XLSX cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE:
# C0 controls except tab, line feed and carriage return, which are text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """A cell value that no spreadsheet will run as a formula.

    Text loses its control characters, then gets a leading apostrophe when
    it begins with = + - @ (or their full-width forms), a tab or a carriage
    return. Numbers (int, float,
    Decimal), dates and booleans are returned unchanged so they stay numbers
    (a negative number is no formula); None becomes ""; lazy translations
    become text.
    """
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


# --- downloads ----------------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(
    filename: str, header: Sequence, rows: Iterable[Sequence]
) -> HttpResponse:
    """UTF-8 with a BOM: what Chinese Excel needs to read the names right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_value(value):
    # safe_cell also drops the control characters openpyxl refuses
    # (IllegalCharacterError): a name pasted from a spreadsheet may hold one.
    value = safe_cell(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones: write the wall-clock time.
        return value.replace(tzinfo=None)
    return value


def xlsx_response(
    filename: str, title: str, header: Sequence, rows: Iterable[Sequence]
) -> HttpResponse:
    """One sheet, written with openpyxl's write-only mode (constant memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([_xlsx_value(cell) for cell in header])
    for row in rows:
        sheet.append([_xlsx_value(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Sheet"


def export_response(
    fmt: str, filename: str, title: str, header: Sequence, rows: Iterable[Sequence]
) -> HttpResponse:
    if fmt == "xlsx":
        return xlsx_response(filename, title, header, rows)
    return csv_response(filename, header, rows)
