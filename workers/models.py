"""Workshops, the roster, monthly records and the definitions built on them.

The definitions of docs/ARCHITECTURE.md (meets quota, below quota, advanced producer)
live on ProductionRecordQuerySet and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from workers.roles import is_secretary

DEFAULT_STANDARD_PCT = Decimal("100")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("Party member")
    PROBATIONARY_MEMBER = "probationary_member", _("probationary member")
    LEAGUE_MEMBER = "league_member", _("League member")
    MASSES = "masses", _("masses")


# Political statuses whose holders may be made responsible for a worker.
HELPER_STATUSES = (
    PoliticalStatus.PARTY_MEMBER,
    PoliticalStatus.PROBATIONARY_MEMBER,
    PoliticalStatus.LEAGUE_MEMBER,
)


class Cause(models.TextChoices):
    TECHNIQUE = "technique", _("backward technique")
    IDEOLOGY = "ideology", _("ideological problem")
    FAMILY = "family", _("family financial difficulty")
    OTHER = "other", _("other")


class WorkshopQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkshopQuerySet:
        """Every workshop for the secretary, a manager's own, else none."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if is_secretary(user):
            return self
        if user.has_perm("workers.view_workshop"):
            return self.filter(managers=user)
        return self.none()


class Workshop(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True, allow_unicode=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("directors"),
        related_name="managed_workshops",
        blank=True,
    )

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        permissions = [("view_all_workshops", _("Can see every workshop"))]

    def __str__(self) -> str:
        return self.name


# Who may be made responsible for a worker, and keeps access to the cases
# while they are (docs/ARCHITECTURE.md, "Access"). Worker.is_eligible_helper is the same
# rule for one row; a test makes the two agree.
ELIGIBLE_HELPER = Q(active=True) & (
    Q(political_status__in=HELPER_STATUSES) | Q(is_activist=True)
)


class WorkerQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkerQuerySet:
        return self.filter(workshop__in=Workshop.objects.visible_to(user))

    def active(self) -> WorkerQuerySet:
        return self.filter(active=True)

    def eligible_helpers(self) -> WorkerQuerySet:
        """Party, probationary and League members and activists
        (docs/ARCHITECTURE.md, "Definitions")."""
        return self.filter(ELIGIBLE_HELPER)

    def no_longer_eligible(self) -> WorkerQuerySet:
        """Everyone else: left the factory, or no longer a member or activist.
        A helper among them has lost their cases (docs/ARCHITECTURE.md)."""
        return self.exclude(ELIGIBLE_HELPER)


