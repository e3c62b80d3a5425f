"""Factory-level models: published monthly snapshots and the reports' cache
generation."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MonthSnapshot(models.Model):
    """The figures of a month as the secretary published them.

    ``data`` holds what the bulletin and the dashboards show for the month,
    frozen: later corrections to records, classifications or cases change the
    live figures, never this row. A month is published once.
    """

    month = models.DateField(_("month"), unique=True)
    compare_month = models.DateField(_("compared with"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("published month")
        verbose_name_plural = _("published months")
        constraints = [
            models.CheckConstraint(
                condition=Q(month__day=1), name="snapshot_month_first_day"
            ),
            models.CheckConstraint(
                condition=Q(compare_month__day=1),
                name="snapshot_compare_month_first_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @classmethod
    @transaction.atomic
    def publish(cls, *, month: dt.date, by) -> tuple[MonthSnapshot, bool]:
        """Freeze the month's figures against the month before.

        Returns (snapshot, created). A month already published is returned
        unchanged: corrections never rewrite a published bulletin.
        """
        from factory.selectors import snapshot_data
        from workers.months import previous_month

        month = month.replace(day=1)
        existing = cls.objects.filter(month=month).first()
        if existing is not None:
            return existing, False
        compare = previous_month(month)
        return cls.objects.get_or_create(
            month=month,
            defaults={
                "compare_month": compare,
                "published_by": by,
                "data": snapshot_data(month=month, compare=compare),
            },
        )


def new_token() -> str:
    return uuid.uuid4().hex


class CacheGeneration(models.Model):
    """One row whose token changes whenever data behind the reports changes.

    Cached report figures are keyed on the token. It lives in the database,
    not in the cache, so that every server process sees a change made by any
    other one, even with the per-process memory cache of the demo. A random
    token rather than a counter: two databases (or two test runs) can never
    reach the same value with different data.
    """

    token = models.CharField(max_length=32, default=new_token)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report cache generation")
        verbose_name_plural = _("report cache generations")

    def __str__(self) -> str:
        return self.token
