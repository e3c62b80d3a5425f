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
whole list, a few index probes per case. ``month_by_month`` is the same rule
carried forward through a run of months (the monthly summaries): the
standing at the end of the month before, then each month's records and
closings applied in order — three queries for any number of months.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
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

from assistance.models import (
    ACTIVE_STATUSES,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    CaseStatus,
)
from workers.models import BELOW_QUOTA, MEETS_QUOTA, ProductionRecord
from workers.months import add_months, first_of_month, months_between, previous_month

# A person's closing or reopening (a status event to or from closed); the
# records' own changes (open ↔ reached quota) are derived, never read.
PEOPLE_STATUS_EVENT = Q(kind=CaseEventKind.STATUS) & (
    Q(to_status=CaseStatus.CLOSED) | Q(from_status=CaseStatus.CLOSED)
)


def _people_status_events(month: dt.date) -> QuerySet:
    """Closings and reopenings of the outer case effective by ``month``,
    latest first."""
    return (
        CaseEvent.objects.filter(case=OuterRef("pk"), effective_month__lte=month)
        .filter(PEOPLE_STATUS_EVENT)
        .order_by("-effective_month", "-at", "-pk")
    )


# The statuses as plain strings, as the database gives them (and quicker to
# compare in month_by_month's loop than the enum's members).
_OPEN, _REACHED, _CLOSED = (
    str(status.value)
    for status in (CaseStatus.OPEN, CaseStatus.REACHED_QUOTA, CaseStatus.CLOSED)
)
_ACTIVE = frozenset(str(status.value) for status in ACTIVE_STATUSES)
_STATUS_EVENT = str(CaseEventKind.STATUS.value)
_REDIAGNOSED_EVENT = str(CaseEventKind.REDIAGNOSED.value)
_REACHED_OUTCOME = str(CaseOutcome.REACHED_QUOTA.value)


def status_from(person_status: str | None, latest_meets: bool | None) -> str:
    """The rule of the module's docstring, given the latest person's status
    event and whether the latest record after the case's month meets quota
    (None: no such record). as_of() writes the same rule in SQL."""
    if person_status == _CLOSED:
        return _CLOSED
    if latest_meets:
        return _REACHED
    return _OPEN


def _latest_meets(month: dt.date) -> Subquery:
    """Whether the outer case's worker's latest record after the case's
    month, up to ``month``, meets quota (None: there is none)."""
    return Subquery(
        _records_after_opening(month)
        .order_by("-month")
        .annotate(meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField()))
        .values("meets")[:1]
    )


def _standing_inputs(cases: QuerySet, month: dt.date) -> QuerySet:
    """The two facts the status at the end of ``month`` is decided by:
    ``person_status`` and ``latest_meets``."""
    return cases.annotate(
        person_status=Subquery(_people_status_events(month).values("to_status")[:1]),
        latest_meets=_latest_meets(month),
    )


def _records_after_opening(up_to) -> QuerySet:
    """The outer case's worker's records after the case's month, up to
    ``up_to`` (a month, or an expression of the outer query)."""
    return ProductionRecord.objects.filter(
        worker=OuterRef("worker"),
        month__gt=OuterRef("month"),
        month__lte=up_to,
    )


def cause_then(month: dt.date) -> Coalesce:
    """The outer case's cause at the end of ``month``: that of its latest
    re-diagnosis effective by then; before any, the cause its first
    re-diagnosis replaced; never re-diagnosed, its cause."""
    rediagnoses = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=CaseEventKind.REDIAGNOSED
    )
    latest = (
        rediagnoses.filter(effective_month__lte=month)
        .order_by("-effective_month", "-at", "-pk")
        .values("cause")[:1]
    )
    first = rediagnoses.order_by("effective_month", "at", "pk").values("old_cause")[:1]
    return Coalesce(
        Subquery(latest), Subquery(first), F("cause"), output_field=CharField()
    )


# Earlier than any case's month: cause_then() of it is the cause a case was
# opened with.
_BEFORE_ANY = dt.date(1, 1, 1)


