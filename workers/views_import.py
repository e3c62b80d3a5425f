"""Upload → preview → confirm, the same pages for every kind of import.

The uploaded bytes are kept on an ImportBatch, so the confirm step imports
exactly the file that was previewed — re-read and re-checked against the
database as it is then — and the batch's status, changed under a row lock,
makes a double-clicked confirm import once.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, InterfaceError, connections, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from workers.access import (
    get_batch_for_user,
    get_importer_class_or_404,
    may_see_batch,
    require_import,
)
from workers.forms import ImportUploadForm
from workers.importing.base import load_importers
from workers.importing.tables import ImportFileError
from workers.models import ImportBatch, ImportStatus

logger = logging.getLogger("catchup.imports")

# Every error is listed up to this many; beyond it the failed-rows file has all.
ERRORS_SHOWN = 1000


@login_required
def import_index(request):
    """The kinds of import this user may run, and their recent imports."""
    kinds = [cls for cls in load_importers().values() if cls.may_import(request.user)]
    if not kinds:
        raise PermissionDenied
    return render(
        request,
        "workers/import_index.html",
        {"kinds": kinds, "batches": _recent_batches(request.user, kinds)},
    )


@login_required
def import_upload(request, kind):
    importer_cls = get_importer_class_or_404(kind)
    require_import(request.user, importer_cls)
    form = ImportUploadForm(importer_cls, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        importer = importer_cls()
        try:
            table = importer.read(data, upload.name)
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            options = form.options()
            plan = importer.plan(table, options=options)
            batch = ImportBatch.objects.create(
                kind=kind,
                filename=upload.name[:255],
                content=data,
                sha256=hashlib.sha256(data).hexdigest(),
                options=options,
                uploaded_by=request.user,
                counts=plan.counts(),
                # A file with errors can never be confirmed; saying so now
                # keeps it out of the "waiting for confirmation" state.
                status=ImportStatus.PREVIEWED if plan.ok else ImportStatus.FAILED,
                error="" if plan.ok else _rows_error_summary(plan),
                finished_at=None if plan.ok else timezone.now(),
            )
            return _render_batch(request, batch, importer, table, plan)
    return render(
        request,
        "workers/import_upload.html",
        {
            "form": form,
            "importer": importer_cls,
            "columns": _column_help(importer_cls),
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
            "batches": _recent_batches(request.user, [importer_cls]),
        },
    )


@login_required
def import_batch(request, pk):
    """A batch: its preview while it waits for confirmation, else its result."""
    batch, importer_cls = get_batch_for_user(request.user, pk)
    importer = importer_cls()
    table = plan = None
    if batch.status != ImportStatus.APPLIED:
        table, plan, problem = _replan(batch, importer)
        if problem:
            messages.error(request, problem)
    return _render_batch(request, batch, importer, table, plan)


@login_required
@require_POST
def import_confirm(request, pk):
    batch, importer_cls = get_batch_for_user(request.user, pk)
    require_import(request.user, importer_cls)
    importer = importer_cls()
    try:
        with transaction.atomic():
            # The lock makes a second, concurrent confirm wait here and then
            # find the batch no longer previewed.
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status != ImportStatus.PREVIEWED:
                messages.info(request, _("This file has already been dealt with."))
                return redirect("workers:import_batch", pk=batch.pk)
            _apply(batch, importer, request.user)
    except (DatabaseError, InterfaceError):
        # The connection broke under the import (killed, server restarted):
        # the transaction is gone, and the failure could not be recorded on
        # it (a closed connection raises InterfaceError, which is not a
        # DatabaseError). Record it on a fresh connection so the batch shows
        # as failed; if the database is really down this raises too, and the
        # middleware answers with the 503 page.
        logger.exception("import batch %s: the database connection broke", batch.pk)
        _mark_failed_on_a_fresh_connection(batch)
        messages.error(request, _connection_lost_message())
        return redirect("workers:import_batch", pk=batch.pk)
    if batch.status == ImportStatus.APPLIED:
        messages.success(request, _counts_message(batch.counts))
    else:
        messages.error(request, batch.error)
    return redirect("workers:import_batch", pk=batch.pk)


@login_required
def import_failed_rows(request, pk):
    batch, importer_cls = get_batch_for_user(request.user, pk)
    importer = importer_cls()
    table, plan, problem = _replan(batch, importer)
    if problem:
        messages.error(request, problem)
        return redirect("workers:import_batch", pk=batch.pk)
    stem = batch.filename.rsplit(".", 1)[0] or "import"
    response = HttpResponse(
        importer.failed_rows_csv(table, plan.errors),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-{_('errors')}.csv"
    )
    return response


# --- helpers ---------------------------------------------------------------


def _apply(batch: ImportBatch, importer, user) -> None:
    """Re-read and re-plan the stored file, then import it or record why not."""
    batch.finished_at = timezone.now()
    table, plan, problem = _replan(batch, importer)
    if problem:
        batch.status, batch.error = ImportStatus.FAILED, problem
    elif not plan.ok:
        # The database changed since the preview (a workshop deleted, a
        # worker added by hand): the file no longer imports as shown.
        batch.status = ImportStatus.FAILED
        batch.error = _rows_error_summary(plan)
        batch.counts = plan.counts()
    else:
        try:
            with transaction.atomic():
                counts = importer.apply(plan, user=user)
        except (DatabaseError, ValidationError):
            logger.exception("import batch %s failed", batch.pk)
            batch.status = ImportStatus.FAILED
            batch.error = _(
                "The import failed and nothing was saved: the data changed while "
                "it was being written. Upload the file again to check it."
            )
        else:
            batch.status, batch.counts, batch.error = ImportStatus.APPLIED, counts, ""
    batch.save(update_fields=["status", "counts", "error", "finished_at"])


def _mark_failed_on_a_fresh_connection(batch: ImportBatch) -> None:
    connection = connections[ImportBatch.objects.db]
    if not connection.in_atomic_block:
        connection.close()
    # Only a batch still waiting: one that a concurrent confirm applied
    # meanwhile keeps its result.
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.FAILED,
        error=_connection_lost_message(),
        finished_at=timezone.now(),
    )


def _connection_lost_message() -> str:
    return _(
        "The import failed and nothing was saved: the connection to the "
        "database was lost while it was being written. Upload the file again."
    )


def _replan(batch: ImportBatch, importer):
    """(table, plan, None), or (None, None, message) for an unreadable file."""
    content = ImportBatch.objects.values_list("content", flat=True).get(pk=batch.pk)
    try:
        table = importer.read(bytes(content), batch.filename)
    except ImportFileError as exc:
        return None, None, exc.message
    return table, importer.plan(table, options=batch.options), None


def _render_batch(request, batch, importer, table, plan):
    errors = []
    if plan is not None:
        errors = [
            {"row": e.row, "column": table.header_for(e.column), "message": e.message}
            for e in plan.errors[:ERRORS_SHOWN]
        ]
    columns = [(c, table.header_for(c)) for c in table.columns] if table else []
    preview = []
    if plan is not None and batch.status == ImportStatus.PREVIEWED:
        for item in plan.preview:
            cells = [
                {
                    "text": item["values"].get(name, ""),
                    "changed": name in item["changes"],
                }
                for name, _header in columns
            ]
            preview.append({**item, "cells": cells})
    earlier = (
        ImportBatch.objects.filter(
            kind=batch.kind,
            sha256=batch.sha256,
            status=ImportStatus.APPLIED,
            uploaded_at__lt=batch.uploaded_at,
        )
        .order_by("-uploaded_at")
        .only("pk", "uploaded_at")
        .first()
        if batch.status == ImportStatus.PREVIEWED
        else None
    )
    return render(
        request,
        "workers/import_batch.html",
        {
            "batch": batch,
            "importer": importer,
            "table": table,
            "plan": plan,
            "counts": plan.counts() if plan is not None else batch.counts,
            "errors": errors,
            "more_errors": len(plan.errors) - ERRORS_SHOWN if plan else 0,
            "columns": columns,
            "preview": preview,
            "warnings": plan.warnings if plan is not None else [],
            "earlier": earlier,
            "may_confirm": batch.status == ImportStatus.PREVIEWED
            and plan is not None
            and plan.ok
            and importer.may_import(request.user),
        },
    )


def _recent_batches(user, importer_classes):
    kinds = [cls.kind for cls in importer_classes]
    by_kind = {cls.kind: cls for cls in importer_classes}
    batches = (
        ImportBatch.objects.filter(kind__in=kinds)
        .defer("content")
        .select_related("uploaded_by")
        .order_by("-uploaded_at")[:20]
    )
    return [b for b in batches if may_see_batch(user, b, by_kind[b.kind])][:10]


def _column_help(importer_cls):
    return [
        {
            "name": column.english_header(),
            "chinese": column.chinese_header(),
            "required": column.required,
        }
        for column in importer_cls.columns
    ]


def _rows_error_summary(plan) -> str:
    rows = len(plan.error_rows())
    return ngettext(
        "%(rows)d row has errors; nothing was imported. Correct it and "
        "upload the file again.",
        "%(rows)d rows have errors; nothing was imported. Correct them and "
        "upload the file again.",
        rows,
    ) % {"rows": rows}


def _counts_message(counts: dict) -> str:
    return _(
        "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
    ) % {
        "created": counts.get("created", 0),
        "updated": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0),
    }
