"""The roster import: workers (and, on request, their workshops) from a file.

Columns (README): employee_no/工号, name/姓名, workshop/车间 (code or
name), trade/工种, political_status/政治面貌, activist/积极分子. The first
three are required; a file without the trade, political status or activist
column leaves those fields of existing workers as they are (new workers get
the defaults). Workers missing from the file are left alone: leaving the
factory is recorded by hand (``active``), never inferred from a file.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from django import forms
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from workers.changes import Change, announce_change
from workers.importing import spellings
from workers.importing.base import Importer, collector_paused, register
from workers.importing.errors import ImportPlan
from workers.importing.shown import join_list
from workers.importing.tables import Table
from workers.importing.values import (
    ValueProblem,
    clean_employee_no,
    parse_bool,
    parse_choice,
)
from workers.models import ImportKind, PoliticalStatus, Worker, Workshop

CREATE_BATCH = 1000
UPDATE_BATCH = 100


@register
class RosterImporter(Importer):
    kind = ImportKind.WORKERS
    permissions = ("workers.add_worker", "workers.change_worker")
    columns = spellings.ROSTER_COLUMNS

    @classmethod
    def option_fields(cls) -> dict[str, forms.Field]:
        return {
            "create_workshops": forms.BooleanField(
                label=gettext_lazy("Create missing workshops"),
                help_text=gettext_lazy(
                    "A workshop named in the file that does not exist yet is "
                    "created; otherwise it is an error on that row."
                ),
                required=False,
            )
        }

    @collector_paused()
    def plan(self, table: Table, *, options: dict) -> ImportPlan:
        plan = ImportPlan(
            payload={"new_workshops": [], "filename": table.filename, "changed": {}}
        )
        create_workshops = bool(options.get("create_workshops"))
        workshops = _WorkshopResolver(
            create=create_workshops,
            option=self.option_label("create_workshops"),
            on_command_line=self.on_command_line,
        )
        existing = _existing_workers(table)
        max_lengths = {
            name: Worker._meta.get_field(name).max_length
            for name in ("employee_no", "name", "trade")
        }
        first_row: dict[str, int] = {}
        has = set(table.columns)

        for row, fail in self.rows_to_check(table, plan):
            values = row.values
            employee_no = clean_employee_no(values.get("employee_no", ""))
            name = values.get("name", "").strip()
            trade = values.get("trade", "").strip()
            if not employee_no:
                fail("employee_no", _("is empty; every worker needs a number"))
            elif employee_no in first_row:
                fail(
                    "employee_no",
                    _(
                        "“%(number)s” appears more than once in the file: rows "
                        "%(first)d and %(row)d"
                    )
                    % {
                        "number": employee_no,
                        "first": first_row[employee_no],
                        "row": row.number,
                    },
                )
            else:
                first_row[employee_no] = row.number
            if not name:
                fail("name", _("is empty; every worker needs a name"))
            for column, text in (
                ("employee_no", employee_no),
                ("name", name),
                ("trade", trade),
            ):
                if len(text) > max_lengths[column]:
                    fail(
                        column,
                        _("is too long: at most %(limit)d characters")
                        % {"limit": max_lengths[column]},
                    )
            workshop, problem = workshops.resolve(values.get("workshop", ""))
            if problem:
                fail("workshop", problem)
            status = is_activist = None
            if "political_status" in has:
                try:
                    status = parse_choice(
                        values["political_status"],
                        PoliticalStatus,
                    )
                except ValueProblem as problem:
                    fail("political_status", problem.message)
            if "activist" in has:
                try:
                    is_activist = parse_bool(values["activist"])
                except ValueProblem as problem:
                    fail("activist", problem.message)
            if fail.found:
                continue

            # What the preview shows for the coded cells: labels, not codes.
            shown = {"workshop": {"label": workshop.name}}
            if status is not None:
                shown["political_status"] = {"code": status}
            if is_activist is not None:
                shown["activist"] = {"code": is_activist}
            wanted = {"name": name, "workshop": workshop}
            if "trade" in has:
                wanted["trade"] = trade
            if status is not None:
                wanted["political_status"] = status
            if is_activist is not None:
                wanted["is_activist"] = is_activist
            worker = existing.get(employee_no)
            if worker is None:
                worker = Worker(employee_no=employee_no, **wanted)
                plan.to_create.append(worker)
                self.add_preview(plan, row.number, "create", values, shown=shown)
                continue
            changed = [
                field
                for field, value in wanted.items()
                if _differs(worker, field, value)
            ]
            if not changed:
                plan.unchanged += 1
                continue
            for field in changed:
                setattr(worker, field, wanted[field])
            plan.to_update.append(worker)
            plan.payload["changed"][worker.pk] = tuple(sorted(changed))
            self.add_preview(plan, row.number, "update", values, changed, shown)

        plan.payload["new_workshops"] = workshops.created
        if plan.errors:
            # All or nothing: nothing of a file with errors is kept.
            plan.to_create, plan.to_update, plan.payload["new_workshops"] = [], [], []
        return plan

    def summary_extra(self, plan: ImportPlan) -> dict:
        return {
            "new_workshops": [
                [workshop.code, workshop.name]
                for workshop in plan.payload["new_workshops"]
            ]
        }

    @classmethod
    def notes(cls, extra: dict, *, done: bool) -> list[str]:
        created = extra.get("new_workshops") or []
        if not created:
            return []
        names = join_list(
            _("%(name)s (code %(code)s)") % {"name": name, "code": code}
            for code, name in created
        )
        if done:
            return [_("New workshops were created: %(names)s") % {"names": names}]
        return [_("New workshops will be created: %(names)s") % {"names": names}]

    def write(self, plan: ImportPlan, *, user) -> None:
        for workshop in plan.payload["new_workshops"]:
            workshop.save()
        reason = self.history_reason(plan)
        for worker in (*plan.to_create, *plan.to_update):
            if worker.workshop_id is None:
                # A workshop saved just above: re-assigning takes its new id.
                worker.workshop = worker.workshop
        bulk_create_with_history(
            plan.to_create,
            Worker,
            batch_size=CREATE_BATCH,
            default_user=user,
            default_change_reason=reason,
        )
        if plan.to_update:
            self._write_updates(plan, user=user, reason=reason)
        # bulk writes send no model signals: announce them once written
        # (receivers that keep derived rows read them); the roster reaches
        # every month's figures: names, workshops, completeness.
        announce_change(Change.ROSTER, months=None)

    def _write_updates(self, plan: ImportPlan, *, user, reason: str) -> None:
        now = timezone.now()
        groups: dict[tuple[str, ...], list[Worker]] = defaultdict(list)
        for worker in plan.to_update:
            worker.updated_at = now
            groups[plan.payload["changed"][worker.pk]].append(worker)
        # Only the fields that changed, grouped: Django's bulk_update builds a
        # CASE branch per row *and field*, and building them is what costs.
        for fields, workers in groups.items():
            bulk_update_with_history(
                workers,
                Worker,
                fields=list(fields),
                batch_size=UPDATE_BATCH,
                default_user=user,
                default_change_reason=reason,
            )
        # bulk_update skips auto_now; one value for all, so a plain UPDATE.
        ids = [worker.pk for worker in plan.to_update]
        for start in range(0, len(ids), 500):
            Worker.objects.filter(pk__in=ids[start : start + 500]).update(
                updated_at=now
            )


def _differs(worker: Worker, field: str, value) -> bool:
    if field == "workshop":
        return value.pk is None or worker.workshop_id != value.pk
    return getattr(worker, field) != value


def _existing_workers(table: Table) -> dict[str, Worker]:
    numbers = sorted(
        {clean_employee_no(row.values.get("employee_no", "")) for row in table.rows}
        - {""}
    )
    found: dict[str, Worker] = {}
    # Chunked: SQLite limits the parameters of one statement.
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update(
            (worker.employee_no, worker)
            for worker in Worker.objects.filter(employee_no__in=chunk)
        )
    return found


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


class _WorkshopResolver:
    """A workshop cell (code or name) → Workshop, creating it if allowed.

    A workshop created from a name gets a code (a short slug, used in files
    and addresses): the name's own words when it is plain ASCII
    ("Tool Room" → tool-room), else ws1, ws2… in the order the names first
    appear in the file, past the codes taken. The same file against the same
    workshops plans the same codes; imported again, it finds them all by name
    and creates nothing.
    """

    def __init__(self, *, create: bool, option: str, on_command_line: bool):
        self.create = create
        # The option that would create it, in the reader's words.
        self.option, self.on_command_line = option, on_command_line
        workshops = list(Workshop.objects.all())
        self.by_code = {_key(w.code): w for w in workshops}
        self.by_name = {_key(w.name): w for w in workshops}
        # A new code is neither another's code nor another's name: a cell
        # holding it would otherwise name two workshops.
        self.taken = set(self.by_code) | set(self.by_name)
        self.generated = 0
        self.created: list[Workshop] = []
        self.name_limit = Workshop._meta.get_field("name").max_length
        self.code_limit = Workshop._meta.get_field("code").max_length

    def resolve(self, text: str) -> tuple[Workshop | None, str | None]:
        text = " ".join(text.split())
        if not text:
            return None, _("is empty; name the worker's workshop (code or name)")
        key = _key(text)
        found = self.by_code.get(key) or self.by_name.get(key)
        if found is not None:
            return found, None
        if not self.create:
            return None, self._unknown(text)
        if len(text) > self.name_limit:
            return None, _(
                "is too long for a workshop name: at most %(limit)d characters"
            ) % {"limit": self.name_limit}
        workshop = Workshop(code=self._new_code(text), name=text)
        self.created.append(workshop)
        self.by_name[key] = workshop
        self.taken.add(key)
        return workshop, None

    def _unknown(self, text: str) -> str:
        if self.on_command_line:
            message = _(
                "no workshop has the code or name “%(text)s”. Create it first, "
                "or run the command again with %(option)s."
            )
        else:
            message = _(
                "no workshop has the code or name “%(text)s”. Create it first, "
                "or tick “%(option)s” and upload the file again."
            )
        return message % {"text": text, "option": self.option}

    def _new_code(self, name: str) -> str:
        base = _ascii_code(name, self.code_limit) if name.isascii() else ""
        if not base:
            return self._generated_code()
        code, number = base, 2
        while _key(code) in self.taken:
            suffix = f"-{number}"
            code, number = base[: self.code_limit - len(suffix)] + suffix, number + 1
        self.taken.add(_key(code))
        return code

    def _generated_code(self) -> str:
        while True:
            self.generated += 1
            code = f"ws{self.generated}"
            if _key(code) not in self.taken:
                self.taken.add(_key(code))
                return code


def _ascii_code(name: str, limit: int) -> str:
    """ "Second Machining Workshop" → second-machining: the name's slug,
    cut at a word's end to fit ``limit``."""
    slug = slugify(name)
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rsplit("-", 1)[0]
    return cut if 0 < len(cut) <= limit else slug[:limit].strip("-")
