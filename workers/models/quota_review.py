"""The committee's decision on a quota review group (DESIGN.md, "Is the
help working?"; the groups are workers.quota_review's): the quota is kept,
or is to be revised from a month on, with a reason, who and when."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from workers.models.roster import Workshop
from workers.months import month_label


class QuotaDecision(models.TextChoices):
    KEPT = "kept", _("quota kept")
    REVISE = "revise", _("quota to be revised")


class QuotaReview(models.Model):
    """One decision per workshop × trade and month; deciding again replaces
    it (the history keeps the earlier one, with who and when)."""

    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.PROTECT,
        related_name="quota_reviews",
    )
    trade = models.CharField(_("trade"), max_length=50)
    month = models.DateField(_("month"))
    decision = models.CharField(
        _("decision"), max_length=10, choices=QuotaDecision.choices
    )
    revise_from = models.DateField(_("revised from"), null=True, blank=True)
    reason = models.TextField(
        _("reason"),
        error_messages={"blank": _("Give the reason for the decision.")},
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"))
    # Raised by every decision; a form showing an older one is stale.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "workshop", "trade"]
        verbose_name = _("quota review")
        verbose_name_plural = _("quota reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "trade", "month"],
                name="one_quota_review_per_group_month",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="quota_review_month_first_day"
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="quota_review_reason_required"
            ),
            # Kept: no month. Revised: from a month, the one reviewed or later.
            models.CheckConstraint(
                condition=Q(decision=QuotaDecision.KEPT, revise_from__isnull=True)
                | Q(
                    decision=QuotaDecision.REVISE,
                    revise_from__day=1,
                    revise_from__gte=F("month"),
                ),
                name="quota_review_revise_from_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} {self.trade} {self.month:%Y-%m} {self.decision}"

    def clean(self) -> None:
        """The row's rules, each refused beside its field (the constraints
        above say the same to the database)."""
        errors: dict[str, str] = {}
        if self.decision == QuotaDecision.REVISE:
            if self.revise_from is None:
                errors["revise_from"] = gettext(
                    "Give the month from which the quota is to be revised."
                )
            elif self.month and self.revise_from < self.month:
                errors["revise_from"] = gettext(
                    "The quota can be revised from %(month)s at the earliest, "
                    "the month reviewed."
                ) % {"month": month_label(self.month)}
        elif self.decision == QuotaDecision.KEPT:
            self.revise_from = None
        if errors:
            raise ValidationError(errors)

    @property
    def under_review(self) -> bool:
        """A group decided "to be revised" stays under review (its workers
        keep their mark); a quota kept closes the review."""
        return self.decision == QuotaDecision.REVISE
