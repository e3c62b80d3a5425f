"""The classifications import: the cause of each worker's shortfall in a month.

Columns (README): employee_no/工号, month/月份, cause/原因 (a code or its
Chinese label), note/备注 (optional). The same rules as classifying in the
queue: a worker-month must have a record below quota. Re-importing the same
file changes nothing; a later file for the same worker-month updates it, and
the model's history keeps the earlier cause and note.

Planning costs three queries whatever the file's size: the workers, their
records for the file's months, the classifications already stored.
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
from workers.importing.base import Importer, collector_paused, register
from workers.importing.errors import ImportPlan
from workers.importing.tables import Table
from workers.importing.values import (
    ValueProblem,
    clean_employee_no,
    parse_choice,
    parse_month_value,
)
from workers.models import (
    Cause,
    ImportKind,
    Worker,
)
from workers.months import month_str

# Above this many distinct workers one query for all is cheaper than an IN
# list, and it never meets SQLite's parameter limit.
SMALL_FILE = 500
# history_change_reason is a 100-character column.
SOURCE_MAX = 100


@register
class ClassificationImporter(Importer):
    kind = ImportKind.CLASSIFICATIONS
    permissions = (
        "workers.add_shortfallclassification",
        "workers.change_shortfallclassification",
    )
    columns = spellings.CLASSIFICATION_COLUMNS

    @collector_paused()
    def plan(self, table: Table, *, options: dict) -> ImportPlan:
        plan = ImportPlan(payload={"rows": [], "filename": table.filename})
        bad_rows = self.check_cells(table, plan)
        workers = _workers_by_number(table)
        months: dict[str, tuple[dt.date | None, str | None]] = {}
        first_row: dict[tuple[int, dt.date], int] = {}
        good: dict[int, tuple[ClassificationInput, dict[str, str], str]] = {}

        for row in table.rows:
            if row.number in bad_rows:
                continue
            values = row.values
            errors_before = len(plan.errors)

            def fail(column, message, row=row):
                plan.error(row.number, column, message)

            worker_id = None
            employee_no = clean_employee_no(values.get("employee_no", ""))
            if not employee_no:
                fail("employee_no", _("is empty; every classification needs a worker"))
            elif employee_no not in workers:
                fail(
                    "employee_no",
                    _("no worker has the employee number “%(number)s”")
                    % {"number": employee_no},
                )
            else:
                worker_id = workers[employee_no][0]

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
            if len(plan.errors) > errors_before:
                continue
            item = ClassificationInput(
                worker_id=worker_id,
                month=month,
                cause=cause,
                note=values.get("note", "").strip(),
            )
            good[row.number] = (item, values, employee_no)

        self._check_records(plan, good)
        if plan.errors:
            # All or nothing: a file with any error imports nothing.
            plan.errors.sort(key=lambda error: (error.row, error.column or ""))
            return plan
        self._sort_out(plan, good)
        return plan

    def _check_records(self, plan: ImportPlan, good: dict) -> None:
        """Only a shortfall is classified (workers.classification's rule)."""
        problems = shortfall_problems(
            (item.worker_id, item.month) for item, _v, _n in good.values()
        )
        for number, (item, _values, employee_no) in list(good.items()):
            problem = problems.get((item.worker_id, item.month))
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
            plan.error(
                number,
                "month",
                message % {"number": employee_no, "month": month_str(item.month)},
            )
            del good[number]

    def _sort_out(self, plan: ImportPlan, good: dict) -> None:
        stored = stored_classifications(
            (item.worker_id, item.month) for item, _v, _n in good.values()
        )
        rows = plan.payload["rows"]
        for number, (item, values, _number) in good.items():
            rows.append(item)
            # The cause as the page names it, whichever spelling the file used.
            shown = {"cause": {"code": item.cause}}
            current = stored.get((item.worker_id, item.month))
            if current is None:
                plan.to_create.append(item)
                self.add_preview(plan, number, "create", values, shown=shown)
                continue
            changes = [
                name
                for name, old in (("cause", current.cause), ("note", current.note))
                if old != getattr(item, name)
            ]
            if not changes:
                plan.unchanged += 1
                continue
            plan.to_update.append(item)
            self.add_preview(plan, number, "update", values, changes, shown)

    def write(self, plan: ImportPlan, *, user) -> dict[str, int]:
        """In the base class's transaction, through the one classification
        writer, which decides again under a row lock what changed (someone
        may have classified a worker in the queue since the preview)."""
        source = _("import: %(file)s") % {"file": plan.payload["filename"]}
        return save_classifications(
            rows=plan.payload["rows"], by=user, source=source[:SOURCE_MAX]
        ).counts


def _workers_by_number(table: Table) -> dict[str, tuple[int, str]]:
    """employee_no → (pk, name), in one query."""
    numbers = {
        clean_employee_no(row.values.get("employee_no", "")) for row in table.rows
    } - {""}
    query = Worker.objects.all()
    if len(numbers) <= SMALL_FILE:
        query = query.filter(employee_no__in=numbers)
    return {
        number: (pk, name)
        for number, pk, name in query.values_list("employee_no", "pk", "name")
    }
