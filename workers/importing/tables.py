"""From uploaded bytes to a table of text cells, refusing what is not a table.

Everything a user can upload lands here first, so this module trusts nothing:
the size, the real content (not the file name's extension), the zip container
of an XLSX or ODS (entry count and uncompressed size, checked before any
parsing), the XML inside it (DTDs and entities refused, rows counted) and the
limits on rows, columns and a cell's length (each refused as soon as it is
passed) are all checked, and every refusal is an ``ImportFileError`` with a
translated message that says what to do. Workbooks (.xlsx, .xls, .ods) are
read by python-calamine; CSV by the standard library.

The header is the first row, within the first ``HEADER_SEARCH_ROWS``, that
holds the required columns (by their spellings, or by the column mapping the
user confirmed); rows above it, blank rows and totals rows are skipped and
listed on ``Table.skipped``. A bad *cell* is never a file error: the text is
kept and the importer's validators report it against its row (see
``check_text``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

# A real workbook unpacks to a few MB; these bound what a hostile one may ask
# the server to inflate (a "zip bomb") before a single byte is parsed.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
# The limits of a file, each refused as soon as it is passed. The row limit
# is a setting (IMPORT_MAX_ROWS, default 200,000 data rows).
MAX_COLUMNS = 200
MAX_CELL_CHARS = 1_000
# The header is looked for in the first rows of the sheet (title rows above).
HEADER_SEARCH_ROWS = 20
# A totals row names itself in its first cells.
TOTALS_WORDS = ("合计", "总计", "小计", "共计", "总数", "total", "subtotal", "sum")
# Progress is reported every this many rows read.
PROGRESS_EVERY = 5000

ZIP_SIGNATURE = b"PK\x03\x04"
# Formats people upload by mistake, recognised by their first bytes, with the
# words used to name them in the error message.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"MZ", "binary"),
    (b"\x7fELF", "binary"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"\x1f\x8b", "archive"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf", "archive"),
]
_DELIMITERS = (",", ";", "\t")
# Spaces anywhere in a header are ignored: "employee no" and " 工 号" match too.
_HEADER_SPACE = re.compile(r"[\s\u3000\ufeff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` is translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Column:
    """A column an importer reads.

    ``name`` is the code name (``employee_no``); ``aliases`` are the header
    spellings recognised by themselves besides it, English and Chinese
    (``"工号"``); ``synonyms`` are spellings only *suggested* when the
    column is missing (the user confirms them in the column mapping). Headers
    are compared case-insensitively with spaces and a BOM removed. These
    spellings are part of the file format (README), never translated.
    """

    name: str
    aliases: tuple[str, ...]
    required: bool = True
    synonyms: tuple[str, ...] = ()

    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def chinese_header(self) -> str:
        return next((a for a in self.aliases if _CJK.search(a)), self.name)

    def english_header(self) -> str:
        return self.name

    def header_in(self, language: str) -> str:
        """The header a template writes for a reader of ``language``."""
        return self.chinese_header() if language.startswith("zh") else self.name


@dataclass
class Row:
    """One data row: ``number`` is the row as the spreadsheet shows it,
    ``values`` maps column name to stripped cell text."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class SkippedRow:
    """A row that is not data: ``reason`` is "title" (above the header),
    "blank" or "totals"; ``text`` its first cells, for the preview."""

    number: int
    reason: str
    text: str = ""


@dataclass
class Table:
    """The rows of a file, by column name.

    ``columns`` are the names of the importer's columns present in the file
    (in file order); ``headers`` maps each to the header as the user wrote it,
    so messages can use the user's words; ``ignored_columns`` lists headers
    that matched no column (shown as a warning, not an error); ``skipped``
    the rows that were not read as data, and why; ``header_row`` the row
    number of the header; ``mapping`` the column mapping used, if any.
    """

    columns: list[str]
    rows: list[Row]
    filename: str
    headers: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    format: str = "csv"
    encoding: str = ""
    skipped: list[SkippedRow] = field(default_factory=list)
    header_row: int = 1
    mapping: dict[str, str] = field(default_factory=dict)
    mapping_remembered: bool = False
    # True when the whole file was searched once and no cell can fail
    # check_text (a CSV without control characters): importers then skip
    # checking cell by cell.
    cells_checked: bool = False

    def header_for(self, column: str | None) -> str:
        """The header the user wrote for a column (the code name otherwise)."""
        if column is None:
            return ""
        return self.headers.get(column, column)


