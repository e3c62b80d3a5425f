"""Upload → [match columns →] preview → confirm, the same pages for every kind.

The uploaded bytes are kept on an ImportBatch, so the confirm step imports
exactly the file that was previewed — re-read and re-checked against the
database as it is then — and the batch's status, changed under a row lock,
makes a double-clicked confirm import once. A file of more than
IMPORT_BACKGROUND_ROWS rows is checked and imported by the task worker
(workers/tasks.py): the request returns at once and the batch page shows
the worker's progress (htmx polling ``import_progress``).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, InterfaceError, connections, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workers.access import (
    get_batch_for_user,
    get_importer_class_or_404,
    get_rw_batch_for_user,
    may_see_batch,
    require_import,
)
from workers.forms.roster import ColumnMappingForm, ImportUploadForm
from workers.importing import batches, shown
from workers.importing.base import load_importers
from workers.importing.errors import skipped_reason
from workers.importing.limits import ImportFileError
from workers.models import ImportBatch, ImportStatus

logger = logging.getLogger("catchup.imports")

ERRORS_SHOWN = batches.ERRORS_SHOWN


@login_required
def import_index(request):
    """The kinds of import this user may run, and their recent imports."""
    from django.core.exceptions import PermissionDenied

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
        batch = ImportBatch(
            kind=kind,
            filename=upload.name[:255],
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
            options=form.options(),
            uploaded_by=request.user,
            progress_total=batches.estimate_rows(data),
        )
        if batches.goes_to_background(batch.progress_total):
            # Too long for a request: the task worker checks it, the batch
            # page shows how far it has got.
            batch.background = True
            batch.status = ImportStatus.CHECKING
            batch.save()
            _enqueue(batch, "check", request)
            return redirect("workers:import_batch", pk=batch.pk)
        try:
            batches.check_batch(batch, file_errors=False)
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            return _render_batch(request, batch, importer_cls)
    return render(
        request,
        "workers/import_upload.html",
        {
            "form": form,
            "importer": importer_cls,
            "kind": kind,
            "columns": _column_help(importer_cls),
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
            "batches": _recent_batches(request.user, [importer_cls]),
        },
    )


@login_required
def import_template(request, kind, fmt):
    """A blank file to fill (导入模板), headers in the reader's language."""
    from django.http import Http404

    from workers.importing import blanks

    importer_cls = get_importer_class_or_404(kind)
    require_import(request.user, importer_cls)
    if fmt == "xlsx":
        content = blanks.template_xlsx(importer_cls)
        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    elif fmt == "csv":
        content, content_type = blanks.template_csv(importer_cls), "text/csv"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    name = f"{_('template')}-{importer_cls.title()}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=name
    )
    return response


@login_required
def import_batch(request, pk):
    """A batch: its column matching, progress, preview, or result."""
    batch, importer_cls = get_batch_for_user(request.user, pk)
    batches.reap_if_dead(batch)
    return _render_batch(request, batch, importer_cls)


@login_required
def import_progress(request, pk):
    """The progress bar, polled by htmx while a task worker has the batch;
    once it is done, the whole page is reloaded to show the outcome."""
    batch, importer_cls = get_batch_for_user(request.user, pk)
    batches.reap_if_dead(batch)
    response = render(request, "workers/_import_progress.html", {"batch": batch})
    if not batch.working:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_columns(request, pk):
    """The secretary matched the file's headers to the missing columns."""
    batch, importer_cls = get_rw_batch_for_user(request.user, pk)
    if batch.status != ImportStatus.MAPPING or batches.is_expired(batch):
        messages.info(request, _("This file has already been dealt with."))
        return redirect("workers:import_batch", pk=batch.pk)
    form = ColumnMappingForm(importer_cls, batch.summary["mapping"], request.POST)
    if not form.is_valid():
        return _render_batch(request, batch, importer_cls, mapping_form=form)
    mapping = form.mapping()
    importer = importer_cls()
    importer.remember_mapping(
        batch.summary["mapping"]["headers"], mapping, user=request.user
    )
    batch.mapping = mapping
    if batch.background:
        batch.status = ImportStatus.CHECKING
        batch.heartbeat_at = None
        batch.save(update_fields=["mapping", "status", "heartbeat_at"])
        _enqueue(batch, "check", request)
        return redirect("workers:import_batch", pk=batch.pk)
    batches.check_batch(batch)
    return redirect("workers:import_batch", pk=batch.pk)


@login_required
@require_POST
def import_confirm(request, pk):
    batch, _importer_cls = get_rw_batch_for_user(request.user, pk)
    if batches.is_expired(batch):
        messages.error(request, _expired_message())
        return redirect("workers:import_batch", pk=batch.pk)
    if batch.background:
        claimed = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportStatus.PREVIEWED
        ).update(status=ImportStatus.IMPORTING, heartbeat_at=None, progress_done=0)
        if not claimed:
            messages.info(request, _("This file has already been dealt with."))
        else:
            _enqueue(batch, "apply", request)
        return redirect("workers:import_batch", pk=batch.pk)
    try:
        with transaction.atomic():
            # The lock makes a second, concurrent confirm wait here and then
            # find the batch no longer previewed.
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status != ImportStatus.PREVIEWED:
                messages.info(request, _("This file has already been dealt with."))
                return redirect("workers:import_batch", pk=batch.pk)
            batches.apply_batch(batch, user=request.user)
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
@require_POST
def import_retry(request, pk):
    """Run again the step a dead task worker left unfinished."""
    batch, _importer_cls = get_rw_batch_for_user(request.user, pk)
    step = batch.retry
    status = ImportStatus.CHECKING if step == "check" else ImportStatus.IMPORTING
    claimed = (
        ImportBatch.objects.filter(
            pk=batch.pk, status=ImportStatus.FAILED, retry__in=["check", "apply"]
        ).update(
            status=status,
            retry="",
            error="",
            heartbeat_at=None,
            progress_done=0,
            phase="",
            finished_at=None,
        )
        if step
        else 0
    )
    if claimed:
        _enqueue(batch, step, request)
    else:
        messages.info(request, _("This file has already been dealt with."))
    return redirect("workers:import_batch", pk=batch.pk)


