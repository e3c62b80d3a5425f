"""Reading a workbook (XLSX, XLS, ODS) through python-calamine, after the
zip container's entries, sizes and XML have been checked."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from decimal import Decimal

from django.utils.translation import gettext as _

from workers.importing.limits import (
    HEADER_SEARCH_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    ImportFileError,
    max_rows,
)

_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A row element of a sheet: <row ...> in XLSX, <table:table-row ...> in ODS.
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ODS_ROW = re.compile(rb"<table:table-row[\s>/]")


def zip_format(data: bytes) -> str:
    """ "xlsx" or "ods", after the container's checks; refuses anything else.

    Every entry's declared size and the entry count are checked before one
    byte is inflated; the XML parts are then streamed once, refusing DTDs
    and entities and counting the rows of each sheet, so a file of too many
    rows is refused before the spreadsheet library parses any of it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _not_a_workbook_error() from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _bomb_error()
    # Declared sizes bound what zipfile will inflate (it stops at file_size
    # and fails the CRC check on a lie), so summing them is enough.
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        raise _bomb_error()
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" in names:
        kind, sheets, row = "xlsx", "xl/worksheets/", _XLSX_ROW
    elif "content.xml" in names and _ods_mimetype(archive, names):
        kind, sheets, row = "ods", "content.xml", _ODS_ROW
    else:
        raise _not_a_workbook_error()
    try:
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels")):
                counting = row if entry.filename.startswith(sheets) else None
                rows = _scan_xml(archive, entry, counting)
                if rows > max_rows() + HEADER_SEARCH_ROWS:
                    raise too_many_rows_error(rows)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise _not_a_workbook_error() from exc
    return kind


def _ods_mimetype(archive: zipfile.ZipFile, names: set[str]) -> bool:
    if "mimetype" not in names:
        return False
    return archive.read("mimetype").strip() == _ODS_MIMETYPE


def _scan_xml(archive, entry, row_pattern) -> int:
    """Refuse a DTD or entity in one XML part; count its rows when asked."""
    # The spreadsheet parser never expands entities either; refusing first
    # gives one clear message whichever part of the workbook carries them.
    tail = b""
    rows = 0
    with archive.open(entry) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise _entities_error()
            if row_pattern is not None:
                # Rows wholly inside the tail were counted with the last chunk.
                rows += len(row_pattern.findall(window)) - len(
                    row_pattern.findall(tail)
                )
                if rows > max_rows() + HEADER_SEARCH_ROWS:
                    return rows
            tail = chunk[-24:]
    return rows


def workbook_rows(data: bytes, kind: str):
    """The first sheet's rows as (number, texts), merged cells filled in."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as exc:
        if isinstance(exc, CalamineError) and "password" in str(exc).lower():
            raise _password_error() from exc
        raise _not_a_workbook_error(kind) from exc
    except BaseException as exc:  # a Rust panic surfaces as PanicException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise _not_a_workbook_error(kind) from exc
    if sheet.height > max_rows() + HEADER_SEARCH_ROWS:
        raise too_many_rows_error(sheet.height)
    start = sheet.start or (0, 0)
    first_row, first_col = start
    # Merged cells read as their value: every cell of a range gets the value
    # of its top-left cell (calamine leaves the others empty).
    fill: dict[int, list[tuple[int, int, int]]] = {}
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 1:
            for r in range(r0, r1 + 1):
                fill.setdefault(r, []).append((r0, c0, c1))
    merged_values: dict[tuple[int, int], str] = {}
    for offset, cells in enumerate(sheet.iter_rows()):
        absolute = first_row + offset
        texts = [_cell_text(value) for value in cells]
        if first_col:
            texts = [""] * first_col + texts
        for r0, c0, c1 in fill.get(absolute, ()):
            if absolute == r0:
                merged_values[(r0, c0)] = texts[c0] if c0 < len(texts) else ""
            value = merged_values.get((r0, c0), "")
            if len(texts) <= c1:
                texts.extend([""] * (c1 + 1 - len(texts)))
            for c in range(c0, c1 + 1):
                if not texts[c]:
                    texts[c] = value
        yield absolute + 1, texts


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e16:
            # 1200.0 is how Excel stores 1200; an employee number "1001"
            # typed as a number must not become "1001.0".
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def misnamed_error(filename: str) -> ImportFileError:
    return ImportFileError(
        _(
            "“%(name)s” is named like an Excel workbook but is not one. "
            "Open it in Excel and save it as .xlsx or CSV."
        )
        % {"name": filename}
    )


def _bomb_error() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook unpacks to far more data than a spreadsheet holds "
            "(it may be a “zip bomb”). It was not opened."
        )
    )


def _entities_error() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook contains XML entity declarations, which Excel never "
            "writes; it was refused for safety. Save it again from Excel."
        )
    )


def _password_error() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook is protected by a password. Remove the password "
            "(or save a copy without it) and upload that."
        )
    )


def _not_a_workbook_error(kind: str = "") -> ImportFileError:
    if kind == "xls":
        return ImportFileError(
            _(
                "The file is not an Excel 97–2003 workbook (.xls), or it is "
                "damaged. Open it in Excel or WPS and save it as .xlsx or CSV."
            )
        )
    if kind == "ods":
        return ImportFileError(
            _(
                "The file is not a LibreOffice spreadsheet (.ods), or it is "
                "damaged. Open it in LibreOffice and save it as .ods, .xlsx or CSV."
            )
        )
    return ImportFileError(
        _(
            "The file is not an Excel workbook (.xlsx) or LibreOffice "
            "spreadsheet (.ods), or it is damaged. Open it in Excel and save it "
            "as .xlsx or CSV."
        )
    )


def too_many_rows_error(rows: int | None = None) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s rows, the most one import may "
            "hold. Split it into several files (for example one per workshop "
            "or month)."
        )
        % {"limit": f"{max_rows():,}"}
    )