class MissingColumnsError(ImportFileError):
    """The header row lacks required columns: the user may match them.

    ``headers`` are the header row's non-empty cells in file order,
    ``missing`` the required Columns not found, ``found`` {column name:
    header} of those that were, ``suggested`` {column name: header} from
    the columns' synonyms, ``header_row`` the row taken as the header.
    """

    def __init__(self, message, *, headers, missing, found, suggested, header_row):
        super().__init__(message)
        self.headers = headers
        self.missing = missing
        self.found = found
        self.suggested = suggested
        self.header_row = header_row


def headers_key(headers) -> str:
    """The identity of a header row for remembering its column mapping: the
    set of its normalised, non-empty headers (order and spacing aside)."""
    names = sorted({normalise_header(h) for h in headers if h.strip()})
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def normalise_header(text: str) -> str:
    return _HEADER_SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


# Unicode's "Cc" category is exactly U+0000–U+001F and U+007F–U+009F; tab
# and line breaks are allowed. One compiled search instead of a category
# lookup per character: a 100,000-row file has half a million cells.
_FORBIDDEN_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def cells_ok(values) -> bool:
    """True when ``check_text`` would pass every one of these cells.

    A fast pre-check for whole rows: the cells joined by a tab (allowed
    itself) are searched once; only a row that fails needs ``check_text``
    cell by cell for the message.
    """
    return _FORBIDDEN_CONTROL.search("\t".join(values)) is None


def check_text(value: str, column: str | None = None) -> str | None:
    """Why a cell's text cannot be stored, or None when it can.

    Refused: NUL and other control characters (except tab and line breaks),
    and text over MAX_CELL_CHARS (which the reader refuses for the whole
    file before any row is checked). Allowed and stored unchanged: combining
    marks, characters outside the BMP (rare surname characters), zero-width
    and bidirectional marks — real names contain them.
    """
    if len(value) <= MAX_CELL_CHARS and _FORBIDDEN_CONTROL.search(value) is None:
        return None
    if "\x00" in value:
        return _("contains a NUL character (the file may be damaged)")
    if len(value) > MAX_CELL_CHARS:
        return _("is too long: %(length)d characters, at most %(limit)d") % {
            "length": len(value),
            "limit": MAX_CELL_CHARS,
        }
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS:
            return _("contains the control character U+%(code)04X") % {
                "code": ord(char)
            }
    return None


