"""CSV and XLSX downloads, safe to open in a spreadsheet.

escape_cell() is the one place where cells are guarded against formula
injection (a worker named "=HYPERLINK(...)" must not become a live formula on
the secretary's machine); every export of the project should pass its cells
through it, or use csv_response()/xlsx_response(), which do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What spreadsheet programs read as the start of a formula (OWASP "CSV
# injection"), plus tab and carriage return, which some of them skip first.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_cell(value):
    """A cell value that no spreadsheet will run as a formula.

    Text that begins with = + - @, a tab or a carriage return gets a leading
    apostrophe; numbers (int, float, Decimal), dates and booleans are
    returned unchanged so they stay numbers; None becomes "". Lazy
    translations are turned into text first.
    """
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_response(
    filename: str, header: Sequence, rows: Iterable[Sequence]
) -> HttpResponse:
    """UTF-8 with a BOM: what Chinese Excel needs to read the names right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_value(value):
    value = escape_cell(value)
    if isinstance(value, str):
        # openpyxl refuses control characters (IllegalCharacterError), and a
        # name pasted from a spreadsheet may hold one: dropped, not a 500.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
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
