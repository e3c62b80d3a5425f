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

import itertools
import re
import unicodedata
from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from workers.importing import csv_files, workbooks
from workers.importing.limits import (
    HEADER_SEARCH_ROWS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    OLE2_SIGNATURE,
    PROGRESS_EVERY,
    TOTALS_WORDS,
    ZIP_SIGNATURE,
    ImportFileError,
    max_rows,
    megabytes,
)
from workers.importing.shown import join_list
from workers.importing.tables import (
    CJK,
    Column,
    MissingColumnsError,
    Row,
    SkippedRow,
    Table,
    column_letter,
    normalise_header,
)
from workers.text import FORBIDDEN_CONTROL


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
            % {"size": megabytes(len(data)), "limit": megabytes(max_bytes)}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    encoding = ""
    check_cell_lengths = True
    cells_checked = False
    if data.startswith(ZIP_SIGNATURE):
        file_format = workbooks.zip_format(data)
        raw_rows = workbooks.workbook_rows(data, file_format)
    elif data.startswith(OLE2_SIGNATURE):
        file_format = "xls"
        raw_rows = workbooks.workbook_rows(data, file_format)
    else:
        csv_files.refuse_known_binaries(data, filename)
        # Counting line breaks costs milliseconds where reading up to the
        # row past the limit costs seconds. A row is a line in every real
        # record file; blank lines and breaks inside quoted cells do not
        # make rows, hence the margin: past twice the limit, no file is near it.
        if data.count(b"\n") > 2 * (max_rows() + HEADER_SEARCH_ROWS):
            raise workbooks.too_many_rows_error()
        try:
            text, encoding = csv_files.decode(data)
        except ImportFileError:
            if filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
                raise workbooks.misnamed_error(filename) from None
            raise
        csv_files.refuse_markup(text)
        raw_rows, file_format = csv_files.csv_rows(text), "csv"
        # Only a line longer than a cell may be can hold a cell too long.
        check_cell_lengths = max(map(len, text.split("\n"))) > MAX_CELL_CHARS
        # A cell too long is refused by the reader (_check_row); one search
        # of the text tells whether any cell holds a control character.
        cells_checked = FORBIDDEN_CONTROL.search(text) is None
    table = build_table(
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


def check_row(number: int, cells: list[str]) -> None:
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


def build_table(
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
        check_row(number, cells)
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
            check_row(number, cells)
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
            raise workbooks.too_many_rows_error()
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
    chinese = any(CJK.search(text) for text in header)
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
    found = join_list(texts) or "—"
    message = _(
        "The file has no column %(missing)s. The header row (the first of the "
        "first %(rows)d rows that holds the columns, in English or Chinese) was "
        "not found; the closest was row %(row)d: %(found)s. Match the columns, "
        "or rename the headers."
    ) % {
        "missing": join_list(parts),
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
