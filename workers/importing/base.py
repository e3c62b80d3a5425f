"""The Importer base class and the registry of importers by kind.

An importer validates a whole file first (``plan``: no writes) and only then
writes it, all of it, in one transaction (``apply``). The upload pages and
the management commands drive every kind the same way::

    importer = get_importer("workers")
    table = importer.read(data, filename)           # ImportFileError
    plan = importer.plan(table, options={...})      # ImportPlan, no writes
    if plan.ok:
        counts = importer.apply(plan, user=user)    # one transaction
"""

from __future__ import annotations

import csv
import gc
import importlib
import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, NamedTuple

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _

from workers.importing.errors import PREVIEW_LIMIT, ImportPlan, RowError
from workers.importing.reading import read_table
from workers.importing.tables import Column, Row, Table, headers_key
from workers.importing.values import clean_employee_no
from workers.roles import is_secretary
from workers.spreadsheet_safety import safe_cell
from workers.text import check_text

IMPORTERS: dict[str, type[Importer]] = {}

# Above this many distinct workers (or worker-months) one query for all is
# cheaper than a long IN list, and it never meets SQLite's parameter limit.
SMALL_FILE = 500
# history_change_reason is a 100-character column.
SOURCE_MAX = 100

# Modules that define importers (each calls register() when imported). A kind
# whose module does not exist yet is simply not offered.
IMPORTER_MODULES = (
    "workers.importing.roster",
    "workers.importing.records",
    "workers.importing.classifications",
    "workers.importing.mastery",
)


