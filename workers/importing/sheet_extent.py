"""How much of a sheet the parser will allocate, measured from the XML stream.

python-calamine holds a sheet as one rectangle of cells, from the first cell
to the farthest row and column any cell names: a one-cell file whose cell is
at XFD1048576 asks for 17 billion cells. So before it parses anything, the
stream of each sheet is read once for that rectangle — in an XLSX the ``r``
references of rows and cells, in an ODS the rows and cells with their
``number-rows-repeated`` / ``number-columns-repeated`` counts, up to the last
that holds anything (LibreOffice ends every sheet with a million repeated
empty rows, which the parser skips) — and the file is refused when the
rectangle is larger than ``MAX_SHEET_CELLS`` or reaches past the row limit.
An .xls keeps its cells in binary records, so it is measured by the parser
itself, in the limited child (``refuse_extent`` after the parse).
"""

from __future__ import annotations

import re
import xml.parsers.expat

from django.utils.translation import gettext as _

from workers.importing.limits import (
    HEADER_SEARCH_ROWS,
    MAX_SHEET_CELLS,
    ImportFileError,
    max_rows,
    too_many_rows_error,
)
from workers.importing.tables import column_letter

# A row element; a reference naming a row past 999,999 (seven digits or
# more: past any row limit); a cell reference of two letters or more (column
# AA and beyond). Real sheets hold few of either, so the two searches cost
# little even over 200,000 rows, where a search for every reference would
# cost three times the reading of the rows.
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_FAR_ROW = re.compile(rb' r="[A-Z]{0,4}([0-9]{7,12})"')
_WIDE_CELL = re.compile(rb' r="([A-Z]{2,4})[0-9]')
# A sheet without wide references spans columns A to Z at most.
_NARROW = 26


def refuse_extent(rows: int, columns: int) -> None:
    """Refuse a sheet reaching past the row limit or spanning too many cells."""
    if rows > max_rows() + HEADER_SEARCH_ROWS:
        raise too_many_rows_error(rows)
    if rows * columns > MAX_SHEET_CELLS:
        raise extent_error(rows, columns, rows * columns)


def extent_error(rows: int, columns: int, cells: int) -> ImportFileError:
    return ImportFileError(
        _(
            "The sheet reaches row %(rows)s and column %(column)s: "
            "%(cells)s cells with the empty ones between, and a workbook may "
            "span at most %(limit)s. Delete the rows and columns after "
            "the data (they may only look empty) and save it again."
        )
        % {
            "rows": f"{rows:,}",
            "column": column_letter(columns - 1),
            "cells": f"{cells:,}",
            "limit": f"{MAX_SHEET_CELLS:,}",
        }
    )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


class XlsxSheet:
    """One worksheet part: its rows, and a bound on the farthest reference.

    The bound is cheap and partial by design: rows past 999,999 and columns
    past Z are found exactly, a reference to a row below 1,000,000 beyond
    the sheet's own rows is not. What it misses, the parser's child process
    pays for within its memory limit (``contained``), and is refused there.
    """

    def __init__(self):
        self.rows = 0
        self.last_row = 0
        self.last_column = 1

    def feed(self, chunk: bytes, window: bytes) -> None:
        # A row is counted in the chunk it ends in; a reference may be seen
        # twice (the window repeats the last chunk's tail): a maximum does
        # not mind.
        tail = window[: len(window) - len(chunk)]
        self.rows += len(_XLSX_ROW.findall(window)) - len(_XLSX_ROW.findall(tail))
        for row in _FAR_ROW.findall(window):
            self.last_row = max(self.last_row, int(row))
        wide = _WIDE_CELL.findall(window)
        if wide:
            longest = max(map(len, wide))
            self.last_column = max(
                self.last_column,
                max(_column_number(c) for c in wide if len(c) == longest),
            )
        elif self.last_column < _NARROW and self.rows:
            self.last_column = _NARROW
        refuse_extent(max(self.rows, self.last_row), self.last_column)

    def finish(self) -> None:
        refuse_extent(max(self.rows, self.last_row), self.last_column)


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE_ELEMENT = f"{_TABLE} table"
_ROW = f"{_TABLE} table-row"
_CELLS = (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell")
_ROWS_REPEATED = f"{_TABLE} number-rows-repeated"
_COLUMNS_REPEATED = f"{_TABLE} number-columns-repeated"
_VALUE_TYPE = f"{_OFFICE} value-type"


class OdsContent:
    """An ODS's content.xml, every table of which the parser reads at once."""

    def __init__(self):
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.cells_before = 0  # the tables already closed
        self._table()

    def _table(self) -> None:
        self.row = 0  # rows so far in this table, repeats counted
        self.last_row = 0  # the last row holding anything
        self.width = 0  # the farthest cell holding anything
        self.in_cell = False
        self.repeat = 1
        self.column = self.row_width = self.cell_end = 0

    def feed(self, chunk: bytes, window: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except xml.parsers.expat.ExpatError as exc:
            raise _damaged_error() from exc

    def finish(self) -> None:
        try:
            self.parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError as exc:
            raise _damaged_error() from exc

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if self.in_cell:
            # Anything inside a cell (its text) makes it hold something.
            self.row_width = self.cell_end
            return
        if name in _CELLS:
            self.cell_end = self.column + _count(attributes.get(_COLUMNS_REPEATED))
            self.column = self.cell_end
            self.in_cell = True
            if _VALUE_TYPE in attributes:
                self.row_width = self.cell_end
        elif name == _ROW:
            self.repeat = _count(attributes.get(_ROWS_REPEATED))
            self.column = self.row_width = 0
        elif name == _TABLE_ELEMENT:
            self._table()

    def _end(self, name: str) -> None:
        if name in _CELLS:
            self.in_cell = False
        elif name == _ROW:
            self.row += self.repeat
            if self.row_width:
                self.last_row = self.row
                self.width = max(self.width, self.row_width)
                self._refuse()
        elif name == _TABLE_ELEMENT:
            self.cells_before += self.last_row * self.width
            self._table()

    def _refuse(self) -> None:
        refuse_extent(self.last_row, self.width)
        cells = self.cells_before + self.last_row * self.width
        if cells > MAX_SHEET_CELLS:
            # Every table is read at once: together they may not pass it.
            raise extent_error(self.last_row, self.width, cells)


def _count(text: str | None) -> int:
    # A repeat count is a positive integer; anything else counts once (the
    # parser refuses such a file later with its own message).
    if text is None or not text.isdigit():
        return 1
    return max(1, min(int(text), 1 << 40))


def _damaged_error() -> ImportFileError:
    return ImportFileError(
        _(
            "The file is not a LibreOffice spreadsheet (.ods), or it is "
            "damaged. Open it in LibreOffice and save it as .ods, .xlsx or CSV."
        )
    )
