"""The cause of a month's shortfall, set by the committee (分类排队)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from workers.models.roster import Worker


class Cause(models.TextChoices):
    TECHNIQUE = "technique", _("backward technique")
    IDEOLOGY = "ideology", _("ideological problem")
    FAMILY = "family", _("family financial difficulty")
    OTHER = "other", _("other")


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
