"""What an importer found in a file: row errors and the plan of changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from workers.months import month_str

# The preview page shows this many sample rows; the counts cover all.
PREVIEW_LIMIT = 100


@dataclass(frozen=True)
class RowError:
    """A problem with one row (``row`` as the spreadsheet numbers it).

    ``column`` is the column's code name (``employee_no``) or None when the
    problem is the row as a whole; ``Table.header_for`` turns it into the
    header the user wrote for messages.
    """

    row: int
    column: str | None
    message: str

    def describe(self, table=None) -> str:
        """``row 5, column 工号: message`` in the active language."""
        header = table.header_for(self.column) if table is not None else self.column
        if header:
            return _("row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": header,
                "message": self.message,
            }
        return _("row %(row)d: %(message)s") % {
            "row": self.row,
            "message": self.message,
        }


@dataclass
class ImportPlan:
    """Everything an import would do, decided before anything is written.

    ``to_create`` and ``to_update`` hold whatever the importer's ``apply``
    needs (usually unsaved / changed model instances); ``preview`` holds up
    to PREVIEW_LIMIT dicts ``{"row", "action", "values", "changes"}`` for the
    preview table (see ``Importer.add_preview``); ``payload`` is free for
    the importer. All or nothing: with any error, nothing is applied.
    """

    errors: list[RowError] = field(default_factory=list)
    to_create: list = field(default_factory=list)
    to_update: list = field(default_factory=list)
    unchanged: int = 0
    preview: list[dict] = field(default_factory=list)
    payload: Any = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def once_per_worker_month(
        self,
        first_row: dict[tuple[int, dt.date], int],
        *,
        worker_id: int,
        month: dt.date,
        employee_no: str,
        row: int,
        message: str,
    ) -> int | None:
        """A worker and month stand in one row of a file: ``first_row`` notes
        the first row with them, a later one is an error in both rows (neither
        is more right), worded by ``message`` with its %(number)s, %(month)s,
        %(first)d and %(second)d. Returns the earlier row when repeated."""
        other = first_row.setdefault((worker_id, month), row)
        if other == row:
            return None
        text = message % {
            "number": employee_no,
            "month": month_str(month),
            "first": other,
            "second": row,
        }
        self.error(other, "employee_no", text)
        self.error(row, "employee_no", text)
        return other

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.to_create),
            "updated": len(self.to_update),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }

    def error_rows(self) -> set[int]:
        return {error.row for error in self.errors}


def skipped_reason(reason: str) -> str:
    """Why a row was skipped, in the active language."""
    return {
        "title": _("above the header"),
        "blank": _("blank"),
        "totals": _("totals row"),
    }.get(reason, reason)


def describe_skipped(skipped) -> str:
    """``row 1 skipped (above the header): 太原…`` in the active language."""
    if skipped.text:
        return _("row %(row)d skipped (%(reason)s): %(text)s") % {
            "row": skipped.number,
            "reason": skipped_reason(skipped.reason),
            "text": skipped.text,
        }
    return _("row %(row)d skipped (%(reason)s)") % {
        "row": skipped.number,
        "reason": skipped_reason(skipped.reason),
    }