class Worker(models.Model):
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.PROTECT,
        related_name="workers",
    )
    trade = models.CharField(_("trade"), max_length=50, blank=True)
    political_status = models.CharField(
        _("political status"),
        max_length=24,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    is_activist = models.BooleanField(_("activist"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="worker",
    )
    active = models.BooleanField(pgettext_lazy("roster", "active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = WorkerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        indexes = [
            # The active roster by workshop, and each workshop's earliest
            # active worker, read by probes (workers.completeness._roster).
            models.Index(
                fields=["workshop", "active", "created_at"], name="worker_roster_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"

    def get_absolute_url(self) -> str:
        return reverse("workers:worker_detail", args=[self.pk])

    @property
    def is_eligible_helper(self) -> bool:
        return self.active and (
            self.political_status in HELPER_STATUSES or self.is_activist
        )


class AdvancedStandard(models.Model):
    """The attainment (%) an advanced producer must reach, from a month on."""

    effective_from = models.DateField(_("in force from"), unique=True)
    threshold_pct = models.DecimalField(
        _("advanced standard (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1"))],
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("advanced standard")
        verbose_name_plural = _("advanced standards")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__day=1), name="standard_month_first_day"
            ),
            models.CheckConstraint(
                condition=Q(threshold_pct__gt=0), name="standard_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold_pct}% ≥ {self.effective_from:%Y-%m}"

    @classmethod
    def pct_for(cls, month: dt.date) -> Decimal:
        standard = (
            cls.objects.filter(effective_from__lte=month)
            .values_list("threshold_pct", flat=True)
            .first()
        )
        return standard if standard is not None else DEFAULT_STANDARD_PCT

    @classmethod
    def schedule(cls) -> list[tuple[dt.date, Decimal]]:
        """Every standard as (in force from, threshold), latest first (one
        small query: the committee sets a handful over the years)."""
        return list(
            cls.objects.order_by("-effective_from").values_list(
                "effective_from", "threshold_pct"
            )
        )


StandardSchedule = Sequence[tuple[dt.date, Decimal]]


def standard_pct_expression(
    month_ref: str = "month", schedule: StandardSchedule | None = None
):
    """SQL for the standard in force in the row's month (default 100).

    A CASE over the standards, latest first, rather than a subquery on
    workers_advancedstandard: a correlated subquery runs once per record
    (a million times for a year of a big factory), the CASE is a few
    comparisons of constants. ``schedule`` is AdvancedStandard.schedule();
    read here when not given.
    """
    if schedule is None:
        schedule = AdvancedStandard.schedule()
    pct_field = models.DecimalField(max_digits=6, decimal_places=2)
    default = Value(DEFAULT_STANDARD_PCT, output_field=pct_field)
    if not schedule:
        return default
    return Case(
        *(
            When(
                **{f"{month_ref}__gte": start}, then=Value(pct, output_field=pct_field)
            )
            for start, pct in sorted(schedule, reverse=True)
        ),
        default=default,
        output_field=pct_field,
    )


class DisqualificationReason(models.TextChoices):
    QUALITY = "quality", _("quality")
    SAFETY = "safety", _("safety")
    DISCIPLINE = "discipline", _("discipline")


class Disqualification(models.Model):
    """The committee's decision that a worker is not an advanced producer."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.CASCADE
    )
    month = models.DateField(_("month"))
    reason = models.CharField(
        _("reason"), max_length=20, choices=DisqualificationReason.choices
    )
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "worker"]
        verbose_name = _("disqualification")
        verbose_name_plural = _("disqualifications")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "month"], name="one_disqualification_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="disqualification_month_first_day"
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="disqualification_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.month:%Y-%m} {self.get_reason_display()}"


class ProductionRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProductionRecordQuerySet:
        return self.filter(worker__workshop__in=Workshop.objects.visible_to(user))

    def for_month(self, month: dt.date) -> ProductionRecordQuerySet:
        return self.filter(month=month)

    def meets_quota(self) -> ProductionRecordQuerySet:
        return self.filter(MEETS_QUOTA)

    def below_quota(self) -> ProductionRecordQuerySet:
        return self.filter(BELOW_QUOTA)

    def with_standing(
        self, schedule: StandardSchedule | None = None
    ) -> ProductionRecordQuerySet:
        """Annotate the standard in force and the committee's disqualification.

        After this, ``ADVANCED`` can be used in filter() and in conditional
        aggregates (Count(..., filter=ADVANCED)). Reads the standards now
        (one small query) unless ``schedule`` (AdvancedStandard.schedule())
        is given, so that several report queries can share one read.
        """
        return self.annotate(
            standard_pct=standard_pct_expression(schedule=schedule),
            disqualified=Exists(
                Disqualification.objects.filter(
                    worker=OuterRef("worker"), month=OuterRef("month")
                )
            ),
        )

    def advanced(
        self, schedule: StandardSchedule | None = None
    ) -> ProductionRecordQuerySet:
        return self.with_standing(schedule).filter(ADVANCED)

    def with_band(
        self, schedule: StandardSchedule | None = None
    ) -> ProductionRecordQuerySet:
        """Annotate ``band`` (a Band value) from the definitions, in SQL.

        Advanced comes first: with a standard below 100% an advanced producer
        may be below quota, and with one above it a worker may meet quota
        without being advanced.
        """
        return self.with_standing(schedule).annotate(
            band=Case(
                When(ADVANCED, then=Value(Band.ADVANCED)),
                When(MEETS_QUOTA, then=Value(Band.MEETS_QUOTA)),
                default=Value(Band.BELOW_QUOTA),
                output_field=models.CharField(),
            )
        )


class Band(models.TextChoices):
    """Where a worker's month stands, for rankings and the worker page."""

    ADVANCED = "advanced", _("advanced producer")
    MEETS_QUOTA = "meets_quota", _("meets quota")
    BELOW_QUOTA = "below_quota", _("below quota")


# The definitions, as SQL conditions. Comparing output × 100 with standard ×
# quota avoids rounding: 99.996% is not 100%.
MEETS_QUOTA = Q(output__gte=F("quota"))
BELOW_QUOTA = Q(output__lt=F("quota"))
ADVANCED = Q(disqualified=False, output_hundredfold__gte=F("standard_pct") * F("quota"))


class ProductionRecord(models.Model):
    """One worker's quota and output for one month."""

    # Indexes cost every imported row time; the unique (worker, month)
    # constraint already serves lookups by worker, and the user columns are
    # only searched when a user is deleted, which is rare.
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    month = models.DateField(_("month"))
    quota = models.DecimalField(_("quota"), max_digits=12, decimal_places=2)
    output = models.DecimalField(_("output"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # Stored by the database so it can be filtered, ordered and aggregated.
    attainment = models.GeneratedField(
        # Cast first: SQLite would divide integer-valued decimals as integers.
        expression=Cast("output", models.FloatField()) * 100 / F("quota"),
        output_field=models.DecimalField(max_digits=12, decimal_places=2),
        db_persist=True,
        verbose_name=_("attainment (%)"),
    )
    # output × 100, kept exact for the advanced-producer comparison.
    output_hundredfold = models.GeneratedField(
        expression=F("output") * Value(100),
        output_field=models.DecimalField(max_digits=16, decimal_places=2),
        db_persist=True,
        verbose_name=_("output hundredfold"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(_("last changed at"), auto_now=True)

    objects = ProductionRecordQuerySet.as_manager()
    # Imports write a history row per record, by the thousand, in SQL
    # (workers.services.save_records, the one write path): only the record id
    # (a record's history) and simple_history's own columns are indexed.
    history = HistoricalRecords(
        excluded_fields=["attainment", "output_hundredfold"],
        no_db_index=["worker", "entered_by", "updated_by"],
    )

    class Meta:
        ordering = ["month", "worker"]
        verbose_name = _("monthly record")
        verbose_name_plural = _("monthly records")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "month"], name="one_record_per_worker_month"
            ),
            models.CheckConstraint(condition=Q(quota__gt=0), name="quota_positive"),
            models.CheckConstraint(
                condition=Q(output__gte=0), name="output_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="record_month_first_day"
            ),
        ]
        indexes = [
            # A month's records, ordered by attainment for rankings and
            # reports (month filters alone use it too).
            models.Index(
                fields=["month", "-attainment"], name="record_month_attainment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.month:%Y-%m}"

    @property
    def meets_quota(self) -> bool:
        return self.output >= self.quota


class ShortfallClassification(models.Model):
    """The committee's view of why a worker was below quota in a month."""

    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="classifications",
    )
    month = models.DateField(_("month"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    note = models.TextField(_("note"), blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("classified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    classified_at = models.DateTimeField(_("classified at"), auto_now=True)
    # Incremented on every save; a form based on an older version is refused.
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "worker"]
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "month"], name="one_cause_per_worker_month"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="classification_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.month:%Y-%m} {self.get_cause_display()}"


class ImportKind(models.TextChoices):
    WORKERS = "workers", _("roster")
    RECORDS = "records", _("monthly records")
    CLASSIFICATIONS = "classifications", _("classifications")


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
    # A failure the user may retry as it is (the worker died): "check" or
    # "apply", the step to run again.
    retry = models.CharField(max_length=10, blank=True, verbose_name=_("retry"))

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


class MonthCompletion(models.Model):
    """The secretary's word that a month's records are complete.

    For a month in which a workshop rightly has no records (closed for
    overhaul, say): the month then counts as complete although that workshop
    never reported. Undone by deleting the row, until the month is published
    (factory.services refuses it then).
    """

    month = models.DateField(_("month"), unique=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("month marked complete")
        verbose_name_plural = _("months marked complete")
        constraints = [
            models.CheckConstraint(
                condition=Q(month__day=1), name="completion_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
