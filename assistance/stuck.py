"""Stuck cases (帮扶停滞; docs/ARCHITECTURE.md, "Definitions").

A case is *stuck* in month M when it is active at the end of M, M is at
least two months after the case's month, the worker has records for the
case's month and for M, the record for M is below quota, and its attainment
is less than STUCK_GAIN percentage points above the attainment of the
case's month.

As of the month: the standing at the end of M is assistance.standing's, and
the two records read are of the case's month and of M, so nothing that takes
effect after M moves the list. The work queue counts it, the page lists it
and the JSON report counts it for the reader's scope, all from
``stuck_cases``: a count always equals its list. ``first_stuck_month`` asks
the same of every month up to M at once (the outcomes of the cases left as
they were: assistance.outcomes). ``stuck_by_records`` is the rule's record
part in Python, for assistance.standing.month_by_month, which counts the
stuck cases of every month onto the monthly summaries (the counts the pages
read); the tests hold it to ``stuck_cases``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    CharField,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.lookups import LessThan

from assistance import standing
from assistance.models import ACTIVE_STATUSES, AssistanceCase, CaseEvent, CaseStatus
from workers.models import BELOW_QUOTA, ProductionRecord
from workers.months import add_months, first_of_month

# "No real gain": less than this many percentage points above the
# attainment of the case's month.
STUCK_GAIN = 5
# The case's month and the one after are too early to tell.
STUCK_AFTER_MONTHS = 2


def no_real_gain(*, now: tuple, then: tuple) -> LessThan:
    """Attainment ``now`` less than STUCK_GAIN points above ``then``, each
    given as (output × 100, quota) expressions. Compared exactly, the way
    ADVANCED compares: now < then + STUCK_GAIN is output_now × 100 ×
    quota_then < (output_then × 100 + STUCK_GAIN × quota_then) × quota_now
    (quotas are above zero), so a gain of exactly STUCK_GAIN points is never
    rounded under it."""
    (now_hundredfold, now_quota), (then_hundredfold, then_quota) = now, then
    return LessThan(
        now_hundredfold * then_quota,
        (then_hundredfold + STUCK_GAIN * then_quota) * now_quota,
    )


def stuck_by_records(
    *, months_after: int, then: tuple | None, now: tuple | None
) -> bool:
    """The record part of the rule for one active case, in Python:
    ``months_after`` months from the case's month to M, ``then`` and
    ``now`` the (output, quota) of the worker's records of the case's month
    and of M (None: no record). Decimals, compared exactly as
    ``no_real_gain`` compares them in the database."""
    if months_after < STUCK_AFTER_MONTHS or then is None or now is None:
        return False
    (now_output, now_quota), (then_output, then_quota) = now, then
    if not now_output < now_quota:  # BELOW_QUOTA
        return False
    return (
        now_output * 100 * then_quota
        < (then_output * 100 + STUCK_GAIN * then_quota) * now_quota
    )


def with_record_then(cases: QuerySet) -> QuerySet:
    """``record_then``: the worker's record of the case's month, joined."""
    return cases.annotate(
        record_then=FilteredRelation(
            "worker__records", condition=Q(worker__records__month=F("month"))
        )
    )


def stuck_cases(month: dt.date, workshops=None) -> QuerySet:
    """The cases stuck in ``month`` (``workshops``, a Workshop QuerySet or
    list, narrows them to those workshops' workers; None: the factory),
    each annotated with as_of()'s standing and ``attainment_then`` and
    ``attainment_now``, the attainment of the case's month and of
    ``month``. One query: both records are joined, not looked up per case.
    """
    month = first_of_month(month)
    cases = AssistanceCase.objects.filter(
        month__lte=add_months(month, -STUCK_AFTER_MONTHS)
    )
    if workshops is not None:
        cases = cases.filter(worker__workshop__in=workshops)
    cases = with_record_then(standing.as_of(cases, month)).annotate(
        record_now=FilteredRelation(
            "worker__records", condition=Q(worker__records__month=month)
        ),
    )
    return (
        cases.filter(
            status_then__in=ACTIVE_STATUSES,
            record_then__isnull=False,
            # The rule of below quota written once: M's records below quota,
            # one uncorrelated set the joined record is looked up in.
            record_now__in=ProductionRecord.objects.for_month(month).below_quota(),
        )
        .filter(
            no_real_gain(
                now=(F("record_now__output_hundredfold"), F("record_now__quota")),
                then=(F("record_then__output_hundredfold"), F("record_then__quota")),
            )
        )
        .annotate(
            attainment_then=F("record_then__attainment"),
            attainment_now=F("record_now__attainment"),
        )
        .select_related("worker__workshop")
        .order_by("worker__workshop__code", "month", "worker__employee_no")
    )


def _month_index(month) -> ExtractYear:
    """Months counted from year 0: two dates' difference in months, on
    every database."""
    return ExtractYear(month) * 12 + ExtractMonth(month)


def first_stuck_month(month: dt.date) -> Subquery:
    """The first month up to ``month`` that the outer case (annotated by
    with_record_then) was stuck in, None if none: a record of the worker
    below quota at least STUCK_AFTER_MONTHS after the case's month, with no
    real gain, in a month at whose end the case was not closed. Its record
    is below quota, so it was active unless a closing stood then (as_of's
    rule)."""
    person_then = (
        CaseEvent.objects.filter(
            case=OuterRef(OuterRef("pk")), effective_month__lte=OuterRef("month")
        )
        .filter(standing.PEOPLE_STATUS_EVENT)
        .order_by("-effective_month", "-at", "-pk")
        .values("to_status")[:1]
    )
    return Subquery(
        ProductionRecord.objects.filter(
            BELOW_QUOTA, worker=OuterRef("worker"), month__lte=first_of_month(month)
        )
        .annotate(
            months_after=_month_index(F("month")) - _month_index(OuterRef("month")),
            person=Subquery(person_then, output_field=CharField()),
        )
        .filter(months_after__gte=STUCK_AFTER_MONTHS)
        .filter(Q(person__isnull=True) | ~Q(person=CaseStatus.CLOSED))
        .filter(
            no_real_gain(
                now=(F("output_hundredfold"), F("quota")),
                then=(
                    OuterRef("record_then__output_hundredfold"),
                    OuterRef("record_then__quota"),
                ),
            )
        )
        .order_by("month")
        .values("month")[:1]
    )


def first_stuck_months(cases: QuerySet, month: dt.date) -> dict[int, dt.date]:
    """{case id: the first month up to ``month`` it was stuck in} of the
    cases ever stuck by then (first_stuck_month; one query): what the
    monthly summaries keep (factory.models.CaseStuckSince) is checked
    against it."""
    return dict(
        with_record_then(cases)
        .annotate(first_stuck=first_stuck_month(month))
        .filter(first_stuck__isnull=False)
        .values_list("pk", "first_stuck")
    )