def as_of(cases: QuerySet, month: dt.date) -> QuerySet:
    """The cases opened in or before ``month``, each annotated with how it
    stood at the end of it: ``status_then``, ``outcome_then`` (of a closing),
    ``closed_month_then``, ``measure_then`` and ``cause_then`` (a
    re-diagnosis changes the last two from its month on)."""
    month = first_of_month(month)
    people = _people_status_events(month)
    measure_event = (
        CaseEvent.objects.filter(case=OuterRef("pk"), effective_month__lte=month)
        .exclude(measure="")
        .order_by("-effective_month", "-at", "-pk")
        .values("measure")[:1]
    )
    return _standing_inputs(cases.filter(month__lte=month), month).annotate(
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
        cause_then=cause_then(month),
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
    annotated = _with_run_start(annotated, bound="bound", name="first_of_run")
    reached = Q(status_then=CaseStatus.REACHED_QUOTA) | Q(
        status_then=CaseStatus.CLOSED, outcome_then="reached_quota"
    )
    return annotated.annotate(
        reached_month_then=Case(
            When(reached, then=F("first_of_run")),
            default=None,
            output_field=DateField(),
        )
    )


def _with_run_start(cases: QuerySet, *, bound: str, name: str) -> QuerySet:
    """Annotate ``name``: the first month of the run of the worker's records
    at or above quota that goes on to the latest record after the case's
    month up to the month in field ``bound`` — after the latest record below
    quota, or after the case's month (None: no record of the run)."""
    last_below = Subquery(
        _records_after_opening(OuterRef(bound))
        .filter(BELOW_QUOTA)
        .order_by("-month")
        .values("month")[:1]
    )
    run_from = f"{name}_after"
    return cases.annotate(
        **{run_from: Coalesce(last_below, F("month"), output_field=DateField())}
    ).annotate(
        **{
            name: Subquery(
                ProductionRecord.objects.filter(
                    worker=OuterRef("worker"),
                    month__gt=OuterRef(run_from),
                    month__lte=OuterRef(bound),
                )
                .filter(MEETS_QUOTA)
                .order_by("month")
                .values("month")[:1]
            )
        }
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


class Then(NamedTuple):
    """How one case stood at the end of a month, as with_reached_month()
    and reached_in() tell it (month_by_month)."""

    status: str
    outcome: str  # of the closing, when closed; else ""
    measure: str
    # The first month of the run of records that got it to quota, for a
    # case that had reached quota or was closed as such (else None).
    reached_month: dt.date | None
    # Open at the end of the month before and the month's record meets quota.
    reached_in: bool
    # The measure at the end of the month before (reached_in's measure).
    measure_before: str
    # The cause at the end of the month before (reached_in's cause_then).
    cause_before: str
    # Stuck in the month (assistance.stuck.stuck_cases).
    stuck: bool = False
    # The month of the latest re-diagnosis effective by the month's end.
    rediagnosed_in: dt.date | None = None


class _Carried:
    """One case's facts, carried from month to month."""

    __slots__ = (
        "worker_id",
        "month",
        "measure",
        "cause",
        "person",
        "outcome",
        "person_month",
        "meets",
        "run_start",
        "closed_run_start",
        "record_then",
        "rediagnosed_in",
    )

    def __init__(self, worker_id, month, measure, cause):
        self.worker_id, self.month, self.measure = worker_id, month, measure
        self.cause = cause
        # (output, quota) of the worker's record of the case's month (None:
        # no record): what a stuck case is measured against.
        self.record_then = None
        # The month of the latest re-diagnosis applied (None: none).
        self.rediagnosed_in = None
        # The latest closing or reopening: to status, outcome, month.
        self.person = self.outcome = self.person_month = None
        # The latest record after the case's month meets quota (None: no
        # record); the first month of the run of records meeting quota that
        # goes on to the latest record (None: none, or the latest is below).
        self.meets = self.run_start = None
        # run_start as it was at the latest closing's month (a closed case's
        # reached month is bounded by its closing).
        self.closed_run_start = None

    def apply_event(self, kind, from_status, to_status, outcome, measure, cause, month):
        if measure:
            self.measure = measure
        if cause:
            self.cause = cause
        if kind == _REDIAGNOSED_EVENT:
            self.rediagnosed_in = month
        if kind == _STATUS_EVENT and _CLOSED in (
            to_status,
            from_status,
        ):
            self.person, self.outcome, self.person_month = to_status, outcome, month

    def status(self) -> str:
        return status_from(self.person, self.meets)


def month_by_month(
    cases: QuerySet, months: Sequence[dt.date]
) -> Iterator[tuple[dt.date, dict[int, Then]]]:
    """For each of ``months`` (consecutive, oldest first): (month, {case pk:
    Then}) for the cases of ``cases`` opened by then — what
    with_reached_month() and reached_in() give month by month, in three
    queries for the whole run (one more if cases were closed as reached
    quota before it; more for many thousand workers with cases).

    The records' part of the standing at the end of the month before the
    run is read with the same subqueries as with_reached_month(); every
    event up to the run's last month is read once and applied in the order
    as_of() ranks them (effective month, then when, then id: the latest
    wins); then, month after month, the worker's record of that month (if
    after the case's month) becomes the latest record. A case's events are
    effective in or after its month (assistance.services.common), which the
    start of the run relies on.
    """
    months = [first_of_month(month) for month in months]
    if not months:
        return
    for earlier, later in zip(months, months[1:], strict=False):
        if later != add_months(earlier, 1):
            raise ValueError("month_by_month needs consecutive months")
    before, last = previous_month(months[0]), months[-1]
    opened = cases.filter(month__lte=last).order_by()
    state: dict[int, _Carried] = {}
    # The records' part as of the month before the run: the latest record
    # and the run of records at or above quota reaching to it (none for a
    # case opened after it: its records count from its month on).
    # The cause before any re-diagnosis: the events re-diagnose it from there.
    # The stuck rule (assistance.stuck: imported here, as it builds on this
    # module's as_of): the record of the case's month is joined as its
    # "then", each month's record is its "now".
    from assistance.stuck import stuck_by_records, with_record_then

    started = with_record_then(
        opened.annotate(
            latest_meets=_latest_meets(before),
            run_bound=Value(before, output_field=DateField()),
            first_cause=cause_then(_BEFORE_ANY),
        )
    )
    for (
        pk,
        worker_id,
        month,
        measure,
        cause,
        meets,
        start,
        then_output,
        then_quota,
    ) in _with_run_start(started, bound="run_bound", name="run_start").values_list(
        "pk",
        "worker_id",
        "month",
        "measure",
        "first_cause",
        "latest_meets",
        "run_start",
        "record_then__output",
        "record_then__quota",
    ):
        entry = state[pk] = _Carried(worker_id, month, measure, cause)
        entry.meets, entry.run_start = meets, start
        if then_quota is not None:
            entry.record_then = (then_output, then_quota)
    events: dict[dt.date, list[tuple]] = defaultdict(list)
    for case_id, *event, month in (
        CaseEvent.objects.filter(
            case__in=opened.values("pk"), effective_month__lte=last
        )
        .filter(
            PEOPLE_STATUS_EVENT
            | ~Q(measure="")
            | ~Q(cause="")
            | Q(kind=CaseEventKind.REDIAGNOSED)
        )
        .order_by("effective_month", "at", "pk")
        .values_list(
            "case_id",
            "kind",
            "from_status",
            "to_status",
            "outcome",
            "measure",
            "cause",
            "effective_month",
        )
    ):
        if month <= before:
            state[case_id].apply_event(*event, month)
        else:
            events[month].append((case_id, *event))
    # A case closed as reached quota before the run keeps the run it had at
    # its closing (with_reached_month's bound).
    closed_reached = [
        pk
        for pk, entry in state.items()
        if entry.person == _CLOSED and entry.outcome == _REACHED_OUTCOME
    ]
    for chunk in _chunks(closed_reached):
        for pk, start in _with_run_start(
            opened.filter(pk__in=chunk).annotate(
                person_month=Subquery(
                    _people_status_events(before).values("effective_month")[:1]
                )
            ),
            bound="person_month",
            name="closed_run_start",
        ).values_list("pk", "closed_run_start"):
            state[pk].closed_run_start = start
    records: dict[dt.date, dict[int, bool]] = defaultdict(dict)
    # (output, quota) of each worker's record of the month.
    amounts: dict[dt.date, dict[int, tuple]] = defaultdict(dict)
    for worker_id, month, meets, output, quota in _records_of_workers(
        {entry.worker_id for entry in state.values()}, after=before, up_to=last
    ):
        records[month][worker_id] = meets
        amounts[month][worker_id] = (output, quota)
    for month in months:
        meeting = records.get(month, {})
        amounts_now = amounts.get(month, {})
        before_month = {}
        for pk, entry in state.items():
            if entry.month > month:
                continue
            before_month[pk] = (
                entry.month < month and entry.status() == _OPEN,
                entry.measure,
                entry.cause,
            )
            meets = meeting.get(entry.worker_id)
            if meets is not None and month > entry.month:
                entry.meets = meets
                if not meets:
                    entry.run_start = None
                elif entry.run_start is None:
                    entry.run_start = month
        for case_id, *event in events.get(month, ()):
            state[case_id].apply_event(*event, month)
        standing = {}
        for pk, (was_open, measure_before, cause_before) in before_month.items():
            entry = state[pk]
            status = entry.status()
            if status == _CLOSED:
                if entry.person_month == month:
                    entry.closed_run_start = entry.run_start
                reached_month = (
                    entry.closed_run_start
                    if entry.outcome == _REACHED_OUTCOME
                    else None
                )
                outcome = entry.outcome
            else:
                reached_month = entry.run_start if status == _REACHED else None
                outcome = ""
            standing[pk] = Then(
                status=status,
                outcome=outcome,
                measure=entry.measure,
                reached_month=reached_month,
                reached_in=was_open and bool(meeting.get(entry.worker_id)),
                measure_before=measure_before,
                cause_before=cause_before,
                rediagnosed_in=entry.rediagnosed_in,
                stuck=status in _ACTIVE
                and stuck_by_records(
                    months_after=months_between(entry.month, month),
                    then=entry.record_then,
                    now=amounts_now.get(entry.worker_id),
                ),
            )
        yield month, standing


def _records_of_workers(
    worker_ids: set[int], *, after: dt.date, up_to: dt.date
) -> Iterator[tuple[int, dt.date, bool, Decimal, Decimal]]:
    """(worker id, month, meets quota, output, quota) of these workers' records after
    ``after`` up to ``up_to``. The ids are given as a list, in chunks under
    the database's parameter limit: a subquery over the cases would be
    planned as a probe per record of the months, which after an import of
    those months the planner's statistics do not know yet."""
    for chunk in _chunks(sorted(worker_ids)):
        yield from (
            ProductionRecord.objects.filter(
                worker_id__in=chunk,
                month__gt=after,
                month__lte=up_to,
            )
            .order_by()
            .annotate(meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField()))
            .values_list("worker_id", "month", "meets", "output", "quota")
        )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in lists short enough for one IN (…) on this database."""
    size = min(10000, (connection.features.max_query_params or 20000) - 10)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
