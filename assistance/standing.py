"""Help cases as they stood at the end of a month (docs/ARCHITECTURE.md, "The month").

A case's status at the end of month M is derived, never read from the case's
present status, so that nothing that happens later can move a figure of M:

- closed, when the latest closing or reopening effective in or before M is
  a closing (CaseEvent.effective_month; a person's action);
- otherwise reached quota, when the worker's latest record for a month after
  the case's month and up to M meets quota;
- otherwise open.

The case's stored ``status`` is the same rule applied to everything there is
(assistance.services.sync keeps it so), which is why the two agree for the
latest month. Everything here is annotations on a QuerySet: one query for a
whole list, a few index probes per case.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from assistance.models import AssistanceCase, CaseEvent, CaseEventKind, CaseStatus
from workers.models import BELOW_QUOTA, MEETS_QUOTA, ProductionRecord
from workers.months import first_of_month, previous_month


def _people_status_events(month: dt.date) -> QuerySet:
    """Closings and reopenings of the outer case effective by ``month``,
    latest first."""
    return (
        CaseEvent.objects.filter(
            case=OuterRef("pk"),
            kind=CaseEventKind.STATUS,
            effective_month__lte=month,
        )
        .filter(Q(to_status=CaseStatus.CLOSED) | Q(from_status=CaseStatus.CLOSED))
        .order_by("-effective_month", "-at", "-pk")
    )


def _records_after_opening(up_to) -> QuerySet:
    """The outer case's worker's records after the case's month, up to
    ``up_to`` (a month, or an expression of the outer query)."""
    return ProductionRecord.objects.filter(
        worker=OuterRef("worker"),
        month__gt=OuterRef("month"),
        month__lte=up_to,
    )


def as_of(cases: QuerySet, month: dt.date) -> QuerySet:
    """The cases opened in or before ``month``, each annotated with how it
    stood at the end of it: ``status_then``, ``outcome_then`` (of a closing),
    ``closed_month_then`` and ``measure_then``."""
    month = first_of_month(month)
    people = _people_status_events(month)
    latest_meets = Subquery(
        _records_after_opening(month)
        .order_by("-month")
        .annotate(meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField()))
        .values("meets")[:1]
    )
    measure_event = (
        CaseEvent.objects.filter(case=OuterRef("pk"), effective_month__lte=month)
        .exclude(measure="")
        .order_by("-effective_month", "-at", "-pk")
        .values("measure")[:1]
    )
    return (
        cases.filter(month__lte=month)
        .annotate(
            person_status=Subquery(people.values("to_status")[:1]),
            latest_meets=latest_meets,
        )
        .annotate(
            status_then=Case(
                When(person_status=CaseStatus.CLOSED, then=Value(CaseStatus.CLOSED)),
                When(latest_meets=True, then=Value(CaseStatus.REACHED_QUOTA)),
                default=Value(CaseStatus.OPEN),
                output_field=CharField(),
            ),
            outcome_then=Case(
                When(
                    person_status=CaseStatus.CLOSED,
                    then=Subquery(people.values("outcome")[:1]),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
            closed_month_then=Case(
                When(
                    person_status=CaseStatus.CLOSED,
                    then=Subquery(people.values("effective_month")[:1]),
                ),
                default=None,
                output_field=DateField(),
            ),
            measure_then=Coalesce(
                Subquery(measure_event), F("measure"), output_field=CharField()
            ),
        )
    )


def with_reached_month(cases: QuerySet, month: dt.date) -> QuerySet:
    """as_of() plus ``reached_month_then``: for a case that had reached
    quota by the end of ``month`` (or was closed as reached quota by then),
    the first month of the run of records at or above quota that got it
    there; None for the others."""
    month = first_of_month(month)
    annotated = as_of(cases, month).annotate(
        bound=Case(
            When(status_then=CaseStatus.CLOSED, then=F("closed_month_then")),
            default=Value(month),
            output_field=DateField(),
        )
    )
    last_below = Subquery(
        _records_after_opening(OuterRef("bound"))
        .filter(BELOW_QUOTA)
        .order_by("-month")
        .values("month")[:1]
    )
    annotated = annotated.annotate(
        run_from=Coalesce(last_below, F("month"), output_field=DateField())
    )
    first_of_run = Subquery(
        ProductionRecord.objects.filter(
            worker=OuterRef("worker"),
            month__gt=OuterRef("run_from"),
            month__lte=OuterRef("bound"),
        )
        .filter(MEETS_QUOTA)
        .order_by("month")
        .values("month")[:1]
    )
    reached = Q(status_then=CaseStatus.REACHED_QUOTA) | Q(
        status_then=CaseStatus.CLOSED, outcome_then="reached_quota"
    )
    return annotated.annotate(
        reached_month_then=Case(
            When(reached, then=first_of_run), default=None, output_field=DateField()
        )
    )


def reached_in(cases: QuerySet, month: dt.date) -> QuerySet:
    """Cases that *reached quota in* ``month`` (docs/ARCHITECTURE.md): open at the end
    of the month before, and the worker's record for the month meets quota."""
    month = first_of_month(month)
    meets_now = ProductionRecord.objects.filter(
        worker=OuterRef("worker"), month=month
    ).filter(MEETS_QUOTA)
    return as_of(cases, previous_month(month)).filter(
        Exists(meets_now), status_then=CaseStatus.OPEN
    )


def all_cases() -> QuerySet:
    return AssistanceCase.objects.order_by()
