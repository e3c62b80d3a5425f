"""Advanced experiences (先进经验) and the workers' mastery of them (DESIGN.md,
"Advanced experience"; docs/ARCHITECTURE.md, "Advanced experience").

An experience is a working method shown at demonstrations, for some trades
(none named: every trade). Mastery is one row per *check* of a worker's
level in an experience, on a day: the worker's level is the latest check.
The same check again (same worker, experience and day) is the same row: an
import of it adds nothing, a different level corrects it, and the history
keeps what it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from workers.models.roster import Worker


class MasteryLevel(models.TextChoices):
    """In the order a worker goes through them."""

    LEARNING = "learning", pgettext_lazy("mastery", "learning")
    APPLIES = "applies", pgettext_lazy("mastery", "applies it")
    TEACHES = "teaches", pgettext_lazy("mastery", "can teach it")


# The levels at which a worker uses the experience at their own machine
# (coverage counts these; DESIGN.md).
MASTERED_LEVELS = (MasteryLevel.APPLIES, MasteryLevel.TEACHES)


class Experience(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The trades it applies to, as the roster spells them; empty: every trade.
    trades = models.JSONField(_("trades"), default=list, blank=True)
    description = models.TextField(_("what it is"))
    first_shown_by = models.ForeignKey(
        Worker,
        verbose_name=_("first shown by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="experiences_first_shown",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("advanced experience")
        verbose_name_plural = _("advanced experiences")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("experiences:experience_detail", args=[self.pk])

    def applies_to(self, trade: str) -> bool:
        """Whether a worker of ``trade`` is meant to learn it."""
        return not self.trades or trade in self.trades


class MasteryQuerySet(models.QuerySet):
    def visible_to(self, user) -> MasteryQuerySet:
        """The checks of the workers the user may see on the roster."""
        return self.filter(worker__in=Worker.objects.visible_to(user))

    def current(self) -> MasteryQuerySet:
        """Each worker's latest check of each experience: their level now
        (the latest day; of two rows of a day, which cannot be, the later)."""
        later = Mastery.objects.filter(
            worker=OuterRef("worker"), experience=OuterRef("experience")
        ).filter(
            Q(checked_on__gt=OuterRef("checked_on"))
            | Q(checked_on=OuterRef("checked_on"), pk__gt=OuterRef("pk"))
        )
        return self.filter(~Exists(later))


class Mastery(models.Model):
    """One check of a worker's level in an experience (掌握程度)."""

    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="masteries",
    )
    experience = models.ForeignKey(
        Experience,
        verbose_name=_("advanced experience"),
        on_delete=models.PROTECT,
        related_name="masteries",
    )
    level = models.CharField(
        pgettext_lazy("mastery", "level"), max_length=10, choices=MasteryLevel.choices
    )
    checked_on = models.DateField(_("checked on"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = MasteryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-checked_on", "-pk"]
        verbose_name = _("mastery")
        verbose_name_plural = _("mastery")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "experience", "checked_on"],
                name="one_check_per_worker_experience_day",
            ),
            models.CheckConstraint(
                condition=Q(level__in=MasteryLevel.values),
                name="mastery_level_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.experience} {self.checked_on} {self.level}"
