"""The classifications import: the cause of each worker's shortfall in a month.

Columns (DESIGN.md): employee_no/工号, month/月份, cause/原因 (a code or its
Chinese label), note/备注 (optional). The same rules as classifying in the
queue: a worker-month must have a record below quota. Re-importing the same
file changes nothing; a later file for the same worker-month updates it, and
the model's history keeps the earlier cause and note.

Planning costs three queries whatever the file's size: the workers, their
records for the file's months, the classifications already stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from workers.importing import spellings
from workers.importing.base import Importer, register
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
    ProductionRecord,
    ShortfallClassification,
    Worker,
)
from workers.months import month_str
from workers.signals import announce_change

# Above this many distinct workers one query for all is cheaper than an IN
# list, and it never meets SQLite's parameter limit.
SMALL_FILE = 500
# history_change_reason is a 100-character column.
SOURCE_MAX = 100


@dataclass(frozen=True, slots=True)
class ClassificationInput:
    worker_id: int
    month: dt.date
    cause: str
    note: str


@register
class ClassificationImporter(Importer):
    kind = ImportKind.CLASSIFICATIONS
    permissions = (
        "workers.add_shortfallclassification",
        "workers.change_shortfallclassification",
    )
    columns = spellings.CLASSIFICATION_COLUMNS

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
                key = (worker_id, month)
                if key in first_row:
                    other = first_row[key]
                    message = _(
                        "the same worker (%(number)s) and month (%(month)s) are "
                        "in rows %(first)d and %(second)d; a shortfall has one "
                        "primary cause, keep one of them"
                    ) % {
                        "number": employee_no,
                        "month": month_str(month),
                        "first": other,
                        "second": row.number,
                    }
                    plan.error(other, "employee_no", message)
                    good.pop(other, None)
                    fail("employee_no", message)
                else:
                    first_row[key] = row.number
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
        """Only a shortfall is classified: a record below quota must exist."""
        records = _records_for([item for item, _v, _n in good.values()])
        for number, (item, _values, employee_no) in list(good.items()):
            record = records.get((item.worker_id, item.month))
            message = None
            if record is None:
                message = _(
                    "worker “%(number)s” has no record for %(month)s, so there "
                    "is no shortfall to classify; import the records first"
                )
            elif record:
                message = _(
                    "worker “%(number)s” met quota in %(month)s: only workers "
                    "below quota are classified"
                )
            if message:
                plan.error(
                    number,
                    "month",
                    message % {"number": employee_no, "month": month_str(item.month)},
                )
                del good[number]

    def _sort_out(self, plan: ImportPlan, good: dict) -> None:
        stored = _stored([item for item, _v, _n in good.values()])
        rows = plan.payload["rows"]
        for number, (item, values, _number) in good.items():
            rows.append(item)
            current = stored.get((item.worker_id, item.month))
            if current is None:
                plan.to_create.append(item)
                self.add_preview(plan, number, "create", values)
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
            self.add_preview(plan, number, "update", values, changes)

    # The base class's apply() opens the transaction; this override must too,
    # or the command (run in autocommit) fails on PostgreSQL's FOR UPDATE and
    # a failure halfway keeps the rows written before it.
    @transaction.atomic
    def apply(self, plan: ImportPlan, *, user) -> dict[str, int]:
        """Write the rows in one transaction, deciding again what changed.

        Between preview and confirm someone may have classified a worker in
        the queue; the stored rows are locked and compared again here.
        """
        if not plan.ok:
            raise ValueError("a plan with errors cannot be applied")
        items = plan.payload["rows"]
        now = timezone.now()
        source = (_("import: %(file)s") % {"file": plan.payload["filename"]})[
            :SOURCE_MAX
        ]
        stored = _stored(items, lock=True)
        to_create, to_update, unchanged = [], [], 0
        for item in items:
            current = stored.get((item.worker_id, item.month))
            if current is None:
                to_create.append(
                    ShortfallClassification(
                        worker_id=item.worker_id,
                        month=item.month,
                        cause=item.cause,
                        note=item.note,
                        classified_by=user,
                        classified_at=now,
                    )
                )
            elif (current.cause, current.note) == (item.cause, item.note):
                unchanged += 1
            else:
                current.cause = item.cause
                current.note = item.note
                current.classified_by = user
                current.classified_at = now
                # A form showing the old version is now stale, as after an edit.
                current.version += 1
                to_update.append(current)
        history = {
            "default_user": user,
            "default_change_reason": source,
            "default_date": now,
        }
        if to_create or to_update:
            # bulk writes send no model signals: announce them.
            announce_change(
                months={c.month for c in (*to_create, *to_update)},
                source="import_classifications",
            )
        if to_create:
            bulk_create_with_history(
                to_create, ShortfallClassification, batch_size=500, **history
            )
        if to_update:
            bulk_update_with_history(
                to_update,
                ShortfallClassification,
                ["cause", "note", "classified_by", "classified_at", "version"],
                batch_size=500,
                **history,
            )
        return {
            "created": len(to_create),
            "updated": len(to_update),
            "unchanged": unchanged,
        }


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


def _records_for(items: list[ClassificationInput]) -> dict[tuple[int, dt.date], bool]:
    """(worker_id, month) → whether that month's record meets quota."""
    if not items:
        return {}
    query = ProductionRecord.objects.filter(month__in={item.month for item in items})
    if len(items) <= SMALL_FILE:
        query = query.filter(worker_id__in={item.worker_id for item in items})
    return {
        (worker_id, month): output >= quota
        for worker_id, month, quota, output in query.order_by().values_list(
            "worker_id", "month", "quota", "output"
        )
    }


def _stored(
    items: list[ClassificationInput], *, lock: bool = False
) -> dict[tuple[int, dt.date], ShortfallClassification]:
    if not items:
        return {}
    query = ShortfallClassification.objects.filter(
        month__in={item.month for item in items}
    )
    if len(items) <= SMALL_FILE:
        query = query.filter(worker_id__in={item.worker_id for item in items})
    if lock:
        query = query.select_for_update()
    keys = {(item.worker_id, item.month) for item in items}
    return {
        (c.worker_id, c.month): c
        for c in query.order_by()
        if (c.worker_id, c.month) in keys
    }
