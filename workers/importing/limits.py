"""What an uploaded file may be, and the error that refuses it as a whole."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from workers.text import MAX_CELL_CHARS

# A real workbook unpacks to a few MB; these bound what a hostile one may ask
# the server to inflate (a "zip bomb") before a single byte is parsed.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
# The limits of a file, each refused as soon as it is passed. The row limit
# is a setting (IMPORT_MAX_ROWS, default 200,000 data rows).
MAX_COLUMNS = 200
# The most cells a workbook's sheet may span, from its first cell to the
# farthest row and column any cell names (empty ones between included): the
# parser allocates for every one of them. 200,000 rows of 40 columns.
MAX_SHEET_CELLS = 8_000_000
# The header is looked for in the first rows of the sheet (title rows above).
HEADER_SEARCH_ROWS = 20
# A totals row names itself in its first cells.
TOTALS_WORDS = ("合计", "总计", "小计", "共计", "总数", "total", "subtotal", "sum")
# Progress is reported every this many rows read.
PROGRESS_EVERY = 5000

# What the first bytes of a workbook are: a zip container (XLSX, ODS) or an
# OLE2 compound file (XLS).
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

__all__ = [
    "HEADER_SEARCH_ROWS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_SHEET_CELLS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_ENTRIES",
    "PROGRESS_EVERY",
    "OLE2_SIGNATURE",
    "TOTALS_WORDS",
    "ZIP_SIGNATURE",
    "ImportFileError",
    "max_rows",
    "megabytes",
    "too_many_rows_error",
]


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` is translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def too_many_rows_error(rows: int | None = None) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s rows, the most one import may "
            "hold. Split it into several files (for example one per workshop "
            "or month)."
        )
        % {"limit": f"{max_rows():,}"}
    )
