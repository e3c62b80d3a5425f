"""An import batch's steps — check (read and plan) and apply — the same whether
the request runs them (small files) or the task worker does (large ones).

A batch goes: [mapping →] checking → previewed → importing → applied, or
failed at any step. ``check_batch`` reads the stored file and plans it,
keeping on the batch what its page shows (``summary``), so reopening a batch
never reads the file again; ``apply_batch`` reads and plans again against the
database as it is then and writes the whole plan in one transaction, in
which the batch is marked applied too: the file's rows and the batch's
status commit together or not at all.

Whether a task worker still has a batch in hand is told by ``reap_if_dead``:
on PostgreSQL the worker holds a session advisory lock on the batch for as
long as it runs, which the server releases the moment the worker's
connection goes (a ``kill -9`` included). Elsewhere (SQLite, whose file only
processes of one host share) the batch names the worker's process — host,
pid and the kernel's start time of that pid, so a reused pid is not taken
for it — and the page asks the kernel whether it still runs; from another
host, only a heartbeat older than IMPORT_TASK_STALE_SECONDS tells.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import socket

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workers.importing.base import Importer, load_importers
from workers.importing.errors import ImportPlan
from workers.importing.limits import ImportFileError
from workers.importing.shown import group_errors
from workers.importing.tables import MissingColumnsError, Table
from workers.models import IMPORT_WORKING, ImportBatch, ImportStatus, Worker

logger = logging.getLogger("catchup.imports")

# Errors are listed one per cause (column and message), up to this many
# causes; the failed-rows file has every row.
ERRORS_SHOWN = 1000
# Skipped rows listed on the page (all are counted).
SKIPPED_SHOWN = 500
# pg_advisory_lock(namespace, batch id): held by the worker running a batch.
BATCH_LOCK_NAMESPACE = 0x43550002  # "CU" 2
# Progress is written at most this often (seconds) while reading.
PROGRESS_INTERVAL = 0.5


def importer_for(batch: ImportBatch) -> Importer:
    return load_importers()[batch.kind]()


def estimate_rows(data: bytes) -> int:
    """About how many data rows a file holds, without parsing it: enough to
    decide whether the request or the task worker checks it, and to draw
    progress ("of N rows": the header is not one of them).

    CSV: its lines; XLSX and ODS: the row elements of their sheets, counted
    while streaming the zip — once its entry count and declared sizes have
    passed (a file past them is refused at once by the reader, in the
    request); XLS: at most 65,536 rows, each of some 60 bytes of records.
    """
    import zipfile

    from workers.importing.workbooks import refuse_oversized_container

    if data.startswith(b"PK\x03\x04"):
        pattern = re.compile(rb"<(?:\w+:)?(?:table:table-)?row[\s>/]")
        count = 0
        try:
            with zipfile.ZipFile(_bytes_io(data)) as archive:
                entries = archive.infolist()
                refuse_oversized_container(entries)
                for entry in entries:
                    name = entry.filename
                    if not (name.startswith("xl/worksheets/") or name == "content.xml"):
                        continue
                    tail = b""
                    with archive.open(entry) as stream:
                        while chunk := stream.read(1 << 20):
                            window = tail + chunk
                            count += len(pattern.findall(window)) - len(
                                pattern.findall(tail)
                            )
                            tail = chunk[-24:]
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, ImportFileError):
            return 0  # the reader refuses it with the right message
        return max(count - 1, 0)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return min(65_535, len(data) // 60)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return max(lines - 1, 0)


def _bytes_io(data: bytes):
    import io

    return io.BytesIO(data)


def goes_to_background(rows: int) -> bool:
    return rows > settings.IMPORT_BACKGROUND_ROWS


# --- checking -------------------------------------------------------------------


class Progress:
    """Writes a batch's progress now and then (never inside a transaction of
    the import's own: only between steps and while reading)."""

    def __init__(self, batch: ImportBatch | None):
        self.batch = batch
        self.last = 0.0

    def phase(self, phase: str, done: int | None = None) -> None:
        if self.batch is None or self.batch.pk is None:
            return
        self.batch.phase = phase
        fields = {"phase": phase, "heartbeat_at": timezone.now()}
        if done is not None:
            self.batch.progress_done = fields["progress_done"] = done
        ImportBatch.objects.filter(pk=self.batch.pk).update(**fields)

    def rows(self, done: int) -> None:
        import time

        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self.phase(self.batch.phase or "reading", min(done, self._total()))

    def _total(self) -> int:
        return max(self.batch.progress_total, 1)


