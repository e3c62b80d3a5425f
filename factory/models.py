"""Factory-level models: the published revisions of a month's figures, and
the generations that key the cached figures (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workers.publication import Publication


class MonthSnapshotQuerySet(models.QuerySet):
    def latest_revisions(self) -> MonthSnapshotQuerySet:
        """The latest revision of each published month."""
        later = MonthSnapshot.objects.filter(
            month=models.OuterRef("month"), revision__gt=models.OuterRef("revision")
        )
        return self.exclude(models.Exists(later))

    def publication_of(self, month: dt.date) -> Publication | None:
        """The latest published revision of ``month``, as workers reads it
        (workers.publication, handed over by FactoryConfig.ready); one query."""
        snapshot = (
            self.filter(month=month)
            .select_related("published_by")
            .order_by("-revision")
            .first()
        )
        if snapshot is None:
            return None
        return Publication(
            month=snapshot.month,
            revision=snapshot.revision,
            published_at=snapshot.published_at,
            published_by=snapshot.published_by.get_username(),
        )


class MonthSnapshot(models.Model):
    """One published revision of a month's figures.

    ``data`` holds what the bulletin and the dashboards show for the month,
    frozen: later corrections to records, classifications or cases change the
    live figures, never a row of this table. Publishing a month makes
    revision 1; a correction afterwards is published as the next revision,
    with its reason and the figures that changed (``changes``), and every
    revision stays readable.
    """

    month = models.DateField(_("month"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    compare_month = models.DateField(_("compared with"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    reason = models.TextField(_("reason for the revision"), blank=True)
    data = models.JSONField(default=dict, verbose_name=_("data"))
    # [{"figure", "published", "live"}] against the previous revision.
    changes = models.JSONField(default=list, blank=True, verbose_name=_("changes"))

    objects = MonthSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-revision"]
        verbose_name = _("published month")
        verbose_name_plural = _("published months")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "revision"], name="one_snapshot_per_revision"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="snapshot_month_first_day"
            ),
            models.CheckConstraint(
                condition=Q(compare_month__day=1),
                name="snapshot_compare_month_first_day",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="snapshot_revision_positive"
            ),
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(reason=""),
                name="snapshot_revision_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} r{self.revision}"

    def get_absolute_url(self) -> str:
        return reverse(
            "reports:bulletin_revision",
            kwargs={"month": f"{self.month:%Y-%m}", "revision": self.revision},
        )


def new_token() -> str:
    return uuid.uuid4().hex


# The row of data that reaches every month (the roster). It sorts before
# every real month, so "the tokens of M and the months before" includes it.
EVERY_MONTH = dt.date(1, 1, 1)


class FiguresGeneration(models.Model):
    """A token per month that changes whenever that month's data changes.

    Cached figures of month M are keyed on the tokens of M and of every
    month before it (a figure of M reads data of M and earlier, never
    later), EVERY_MONTH's included, which changes with data that reaches
    every month (the roster). So a record for April leaves March's cached
    pages in place, and a correction of March refreshes March and every
    month after it. The tokens live in the database so that every server
    process sees a change made by any other one. Random tokens, not
    counters: two databases can never reach the same value with other data.
    """

    month = models.DateField(unique=True, verbose_name=_("month"))
    token = models.CharField(max_length=32, default=new_token, verbose_name=_("token"))
    changed_at = models.DateTimeField(auto_now=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("figures generation")
        verbose_name_plural = _("figures generations")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.token}"


class MonthSummary(models.Model):
    """The figures of one month's records for one workshop (factory.figures.summaries).

    Derived rows, never edited: kept current in the transaction of every write
    that changes them, rebuilt by ``rebuild_summaries``. A row exists for each
    month and workshop with records; the counts follow docs/ARCHITECTURE.md
    (on quota, advanced under the standard in force that month and not
    disqualified, below quota, and the cause of each shortfall), each record
    counted for the workshop its worker belongs to now.
    """

    month = models.DateField()
    workshop = models.ForeignKey(
        "workers.Workshop", on_delete=models.CASCADE, related_name="+"
    )
    on_quota = models.PositiveIntegerField(default=0)
    advanced = models.PositiveIntegerField(default=0)
    failing = models.PositiveIntegerField(default=0)
    # Shortfalls by the committee's cause; none classified → unclassified.
    technique = models.PositiveIntegerField(default=0)
    ideology = models.PositiveIntegerField(default=0)
    family = models.PositiveIntegerField(default=0)
    other = models.PositiveIntegerField(default=0)
    unclassified = models.PositiveIntegerField(default=0)
    # {trade: [on quota, below quota]} of the workers with a trade
    # (workers.quota_review reads its groups from these).
    trades = models.JSONField(default=dict)
    # Workers slipping in the month (assistance.worklists.slipping: it reads
    # the records of the two months before too).
    slipping = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "workshop"], name="one_summary_per_month_workshop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.workshop_id}"


class MonthCaseSummary(models.Model):
    """Help cases of one workshop's workers as they stood at the end of a
    month (factory.figures.summaries; assistance.standing): the cases opened in or
    before it by their status then, and how many reached quota in it.

    A row exists for each month from the first month of any data to the last
    and each workshop with a count that is not zero. After the last month
    nothing can change a case's standing, so a later month reads the last
    month's statuses (and no case reaches quota in it: it has no records).
    """

    month = models.DateField()
    workshop = models.ForeignKey(
        "workers.Workshop", on_delete=models.CASCADE, related_name="+"
    )
    open = models.PositiveIntegerField(default=0)
    reached_quota = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    reached_in_month = models.PositiveIntegerField(default=0)
    # assistance.outcomes: the outcomes by measure (standing_counts) and the
    # cases that reached quota in the month, by measure, with the first few
    # of each cause by id (reached_counts). Counts only, no names.
    outcomes = models.JSONField(default=dict)
    reached = models.JSONField(default=dict)
    # Cases stuck in the month (assistance.stuck; the work queue's count,
    # the JSON's stuck_cases).
    stuck = models.PositiveIntegerField(default=0)
    # The outcomes of the cases re-diagnosed and of the stuck cases left as
    # they were (assistance.outcomes.rediagnosis_outcomes), by the same
    # counts as ``outcomes``.
    apart = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "workshop"],
                name="one_case_summary_per_month_workshop",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.workshop_id}"


class CaseStuckSince(models.Model):
    """The first month a help case was stuck (assistance.stuck), kept with
    the case rows (factory.figures.summaries): a run of months recomputed
    from a month on starts from what came before it. Derived, never edited;
    a case never stuck has no row."""

    case = models.OneToOneField(
        "assistance.AssistanceCase",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    month = models.DateField()

    def __str__(self) -> str:
        return f"{self.case_id} {self.month:%Y-%m}"


class CampaignMeasure(models.TextChoices):
    """What a campaign target moves (DESIGN.md, "Is the help working?")."""

    FAILING = "failing", _("workers below quota")
    ADVANCED_SHARE = "advanced_share", _("advanced share")


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, codes: set[str] | None) -> CampaignQuerySet:
        """The factory's campaigns and those of the workshops of ``codes``
        (None: every workshop; factory.figures.access.visible_codes)."""
        if codes is None:
            return self
        return self.filter(Q(workshop__isnull=True) | Q(workshop__code__in=codes))


class Campaign(models.Model):
    """A campaign target (赶超目标) of one workshop or of the factory: a
    measure to move from its value in a start month to a target by a target
    month. The targets are its versions (``CampaignVersion``): a revision
    adds one, so the history stays. The start value is the measure's value
    when the secretary set the campaign, kept as it was then
    (factory.figures.campaigns)."""

    workshop = models.ForeignKey(
        "workers.Workshop",
        verbose_name=_("workshop"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="campaigns",
        help_text=_("None: the whole factory."),
    )
    measure = models.CharField(
        pgettext_lazy("campaign", "measure"),
        max_length=20,
        choices=CampaignMeasure.choices,
    )
    start_month = models.DateField(_("start month"))
    start_value = models.DecimalField(_("start value"), max_digits=9, decimal_places=2)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["start_month", "id"]
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__day=1), name="campaign_start_month_first_day"
            ),
            models.CheckConstraint(
                condition=Q(start_value__gte=0),
                name="campaign_start_value_not_negative",
            ),
            # One campaign per scope, measure and start month; the factory's
            # scope is a NULL workshop, which a plain unique key lets repeat.
            models.UniqueConstraint(
                fields=["workshop", "measure", "start_month"],
                name="one_campaign_per_workshop_measure_start",
            ),
            models.UniqueConstraint(
                fields=["measure", "start_month"],
                condition=Q(workshop__isnull=True),
                name="one_factory_campaign_per_measure_start",
            ),
        ]

    def __str__(self) -> str:
        scope = self.workshop.code if self.workshop_id else "factory"
        return f"{scope} {self.measure} from {self.start_month:%Y-%m}"


class CampaignVersion(models.Model):
    """One target of a campaign: version 1 is set with the campaign, each
    revision adds the next. A version is shown from its ``effective_month``
    on (the start month for the first; for a revision, the working month when
    it was made — a person's action, DESIGN.md "The month"), so the figures
    of an earlier month keep the target they had."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign target"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    version = models.PositiveSmallIntegerField(_("version"))
    target_value = models.DecimalField(
        _("target value"), max_digits=9, decimal_places=2
    )
    target_month = models.DateField(_("target month"))
    effective_month = models.DateField(_("shown from"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "version"]
        verbose_name = _("campaign target version")
        verbose_name_plural = _("campaign target versions")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "version"], name="one_campaign_version_number"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="campaign_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(target_month__day=1),
                name="campaign_target_month_first_day",
            ),
            models.CheckConstraint(
                condition=Q(effective_month__day=1),
                name="campaign_effective_month_first_day",
            ),
            models.CheckConstraint(
                condition=Q(target_value__gte=0),
                name="campaign_target_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} v{self.version}"
