"""The mastery import: checks of workers' levels in advanced experiences.

Columns (DESIGN.md, "Advanced experience"): employee_no/工号,
experience/先进经验 (its name in the catalogue), level/程度 (learning 学习中,
applies 已掌握, teaches 能传授), checked_on/检查日期 (a day, not after
today). The same check again (worker, experience and day) changes nothing;
another level for that day corrects it and the history keeps the old one.
Writing goes through ``workers.services.mastery.record_mastery``, the one
writer of checks.

Planning costs three queries whatever the file's size: the workers, the
catalogue, the checks already stored (``KeyedImporter`` sorts the rows out
against them and writes them).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils.translation import gettext as _

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
    parse_choice,
    parse_date_value,
)
from workers.models import Experience, ImportKind, MasteryLevel
from workers.services.mastery import (
    Key,
    MasteryInput,
    checked_on_problem,
    record_mastery,
    stored_checks,
)


@register
class MasteryImporter(KeyedImporter):
    kind = ImportKind.MASTERY
    permissions = ("workers.add_mastery", "workers.change_mastery")
    columns = spellings.MASTERY_COLUMNS
    compared = ("level",)

    def check_rows(self, table: Table, plan: ImportPlan) -> dict[int, Planned]:
        workers = worker_ids(table)
        experiences = _experiences_by_name()
        days: dict[str, tuple[dt.date | None, str | None]] = {}
        first_row: dict[Key, int] = {}
        good: dict[int, Planned] = {}

        for row, fail in self.rows_to_check(table, plan):
            values = row.values
            employee_no, worker_id = named_worker(
                values, workers, fail, empty=_("is empty; every check needs a worker")
            )
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
            if fail.found:
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
                    "number": employee_no,
                    "experience": experience[1],
                    "day": day.isoformat(),
                    "first": other,
                    "second": row.number,
                }
                plan.error(other, "employee_no", message)
                plan.error(row.number, "employee_no", message)
                good.pop(other, None)
                continue
            # The level as the page names it, the experience as the
            # catalogue spells it, whichever spelling the file used.
            shown = {"level": {"code": level}, "experience": {"label": experience[1]}}
            good[row.number] = Planned(item, values, shown)
        return good

    def stored(self, keys):
        return stored_checks(keys)

    def write_rows(self, rows, *, by, source):
        return record_mastery(rows=rows, by=by, source=source)


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
