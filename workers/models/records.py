"""Monthly records and the definitions built on them: meets quota, below
quota, the advanced standard in force, advanced producers (docs/ARCHITECTURE.md,
"Definitions"), which live on ProductionRecordQuerySet and nowhere else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from workers.models.roster import Worker, Workshop

DEFAULT_STANDARD_PCT = Decimal("100")


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