def read_batch(
    batch: ImportBatch, importer: Importer, progress: Progress | None = None
) -> Table:
    # Batches are loaded without their bytes (defer): this loads them.
    return importer.read(
        bytes(batch.content),
        batch.filename,
        mapping=batch.mapping or None,
        progress=progress.rows if progress and progress.batch else None,
    )


def check_batch(
    batch: ImportBatch, *, progress: Progress | None = None, file_errors: bool = True
) -> tuple[Table | None, ImportPlan | None]:
    """Read and plan the batch's file; keep the outcome on the batch.

    The batch ends ``previewed`` (ready to confirm), ``mapping`` (columns to
    match) or ``failed``. With ``file_errors=False`` a file that cannot be
    read raises ImportFileError instead, and nothing is saved (the upload
    form shows the message).
    """
    importer = importer_for(batch)
    try:
        table = read_batch(batch, importer, progress)
    except MissingColumnsError as exc:
        if _choosable(exc):
            batch.status = ImportStatus.MAPPING
            batch.summary = mapping_summary(exc)
            batch.error = ""
            _save(batch)
            return None, None
        if not file_errors:
            raise
        fail(batch, exc.message)
        return None, None
    except ImportFileError as exc:
        if not file_errors:
            raise
        fail(batch, exc.message)
        return None, None
    if progress:
        progress.phase("checking", len(table.rows))
    plan = importer.plan(table, options=batch.options)
    batch.summary = summarise(table, plan, importer)
    batch.counts = plan.counts()
    batch.progress_total = batch.progress_done = len(table.rows)
    keep_failed_rows(batch, importer, table, plan)
    if plan.ok:
        batch.status, batch.error, batch.finished_at = ImportStatus.PREVIEWED, "", None
    else:
        # A file with errors can never be confirmed; saying so now keeps it
        # out of the "waiting for confirmation" state.
        batch.status = ImportStatus.FAILED
        batch.error = rows_error_summary(plan)
        batch.finished_at = timezone.now()
    batch.retry = ""
    _save(batch)
    return table, plan


def keep_failed_rows(batch, importer, table: Table, plan: ImportPlan) -> None:
    """Make the rows-with-errors file now, while the table is in hand."""
    batch.failed_rows = b"" if plan.ok else importer.failed_rows_csv(table, plan.errors)


def _choosable(exc: MissingColumnsError) -> bool:
    """Whether matching columns can help: some header is not used yet."""
    used = set(exc.found.values())
    return any(header not in used for header in exc.headers)


def mapping_summary(exc: MissingColumnsError) -> dict:
    return {
        "mapping": {
            "headers": exc.headers,
            "missing": [column.name for column in exc.missing],
            "found": exc.found,
            "suggested": exc.suggested,
            "header_row": exc.header_row,
            "message": exc.message,
        }
    }


