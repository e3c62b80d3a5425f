"""The mastery import: checks of workers' levels in advanced experiences.

Columns (DESIGN.md, "Advanced experience"): employee_no/工号,
experience/先进经验 (its name in the catalogue), level/程度 (learning 学习中,
applies 已掌握, teaches 能传授), checked_on/检查日期 (a day, not after
today). The same check again (worker, experience and day) changes nothing;
another level for that day corrects it and the history keeps the old one.
Writing goes through ``workers.services.mastery.record_mastery``, the one
writer of checks.

Planning costs three queries whatever the file's size: the workers, the
catalogue, the checks already stored.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils.translation import gettext as _

from workers.importing import spellings
from workers.importing.base import Importer, collector_paused, register
from workers.importing.errors import ImportPlan
from workers.importing.tables import Table
from workers.importing.values import (
    ValueProblem,
    clean_employee_no,
    parse_choice,
    parse_date_value,
)
from workers.models import Experience, ImportKind, MasteryLevel, Worker
from workers.services.mastery import (
    SOURCE_MAX,
    Key,
    MasteryInput,
    checked_on_problem,
    record_mastery,
    stored_checks,
)

# Above this many distinct workers one query for all is cheaper than an IN
# list, and it never meets SQLite's parameter limit.
SMALL_FILE = 500


@register
class MasteryImporter(Importer):
    kind = ImportKind.MASTERY
    permissions = ("workers.add_mastery", "workers.change_mastery")
    columns = spellings.MASTERY_COLUMNS

    @collector_paused()
    def plan(self, table: Table, *, options: dict) -> ImportPlan:
        plan = ImportPlan(payload={"rows": [], "filename": table.filename})
        bad_rows = self.check_cells(table, plan)
        workers = _workers_by_number(table)
        experiences = _experiences_by_name()
        days: dict[str, tuple[dt.date | None, str | None]] = {}
        first_row: dict[Key, int] = {}
        good: dict[int, tuple[MasteryInput, dict[str, str], str]] = {}

        for row in table.rows:
            if row.number in bad_rows:
                continue
            values = row.values
            errors_before = len(plan.errors)

            def fail(column, message, row=row):
                plan.error(row.number, column, message)

            worker_id = _worker_id(values, workers, fail)
            experience = _experience(values, experiences, fail)
            level = None
            try:
                level = parse_choice(values.get("level", ""), MasteryLevel)
            except ValueProblem as problem:
                fail("level", problem.message)
            day_text = values.get("checked_on", "")
            if day_text not in days:
                days[day_text] = _day(day_text)
            day, problem = days[day_text]
            if problem:
                fail("checked_on", problem)
            if len(plan.errors) > errors_before:
                continue
            item = MasteryInput(
                worker_id=worker_id,
                experience_id=experience[0],
                level=level,
                checked_on=day,
            )
            other = first_row.setdefault(item.key, row.number)
            if other != row.number:
                # Neither row is more right than the other: both are errors.
                message = _(
                    "the same worker (%(number)s), experience (%(experience)s) "
                    "and day (%(day)s) are in rows %(first)d and %(second)d; "
                    "a check has one level, keep one of them"
                ) % {
                    "number": clean_employee_no(values.get("employee_no", "")),
                    "experience": experience[1],
                    "day": day.isoformat(),
                    "first": other,
                    "second": row.number,
                }
                plan.error(other, "employee_no", message)
                plan.error(row.number, "employee_no", message)
                good.pop(other, None)
                continue
            good[row.number] = (item, values, experience[1])

        if plan.errors:
            # All or nothing: a file with any error imports nothing.
            plan.errors.sort(key=lambda error: (error.row, error.column or ""))
            return plan
        self._sort_out(plan, good)
        return plan

    def _sort_out(self, plan: ImportPlan, good: dict) -> None:
        stored = stored_checks(item.key for item, _v, _n in good.values())
        rows = plan.payload["rows"]
        for number, (item, values, name) in good.items():
            rows.append(item)
            # The level as the page names it, the experience as the
            # catalogue spells it, whichever spelling the file used.
            shown = {"level": {"code": item.level}, "experience": {"label": name}}
            current = stored.get(item.key)
            if current is None:
                plan.to_create.append(item)
                self.add_preview(plan, number, "create", values, shown=shown)
            elif current.level == item.level:
                plan.unchanged += 1
            else:
                plan.to_update.append(item)
                self.add_preview(plan, number, "update", values, ["level"], shown)

    def write(self, plan: ImportPlan, *, user) -> dict[str, int]:
        """In the base class's transaction, through the one writer of checks,
        which decides again under a row lock what changed."""
        source = _("import: %(file)s") % {"file": plan.payload["filename"]}
        return record_mastery(
            rows=plan.payload["rows"], by=user, source=source[:SOURCE_MAX]
        ).counts


def _worker_id(values: dict, workers: dict[str, int], fail) -> int | None:
    employee_no = clean_employee_no(values.get("employee_no", ""))
    if not employee_no:
        fail("employee_no", _("is empty; every check needs a worker"))
    elif employee_no not in workers:
        fail(
            "employee_no",
            _("no worker has the employee number “%(number)s”")
            % {"number": employee_no},
        )
    else:
        return workers[employee_no]
    return None


def _experience(values: dict, experiences: dict, fail) -> tuple[int, str] | None:
    text = values.get("experience", "").strip()
    if not text:
        fail("experience", _("is empty; name the advanced experience checked"))
        return None
    found = experiences.get(name_key(text))
    if found is None:
        fail(
            "experience",
            _(
                "no advanced experience is named “%(name)s”; add it to the "
                "catalogue first, or write its name as the catalogue does"
            )
            % {"name": text},
        )
    return found


def _day(text: str) -> tuple[dt.date | None, str | None]:
    try:
        day = parse_date_value(text)
    except ValueProblem as problem:
        return None, problem.message
    problem = checked_on_problem(day)
    if problem:
        return None, _("“%(text)s” %(problem)s") % {"text": text, "problem": problem}
    return day, None


def name_key(name: str) -> str:
    """An experience's name as the import matches it: full-width letters and
    spaces, case and spacing aside (高速切削法 is 高速切削 法)."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _experiences_by_name() -> dict[str, tuple[int, str]]:
    """name_key → (pk, name), the whole catalogue in one query (it is short)."""
    return {
        name_key(name): (pk, name)
        for pk, name in Experience.objects.values_list("pk", "name")
    }


def _workers_by_number(table: Table) -> dict[str, int]:
    """employee_no → pk, in one query."""
    numbers = {
        clean_employee_no(row.values.get("employee_no", "")) for row in table.rows
    } - {""}
    query = Worker.objects.all()
    if len(numbers) <= SMALL_FILE:
        query = query.filter(employee_no__in=numbers)
    return dict(query.values_list("employee_no", "pk"))
