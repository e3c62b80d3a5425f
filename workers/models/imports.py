"""Uploaded files and the column matchings secretaries confirmed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    WORKERS = "workers", _("roster")
    RECORDS = "records", _("monthly records")
    CLASSIFICATIONS = "classifications", _("classifications")
    MASTERY = "mastery", _("mastery")


class ImportStatus(models.TextChoices):
    # The file's headers lack a required column: the user matches columns.
    MAPPING = "mapping", _("columns to match")
    # A large file being checked (planned) by the task worker.
    CHECKING = "checking", _("checking")
    PREVIEWED = "previewed", _("previewed")
    # A large file being written by the task worker.
    IMPORTING = "importing", _("importing")
    APPLIED = "applied", _("imported")
    FAILED = "failed", _("failed")


# Statuses in which a task worker has the batch in hand.
IMPORT_WORKING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportBatch(models.Model):
    """An uploaded file between preview and confirm, and what became of it.

    Keeping the bytes lets the confirm step import exactly what was previewed;
    the status makes a double-clicked confirm import once, and a failed import
    visible afterwards.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(verbose_name=_("content"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    options = models.JSONField(default=dict, blank=True, verbose_name=_("options"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ImportStatus.choices,
        default=ImportStatus.PREVIEWED,
    )
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    finished_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("finished at")
    )
    # Which header holds which column ({column: header}), as confirmed.
    mapping = models.JSONField(default=dict, blank=True, verbose_name=_("mapping"))
    # What the preview page shows, kept when the file was checked (the rows
    # shown, the errors, the skipped rows, the headers), so that reopening a
    # batch of 150,000 rows does not check it again.
    summary = models.JSONField(default=dict, blank=True, verbose_name=_("summary"))
    # Checked and imported by the task worker rather than in the request.
    background = models.BooleanField(default=False, verbose_name=_("background"))
    # The task worker's progress: phase ("reading", "checking", "saving"),
    # rows done of rows in the file, and when it last reported (None until a
    # worker has taken the batch).
    phase = models.CharField(max_length=20, blank=True, verbose_name=_("phase"))
    progress_done = models.PositiveIntegerField(
        default=0, verbose_name=_("progress done")
    )
    progress_total = models.PositiveIntegerField(
        default=0, verbose_name=_("progress total")
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("heartbeat at")
    )
    # The task worker that took the batch: "host pid start-time", so that a
    # page on the same host can tell at once whether that process still runs
    # (without PostgreSQL's advisory locks; see batches.reap_if_dead).
    worker_process = models.CharField(
        max_length=100, blank=True, verbose_name=_("task worker process")
    )
    # A failure the user may retry as it is (the worker died): "check" or
    # "apply", the step to run again.
    retry = models.CharField(max_length=10, blank=True, verbose_name=_("retry"))
    # The rows with errors as a CSV, made once by whoever planned the file:
    # downloading it never reads the spreadsheet again.
    failed_rows = models.BinaryField(
        blank=True, default=b"", verbose_name=_("rows with errors")
    )

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def working(self) -> bool:
        return self.status in IMPORT_WORKING

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class ColumnMapping(models.Model):
    """A column mapping the secretary confirmed for a kind of file, kept for
    the next file whose header row holds the same headers."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    # tables.headers_key of the header row: the set of its headers.
    headers_key = models.CharField(max_length=64, verbose_name=_("headers key"))
    headers = models.JSONField(default=list, verbose_name=_("headers"))
    # {column name: header}
    mapping = models.JSONField(default=dict, verbose_name=_("mapping"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    saved_at = models.DateTimeField(auto_now=True, verbose_name=_("saved at"))

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "headers_key"], name="one_mapping_per_header_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.mapping}"