def summarise(table: Table, plan: ImportPlan, importer: Importer) -> dict:
    """What the batch page shows of a checked file, as JSON: data, not
    words (workers.importing.shown words it in the reader's language)."""
    columns = [[name, table.header_for(name)] for name in table.columns]
    names = _worker_names(plan)
    preview = []
    for item in plan.preview:
        number = item["values"].get("employee_no", "")
        shown = item.get("shown", {})
        preview.append(
            {
                "row": item["row"],
                "action": item["action"],
                "name": names.get(_clean(number)) or item["values"].get("name", ""),
                "cells": [
                    {
                        "column": name,
                        "text": item["values"].get(name, ""),
                        "changed": name in item["changes"],
                        **shown.get(name, {}),
                    }
                    for name, _header in columns
                ],
            }
        )
    errors, _covered = group_errors(plan.errors, table.header_for, ERRORS_SHOWN)
    return {
        "format": table.format,
        "columns": columns,
        "ignored": table.ignored_columns,
        "header_row": table.header_row,
        "mapping_used": table.mapping,
        "mapping_remembered": table.mapping_remembered,
        "skipped": [
            {"row": s.number, "reason": s.reason, "text": s.text}
            for s in table.skipped[:SKIPPED_SHOWN]
        ],
        "skipped_total": len(table.skipped),
        "rows": len(table.rows),
        "preview": preview,
        "errors": errors,
        "errors_total": len(plan.errors),
        "warnings": list(plan.warnings),
        **importer.summary_extra(plan),
    }


def _clean(number: str) -> str:
    from workers.importing.values import clean_employee_no

    return clean_employee_no(number)


def _worker_names(plan: ImportPlan) -> dict[str, str]:
    """employee_no → name of the workers in the preview rows (one query)."""
    numbers = {_clean(item["values"].get("employee_no", "")) for item in plan.preview}
    numbers.discard("")
    if not numbers:
        return {}
    return dict(
        Worker.objects.filter(employee_no__in=numbers).values_list(
            "employee_no", "name"
        )
    )


# --- applying -------------------------------------------------------------------


def apply_batch(
    batch: ImportBatch, *, user, progress: Progress | None = None
) -> ImportBatch:
    """Read and plan the file again, then write it whole, in one transaction
    that also marks the batch applied. Records why when it cannot."""
    importer = importer_for(batch)
    try:
        table = read_batch(batch, importer, progress)
    except ImportFileError as exc:
        fail(batch, exc.message)
        return batch
    if progress:
        progress.phase("checking", len(table.rows))
    plan = importer.plan(table, options=batch.options)
    if not plan.ok:
        # The database changed since the preview (a workshop deleted, a
        # worker added by hand): the file no longer imports as shown.
        batch.summary = summarise(table, plan, importer)
        batch.counts = plan.counts()
        keep_failed_rows(batch, importer, table, plan)
        fail(batch, rows_error_summary(plan))
        return batch
    # What the page says was done besides the rows is what this plan does
    # (the database may have changed since the preview).
    batch.summary = {**(batch.summary or {}), **importer.summary_extra(plan)}
    if progress:
        progress.phase("saving", len(table.rows))
    try:
        with transaction.atomic():
            counts = importer.apply(plan, user=user)
            batch.status, batch.counts, batch.error = ImportStatus.APPLIED, counts, ""
            batch.finished_at = timezone.now()
            batch.phase, batch.retry = "", ""
            batch.progress_done = batch.progress_total
            _save(batch)
    except (DatabaseError, ValidationError):
        logger.exception("import batch %s failed", batch.pk)
        batch.refresh_from_db(fields=["status"])
        fail(
            batch,
            _(
                "The import failed and nothing was saved: the data changed while "
                "it was being written. Upload the file again to check it."
            ),
        )
    return batch


def fail(batch: ImportBatch, message: str, *, retry: str = "") -> None:
    batch.status, batch.error = ImportStatus.FAILED, message
    batch.finished_at = timezone.now()
    batch.retry = retry
    _save(batch)


_SAVED_FIELDS = [
    "status",
    "counts",
    "error",
    "finished_at",
    "summary",
    "mapping",
    "phase",
    "progress_done",
    "progress_total",
    "retry",
    "failed_rows",
]


def _save(batch: ImportBatch) -> None:
    if batch.pk is None:
        batch.save()
    else:
        batch.save(update_fields=_SAVED_FIELDS)


def rows_error_summary(plan: ImportPlan) -> str:
    rows = len(plan.error_rows())
    return ngettext(
        "%(rows)d row has errors; nothing was imported. Correct it and "
        "upload the file again.",
        "%(rows)d rows have errors; nothing was imported. Correct them and "
        "upload the file again.",
        rows,
    ) % {"rows": rows}


