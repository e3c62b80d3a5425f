"""The classifications import: the cause of each worker's shortfall in a month.

Columns (README): employee_no/工号, month/月份, cause/原因 (a code or its
Chinese label), note/备注 (optional). The same rules as classifying in the
queue: a worker-month must have a record below quota. Re-importing the same
file changes nothing; a later file for the same worker-month updates it, and
the model's history keeps the earlier cause and note.

Planning costs three queries whatever the file's size: the workers, their
records for the file's months, the classifications already stored
(``KeyedImporter`` sorts the rows out against them and writes them).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from workers.classification import (
    NO_RECORD,
    ClassificationInput,
    save_classifications,
    shortfall_problems,
    stored_classifications,
)
from workers.importing import spellings
from workers.importing.base import (
    KeyedImporter,
    Planned,
    named_worker,
    register,
    worker_ids,
)
from workers.importing.errors import ImportPlan
from workers.importing.tables import Table
from workers.importing.values import (
    ValueProblem,
    clean_employee_no,
    parse_choice,
    parse_month_value,
)
from workers.models import Cause, ImportKind
from workers.months import month_str


@register
class ClassificationImporter(KeyedImporter):
    kind = ImportKind.CLASSIFICATIONS
    permissions = (
        "workers.add_shortfallclassification",
        "workers.change_shortfallclassification",
    )
    columns = spellings.CLASSIFICATION_COLUMNS
    compared = ("cause", "note")

    def check_rows(self, table: Table, plan: ImportPlan) -> dict[int, Planned]:
        workers = worker_ids(table)
        months: dict[str, tuple[dt.date | None, str | None]] = {}
        first_row: dict[tuple[int, dt.date], int] = {}
        good: dict[int, Planned] = {}

        for row, fail in self.rows_to_check(table, plan):
            values = row.values

            employee_no, worker_id = named_worker(
                values,
                workers,
                fail,
                empty=_("is empty; every classification needs a worker"),
            )

            month_text = values.get("month", "")
            if month_text not in months:
                try:
                    months[month_text] = (parse_month_value(month_text), None)
                except ValueProblem as problem:
                    months[month_text] = (None, problem.message)
            month, problem = months[month_text]
            if problem:
                fail("month", problem)

            cause = None
            try:
                cause = parse_choice(values.get("cause", ""), Cause)
            except ValueProblem as problem:
                fail("cause", problem.message)

            if worker_id is not None and month is not None:
                other = plan.once_per_worker_month(
                    first_row,
                    worker_id=worker_id,
                    month=month,
                    employee_no=employee_no,
                    row=row.number,
                    message=_(
                        "the same worker (%(number)s) and month (%(month)s) are "
                        "in rows %(first)d and %(second)d; a shortfall has one "
                        "primary cause, keep one of them"
                    ),
                )
                if other is not None:
                    good.pop(other, None)
            if fail.found:
                continue
            item = ClassificationInput(
                worker_id=worker_id,
                month=month,
                cause=cause,
                note=values.get("note", "").strip(),
            )
            # The cause as the page names it, whichever spelling the file used.
            good[row.number] = Planned(item, values, {"cause": {"code": cause}})

        self._check_records(plan, good)
        return good

    def _check_records(self, plan: ImportPlan, good: dict[int, Planned]) -> None:
        """Only a shortfall is classified (workers.classification's rule)."""
        problems = shortfall_problems(item.key for item, _v, _s in good.values())
        for number, (item, values, _shown) in list(good.items()):
            problem = problems.get(item.key)
            if problem is None:
                continue
            if problem == NO_RECORD:
                message = _(
                    "worker “%(number)s” has no record for %(month)s, so there "
                    "is no shortfall to classify; import the records first"
                )
            else:
                message = _(
                    "worker “%(number)s” met quota in %(month)s: only workers "
                    "below quota are classified"
                )
            employee_no = clean_employee_no(values.get("employee_no", ""))
            plan.error(
                number,
                "month",
                message % {"number": employee_no, "month": month_str(item.month)},
            )
            del good[number]

    def stored(self, keys):
        return stored_classifications(keys)

    def write_rows(self, rows, *, by, source):
        return save_classifications(rows=rows, by=by, source=source)
