"""The secretary's work, as lists (docs/ARCHITECTURE.md, "The work queue").

Each function is one list of things to do; the work queue counts it and the
page where the work is done shows it, so a count always equals the length of
the list it links to. ``workshops`` (a Workshop QuerySet) narrows a list to a
director's own workshops; None is the whole factory.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from assistance.models import ACTIVE_STATUSES, AssistanceCase, CaseStatus
from assistance.selectors import quiet_cases
from workers.models import (
    ADVANCED,
    MEETS_QUOTA,
    AdvancedStandard,
    ProductionRecord,
    ShortfallClassification,
    Worker,
)
from workers.months import add_months

# "Within 5 points of quota": attainment at most this far above 100%.
SLIPPING_MARGIN = 5


def _records(month: dt.date, workshops) -> QuerySet:
    records = ProductionRecord.objects.for_month(month)
    if workshops is not None:
        records = records.filter(worker__workshop__in=workshops)
    return records


def _cases(workshops) -> QuerySet:
    cases = AssistanceCase.objects.all()
    if workshops is not None:
        cases = cases.filter(worker__workshop__in=workshops)
    return cases


def unclassified_shortfalls(month: dt.date, workshops=None) -> QuerySet:
    """The month's records below quota whose shortfall has no cause yet."""
    classified = ShortfallClassification.objects.filter(
        worker=OuterRef("worker"), month=OuterRef("month")
    )
    return _records(month, workshops).below_quota().filter(~Exists(classified))


def uncased_shortfalls(month: dt.date, workshops=None) -> QuerySet:
    """The month's records below quota of workers with no active case."""
    active = AssistanceCase.objects.filter(
        worker=OuterRef("worker"), status__in=ACTIVE_STATUSES
    )
    return (
        _records(month, workshops)
        .below_quota()
        .filter(worker__active=True)
        .filter(~Exists(active))
    )


def waiting_to_close(cases: QuerySet, working_month: dt.date) -> QuerySet:
    """Of ``cases``, those that reached quota by the working month and wait
    for the secretary to close them (one that reached it only in a later,
    still incomplete month waits for that month: closing_month refuses it)."""
    return cases.filter(
        status=CaseStatus.REACHED_QUOTA, reached_quota_month__lte=working_month
    )


def cases_to_close(working_month: dt.date, workshops=None) -> QuerySet:
    """The work queue's count of waiting_to_close."""
    return waiting_to_close(_cases(workshops), working_month)


def proposed_closures(workshops=None) -> QuerySet:
    """Active cases whose helper proposed closing them."""
    return _cases(workshops).active().filter(closure_proposed_at__isnull=False)


def quiet(days: int, workshops=None, today: dt.date | None = None) -> QuerySet:
    """Active cases with no follow-up for ``days`` days while the worker is
    still below quota (the reminders' rule: assistance.selectors)."""
    cases = quiet_cases(days, today or timezone.localdate())
    if workshops is not None:
        cases = cases.filter(worker__workshop__in=workshops)
    return cases


def helpers_over_load(limit: int) -> QuerySet:
    """Helpers carrying more active cases than the limit (none without one)."""
    if not limit:
        return Worker.objects.none()
    return (
        Worker.objects.annotate(
            load=Count(
                "helped_cases",
                filter=Q(helped_cases__status__in=ACTIVE_STATUSES),
                distinct=True,
            )
        )
        .filter(load__gt=limit)
        .select_related("workshop")
        .order_by("-load", "employee_no")
    )


def is_slipping(now: tuple, before: tuple | None, two_before: tuple | None) -> bool:
    """slipping()'s rule for one worker, in Python: each record given as
    (attainment, meets quota, advanced), None when there is none (the
    monthly summaries count with it; the tests hold it to slipping())."""
    attainment, meets, advanced = now
    if before is None:
        return False
    if before[2] and not advanced:
        return True
    return (
        two_before is not None
        and before[0] < two_before[0]
        and attainment < before[0]
        and attainment <= 100 + SLIPPING_MARGIN
        and bool(meets)
    )


def slipping(month: dt.date, workshops=None, schedule=None) -> QuerySet:
    """Workers *slipping* in the month (GLOSSARY: 下滑预警).

    Attainment down two months running and now within SLIPPING_MARGIN points
    above quota, or advanced the month before and not this month (whether
    they fell below quota or not). One query, the records of the month joined
    with the two months before. ``schedule``: the standards
    (AdvancedStandard.schedule()), read here when not given.
    """
    before = add_months(month, -1)
    two_before = add_months(month, -2)

    def record_in(m: dt.date) -> FilteredRelation:
        # Joined, not a subquery per record: the month's records meet the
        # months before in one hash join, at any size of factory.
        return FilteredRelation(
            "worker__records", condition=Q(worker__records__month=m)
        )

    if schedule is None:
        schedule = AdvancedStandard.schedule()
    advanced_before = ProductionRecord.objects.filter(
        worker=OuterRef("worker"), month=before
    ).advanced(schedule)
    return (
        _records(month, workshops)
        .with_standing(schedule)
        .annotate(
            record_before=record_in(before), record_two_before=record_in(two_before)
        )
        .annotate(
            attainment_before=F("record_before__attainment"),
            attainment_two_before=F("record_two_before__attainment"),
            was_advanced=Exists(advanced_before),
            is_advanced=ExpressionWrapper(ADVANCED, output_field=BooleanField()),
            meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField()),
        )
        .filter(
            Q(
                attainment_before__lt=F("attainment_two_before"),
                attainment__lt=F("attainment_before"),
                attainment__lte=100 + SLIPPING_MARGIN,
                meets=True,
            )
            | Q(was_advanced=True, is_advanced=False)
        )
        .select_related("worker__workshop")
        .order_by("worker__workshop__code", "attainment", "worker__employee_no")
    )


def cases_of_helpers_gone(workshops=None) -> QuerySet:
    """Active cases with a helper who left the factory or is no longer an
    eligible helper: the secretary reassigns them (the case list's
    ``helpers_left`` filter shows the same)."""
    return _cases(workshops).with_helper_gone()


def helpers_gone() -> QuerySet:
    """Helpers who left the factory or are no longer eligible and still have
    active cases, with how many (their cases are moved to another helper)."""
    return (
        Worker.objects.no_longer_eligible()
        .annotate(
            load=Count(
                "helped_cases",
                filter=Q(helped_cases__status__in=ACTIVE_STATUSES),
                distinct=True,
            )
        )
        .filter(load__gt=0)
        .select_related("workshop")
        .order_by("workshop__code", "employee_no")
    )
