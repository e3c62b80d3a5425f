"""Writes of the factory app: publishing a month, marking it complete.

Keyword-only, one transaction each (STYLE.md 3). Both write rows the
figures read, so both are announced like every other change (their models
are tracked by workers.changes through factory.figures.cache.connect_signals).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assistance.models import AssistanceCase
from factory.figures import summaries
from factory.figures.bundles import snapshot_data
from factory.figures.corrections import other_sections, report_changes
from factory.models import MonthSnapshot
from workers.completeness import completeness
from workers.models import MonthCompletion, ProductionRecord, ShortfallClassification
from workers.months import month_label, previous_month
from workers.quota_review import review_groups

# The kinds of unfinished work a secretary must acknowledge before
# publishing (the publish page asks for each one that applies).
MISSING_WORKSHOPS = "missing_workshops"
UNCLASSIFIED = "unclassified"
PROPOSED_CLOSURES = "proposed_closures"
QUOTA_REVIEWS = "quota_reviews"
UNFINISHED_KINDS = (MISSING_WORKSHOPS, UNCLASSIFIED, PROPOSED_CLOSURES, QUOTA_REVIEWS)
# The publish page names this many of the shortfalls not classified.
UNCLASSIFIED_NAMED = 30


@dataclass(frozen=True)
class Unfinished:
    """What is not done yet for a month, as the publish page lists it."""

    missing_workshops: list[tuple[str, str]]
    # The first UNCLASSIFIED_NAMED (employee_no, name) of them, and how many
    # there are in all.
    unclassified: list[tuple[str, str]]
    unclassified_count: int
    proposed_closures: list[tuple[str, str]]
    # The month's quota review groups with no decision yet (workers.
    # quota_review): (workshop name, trade). The bulletin lists decisions.
    quota_reviews: list[tuple[str, str]]

    def kinds(self) -> set[str]:
        return {kind for kind in UNFINISHED_KINDS if getattr(self, kind)}


def unfinished_work(*, month: dt.date) -> Unfinished:
    """Workshops still missing, shortfalls not classified (how many, from
    the monthly summaries, and the first few named), and closures that
    helpers proposed and nobody has decided, and quota review groups with no
    decision (six queries at most, and the month's completeness)."""
    classified = ShortfallClassification.objects.filter(month=month).values("worker_id")
    unclassified = (
        ProductionRecord.objects.for_month(month)
        .below_quota()
        .exclude(worker_id__in=classified)
        .order_by("worker__workshop__code", "worker__employee_no")
        .values_list("worker__employee_no", "worker__name")
    )[:UNCLASSIFIED_NAMED]
    proposed = (
        AssistanceCase.objects.filter(
            month__lte=month, closure_proposed_at__isnull=False
        )
        .active()
        .order_by("worker__employee_no")
        .values_list("worker__employee_no", "worker__name")
    )
    return Unfinished(
        missing_workshops=list(completeness(month).missing),
        unclassified=list(unclassified),
        unclassified_count=summaries.unclassified_count(month),
        quota_reviews=[
            (group.workshop_name, group.trade)
            for group in review_groups(month)
            if group.decision is None
        ],
        proposed_closures=list(proposed),
    )


@transaction.atomic
def publish_month(
    *,
    month: dt.date,
    by: AbstractBaseUser,
    reason: str = "",
    acknowledged: set[str] = frozenset(),
) -> MonthSnapshot:
    """Freeze the month's figures against the month before, as its next
    revision.

    The first publication is revision 1; a later one needs a ``reason`` and
    live figures that differ from the latest revision: a figure of the
    report, or a section of the bulletin (factory.figures.corrections;
    otherwise there is nothing to correct). The revision keeps the report's
    changes, the ones every page counts. Every kind of unfinished work (unfinished_work)
    must be in ``acknowledged``. The months' rows are locked so that two
    secretaries publishing at once make one revision each, in turn.
    """
    month = month.replace(day=1)
    if not ProductionRecord.objects.for_month(month).exists():
        raise ValidationError(
            _("This month has no records yet: there is nothing to publish."),
            code="no_records",
        )
    unacknowledged = unfinished_work(month=month).kinds() - set(acknowledged)
    if unacknowledged:
        raise ValidationError(
            _("Confirm each kind of unfinished work before publishing."),
            code="not_acknowledged",
            params={"kinds": sorted(unacknowledged)},
        )
    # Serialises publications of the month (the lock is on its revisions;
    # for the first one, on the month's completion mark if there is one).
    existing = list(
        MonthSnapshot.objects.select_for_update()
        .filter(month=month)
        .order_by("revision")
    )
    compare = previous_month(month)
    data = snapshot_data(month=month, compare=compare)
    reason = (reason or "").strip()
    changes: list[dict] = []
    if existing:
        latest = existing[-1]
        changes = report_changes(
            latest.data["factory"]["report"], data["factory"]["report"]
        )
        others = other_sections(latest.data["bulletin"], data["bulletin"])
        if not changes and not others:
            raise ValidationError(
                _(
                    "The live figures are the same as revision %(revision)d: "
                    "there is nothing to publish again."
                )
                % {"revision": latest.revision},
                code="unchanged",
            )
        if not reason:
            raise ValidationError(
                {"reason": _("Give the reason for publishing a correction.")},
                code="reason_required",
            )
    revision = (
        MonthSnapshot.objects.filter(month=month).aggregate(n=Max("revision"))["n"] or 0
    ) + 1
    return MonthSnapshot.objects.create(
        month=month,
        revision=revision,
        compare_month=compare,
        published_by=by,
        reason=reason if existing else "",
        data=data,
        changes=changes,
    )


@transaction.atomic
def mark_month_complete(
    *, month: dt.date, by: AbstractBaseUser, note: str = ""
) -> MonthCompletion:
    """The secretary's word that the month is complete (who and when)."""
    month = month.replace(day=1)
    if not ProductionRecord.objects.for_month(month).exists():
        raise ValidationError(
            _("%(month)s has no records: a month without records cannot be complete.")
            % {"month": month_label(month)},
            code="no_records",
        )
    mark, _created = MonthCompletion.objects.get_or_create(
        month=month, defaults={"marked_by": by, "note": (note or "").strip()}
    )
    return mark


@transaction.atomic
def unmark_month_complete(*, month: dt.date) -> bool:
    """Undo the mark, until the month is published. True if there was one."""
    month = month.replace(day=1)
    if MonthSnapshot.objects.filter(month=month).exists():
        raise ValidationError(
            _("%(month)s is published: its completeness can no longer be undone.")
            % {"month": month_label(month)},
            code="published",
        )
    mark = MonthCompletion.objects.select_for_update().filter(month=month).first()
    if mark is None:
        return False
    mark.delete()
    return True