_pauses = 0
_pauses_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read, planned
    or written (nested and concurrent pauses end with the last one).

    A 100,000-row file becomes a few hundred thousand small objects (rows,
    their cells, the records to save) that all live until the import ends;
    while they pile up the collector walks them again and again, which
    costs a third of reading and planning. The steps make no reference
    cycles of their own (reference counting frees what they drop); cycles
    anything else makes meanwhile are collected once the pause ends.
    """
    global _pauses
    with _pauses_lock:
        if _pauses == 0 and not gc.isenabled():
            # Someone else turned it off: leave it as it is.
            paused = False
        else:
            _pauses += 1
            paused = True
            gc.disable()
    try:
        yield
    finally:
        if paused:
            with _pauses_lock:
                _pauses -= 1
                if _pauses == 0:
                    gc.enable()


def register(importer_cls: type[Importer]) -> type[Importer]:
    """Class decorator: make an importer available under its ``kind``."""
    IMPORTERS[importer_cls.kind] = importer_cls
    return importer_cls


def load_importers() -> dict[str, type[Importer]]:
    for module in IMPORTER_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return IMPORTERS


def get_importer(kind: str) -> Importer:
    """An importer instance for the kind; KeyError for an unknown kind."""
    return load_importers()[kind]()


class Importer:
    """Base for the roster, record, classification and mastery importers.

    Subclasses set ``kind`` (a workers.models.ImportKind value), ``columns``
    and ``permissions`` (what a user needs, besides seeing every workshop,
    to import this kind), and implement ``plan`` (read and check, no
    writes) and ``write`` (called by ``apply`` inside its transaction);
    ``KeyedImporter`` implements both for the kinds whose rows go through
    a service's writer by key.
    """

    kind: ClassVar[str] = ""
    columns: ClassVar[list[Column]] = []
    # Model permissions needed to import this kind, e.g. workers.add_worker.
    permissions: ClassVar[tuple[str, ...]] = ()
    # Who reads the messages: the upload page names its options by their
    # labels (a checkbox), the management command by its flags
    # (--create-workshops); the command sets this.
    on_command_line: bool = False

    # --- who and how -------------------------------------------------------

    @classmethod
    def may_import(cls, user) -> bool:
        """Imports cross workshops, so only the secretary's side may import."""
        return (
            user.is_authenticated
            and is_secretary(user)
            and user.has_perms(cls.permissions)
        )

    @classmethod
    def title(cls) -> str:
        from workers.models import ImportKind

        return str(ImportKind(cls.kind).label)

    @classmethod
    def option_fields(cls) -> dict[str, forms.Field]:
        """Extra form fields for the upload page; their cleaned values are
        stored on the batch and passed to ``plan`` as ``options``."""
        return {}

    # --- the steps ---------------------------------------------------------

    def read(
        self,
        data: bytes,
        filename: str,
        *,
        mapping: dict[str, str] | None = None,
        progress=None,
    ) -> Table:
        """The file as a Table. ``mapping`` ({column: header}) is the user's
        column mapping; without one, a mapping confirmed earlier for the same
        header row is used (``remember_mapping``)."""
        with collector_paused():
            return read_table(
                data,
                filename,
                self.columns,
                mapping=mapping,
                remembered=self.remembered_mapping,
                progress=progress,
            )

    def remembered_mapping(self, headers: list[str]) -> dict[str, str] | None:
        from workers.models import ColumnMapping

        found = (
            ColumnMapping.objects.filter(
                kind=self.kind, headers_key=headers_key(headers)
            )
            .values_list("mapping", flat=True)
            .first()
        )
        return found or None

    def remember_mapping(self, headers: list[str], mapping: dict[str, str], *, user):
        """Keep ``mapping`` for the next file whose header row is ``headers``."""
        from workers.models import ColumnMapping

        ColumnMapping.objects.update_or_create(
            kind=self.kind,
            headers_key=headers_key(headers),
            defaults={"headers": list(headers), "mapping": mapping, "saved_by": user},
        )

    def plan(self, table: Table, *, options: dict) -> ImportPlan:
        """Check every row and decide what would change. No writes."""
        raise NotImplementedError

    def apply(self, plan: ImportPlan, *, user) -> dict[str, int]:
        """Write the plan in one transaction; returns created/updated/unchanged.

        Only called with ``plan.ok``. Subclasses implement ``write`` (never
        this): it runs inside the transaction opened here and may return the
        counts it found while writing, which then replace the plan's.
        """
        if not plan.ok:
            raise ValueError("a plan with errors cannot be applied")
        with collector_paused(), transaction.atomic():
            counts = self.write(plan, user=user)
        return counts or {
            "created": len(plan.to_create),
            "updated": len(plan.to_update),
            "unchanged": plan.unchanged,
        }

    def write(self, plan: ImportPlan, *, user) -> dict[str, int] | None:
        raise NotImplementedError

    # --- what else an import does, besides its rows --------------------------

    def summary_extra(self, plan: ImportPlan) -> dict:
        """Data (JSON) about what the plan does besides its rows, kept on the
        batch's summary; ``notes`` words it."""
        return {}

    @classmethod
    def notes(cls, extra: dict, *, done: bool) -> list[str]:
        """``summary_extra``'s data in sentences of the active language: what
        the import will do, or did once ``done``."""
        return []

    def option_label(self, name: str) -> str:
        """An option as the reader knows it: the upload page's field label,
        or the command's flag."""
        if self.on_command_line:
            return "--" + name.replace("_", "-")
        return str(self.option_fields()[name].label)

    # --- helpers for subclasses -------------------------------------------

    def rows_to_check(
        self, table: Table, plan: ImportPlan
    ) -> Iterator[tuple[Row, RowProblems]]:
        """Each row whose cells are storable text (``check_cells`` reports
        the others), with what reports its problems."""
        bad_rows = self.check_cells(table, plan)
        for row in table.rows:
            if row.number not in bad_rows:
                yield row, RowProblems(plan, row.number)

    @staticmethod
    def history_reason(plan: ImportPlan) -> str:
        """What the history of every row the import writes gives as the
        reason: the import and its file."""
        reason = _("import: %(file)s") % {"file": plan.payload["filename"]}
        return reason[:SOURCE_MAX]

    def check_cells(self, table: Table, plan: ImportPlan) -> set[int]:
        """Report unstorable cell text (NUL, control characters, very long)
        as row errors; returns the numbers of the rows that had any."""
        bad: set[int] = set()
        if table.cells_checked:  # the reader searched the whole file once
            return bad
        for row in table.rows:
            for column, value in row.values.items():
                problem = check_text(value, column)
                if problem:
                    plan.error(row.number, column, problem)
                    bad.add(row.number)
        return bad

    @staticmethod
    def add_preview(
        plan: ImportPlan,
        row: int,
        action: str,
        values: dict[str, str],
        changes: list[str] | tuple[str, ...] = (),
        shown: dict[str, dict] | None = None,
    ) -> None:
        """Keep a sample row for the preview (action: create/update).

        ``shown`` gives, by column, what the page shows instead of the file's
        text: ``{"code": …}`` for a coded value (shown by its label in the
        reader's language) or ``{"label": …}`` (a workshop's name for its
        code).
        """
        if len(plan.preview) < PREVIEW_LIMIT:
            plan.preview.append(
                {
                    "row": row,
                    "action": action,
                    "values": values,
                    "changes": changes,
                    "shown": shown or {},
                }
            )

    def failed_rows_csv(self, table: Table, errors: list[RowError]) -> bytes:
        """The rows with errors, as the user wrote them, plus an error column.

        UTF-8 with a BOM so that Chinese Excel opens it without garbling;
        every cell goes through safe_cell, so the file never carries a
        formula (or a control character) from the uploaded one.
        """
        messages: dict[int, list[str]] = {}
        for error in errors:
            text = error.message
            if error.column:
                text = f"{table.header_for(error.column)}: {text}"
            messages.setdefault(error.row, []).append(text)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        # The headers are the uploaded file's own text too.
        writer.writerow(
            [
                _("row"),
                *(safe_cell(table.header_for(c)) for c in table.columns),
                _("errors"),
            ]
        )
        for row in table.rows:
            if row.number not in messages:
                continue
            writer.writerow(
                [
                    row.number,
                    *(safe_cell(row.values.get(c, "")) for c in table.columns),
                    safe_cell("; ".join(messages[row.number])),
                ]
            )
        return ("\ufeff" + out.getvalue()).encode("utf-8")


