"""CSV and XLSX downloads, safe to open in a spreadsheet.

Every cell goes through workers.spreadsheet_safety.safe_cell, the project's
one rule against formula injection (a worker named "=HYPERLINK(...)" must not
become a live formula on the secretary's machine).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook

from workers.spreadsheet_safety import safe_cell

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
