"""A month marked complete by the secretary (docs/ARCHITECTURE.md, "The month")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MonthCompletion(models.Model):
    """The secretary's word that a month's records are complete.

    For a month in which a workshop rightly has no records (closed for
    overhaul, say): the month then counts as complete although that workshop
    never reported. Undone by deleting the row, until the month is published
    (factory.figures.publishing refuses it then).
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