class RowProblems:
    """Reports one row's problems to the plan, as ``fail(column, message)``;
    ``found`` says whether the row has any."""

    __slots__ = ("before", "number", "plan")

    def __init__(self, plan: ImportPlan, number: int) -> None:
        self.plan, self.number = plan, number
        self.before = len(plan.errors)

    def __call__(self, column: str | None, message: str) -> None:
        self.plan.error(self.number, column, message)

    @property
    def found(self) -> bool:
        return len(self.plan.errors) > self.before


class Planned(NamedTuple):
    """A row of the file without a problem: the input it is written as (with
    a ``key``), its cells, and what the preview shows for its coded cells
    (``Importer.add_preview``'s ``shown``)."""

    item: Any
    values: dict[str, str]
    shown: dict[str, dict]


class KeyedImporter(Importer):
    """An importer whose every row is one input of a service's writer, known
    by its ``key`` (the classifications: a worker and month; the checks of
    mastery: a worker, experience and day). A row whose key is stored
    changes nothing when its ``compared`` fields are the stored row's, and
    corrects them otherwise.

    Subclasses implement ``check_rows``, ``stored`` and ``write_rows``.
    """

    # The fields of a stored row that a row of the file may correct.
    compared: ClassVar[tuple[str, ...]] = ()

    @collector_paused()
    def plan(self, table: Table, *, options: dict) -> ImportPlan:
        plan = ImportPlan(payload={"rows": [], "filename": table.filename})
        planned = self.check_rows(table, plan)
        if plan.errors:
            # All or nothing: a file with any error imports nothing.
            plan.errors.sort(key=lambda error: (error.row, error.column or ""))
            return plan
        stored = self.stored(item.key for item, _values, _shown in planned.values())
        rows = plan.payload["rows"]
        for number, (item, values, shown) in planned.items():
            rows.append(item)
            current = stored.get(item.key)
            if current is None:
                plan.to_create.append(item)
                self.add_preview(plan, number, "create", values, shown=shown)
                continue
            changes = [
                name
                for name in self.compared
                if getattr(current, name) != getattr(item, name)
            ]
            if not changes:
                plan.unchanged += 1
                continue
            plan.to_update.append(item)
            self.add_preview(plan, number, "update", values, changes, shown)
        return plan

    def check_rows(self, table: Table, plan: ImportPlan) -> dict[int, Planned]:
        """Every row's problems as the plan's errors; the rows without any,
        by row number, in the file's order."""
        raise NotImplementedError

    def stored(self, keys: Iterable) -> dict:
        """The rows stored under ``keys``, by key (one query)."""
        raise NotImplementedError

    def write_rows(self, rows: list, *, by, source: str):
        """Write ``rows`` through the service's one writer; its WriteCounts."""
        raise NotImplementedError

    def write(self, plan: ImportPlan, *, user) -> dict[str, int]:
        """In the base class's transaction, through the one writer of such
        rows, which decides again under a row lock what changed: someone may
        have changed one since the preview."""
        return self.write_rows(
            plan.payload["rows"], by=user, source=self.history_reason(plan)
        ).counts


def named_worker(
    values: dict[str, str], workers: dict[str, int], fail, *, empty: str
) -> tuple[str, int | None]:
    """The row's employee number and its worker's id (``workers``: from
    ``worker_ids``); the id is None, and ``fail`` told why, when the cell is
    empty (``empty``: why the row needs a worker) or names no worker."""
    employee_no = clean_employee_no(values.get("employee_no", ""))
    if not employee_no:
        fail("employee_no", empty)
    elif employee_no not in workers:
        fail(
            "employee_no",
            _("no worker has the employee number “%(number)s”")
            % {"number": employee_no},
        )
    else:
        return employee_no, workers[employee_no]
    return employee_no, None


def worker_ids(table: Table) -> dict[str, int]:
    """employee_no → pk, for the workers the file names (one query)."""
    numbers = {
        clean_employee_no(row.values.get("employee_no", "")) for row in table.rows
    } - {""}
    return {number: pk for number, (pk,) in workers_by_number(numbers, "pk").items()}


def workers_by_number(numbers: set[str], *fields: str) -> dict[str, tuple]:
    """employee_no → the worker's ``fields``, for the workers of ``numbers``
    (one query)."""
    from workers.models import Worker

    query = Worker.objects.all()
    if len(numbers) <= SMALL_FILE:
        query = query.filter(employee_no__in=numbers)
    return {row[0]: row[1:] for row in query.values_list("employee_no", *fields)}