@login_required
def import_failed_rows(request, pk):
    """The rows with errors, as made when the file was planned: no
    spreadsheet is read again here, however large the file."""
    batch, _importer_cls = get_batch_for_user(request.user, pk)
    content = ImportBatch.objects.filter(pk=batch.pk).values_list(
        "failed_rows", flat=True
    )[0]
    if not content:
        messages.info(request, _("This file has no rows with errors to download."))
        return redirect("workers:import_batch", pk=batch.pk)
    stem = batch.filename.rsplit(".", 1)[0] or "import"
    response = HttpResponse(bytes(content), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-{_('errors')}.csv"
    )
    return response


# --- helpers ---------------------------------------------------------------


def _enqueue(batch: ImportBatch, step: str, request) -> None:
    from workers import tasks

    language = translation.get_language() or settings.LANGUAGE_CODE
    if step == "check":
        tasks.check_import.enqueue(batch.pk, language)
    else:
        tasks.apply_import.enqueue(batch.pk, request.user.pk, language)


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


def _expired_message() -> str:
    return _(
        "This preview has expired (previews are kept for %(hours)d hours). "
        "Upload the file again."
    ) % {"hours": settings.IMPORT_PREVIEW_HOURS}


def _render_batch(request, batch, importer_cls, *, mapping_form=None):
    summary = batch.summary or {}
    if batch.status == ImportStatus.MAPPING and mapping_form is None:
        mapping_form = ColumnMappingForm(importer_cls, summary["mapping"])
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
    expired = batches.is_expired(batch)
    counts = batch.counts or {}
    skipped = [
        {**item, "reason_text": skipped_reason(item["reason"])}
        for item in summary.get("skipped", [])
    ]
    preview = _preview_rows(summary) if batch.status == ImportStatus.PREVIEWED else []
    errors = shown.error_rows(importer_cls, summary.get("errors", []))
    done = batch.status == ImportStatus.APPLIED
    return render(
        request,
        "workers/import_batch.html",
        {
            "batch": batch,
            "importer": importer_cls,
            "summary": summary,
            "counts": counts,
            "done": done,
            "errors": errors,
            "more_errors": summary.get("errors_total", 0)
            - sum(error["count"] for error in errors),
            "columns": [
                (name, shown.heading(importer_cls, name, header))
                for name, header in summary.get("columns", [])
            ],
            "preview": preview,
            "preview_partial": len(preview)
            < counts.get("created", 0) + counts.get("updated", 0),
            "skipped": skipped,
            "more_skipped": summary.get("skipped_total", 0) - len(skipped),
            "warnings": summary.get("warnings", []),
            "notes": importer_cls.notes(summary, done=done),
            "ignored_columns": summary.get("ignored", []),
            "ignored_text": shown.join_list(summary.get("ignored", [])),
            "remembered_text": shown.join_list(
                f"{header} → {shown.heading(importer_cls, name)}"
                for name, header in summary.get("mapping_used", {}).items()
            ),
            "earlier": earlier,
            "expired": expired,
            "preview_hours": settings.IMPORT_PREVIEW_HOURS,
            # The roster's own name column says who; other kinds get the name
            # of the worker the number belongs to beside it.
            "show_names": batch.kind != "workers",
            "mapping_form": mapping_form,
            "mapping": summary.get("mapping"),
            "mapping_headers_text": shown.join_list(
                (summary.get("mapping") or {}).get("headers", [])
            ),
            "progress_url": reverse("workers:import_progress", args=[batch.pk])
            if batch.working
            else "",
            "may_import": importer_cls.may_import(request.user),
            "may_confirm": batch.status == ImportStatus.PREVIEWED
            and not expired
            and importer_cls.may_import(request.user),
            "may_retry": batch.status == ImportStatus.FAILED
            and bool(batch.retry)
            and importer_cls.may_import(request.user),
        },
    )


def _preview_rows(summary: dict) -> list[dict]:
    """The preview's rows, each cell with the text the page shows."""
    return [
        {
            **item,
            "cells": [
                {**cell, "shown": shown.cell_text(cell)} for cell in item["cells"]
            ],
        }
        for item in summary.get("preview", [])
    ]


def _recent_batches(user, importer_classes):
    kinds = [cls.kind for cls in importer_classes]
    by_kind = {cls.kind: cls for cls in importer_classes}
    recent = (
        ImportBatch.objects.filter(kind__in=kinds)
        .defer("content", "summary", "failed_rows")
        .select_related("uploaded_by")
        .order_by("-uploaded_at")[:20]
    )
    return [b for b in recent if may_see_batch(user, b, by_kind[b.kind])][:10]


def _column_help(importer_cls):
    return [
        {
            "name": column.english_header(),
            "chinese": column.chinese_header(),
            "required": column.required,
        }
        for column in importer_cls.columns
    ]


def _counts_message(counts: dict) -> str:
    return _(
        "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
    ) % {
        "created": counts.get("created", 0),
        "updated": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0),
    }
