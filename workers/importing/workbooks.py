"""Reading a workbook (XLSX, XLS, ODS) through python-calamine, in a limited
child process, after the zip container's entries, sizes and XML have been
checked and its sheets measured."""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
import zlib
from decimal import Decimal

from django.utils.translation import gettext as _

from workers.importing import sheet_extent
from workers.importing.contained import contained_rows
from workers.importing.limits import (
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    ImportFileError,
    too_many_rows_error,
)

__all__ = ["misnamed_error", "too_many_rows_error", "workbook_rows", "zip_format"]

_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def zip_format(data: bytes) -> str:
    """ "xlsx" or "ods", after the container's checks; refuses anything else.

    Every entry's declared size and the entry count are checked before one
    byte is inflated; the XML parts are then streamed once, refusing DTDs
    and entities and measuring each sheet — its rows, and the farthest row
    and column any cell names, which is what the parser will allocate for
    (``sheet_extent``) — so a file too large in any of these is refused
    before the spreadsheet library parses any of it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _not_a_workbook_error() from exc
    refuse_oversized_container(entries)
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" in names:
        kind, sheets, measure = "xlsx", "xl/worksheets/", sheet_extent.XlsxSheet
    elif "content.xml" in names and _ods_mimetype(archive, names):
        kind, sheets, measure = "ods", "content.xml", sheet_extent.OdsContent
    else:
        raise _not_a_workbook_error()
    try:
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels")):
                sheet = measure() if entry.filename.startswith(sheets) else None
                _scan_xml(archive, entry, sheet)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise _not_a_workbook_error() from exc
    return kind


def refuse_oversized_container(entries: list[zipfile.ZipInfo]) -> None:
    """The entry count and the declared sizes, before anything is inflated."""
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _bomb_error()
    # Declared sizes bound what zipfile will inflate (it stops at file_size
    # and fails the CRC check on a lie), so summing them is enough.
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        raise _bomb_error()


def _ods_mimetype(archive: zipfile.ZipFile, names: set[str]) -> bool:
    if "mimetype" not in names:
        return False
    return archive.read("mimetype").strip() == _ODS_MIMETYPE


def _scan_xml(archive, entry, sheet) -> None:
    """Refuse a DTD or entity in one XML part; measure it when it is a sheet."""
    # The spreadsheet parser never expands entities either; refusing first
    # gives one clear message whichever part of the workbook carries them,
    # and keeps expat (which measures ODS sheets) from ever seeing a DTD.
    tail = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise _entities_error()
            if sheet is not None:
                sheet.feed(chunk, window)
            tail = chunk[-64:]
    if sheet is not None:
        sheet.finish()


def workbook_rows(data: bytes, kind: str):
    """The first sheet's rows as (number, texts), merged cells filled in.

    Parsed in a child process with limits (``contained``): whatever the
    file makes the parser do, this process lives on.
    """
    # Imported here, before the fork: the child must not import anything.
    import python_calamine  # noqa: F401

    return contained_rows(functools.partial(_parsed_rows, data, kind))


def _parsed_rows(data: bytes, kind: str):
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
    # An .xls is not measured before parsing (its cells are in BIFF records,
    # not XML): measured now, before its rows are turned into text.
    sheet_extent.refuse_extent(sheet.height, sheet.width)
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
    for offset, cells in enumerate(_rows_or_damaged(sheet, kind)):
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


def _rows_or_damaged(sheet, kind: str):
    """The sheet's rows; a failure while reading one (a Rust panic surfaces
    as PanicException, a BaseException) is a damaged file, not the child's
    death, which the reader would take for the memory limit."""
    rows = iter(sheet.iter_rows())
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            raise _not_a_workbook_error(kind) from exc
        yield cells


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
