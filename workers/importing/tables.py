"""From uploaded bytes to a table of text cells, refusing what is not a table.

Everything a user can upload lands here first, so this module trusts nothing:
the size, the real content (not the file name's extension), the zip container
of an XLSX (entry count and uncompressed size, checked before any parsing)
and the XML inside it (DTDs and entities refused) are all checked, and every
refusal is an ``ImportFileError`` with a translated message that says what to
do. A bad *cell* is never a file error: the text is kept and the importer's
validators report it against its row (see ``check_text``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

# A real workbook unpacks to a few MB; these bound what a hostile one may ask
# the server to inflate (a "zip bomb") before a single byte is parsed.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
# Longest cell text kept as an ordinary value; longer is a row error.
MAX_CELL_CHARS = 10_000
# A sheet's declared width can lie; never read more columns than this.
MAX_COLUMNS = 200

ZIP_SIGNATURE = b"PK\x03\x04"
# Formats people upload by mistake, recognised by their first bytes, with the
# words used to name them in the error message.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
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
    spellings accepted besides it, English and Chinese (``"工号"``). Headers
    are compared case-insensitively with spaces and a BOM removed.
    """

    name: str
    aliases: tuple[str, ...]
    required: bool = True

    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def chinese_header(self) -> str:
        return next((a for a in self.aliases if _CJK.search(a)), self.name)

    def english_header(self) -> str:
        return self.name


@dataclass
class Row:
    """One data row: ``number`` is the row as the spreadsheet shows it (the
    header is row 1), ``values`` maps column name to stripped cell text."""

    number: int
    values: dict[str, str]


@dataclass
class Table:
    """The rows of a file, by column name.

    ``columns`` are the names of the importer's columns present in the file
    (in file order); ``headers`` maps each to the header as the user wrote it,
    so messages can use the user's words; ``ignored_columns`` lists headers
    that matched no column (shown as a warning, not an error).
    """

    columns: list[str]
    rows: list[Row]
    filename: str
    headers: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    format: str = "csv"
    encoding: str = ""

    def header_for(self, column: str | None) -> str:
        """The header the user wrote for a column (the code name otherwise)."""
        if column is None:
            return ""
        return self.headers.get(column, column)


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
    text = "\t".join(values)
    return len(text) <= MAX_CELL_CHARS and _FORBIDDEN_CONTROL.search(text) is None


def check_text(value: str, column: str | None = None) -> str | None:
    """Why a cell's text cannot be stored, or None when it can.

    Refused: NUL and other control characters (except tab and line breaks),
    and text over MAX_CELL_CHARS. Allowed and stored unchanged: combining
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


def read_table(data: bytes, filename: str, columns: list[Column]) -> Table:
    """Read a CSV or XLSX file into a Table of the given columns.

    The real content decides the format, not the extension. Raises
    ImportFileError for anything that is not a readable table with the
    required columns and at least one data row.
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
    if data.startswith(ZIP_SIGNATURE):
        raw_rows, file_format, encoding = _xlsx_rows(data), "xlsx", ""
    else:
        _refuse_known_binaries(data, filename)
        try:
            text, encoding = _decode(data)
        except ImportFileError:
            if filename.lower().endswith((".xlsx", ".xlsm")):
                raise _misnamed_error(filename) from None
            raise
        _refuse_markup(text)
        raw_rows, file_format = _csv_rows(text), "csv"
    return _build_table(raw_rows, filename, columns, file_format, encoding)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


# --- CSV -------------------------------------------------------------------


def _refuse_known_binaries(data: bytes, filename: str) -> None:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            if kind == "xls":
                raise ImportFileError(
                    _(
                        "“%(name)s” is an old Excel 97–2003 (.xls) workbook. "
                        "Open it in Excel and save it as .xlsx or CSV."
                    )
                    % {"name": filename}
                )
            raise ImportFileError(
                _(
                    "“%(name)s” is not a spreadsheet (it looks like a program, "
                    "PDF, picture or archive). Upload a CSV or XLSX file."
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


# --- XLSX ------------------------------------------------------------------


def _xlsx_rows(data: bytes):
    _check_zip(data)
    # Imported here: openpyxl is only needed for workbooks.
    import openpyxl
    from defusedxml import DefusedXmlException
    from openpyxl.xml import DEFUSEDXML

    # openpyxl parses through defusedxml only when it is installed and not
    # switched off (OPENPYXL_DEFUSEDXML); refuse to parse workbooks otherwise.
    if not DEFUSEDXML:  # pragma: no cover - a deployment mistake
        raise ImportFileError(
            _("Excel files cannot be read safely on this server; upload CSV.")
        )
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except Exception as exc:  # openpyxl raises many types for damaged files
        if _caused_by(exc, DefusedXmlException):
            raise _entities_error() from exc
        raise _not_a_workbook_error() from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        width = None
        for number, cells in enumerate(rows, start=1):
            cells = cells[:MAX_COLUMNS] if width is None else cells[:width]
            texts = [_cell_text(value) for value in cells]
            if width is None and any(texts):
                # Trailing blank header cells: the sheet's declared width can
                # be far wider than what is used.
                while texts and not texts[-1]:
                    texts.pop()
                width = len(texts)
            yield number, texts
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError) as exc:
        # DefusedXmlException is a ValueError.
        if _caused_by(exc, DefusedXmlException):
            raise _entities_error() from exc
        raise _not_a_workbook_error() from exc
    finally:
        workbook.close()


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _check_zip(data: bytes) -> None:
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
    if "xl/workbook.xml" not in names:
        raise _not_a_workbook_error()
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels")):
            _refuse_dtd(archive, entry)


def _refuse_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    # defusedxml refuses entities while parsing too; checking first gives the
    # same clear message whichever part of the workbook carries them.
    tail = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(65536):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise _entities_error()
            tail = chunk[-16:]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
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


def _not_a_workbook_error() -> ImportFileError:
    return ImportFileError(
        _(
            "The file is not an Excel workbook (.xlsx), or it is damaged. "
            "Open it in Excel and save it as .xlsx or CSV."
        )
    )


# --- both ------------------------------------------------------------------


def _build_table(raw_rows, filename, columns, file_format, encoding) -> Table:
    by_spelling: dict[str, Column] = {}
    for column in columns:
        for spelling in column.spellings():
            by_spelling[normalise_header(spelling)] = column

    header: list[str] | None = None
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    rows: list[Row] = []
    for number, cells in raw_rows:
        cells = [cell.strip() for cell in cells]
        if header is None:
            if not any(cells):
                continue
            header = cells
            positions, headers, ignored = _map_header(header, by_spelling)
            _check_required(columns, positions, header)
            continue
        if not any(cells):
            continue
        values = {
            name: (cells[index] if index < len(cells) else "")
            for name, index in positions.items()
        }
        rows.append(Row(number=number, values=values))
    if header is None:
        raise ImportFileError(_("The file is empty."))
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
    )


def _map_header(header, by_spelling):
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        if not text:
            continue
        key = normalise_header(text)
        column = by_spelling.get(key)
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


def _check_required(columns, positions, header) -> None:
    missing = [c for c in columns if c.required and c.name not in positions]
    if not missing:
        return
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
    found = ", ".join(text for text in header if text) or "—"
    raise ImportFileError(
        _(
            "The file has no column %(missing)s. The first row must hold the "
            "column headers, in English or Chinese. Headers found: %(found)s."
        )
        % {"missing": _(", ").join(parts), "found": found}
    )
