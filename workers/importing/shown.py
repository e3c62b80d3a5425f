"""How the import pages word what a file holds, in the reader's language.

A batch's summary is kept as data (column names, codes, row numbers) when
the file is checked, possibly by the task worker in another language; the
words are chosen here when the page is drawn: a column by the header the
import template writes for the reader (``Column.header_in``), a coded value
by its label, a list joined as the reader's language joins one, and the
errors of many rows with one cause as one line with its count.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from workers.models import Cause, MasteryLevel, PoliticalStatus

# How many row numbers an error of many rows names before "and N more".
ROWS_NAMED = 5

# The columns whose cells hold a code, shown by the code's label.
CODED_COLUMNS = {
    "political_status": PoliticalStatus,
    "cause": Cause,
    "level": MasteryLevel,
}


def join_list(items: Iterable) -> str:
    """``a, b, c`` in English, ``a、b、c`` in Chinese."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def heading(importer_cls, name: str | None, fallback: str = "") -> str:
    """A column by the header the import template writes for the reader."""
    if not name:
        return fallback
    for column in importer_cls.columns:
        if column.name == name:
            return column.header_in(get_language() or "")
    return fallback or name


def cell_text(cell: dict) -> str:
    """A preview cell: a coded value by its label, else a label the importer
    gave (a workshop's name for its code), else the text of the file."""
    if "code" in cell:
        code = cell["code"]
        if isinstance(code, bool):
            return _("yes") if code else _("no")
        choices = CODED_COLUMNS.get(cell["column"])
        if choices is not None and code in choices.values:
            return str(choices(code).label)
    return cell.get("label") or cell.get("text", "")


def group_errors(errors, header_for, limit: int) -> tuple[list[dict], int]:
    """The errors as one entry per column and message, in the order of their
    first row: ``{"row", "rows", "count", "name", "column", "message"}``
    with the first ROWS_NAMED rows, the column's name and the file's header.
    Returns the first ``limit`` entries and how many errors they cover."""
    groups: dict[tuple[str | None, str], dict] = {}
    for error in sorted(errors, key=lambda error: error.row):
        group = groups.get((error.column, error.message))
        if group is None:
            if len(groups) >= limit:
                continue
            group = groups[(error.column, error.message)] = {
                "row": error.row,
                "rows": [],
                "count": 0,
                "name": error.column,
                "column": header_for(error.column),
                "message": error.message,
            }
        group["count"] += 1
        if len(group["rows"]) < ROWS_NAMED:
            group["rows"].append(error.row)
    shown = list(groups.values())
    return shown, sum(group["count"] for group in shown)


def rows_text(rows: list[int], count: int) -> str:
    """``2, 3, 4, 5, 6 and 5,437 more`` (every row when they are few)."""
    named = join_list(rows)
    more = count - len(rows)
    if more <= 0:
        return named
    return ngettext(
        "%(rows)s and %(more)s more",
        "%(rows)s and %(more)s more",
        more,
    ) % {"rows": named, "more": f"{more:,}"}


def error_rows(importer_cls, errors: list[dict]) -> list[dict]:
    """The summary's errors as the page shows them (summaries kept before
    errors were grouped hold one row each and their header only)."""
    return [
        {
            **error,
            "count": error.get("count", 1),
            "count_text": f"{error.get('count', 1):,}",
            "rows_text": rows_text(
                error.get("rows", [error["row"]]), error.get("count", 1)
            ),
            "heading": heading(importer_cls, error.get("name"), error["column"]),
        }
        for error in errors
    ]