def read_table(
    data: bytes,
    filename: str,
    columns: list[Column],
    *,
    mapping: dict[str, str] | None = None,
    remembered: Callable[[list[str]], dict[str, str] | None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Table:
    """Read a CSV, XLSX, XLS or ODS file into a Table of the given columns.

    The real content decides the format, not the extension. ``mapping``
    ({column name: header}) says which header holds a column the spellings
    do not find; ``remembered(headers)`` returns the mapping the user
    confirmed earlier for a header row like this one, if any; ``progress``
    is called with the number of rows read so far. Raises ImportFileError
    for anything that is not a readable table with the required columns and
    at least one data row (MissingColumnsError when only columns are
    missing).
    """
    max_bytes = settings.IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise ImportFileError(
            _(
                "The file is too large (%(size)s MB); the limit is %(limit)s MB. "
                "Split it into smaller files."
            )
            % {"size": _megabytes(len(data)), "limit": _megabytes(max_bytes)}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    encoding = ""
    check_cell_lengths = True
    cells_checked = False
    if data.startswith(ZIP_SIGNATURE):
        file_format = _zip_format(data)
        raw_rows = _workbook_rows(data, file_format)
    elif data.startswith(_OLE2_SIGNATURE):
        file_format = "xls"
        raw_rows = _workbook_rows(data, file_format)
    else:
        _refuse_known_binaries(data, filename)
        try:
            text, encoding = _decode(data)
        except ImportFileError:
            if filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
                raise _misnamed_error(filename) from None
            raise
        _refuse_markup(text)
        raw_rows, file_format = _csv_rows(text), "csv"
        # Only a line longer than a cell may be can hold a cell too long.
        check_cell_lengths = max(map(len, text.split("\n"))) > MAX_CELL_CHARS
        # A cell too long is refused by the reader (_check_row); one search
        # of the text tells whether any cell holds a control character.
        cells_checked = _FORBIDDEN_CONTROL.search(text) is None
    table = _build_table(
        raw_rows,
        filename,
        columns,
        file_format,
        encoding,
        mapping=mapping or {},
        remembered=remembered,
        progress=progress,
        check_cell_lengths=check_cell_lengths,
    )
    table.cells_checked = cells_checked
    return table


def _check_row(number: int, cells: list[str]) -> None:
    """Refuse a row too wide or a cell too long, as soon as the row is read."""
    if len(cells) > MAX_COLUMNS:
        while cells and not cells[-1]:
            cells = cells[:-1]
        if len(cells) > MAX_COLUMNS:
            raise ImportFileError(
                _(
                    "Row %(row)d has %(count)d columns; a file may have at "
                    "most %(limit)d. Remove the columns that are not needed."
                )
                % {"row": number, "count": len(cells), "limit": MAX_COLUMNS}
            )
    if cells and max(map(len, cells)) > MAX_CELL_CHARS:
        index = next(i for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS)
        raise ImportFileError(
            _(
                "Row %(row)d, column %(column)s holds %(length)d "
                "characters; a cell may hold at most %(limit)d. Shorten "
                "it (or move long notes elsewhere) and upload again."
            )
            % {
                "row": number,
                "column": column_letter(index),
                "length": len(cells[index]),
                "limit": MAX_CELL_CHARS,
            }
        )


def column_letter(index: int) -> str:
    """A, B, …, Z, AA, …: the letter a spreadsheet shows for a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


# --- CSV -------------------------------------------------------------------


def _refuse_known_binaries(data: bytes, filename: str) -> None:
    for signature, _kind in _SIGNATURES:
        if data.startswith(signature):
            raise ImportFileError(
                _(
                    "“%(name)s” is not a spreadsheet (it looks like a program, "
                    "PDF, picture or archive). Upload a CSV, Excel (.xlsx, "
                    ".xls) or LibreOffice (.ods) file."
                )
                % {"name": filename}
            )


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode
    text"), else GB18030, the superset of GBK that Chinese Excel writes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if _looks_binary(text):
                break
            return text, encoding
    raise ImportFileError(
        _(
            "The file could not be read as text: it is neither UTF-8 nor "
            "GBK/GB18030, or it is not a CSV file. In Excel, use “Save as” and "
            "choose “CSV UTF-8” or “Excel workbook (.xlsx)”."
        )
    )


def _looks_binary(text: str) -> bool:
    # A stray NUL in one cell is a row error, but a file that is largely
    # control characters is a program or a picture, whatever its name says.
    sample = text[:65536]
    controls = sum(
        1
        for char in sample
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS
    )
    return controls > max(8, len(sample) // 100)


def _refuse_markup(text: str) -> None:
    start = text.lstrip("\ufeff \t\r\n")[:512].lower()
    if start.startswith("<") and any(
        tag in start for tag in ("<html", "<!doctype", "<table", "<?xml", "<body")
    ):
        raise ImportFileError(
            _(
                "The file is a web page or XML document, not CSV or XLSX "
                "(Excel's “web page” or “XML spreadsheet” formats cannot be "
                "imported). Save it as .xlsx or CSV."
            )
        )


def _csv_rows(text: str):
    # Excel cells may legitimately hold more than csv's default 128 KB; the
    # limit is raised to the upload limit so a long cell is a row error.
    csv.field_size_limit(max(csv.field_size_limit(), settings.IMPORT_MAX_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        # One record is one spreadsheet row even when a quoted cell holds line
        # breaks, so the record count is the row number the user sees.
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file is malformed near row %(row)d: %(problem)s")
            % {"row": reader.line_num, "problem": exc}
        ) from exc


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line uses most."""
    for line in text.lstrip("\ufeff").splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in _DELIMITERS}
            best = max(_DELIMITERS, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


# --- workbooks: XLSX, XLS, ODS --------------------------------------------

_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A row element of a sheet: <row ...> in XLSX, <table:table-row ...> in ODS.
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ODS_ROW = re.compile(rb"<table:table-row[\s>/]")


def _zip_format(data: bytes) -> str:
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
                    raise _too_many_rows_error(rows)
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


def _workbook_rows(data: bytes, kind: str):
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
        raise _too_many_rows_error(sheet.height)
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


def _misnamed_error(filename: str) -> ImportFileError:
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


def _too_many_rows_error(rows: int | None = None) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s rows, the most one import may "
            "hold. Split it into several files (for example one per workshop "
            "or month)."
        )
        % {"limit": f"{max_rows():,}"}
    )


# --- the header, the rows, what is skipped -----------------------------------


def _is_number(text: str) -> bool:
    return bool(_NUMBERISH.match(text))


_NUMBERISH = re.compile(r"^[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)?(?:\.[0-9]+)?%?$")
_TOTALS_HINT = re.compile(
    "|".join(w[0] for w in TOTALS_WORDS) + "|[ＴｔＳｓ]", re.IGNORECASE
)
_TOTALS_PUNCTUATION = re.compile(r"[\s\u3000:：()（）]+")


def _is_totals(cells: list[str], employee_no: str) -> bool:
    """A totals row: 合计/总计/小计/Total in its first cells, or no employee
    number and nothing but numbers (the sums)."""
    # One search of the first cells first: most rows hold none of the words.
    if _TOTALS_HINT.search("\t".join(cells[:3])) is None:
        first = []
    else:
        first = [c for c in cells[:3] if c]
    for cell in first:
        word = _TOTALS_PUNCTUATION.sub("", unicodedata.normalize("NFKC", cell))
        if word.casefold().startswith(TOTALS_WORDS):
            return True
    if employee_no:
        return False
    filled = [c for c in cells if c]
    return bool(filled) and all(_is_number(c) for c in filled)


def _row_text(cells: list[str]) -> str:
    texts: list[str] = []
    for cell in cells:
        # A merged cell fills every cell it covers: say it once.
        if cell and (not texts or texts[-1] != cell):
            texts.append(cell)
    return " · ".join(texts)[:120]


class _Matcher:
    """Which column each header cell names, given spellings and a mapping."""

    def __init__(self, columns: list[Column], mapping: dict[str, str]):
        self.columns = columns
        self.by_spelling: dict[str, Column] = {}
        for column in columns:
            for spelling in column.spellings():
                self.by_spelling[normalise_header(spelling)] = column
        by_name = {c.name: c for c in columns}
        # A mapped header names its column, whatever the spellings say.
        self.mapped = {
            normalise_header(header): by_name[name]
            for name, header in mapping.items()
            if name in by_name and header
        }
        self.mapped_names = {c.name for c in self.mapped.values()}

    def match(self, header: list[str]):
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        ignored: list[str] = []
        seen: dict[str, str] = {}
        for index, text in enumerate(header):
            if not text:
                continue
            key = normalise_header(text)
            column = self.mapped.get(key)
            if column is None:
                column = self.by_spelling.get(key)
                if column is not None and column.name in self.mapped_names:
                    column = None  # the user mapped that column to another header
            if key in seen or (column and column.name in positions):
                first = seen.get(key) or headers[column.name]
                raise ImportFileError(
                    _(
                        "The header row names the same column twice: “%(first)s” "
                        "and “%(second)s”. Remove or rename one of them."
                    )
                    % {"first": first, "second": text}
                )
            seen[key] = text
            if column is None:
                ignored.append(text)
                continue
            positions[column.name] = index
            headers[column.name] = text
        return positions, headers, ignored

    def present(self, header: list[str]) -> set[str]:
        """The columns a row names, without refusing duplicates (a merged
        title row repeats its text in every cell)."""
        names = set()
        for text in header:
            key = normalise_header(text) if text else ""
            column = self.mapped.get(key) or self.by_spelling.get(key)
            if column is not None and (
                key in self.mapped or column.name not in self.mapped_names
            ):
                names.add(column.name)
        return names

    def missing(self, positions) -> list[Column]:
        return [c for c in self.columns if c.required and c.name not in positions]

    def score(self, header: list[str]) -> int:
        keys = {normalise_header(t) for t in header if t}
        return sum(1 for k in keys if k in self.by_spelling or k in self.mapped)


def _build_table(
    raw_rows,
    filename,
    columns,
    file_format,
    encoding,
    *,
    mapping,
    remembered,
    progress,
    check_cell_lengths=True,
) -> Table:
    matcher = _Matcher(columns, mapping)
    rows_iter = iter(raw_rows)
    # The first HEADER_SEARCH_ROWS rows, kept to find the header among them.
    head: list[tuple[int, list[str]]] = []
    header_at = None
    for number, cells in rows_iter:
        _check_row(number, cells)
        cells = [cell.strip() for cell in cells]
        head.append((number, cells))
        if any(cells) and not matcher.missing(matcher.present(cells)):
            header_at = len(head) - 1
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    non_blank = [(i, cells) for i, (_n, cells) in enumerate(head) if any(cells)]
    if not non_blank:
        raise ImportFileError(_("The file is empty."))
    remembered_used = False
    if header_at is None:
        # No row holds every required column: take the row naming most
        # columns (else the first non-blank one) and try the remembered
        # mapping of such a header row before asking the user.
        header_at = max(non_blank, key=lambda item: (matcher.score(item[1]), -item[0]))[
            0
        ]
        header = head[header_at][1]
        known = remembered(header) if remembered is not None and not mapping else None
        if known:
            matcher = _Matcher(columns, known)
            mapping, remembered_used = known, True
        positions, headers, ignored = matcher.match(header)
        missing = matcher.missing(positions)
        if missing:
            raise _missing_columns_error(
                matcher, header, positions, headers, missing, head[header_at][0]
            )
    header_number, header = head[header_at]
    positions, headers, ignored = matcher.match(header)
    skipped = [
        SkippedRow(number, "title", _row_text(cells))
        for number, cells in head[:header_at]
        if any(cells)
    ]
    rows: list[Row] = []
    blank: list[int] = []
    limit = max_rows()
    employee_at = positions.get("employee_no")

    items = list(positions.items())
    width = max(positions.values()) + 1
    rows_append = rows.append

    # A CSV file none of whose lines is longer than a cell may be has no cell
    # too long either: then only the width is checked row by row.
    long_cells = check_cell_lengths

    # The hot loop of a 200,000-row file.
    for number, cells in itertools.chain(head[header_at + 1 :], rows_iter):
        if len(cells) > MAX_COLUMNS or (
            long_cells and max(map(len, cells), default=0) > MAX_CELL_CHARS
        ):
            _check_row(number, cells)
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number)
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            blank.append(number)
            continue
        if blank:
            # Blank rows are listed only when data follows: a sheet's trailing
            # formatted-but-empty rows are not rows anyone wrote.
            skipped.extend(SkippedRow(n, "blank") for n in blank)
            blank = []
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        employee_no = cells[employee_at] if employee_at is not None else ""
        if (
            not employee_no or _TOTALS_HINT.search("\t".join(cells[:3]))
        ) and _is_totals(cells, employee_no):
            skipped.append(SkippedRow(number, "totals", _row_text(cells)))
            continue
        rows_append(Row(number=number, values={name: cells[i] for name, i in items}))
        if len(rows) > limit:
            raise _too_many_rows_error()
    if not rows:
        raise ImportFileError(
            _("The file has a header row but no data rows: nothing to import.")
        )
    ordered = sorted(positions, key=positions.get)
    return Table(
        columns=ordered,
        rows=rows,
        filename=filename,
        headers=headers,
        ignored_columns=ignored,
        format=file_format,
        encoding=encoding,
        skipped=skipped,
        header_row=header_number,
        mapping=dict(mapping),
        mapping_remembered=remembered_used,
    )


