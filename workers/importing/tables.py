"""A file read as a table: its columns (as an importer names them), its data
rows, the rows skipped and why (workers.importing.reading reads it)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from workers.importing.limits import ImportFileError

# Spaces anywhere in a header are ignored: "employee no" and " 工 号" match too.
_HEADER_SPACE = re.compile(r"[\s\u3000\ufeff]+")
CJK = re.compile(r"[\u3400-\u9fff]")
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


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
        return next((a for a in self.aliases if CJK.search(a)), self.name)

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


def normalise_header(text: str) -> str:
    return _HEADER_SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


# Unicode's "Cc" category is exactly U+0000–U+001F and U+007F–U+009F; tab
# and line breaks are allowed. One compiled search instead of a category


def column_letter(index: int) -> str:
    """A, B, …, Z, AA, …: the letter a spreadsheet shows for a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
