"""Help cases: one worker helped until they reach quota.

Cases change only through assistance.services (open_case, add_follow_up,
close_case, sync_cases_with_records); every status change writes a CaseEvent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from workers.models import Cause, Experience, Worker, Workshop


class Measure(models.TextChoices):
    DEMONSTRATION = "demonstration", _("visit to a demonstration")
    MENTORING = "mentoring", _("coaching at the bench")
    INDIVIDUAL_HELP = "individual_help", _("individual help")
    HARDSHIP_AID = "hardship_aid", _("hardship aid")
    OTHER = "other", _("other")


# The usual answer to each cause; the secretary may choose another.
SUGGESTED_MEASURE = {
    Cause.TECHNIQUE: Measure.DEMONSTRATION,
    Cause.IDEOLOGY: Measure.INDIVIDUAL_HELP,
    Cause.FAMILY: Measure.HARDSHIP_AID,
    Cause.OTHER: Measure.INDIVIDUAL_HELP,
}


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    REACHED_QUOTA = "reached_quota", _("reached quota")
    CLOSED = "closed", _("closed")


class CaseOutcome(models.TextChoices):
    REACHED_QUOTA = "reached_quota", _("reached quota")
    LEFT_FACTORY = "left_factory", _("left the factory")
    TRANSFERRED = "transferred", _("transferred")
    OTHER = "other", _("other")


# A case is active until the secretary closes it: one active case per worker.
ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.REACHED_QUOTA)


class AssistanceCaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> AssistanceCaseQuerySet:
        """All cases for the secretary; a manager's workshops; a helper's own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm("assistance.view_all_cases"):
            return self
        condition = Q(pk__in=[])
        if user.has_perm("assistance.view_assistancecase"):
            condition |= Q(pk__in=self.helped_by(user).values("pk"))
        if user.has_perm("workers.view_workshop"):
            condition |= Q(worker__workshop__managers=user)
        return self.filter(condition).distinct()

    def helped_by(self, user) -> AssistanceCaseQuerySet:
        """The cases the user helps on *now*: their worker record must still
        be an eligible helper. Access follows the roster (docs/ARCHITECTURE.md): a
        helper who left the factory, or is no longer a member or activist,
        loses the cases at the next request. The one place of that rule."""
        return self.filter(
            helpers__in=Worker.objects.eligible_helpers().filter(user=user)
        )

    def with_helper_gone(self) -> AssistanceCaseQuerySet:
        """Active cases with a helper who is no longer eligible: the
        secretary reassigns them."""
        gone = AssistanceCase.helpers.through.objects.filter(
            assistancecase=OuterRef("pk"),
            worker__in=Worker.objects.no_longer_eligible(),
        )
        return self.active().filter(Exists(gone))

    def active(self) -> AssistanceCaseQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class AssistanceCase(models.Model):
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    month = models.DateField(_("month opened"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    helpers = models.ManyToManyField(
        Worker, verbose_name=_("helpers"), related_name="helped_cases"
    )
    target_month = models.DateField(_("target month"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    reached_quota_month = models.DateField(_("reached quota in"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True
    )
    close_reason = models.TextField(_("reason for closing"), blank=True)
    closure_proposed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("closure proposed at")
    )
    closure_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closure proposed by"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Incremented on every change; a form based on an older version is refused.
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    # A technique case may name the advanced experience the worker is to
    # learn (assistance.experience_suggestions suggests it at the opening).
    experience = models.ForeignKey(
        Experience,
        verbose_name=_("experience to learn"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )

    objects = AssistanceCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "worker"]
        verbose_name = _("help case")
        verbose_name_plural = _("help cases")
        permissions = [
            ("view_all_cases", _("Can see every help case")),
            ("close_case", _("Can close a help case")),
            ("view_private_notes", _("Can read private notes of every case")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=~Q(status="closed"),
                name="one_active_case_per_worker",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="case_month_first_day"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""),
                name="closed_case_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["status", "month"])]

    def __str__(self) -> str:
        return f"{self.worker} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("assistance:case_detail", args=[self.pk])


class CaseEventKind(models.TextChoices):
    STATUS = "status", _("status change")
    CLOSURE_PROPOSED = "closure_proposed", _("closure proposed")
    MEASURE_CHANGED = "measure_changed", _("measure changed")
    HELPERS_CHANGED = "helpers_changed", _("helpers changed")
    TARGET_CHANGED = "target_changed", _("target month changed")
    # The cause or the measure was wrong (a stuck case): assistance.services.
    # rediagnosis keeps the old and the new of both.
    REDIAGNOSED = "rediagnosed", _("re-diagnosed")
    # The experience a technique case's worker is to learn, named, changed or
    # cleared after the opening (assistance.services.experience); the note
    # keeps the old and the new names.
    EXPERIENCE_CHANGED = "experience_changed", _("experience to learn changed")


# Between the old and the new experience's names in the note of an
# EXPERIENCE_CHANGED event (either may be empty: none).
EXPERIENCE_NOTE_ARROW = " → "


class CaseEvent(models.Model):
    """A change of a case, written in the same transaction as the change.

    Status changes have from_status ≠ to_status; the other kinds record a
    proposal or an edit and keep the status the case had then.
    """

    case = models.ForeignKey(
        AssistanceCase,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("case"),
    )
    kind = models.CharField(
        max_length=20,
        choices=CaseEventKind.choices,
        default=CaseEventKind.STATUS,
        verbose_name=_("kind"),
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(
        max_length=20,
        choices=CaseStatus.choices,
        blank=True,
        verbose_name=_("from status"),
    )
    to_status = models.CharField(
        max_length=20, choices=CaseStatus.choices, verbose_name=_("to status")
    )
    # The record's month for a change caused by records; the target month
    # for a target change.
    month = models.DateField(null=True, blank=True, verbose_name=_("month"))
    # The month whose figures the event belongs to (docs/ARCHITECTURE.md, "The month"):
    # an opening, the case's month; a change caused by records, that
    # record's month; a person's action, the working month when it was done
    # unless they chose another. Figures of a month read only events
    # effective in or before it.
    effective_month = models.DateField(_("effective month"))
    # The measure in force from this event on (an opening, a change of
    # measure; blank for the rest), so a month's outcomes by measure read
    # the measure the case had then.
    measure = models.CharField(
        max_length=20, choices=Measure.choices, blank=True, verbose_name=_("measure")
    )
    # A re-diagnosis: the cause in force from this event on (blank for the
    # other kinds), and the cause and measure it replaced, so that a month
    # before it reads the case as it was (assistance.standing.as_of). Blank
    # in the database too: the sync writes its events by INSERT … SELECT.
    cause = models.CharField(
        max_length=20,
        choices=Cause.choices,
        blank=True,
        db_default="",
        verbose_name=_("cause"),
    )
    old_cause = models.CharField(
        max_length=20,
        choices=Cause.choices,
        blank=True,
        db_default="",
        verbose_name=_("previous cause"),
    )
    old_measure = models.CharField(
        max_length=20,
        choices=Measure.choices,
        blank=True,
        db_default="",
        verbose_name=_("previous measure"),
    )
    # What a closing decided (the case's own outcome is only the latest).
    outcome = models.CharField(
        max_length=20,
        choices=CaseOutcome.choices,
        blank=True,
        verbose_name=_("outcome"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["effective_month", "at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [
            models.Index(
                fields=["case", "effective_month"], name="assistance__case_id_eff_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_month__day=1),
                name="case_event_effective_month_first_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_status} → {self.to_status}"

    @property
    def summary(self) -> str:
        """What happened, in the reader's language (notes are shown apart)."""
        labels = dict(CaseStatus.choices)
        if self.kind == CaseEventKind.STATUS:
            if not self.from_status:
                return gettext("case opened")
            return f"{labels.get(self.from_status)} → {labels.get(self.to_status)}"
        if self.kind == CaseEventKind.MEASURE_CHANGED:
            measures = dict(Measure.choices)
            old, _sep, new = self.note.partition(" → ")
            return gettext("measure: %(old)s → %(new)s") % {
                "old": measures.get(old, old),
                "new": measures.get(new, new),
            }
        if self.kind == CaseEventKind.HELPERS_CHANGED:
            return gettext("helpers: %(names)s") % {"names": self.note}
        if self.kind == CaseEventKind.TARGET_CHANGED:
            return gettext("target month: %(month)s") % {
                "month": self.month.strftime("%Y-%m") if self.month else "—"
            }
        if self.kind == CaseEventKind.REDIAGNOSED:
            return self._rediagnosis_summary()
        if self.kind == CaseEventKind.EXPERIENCE_CHANGED:
            old, _sep, new = self.note.partition(EXPERIENCE_NOTE_ARROW)
            return gettext("experience to learn: %(old)s → %(new)s") % {
                "old": old or "—",
                "new": new or "—",
            }
        return str(self.get_kind_display())

    def _rediagnosis_summary(self) -> str:
        """What a re-diagnosis changed ("re-diagnosed: cause A → B; measure
        C → D"), leaving out what it kept."""
        causes, measures = dict(Cause.choices), dict(Measure.choices)
        parts = []
        if self.old_cause != self.cause:
            parts.append(
                gettext("cause: %(old)s → %(new)s")
                % {"old": causes.get(self.old_cause), "new": causes.get(self.cause)}
            )
        if self.old_measure != self.measure:
            parts.append(
                gettext("measure: %(old)s → %(new)s")
                % {
                    "old": measures.get(self.old_measure),
                    "new": measures.get(self.measure),
                }
            )
        return gettext("re-diagnosed: %(changes)s") % {
            "changes": pgettext("between clauses", "; ").join(parts)
        }

    @property
    def shows_note(self) -> bool:
        """The note is free text (a reason) only for status changes and
        re-diagnoses."""
        return self.kind in (
            CaseEventKind.STATUS,
            CaseEventKind.REDIAGNOSED,
        ) and bool(self.note)


class FollowUpKind(models.TextChoices):
    TALK = "talk", _("talk")
    HOME_VISIT = "home_visit", _("home visit")
    TRAINING = "training", _("training")
    DEMONSTRATION_VISIT = "demonstration_visit", _("demonstration visit")
    AID_GRANTED = "aid_granted", _("aid granted")
    OTHER = "other", _("other")


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user) -> FollowUpQuerySet:
        """Follow-ups are notes: the secretary and the case's helpers only.

        Private ones are for them as well, so a manager gets none at all.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm("assistance.view_private_notes"):
            return self
        return self.filter(case__in=AssistanceCase.objects.helped_by(user))


class FollowUp(models.Model):
    case = models.ForeignKey(
        AssistanceCase,
        verbose_name=_("help case"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=FollowUpKind.choices)
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    is_private = models.BooleanField(_("private"), default=True)
    aid_amount = models.DecimalField(
        _("aid amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    aid_kind = models.CharField(_("kind of aid"), max_length=100, blank=True)
    aid_approved_by = models.CharField(_("aid approved by"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(aid_amount__isnull=True) | Q(aid_amount__gte=0),
                name="aid_amount_not_negative",
            )
        ]
        indexes = [models.Index(fields=["case", "date"])]

    def __str__(self) -> str:
        return f"{self.case} {self.date} {self.get_kind_display()}"


class DemonstrationQuerySet(models.QuerySet):
    def visible_to(self, user) -> DemonstrationQuerySet:
        """Every demonstration for the secretary, a manager's workshops' own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm("assistance.view_all_cases"):
            return self
        if user.has_perm("assistance.view_demonstration") and user.has_perm(
            "workers.view_workshop"
        ):
            return self.filter(workshop__managers=user).distinct()
        return self.none()


class Demonstration(models.Model):
    """A demonstration of advanced experience (先进经验表演)."""

    # The experience of the catalogue shown; demonstrations recorded before
    # the catalogue have none and keep their free text in ``technique``.
    experience = models.ForeignKey(
        Experience,
        verbose_name=_("advanced experience"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demonstrations",
    )
    technique = models.CharField(_("technique shown"), max_length=200)
    demonstrator = models.ForeignKey(
        Worker,
        verbose_name=_("demonstrator"),
        on_delete=models.PROTECT,
        related_name="demonstrations_given",
    )
    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.PROTECT
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        Worker,
        verbose_name=_("attendees"),
        related_name="demonstrations_attended",
        blank=True,
    )

    objects = DemonstrationQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("demonstration of advanced experience")
        verbose_name_plural = _("demonstrations of advanced experience")

    def __str__(self) -> str:
        return f"{self.date} {self.technique}"

    def get_absolute_url(self) -> str:
        return reverse("assistance:demonstration_detail", args=[self.pk])


class CheckResult(models.TextChoices):
    """What the check at the worker's own machine found (上机检查)."""

    APPLIES = "applies", pgettext_lazy("check", "applies it")
    NOT_YET = "not_yet", pgettext_lazy("check", "not yet")


class MachineCheck(models.Model):
    """The check at the worker's own machine after a demonstration
    (DESIGN.md, "Advanced experience"): one per demonstration and attendee,
    written by assistance.services.checks (an ``applies`` records the
    worker's mastery too); recording it again corrects it, and the history
    keeps what it was. Which checks are due: assistance.checks."""

    demonstration = models.ForeignKey(
        Demonstration,
        verbose_name=_("demonstration"),
        on_delete=models.CASCADE,
        related_name="machine_checks",
    )
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="machine_checks",
    )
    result = models.CharField(
        pgettext_lazy("check", "result"), max_length=10, choices=CheckResult.choices
    )
    reason = models.TextField(
        pgettext_lazy("check", "why not yet"),
        blank=True,
        help_text=_("Required when the worker does not apply it yet."),
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
    # Raised by every recording; a form showing an older one is stale.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-checked_on", "-pk"]
        verbose_name = _("check at the machine")
        verbose_name_plural = _("checks at the machine")
        constraints = [
            models.UniqueConstraint(
                fields=["demonstration", "worker"],
                name="one_machine_check_per_attendee",
            ),
            models.CheckConstraint(
                condition=Q(result__in=CheckResult.values),
                name="machine_check_result_known",
            ),
            models.CheckConstraint(
                condition=Q(result=CheckResult.APPLIES) | ~Q(reason=""),
                name="machine_check_not_yet_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.demonstration} {self.result}"
