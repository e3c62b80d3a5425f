"""Workshops and the roster: who works where, and who may help."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from workers.roles import is_secretary


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

    def matching(self, text: str) -> WorkerQuerySet:
        """Workers whose name or employee number contains ``text`` (what a
        search box means by "name or employee number")."""
        return self.filter(Q(name__icontains=text) | Q(employee_no__icontains=text))

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