def _missing_columns_error(matcher, header, positions, headers, missing, number):
    # Name the missing columns in the language the user's headers are in.
    chinese = any(_CJK.search(text) for text in header)
    parts = []
    for column in missing:
        first, other = (
            (column.chinese_header(), column.english_header())
            if chinese
            else (column.english_header(), column.chinese_header())
        )
        parts.append(
            _("“%(header)s” (or “%(other)s”)") % {"header": first, "other": other}
        )
    texts = [text for text in header if text]
    found = ", ".join(texts) or "—"
    message = _(
        "The file has no column %(missing)s. The header row (the first of the "
        "first %(rows)d rows that holds the columns, in English or Chinese) was "
        "not found; the closest was row %(row)d: %(found)s. Match the columns, "
        "or rename the headers."
    ) % {
        "missing": _(", ").join(parts),
        "rows": HEADER_SEARCH_ROWS,
        "row": number,
        "found": found,
    }
    used = set(headers.values())
    suggested: dict[str, str] = {}
    for column in missing:
        guess = _suggest(column, [t for t in texts if t not in used])
        if guess:
            suggested[column.name] = guess
            used.add(guess)
    return MissingColumnsError(
        message,
        headers=texts,
        missing=missing,
        found=dict(headers),
        suggested=suggested,
        header_row=number,
    )


def _suggest(column: Column, texts: list[str]) -> str | None:
    """The header most likely to hold ``column``: a synonym, else a header
    that contains one of the column's spellings or synonyms ("定额（件）")."""
    words = [normalise_header(w) for w in (*column.synonyms, *column.spellings())]
    keys = {text: normalise_header(text) for text in texts}
    for text, key in keys.items():
        if key in words:
            return text
    for text, key in keys.items():
        if any(len(word) > 1 and word in key for word in words):
            return text
    return None