# --- the task worker's hold on a batch ---------------------------------------------


@contextlib.contextmanager
def worker_holds(batch_id: int):
    """Held by the task worker while it runs a batch (see the module doc)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_lock(%s, %s)", [BATCH_LOCK_NAMESPACE, batch_id]
        )
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [BATCH_LOCK_NAMESPACE, batch_id]
            )


def worker_died_message() -> str:
    return _(
        "The task worker stopped while it had this file in hand (it was "
        "restarted or killed); nothing of the file was saved. Retry to import "
        "it whole."
    )


def reap_if_dead(batch: ImportBatch) -> bool:
    """Mark a batch failed (retryable) when the worker that had it is gone.

    True when it did. A batch no worker has taken yet (heartbeat None) is
    waiting, not dead.
    """
    if batch.status not in IMPORT_WORKING or batch.heartbeat_at is None:
        return False
    step = "check" if batch.status == ImportStatus.CHECKING else "apply"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [BATCH_LOCK_NAMESPACE, batch.pk]
            )
            if not cursor.fetchone()[0]:
                return False  # a worker holds it: alive
            try:
                # Read again under the lock: a worker that just finished has
                # committed its outcome before letting go.
                dead = ImportBatch.objects.filter(
                    pk=batch.pk, status=batch.status, heartbeat_at__isnull=False
                ).update(
                    status=ImportStatus.FAILED,
                    error=worker_died_message(),
                    finished_at=timezone.now(),
                    retry=step,
                )
            finally:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    [BATCH_LOCK_NAMESPACE, batch.pk],
                )
    else:
        stale = timezone.now() - dt.timedelta(
            seconds=settings.IMPORT_TASK_STALE_SECONDS
        )
        running = process_runs(batch.worker_process)
        if running:
            return False
        dead = ImportBatch.objects.filter(
            pk=batch.pk,
            status=batch.status,
            worker_process=batch.worker_process,
            heartbeat_at__isnull=False,
            # Certainly gone: dead now; unknown (another host): when silent.
            **({} if running is False else {"heartbeat_at__lt": stale}),
        ).update(
            status=ImportStatus.FAILED,
            error=worker_died_message(),
            finished_at=timezone.now(),
            retry=step,
        )
    if dead:
        logger.warning("import batch %s: its task worker died", batch.pk)
        batch.refresh_from_db()
    return bool(dead)


def this_process() -> str:
    """This process, as a batch names the worker that took it."""
    return process_name(os.getpid())


def process_name(pid: int) -> str:
    return f"{socket.gethostname()} {pid} {_started(pid)}"


def process_runs(name: str) -> bool | None:
    """Whether the named process still runs: it ran on this host, and a
    process of its pid and start time runs now. None when that cannot be
    told (another host, no /proc, no name)."""
    try:
        host, pid, started = name.split(" ")
    except ValueError:
        return None
    if host != socket.gethostname() or not started:
        return None
    return _started(int(pid)) == started


def _started(pid: int) -> str:
    """The kernel's start time of a process (clock ticks since boot), or ""."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The name in parentheses may hold spaces: split after it.
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return fields[19].decode()  # field 22 of stat(5), the 20th after the name


def expire_previews(*, now: dt.datetime | None = None) -> int:
    """Remove previews (and column matchings) not confirmed in time."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.IMPORT_PREVIEW_HOURS)
    deleted, _by_model = ImportBatch.objects.filter(
        status__in=[ImportStatus.PREVIEWED, ImportStatus.MAPPING],
        uploaded_at__lt=cutoff,
    ).delete()
    return deleted


def is_expired(batch: ImportBatch) -> bool:
    return batch.status in (
        ImportStatus.PREVIEWED,
        ImportStatus.MAPPING,
    ) and batch.uploaded_at < timezone.now() - dt.timedelta(
        hours=settings.IMPORT_PREVIEW_HOURS
    )
