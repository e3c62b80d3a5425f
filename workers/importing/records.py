"""The records import: each worker's quota and output for a month, from a file.

Columns (README): employee_no/工号, month/月份, quota/定额,
output/实际完成, unit/单位 (optional: a file without it keeps the units
already stored). Rows are checked here; writing goes through
``workers.services.save_records``, the one path for records, so history is
kept and the cases are synced.

Planning a 100,000-row file costs two queries — the workers by employee
number and the records already stored — and writing it, a few more.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from workers.importing import spellings
from workers.importing.base import (
    SMALL_FILE,
    Importer,
    collector_paused,
    register,
    workers_by_number,
)
from workers.importing.errors import PREVIEW_LIMIT, ImportPlan
from workers.importing.tables import Table
from workers.importing.values import (
    ValueProblem,
    clean_employee_no,
    parse_decimal,
    parse_month_value,
)
from workers.models import ImportKind, ProductionRecord
from workers.months import current_month
from workers.services import (
    RecordInput,
    clean_record_month,
    rounded_amount,
    save_records,
)
from workers.text import cells_ok, check_text

AMOUNT = {"max_digits": 12, "decimal_places": 2}  # plan() spells them out too
# An amount within AMOUNT in plain ASCII digits: at most ten before the point,
# two after it (parse_decimal gives the same Decimal for these).
_plain_amount = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,2})?").fullmatch
UNIT_MAX = ProductionRecord._meta.get_field("unit").max_length


@register
class RecordImporter(Importer):
    kind = ImportKind.RECORDS
    permissions = ("workers.add_productionrecord", "workers.change_productionrecord")
    columns = spellings.RECORD_COLUMNS

    def check_cells(self, table: Table, plan: ImportPlan) -> set[int]:
        """As the base class, with one search per row instead of one per
        cell: only a row that fails is checked cell by cell for the message."""
        bad: set[int] = set()
        if table.cells_checked:  # the reader searched the whole file once
            return bad
        for row in table.rows:
            values = row.values
            if cells_ok(values.values()):
                continue
            for column, value in values.items():
                problem = check_text(value, column)
                if problem:
                    plan.error(row.number, column, problem)
                    bad.add(row.number)
        return bad

    @collector_paused()
    def plan(self, table: Table, *, options: dict) -> ImportPlan:
        # Written for 100,000-row files: the good rows go straight into the
        # payload as RecordInputs, and only their positions are kept for the
        # preview (the cells stay in the table); a row with a problem takes
        # the slower path that names every problem.
        rows_to_save: list[RecordInput] = []
        plan = ImportPlan(payload={"rows": rows_to_save, "filename": table.filename})
        bad_rows = self.check_cells(table, plan)
        numbers = [
            clean_employee_no(row.values.get("employee_no", "")) for row in table.rows
        ]
        # employee_no → (pk, active, name)
        workers = workers_by_number(set(numbers) - {""}, "pk", "active", "name")
        has_unit = "unit" in table.columns
        this_month = current_month()
        months: dict[str, tuple[dt.date | None, str | None]] = {}
        first_row: dict[tuple[int, dt.date], int] = {}
        # Positions in table.rows of the rows that passed, in payload order.
        positions: list[int] = []
        append, keep = rows_to_save.append, positions.append

        for index, row in enumerate(table.rows):
            number = row.number
            if number in bad_rows:
                continue
            values = row.values
            month_text = values.get("month", "")
            checked = months.get(month_text)
            if checked is None:
                checked = months[month_text] = _month(month_text, this_month)
            month, month_problem = checked
            found = workers.get(numbers[index])
            quota_text = values.get("quota", "")
            output_text = values.get("output", "")
            unit = values.get("unit", "").strip() if has_unit else None
            try:
                # Plain amounts (what parse_decimal's own first test accepts)
                # straight to Decimal; AMOUNT's limits spelt out for the rest.
                quota = (
                    Decimal(quota_text)
                    if _plain_amount(quota_text)
                    else parse_decimal(
                        quota_text,
                        allow_negative=True,
                        max_digits=12,
                        decimal_places=2,
                    )
                )
                output = (
                    Decimal(output_text)
                    if _plain_amount(output_text)
                    else parse_decimal(output_text, max_digits=12, decimal_places=2)
                )
            except ValueProblem:
                quota = None
            if (
                found is not None
                and found[1]
                and month_problem is None
                and rounded_amount(quota, above_zero=True) is not None
                and (unit is None or len(unit) <= UNIT_MAX)
            ):
                key = (found[0], month)
                if key not in first_row:
                    first_row[key] = number
                    append(RecordInput(found[0], month, quota, output, unit))
                    keep(index)
                    continue
            self._row_errors(plan, row, numbers[index], workers, checked, first_row)

        if plan.errors:
            # All or nothing: a file with any error imports nothing.
            plan.errors.sort(key=lambda error: error.row)
            rows_to_save.clear()
            return plan
        self._sort_out(plan, table, positions)
        return plan

    def _row_errors(self, plan, row, employee_no, workers, checked, first_row):
        """Every problem of a row that failed the fast checks, by column."""
        values = row.values

        def fail(column, message):
            plan.error(row.number, column, message)

        worker_id = None
        if not employee_no:
            fail("employee_no", _("is empty; every record needs a worker"))
        else:
            found = workers.get(employee_no)
            if found is None:
                fail(
                    "employee_no",
                    _("no worker has the employee number “%(number)s”")
                    % {"number": employee_no},
                )
            elif not found[1]:
                fail(
                    "employee_no",
                    _(
                        "worker “%(number)s” (%(name)s) is no longer active; "
                        "records are kept only for active workers"
                    )
                    % {"number": employee_no, "name": found[2]},
                )
            else:
                worker_id = found[0]

        month, problem = checked
        if problem:
            fail("month", problem)

        try:
            quota = parse_decimal(
                values.get("quota", ""), allow_negative=True, **AMOUNT
            )
        except ValueProblem as problem:
            fail("quota", problem.message)
        else:
            if rounded_amount(quota, above_zero=True) is None:
                fail(
                    "quota",
                    _("“%(text)s” cannot be a quota: it must be more than 0")
                    % {"text": values.get("quota", "").strip()},
                )
        try:
            parse_decimal(values.get("output", ""), **AMOUNT)
        except ValueProblem as problem:
            fail("output", problem.message)

        if "unit" in values:
            unit = values["unit"].strip()
            if len(unit) > UNIT_MAX:
                fail(
                    "unit",
                    _("is too long: at most %(limit)d characters")
                    % {"limit": UNIT_MAX},
                )

        if worker_id is not None and month is not None:
            plan.once_per_worker_month(
                first_row,
                worker_id=worker_id,
                month=month,
                employee_no=employee_no,
                row=row.number,
                message=_(
                    "the same worker (%(number)s) and month (%(month)s) are "
                    "in rows %(first)d and %(second)d; keep one of them"
                ),
            )

    def _sort_out(self, plan: ImportPlan, table: Table, positions: list[int]) -> None:
        """Decide created / updated / unchanged against the stored records."""
        items = plan.payload["rows"]
        stored = _stored_records(items)
        for item, index in zip(items, positions, strict=True):
            current = stored.get((item.worker_id, item.month))
            if current is None:
                plan.to_create.append(item)
                if len(plan.preview) < PREVIEW_LIMIT:
                    row = table.rows[index]
                    self.add_preview(plan, row.number, "create", row.values)
                continue
            quota, output, unit = current
            if (
                quota == item.quota
                and output == item.output
                and (item.unit is None or unit == item.unit)
            ):
                plan.unchanged += 1
                continue
            plan.to_update.append(item)
            if len(plan.preview) < PREVIEW_LIMIT:
                changes = []
                if quota != item.quota:
                    changes.append("quota")
                if output != item.output:
                    changes.append("output")
                if item.unit is not None and unit != item.unit:
                    changes.append("unit")
                row = table.rows[index]
                self.add_preview(plan, row.number, "update", row.values, changes)

    def write(self, plan: ImportPlan, *, user) -> dict[str, int]:
        """Save every row through save_records, the one path for records; its
        counts are the truth: between preview and confirm someone may have
        changed a record, and save_records decides again."""
        result = save_records(
            rows=plan.payload["rows"], by=user, source=self.history_reason(plan)
        )
        return result.counts


def _month(text: str, this_month: dt.date) -> tuple[dt.date | None, str | None]:
    """(month, None) or (None, message); a month after this one is refused."""
    try:
        month = parse_month_value(text)
    except ValueProblem as problem:
        return None, problem.message
    try:
        clean_record_month(month, today=this_month)
    except ValidationError as problem:
        return None, problem.messages[0]
    return month, None


def _stored_records(
    items: list[RecordInput],
) -> dict[tuple[int, dt.date], tuple[Decimal, Decimal, str]]:
    """(worker_id, month) → (quota, output, unit) of the records stored."""
    if not items:
        return {}
    months = {item.month for item in items}
    query = ProductionRecord.objects.filter(month__in=months)
    if len(items) <= SMALL_FILE:
        query = query.filter(worker_id__in={item.worker_id for item in items})
    return {
        (worker_id, month): (quota, output, unit)
        for worker_id, month, quota, output, unit in query.values_list(
            "worker_id", "month", "quota", "output", "unit"
        ).order_by()
    }
