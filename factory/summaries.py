"""Monthly summaries: the month's figures per workshop, kept as rows.

The figures of the dashboards, movement.json and the bulletin are counts
over a month's records and cases (docs/ARCHITECTURE.md, "Definitions" and
"The month"). Counting them from the records on every uncached page reads
every record of the months shown (the trend: twelve months), which grows
with the factory; these rows hold the counts per month and workshop, so a
page reads a few rows per workshop whatever the number of records.

- ``MonthSummary`` (month × workshop): workers on quota, advanced, below
  quota, and the shortfalls by cause. Computed by the same QuerySet methods
  that define them (``with_standing``, ``ADVANCED``, ``BELOW_QUOTA``).
- ``MonthCaseSummary`` (month × workshop): cases opened by the month's end
  by their status then, and cases that reached quota in the month
  (``assistance.standing.as_of`` and ``reached_in``).

Kept current in the writer's transaction: ``receive`` listens to
``workers.signals.figures_changed``, sent once per transaction just before
it commits with every change the transaction announced
(``workers.changes``), and recomputes what those changes reach (``Upkeep``,
from what each ``Change`` declares), once. ``rebuild`` recomputes everything
(``manage.py rebuild_summaries``); ``differences`` compares the rows with a
computation from scratch (the tests' invariant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Subquery, Sum

from assistance import outcomes
from assistance.models import AssistanceCase, CaseEvent, CaseStatus
from factory.models import MonthCaseSummary, MonthSummary
from workers.changes import Change, Changed, Scope, settle
from workers.models import (
    ADVANCED,
    BELOW_QUOTA,
    Cause,
    ProductionRecord,
    ShortfallClassification,
    Worker,
)
from workers.months import add_months

FIGURE_FIELDS = ("on_quota", "advanced", "failing")
CAUSE_FIELDS = (*Cause.values, "unclassified")
CASE_FIELDS = tuple(str(status) for status in CaseStatus)  # the field names
CASE_ROW_FIELDS = (*CASE_FIELDS, "reached_in_month", "outcomes", "reached")

# ------------------------------------------------------------------ computing


def compute_figures(
    months: Iterable[dt.date] | None = None, *, since=None, workshops=None
) -> dict:
    """{(month, workshop id): counts} from the records (two grouped queries).

    ``months`` None and ``since`` None: every month; ``since``: that month
    and every later one; ``workshops``: those (ids) only. The shortfalls by
    cause are counted from the classifications of records below quota (one
    per worker-month), and the rest of the month's shortfalls are the
    unclassified ones: a file of new records, not yet classified, costs the
    second query nothing.
    """
    records = ProductionRecord.objects.order_by()
    classified = ShortfallClassification.objects.order_by()
    if months is not None:
        records = records.filter(month__in=list(months))
        classified = classified.filter(month__in=list(months))
    if since is not None:
        records = records.filter(month__gte=since)
        classified = classified.filter(month__gte=since)
    if workshops is not None:
        records = records.filter(worker__workshop_id__in=list(workshops))
        classified = classified.filter(worker__workshop_id__in=list(workshops))
    rows: dict[tuple, dict] = {}
    for row in (
        records.with_standing()
        .values("month", "worker__workshop_id")
        .annotate(
            on_quota=Count("pk"),
            advanced=Count("pk", filter=ADVANCED),
            failing=Count("pk", filter=BELOW_QUOTA),
        )
        .order_by()
    ):
        rows[(row["month"], row["worker__workshop_id"])] = {
            **{key: row[key] for key in FIGURE_FIELDS},
            **dict.fromkeys(CAUSE_FIELDS, 0),
            "unclassified": row["failing"],
        }
    below_quota = ProductionRecord.objects.filter(
        worker=OuterRef("worker"), month=OuterRef("month")
    ).filter(BELOW_QUOTA)
    for row in (
        classified.filter(Exists(below_quota))
        .values("month", "worker__workshop_id", "cause")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["cause"] in Cause.values:
            counts = rows[(row["month"], row["worker__workshop_id"])]
            counts[row["cause"]] += row["n"]
            counts["unclassified"] -= row["n"]
    return rows


def compute_figures_record_by_record() -> dict:
    """compute_figures() for every month with each shortfall's cause read
    record by record (the classification of the record's worker-month, or
    unclassified): what differences() checks the kept rows against."""
    records = ProductionRecord.objects.order_by()
    rows = compute_figures()
    for counts in rows.values():
        counts.update(dict.fromkeys(CAUSE_FIELDS, 0))
    cause = Subquery(
        ShortfallClassification.objects.filter(
            worker=OuterRef("worker"), month=OuterRef("month")
        )
        .order_by()
        .values("cause")[:1]
    )
    for row in (
        records.below_quota()
        .annotate(cause=cause)
        .values("month", "worker__workshop_id", "cause")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (row["month"], row["worker__workshop_id"])
        rows[key][row["cause"] or "unclassified"] += row["n"]
    return rows


@dataclass(frozen=True)
class Span:
    """The months any data is effective in: records, cases' months and case
    events. Before ``first`` every count is zero; after ``last`` nothing
    can move a case's standing."""

    first: dt.date | None
    last: dt.date | None

    def months(self, since: dt.date | None = None) -> list[dt.date]:
        if self.first is None:
            return []
        month = self.first if since is None else max(since, self.first)
        result = []
        while month <= self.last:
            result.append(month)
            month = add_months(month, 1)
        return result


def data_span() -> Span:
    """Three small queries (each an index's edge)."""
    records = ProductionRecord.objects.aggregate(lo=Min("month"), hi=Max("month"))
    cases = AssistanceCase.objects.aggregate(lo=Min("month"), hi=Max("month"))
    events = CaseEvent.objects.aggregate(hi=Max("effective_month"))
    firsts = [m for m in (records["lo"], cases["lo"]) if m]
    lasts = [m for m in (records["hi"], cases["hi"], events["hi"]) if m]
    if not firsts:
        return Span(None, None)
    return Span(min(firsts), max(lasts))


def compute_cases(months: Iterable[dt.date], cases=None) -> dict:
    """{(month, workshop id): counts} of ``cases`` (default: every case),
    for consecutive months: statuses and outcomes at each month's end, and
    the cases that reached quota in it (assistance.outcomes.
    counts_month_by_month: a few plain queries for the whole run, the
    standing applied month after month in Python).

    The definitions' own annotated queries (compute_cases_from_definitions,
    what differences() checks the rows against) cost two a month, and even
    for one month several times as much to build as to run: a closing's
    upkeep took 100 ms at 1× where this takes 30.

    Rows whose counts are all zero are left out.
    """
    months = list(months)
    cases = AssistanceCase.objects.order_by() if cases is None else cases
    rows: dict[tuple, dict] = {}
    for month, standings, reached in outcomes.counts_month_by_month(cases, months):
        for workshop_id, counts in standings.items():
            rows[(month, workshop_id)] = {
                **dict.fromkeys(CASE_FIELDS, 0),
                **counts["statuses"],
                "reached_in_month": 0,
                "outcomes": counts["outcomes"],
                "reached": {},
            }
        for workshop_id, entry in reached.items():
            row = rows[(month, workshop_id)]
            row["reached_in_month"] = entry["count"]
            row["reached"] = entry
    return rows


def compute_cases_from_definitions(months: Iterable[dt.date], cases=None) -> dict:
    """compute_cases() month by month, two queries a month
    (assistance.outcomes.standing_counts and reached_counts, the
    definitions' own annotations): what differences() checks the kept rows
    against."""
    rows: dict[tuple, dict] = {}
    cases = AssistanceCase.objects.order_by() if cases is None else cases

    def entry(month, workshop_id) -> dict:
        return rows.setdefault(
            (month, workshop_id),
            {
                **dict.fromkeys(CASE_FIELDS, 0),
                "reached_in_month": 0,
                "outcomes": {},
                "reached": {},
            },
        )

    for month in months:
        for workshop_id, counts in outcomes.standing_counts(cases, month).items():
            row = entry(month, workshop_id)
            row.update(counts["statuses"])
            row["outcomes"] = counts["outcomes"]
        for workshop_id, reached in outcomes.reached_counts(cases, month).items():
            row = entry(month, workshop_id)
            row["reached_in_month"] = reached["count"]
            row["reached"] = reached
    return rows


# -------------------------------------------------------------------- writing


def _write(model, rows: dict, delete) -> None:
    delete.delete()
    model.objects.bulk_create(
        [
            model(month=month, workshop_id=workshop_id, **counts)
            for (month, workshop_id), counts in sorted(rows.items())
        ],
        batch_size=500,
    )


def refresh_figures(
    months: set[dt.date] | None = None, *, since=None, workshops=None
) -> None:
    """Recompute MonthSummary for ``months`` (or from ``since`` on; both
    None: every month), of ``workshops`` (ids; None: every workshop)."""
    stale = MonthSummary.objects.all()
    if months is not None:
        stale = stale.filter(month__in=list(months))
    if since is not None:
        stale = stale.filter(month__gte=since)
    if workshops is not None:
        stale = stale.filter(workshop_id__in=list(workshops))
    rows = compute_figures(months, since=since, workshops=workshops)
    _write(MonthSummary, rows, stale)


def refresh_cases(since: dt.date | None = None, *, workshops=None) -> None:
    """Recompute MonthCaseSummary from ``since`` (None: the first month) to
    the last month of the data, and drop rows outside the data's months; of
    ``workshops`` (ids; None: every workshop).

    A case counts for its worker's workshop, so one workshop's rows are its
    cases' alone — as long as the data's last month stays where the rows
    end: a case stands at every month's end up to it, so when it moves,
    every workshop's rows follow.
    """
    span = data_span()
    if workshops is not None:
        stored = MonthCaseSummary.objects.aggregate(last=Max("month"))["last"]
        if stored != span.last:
            workshops = None
    kept_rows = MonthCaseSummary.objects.all()
    cases = AssistanceCase.objects.order_by()
    if workshops is not None:
        kept_rows = kept_rows.filter(workshop_id__in=list(workshops))
        cases = cases.filter(worker__workshop_id__in=list(workshops))
    if since is not None:
        # Months skipped since the last upkeep (no data was announced in
        # them) are filled too, so the rows are those of a rebuild.
        kept = kept_rows.filter(month__lt=since).aggregate(last=Max("month"))["last"]
        since = None if kept is None else add_months(kept, 1)
    stale = kept_rows
    if since is not None:
        stale = stale.filter(month__gte=since)
    months = span.months(since)
    rows = compute_cases(months, cases) if months else {}
    # Rows after the data's last month (data removed) go with the stale ones.
    _write(MonthCaseSummary, rows, stale)


def rebuild(month: dt.date | None = None) -> None:
    """Recompute the summaries: every month, or one month and what follows
    from it (the cases' standing of later months reads it)."""
    with transaction.atomic():
        if month is None:
            refresh_figures()
            refresh_cases()
        else:
            refresh_figures(since=month)
            refresh_cases(since=month)


@dataclass
class Upkeep:
    """What the summaries must recompute for a transaction's changes
    (workers.changes.Change says what each kind reaches), and of which
    workers' workshops (None: every workshop)."""

    figures_every: bool = False
    figure_months: set[dt.date] = field(default_factory=set)
    figures_since: dt.date | None = None
    figure_workers: set[int] | None = field(default_factory=set)
    cases_every: bool = False
    cases_since: dt.date | None = None
    case_workers: set[int] | None = field(default_factory=set)

    @classmethod
    def of(cls, changes: Mapping[Change, Changed]) -> Upkeep:
        upkeep = cls()
        for change, changed in changes.items():
            upkeep._reach_figures(change.figures, changed)
            upkeep._reach_cases(change.cases, changed)
        return upkeep

    def _reach_figures(self, scope: Scope, changed: Changed) -> None:
        months = changed.months
        if scope is Scope.NONE:
            return
        if scope is Scope.EVERY_MONTH or months is None:
            self.figures_every = True
        elif scope is Scope.MONTHS:
            self.figure_months |= months
        elif months:
            self.figures_since = _earliest(self.figures_since, min(months))
        self.figure_workers = _with(self.figure_workers, changed.workers)

    def _reach_cases(self, scope: Scope, changed: Changed) -> None:
        months = changed.months
        if scope is Scope.NONE:
            return
        if scope is Scope.EVERY_MONTH or months is None:
            self.cases_every = True
        elif months:  # a month's cases reach every later month's standing
            self.cases_since = _earliest(self.cases_since, min(months))
        self.case_workers = _with(self.case_workers, changed.workers)

    @property
    def needed(self) -> bool:
        return bool(
            self.figures_every
            or self.figure_months
            or self.figures_since
            or self.cases_every
            or self.cases_since
        )

    def run(self) -> None:
        workshops = self._workshops()
        figures_in = workshops(self.figure_workers)
        if self.figures_every:
            refresh_figures(workshops=figures_in)
        else:
            if self.figures_since is not None:
                refresh_figures(since=self.figures_since, workshops=figures_in)
            before = {m for m in self.figure_months if not self._onward(m)}
            if before:
                refresh_figures(before, workshops=figures_in)
        cases_in = workshops(self.case_workers)
        if self.cases_every:
            refresh_cases(workshops=cases_in)
        elif self.cases_since is not None:
            refresh_cases(since=self.cases_since, workshops=cases_in)

    def _workshops(self):
        """workers → their workshops, for both kinds in one query."""
        named = {*(self.figure_workers or ()), *(self.case_workers or ())}
        found = dict(
            Worker.objects.filter(pk__in=named).values_list("pk", "workshop_id")
            if named
            else ()
        )

        def of(workers: set[int] | None) -> set[int] | None:
            return (
                None if workers is None else {found[w] for w in workers if w in found}
            )

        return of

    def _onward(self, month: dt.date) -> bool:
        return self.figures_since is not None and month >= self.figures_since


def _with(workers: set[int] | None, named: frozenset[int] | None) -> set[int] | None:
    return None if workers is None or named is None else workers | named


def _earliest(current: dt.date | None, month: dt.date) -> dt.date:
    return month if current is None else min(current, month)


# How many times the summaries were brought up to date in this process: the
# tests count them as query pins count queries (one per transaction).
upkeep_runs = 0


def receive(sender=None, *, changes, **kwargs) -> None:
    """Receiver of workers.signals.figures_changed, sent once per
    transaction before it commits (a failure here rolls the writes back)."""
    global upkeep_runs
    upkeep = Upkeep.of(changes)
    if not upkeep.needed:
        return
    upkeep_runs += 1
    with transaction.atomic():
        upkeep.run()


def connect_signals() -> None:
    """Called from FactoryConfig.ready()."""
    from workers.signals import figures_changed

    figures_changed.connect(receive, dispatch_uid="factory.summaries.receive")


def build_if_missing(sender=None, **kwargs) -> None:
    """After migrate: a database with records but no summaries (one migrated
    from before the summaries existed, or whose case rows a migration
    emptied to add a figure) gets them built."""
    using = kwargs.get("using", "default")
    if using != "default":
        return
    if ProductionRecord.objects.exists() and not MonthSummary.objects.exists():
        rebuild()
    elif AssistanceCase.objects.exists() and not MonthCaseSummary.objects.exists():
        with transaction.atomic():
            refresh_cases()


# ------------------------------------------------------------ the invariant


def _stored(model, fields) -> dict:
    return {
        (row["month"], row["workshop_id"]): {key: row[key] for key in fields}
        for row in model.objects.values("month", "workshop_id", *fields)
    }


def differences() -> list[str]:
    """Rows that differ from a computation from scratch (empty when the
    summaries are current)."""
    found = []
    expected = compute_figures_record_by_record()
    stored = _stored(MonthSummary, (*FIGURE_FIELDS, *CAUSE_FIELDS))
    for key in sorted(set(expected) | set(stored)):
        if expected.get(key) != stored.get(key):
            found.append(f"figures {key}: {stored.get(key)} != {expected.get(key)}")
    span = data_span()
    expected = compute_cases_from_definitions(span.months()) if span.first else {}
    stored = _stored(MonthCaseSummary, CASE_ROW_FIELDS)
    for key in sorted(set(expected) | set(stored)):
        if expected.get(key) != stored.get(key):
            found.append(f"cases {key}: {stored.get(key)} != {expected.get(key)}")
    return found


# ------------------------------------------------------------------- reading


def _current(model):
    """The summary's rows, brought up to date first when the transaction
    this runs in has changed their data (workers.changes.settle)."""
    settle()
    return model.objects


def _scoped(queryset, workshop):
    return queryset if workshop is None else queryset.filter(workshop=workshop)


def figures_by_workshop(months: Iterable[dt.date], workshop=None):
    """The rows of ``months`` with the workshop's code and name (one query)."""
    return _scoped(
        _current(MonthSummary).filter(month__in=list(months)), workshop
    ).values("month", "workshop__code", "workshop__name", *FIGURE_FIELDS)


def cause_counts(month: dt.date, workshop=None) -> dict[str, int]:
    """Shortfalls of the month by cause (one query)."""
    totals = _scoped(_current(MonthSummary).filter(month=month), workshop).aggregate(
        **{key: Sum(key) for key in CAUSE_FIELDS}
    )
    return {key: totals[key] or 0 for key in CAUSE_FIELDS}


def figures_by_month(first: dt.date, last: dt.date, workshop=None):
    """{month: counts} from ``first`` to ``last`` (one query, a row per
    workshop and month read)."""
    rows = (
        _scoped(
            _current(MonthSummary).filter(month__gte=first, month__lte=last), workshop
        )
        .values("month")
        .annotate(**{key: Sum(key) for key in FIGURE_FIELDS})
        .order_by()
    )
    return {row["month"]: row for row in rows}


def _latest_case_rows(month: dt.date, workshop=None):
    """The case rows of ``month``, or of the data's last month before it
    (statuses do not move after it; see MonthCaseSummary)."""
    latest = (
        _current(MonthCaseSummary)
        .filter(month__lte=month)
        .order_by("-month")
        .values("month")[:1]
    )
    return _scoped(_current(MonthCaseSummary).filter(month=Subquery(latest)), workshop)


def case_counts(month: dt.date, workshop=None) -> dict[str, int]:
    """Cases opened by the end of the month by their status then (one
    query). After the data's last month the statuses stay those of that
    month: the latest month with rows up to ``month`` is read."""
    rows = _latest_case_rows(month, workshop)
    totals = rows.aggregate(**{key: Sum(key) for key in CASE_FIELDS})
    return {key: totals[key] or 0 for key in CASE_FIELDS}


def case_outcomes(month: dt.date, workshop=None) -> dict[str, dict]:
    """The outcomes by measure at the end of the month, added up over the
    workshops (one query; assistance.outcomes.standing_counts)."""
    return outcomes.merge_outcomes(
        _latest_case_rows(month, workshop).values_list("outcomes", flat=True)
    )


def reached_by_workshop(month: dt.date) -> list[dict]:
    """The cases that reached quota in the month, a row per workshop with
    any, by workshop code: {"code", "name", "count", "by_measure", "first"}
    (one query; assistance.outcomes.reached_counts)."""
    return [
        {"code": code, "name": name, **reached}
        for code, name, reached in _current(MonthCaseSummary)
        .filter(month=month, reached_in_month__gt=0)
        .order_by("workshop__code")
        .values_list("workshop__code", "workshop__name", "reached")
    ]


def reached_in_month(month: dt.date, workshop=None) -> int:
    """Cases that reached quota in the month (one query)."""
    total = _scoped(_current(MonthCaseSummary).filter(month=month), workshop).aggregate(
        n=Sum("reached_in_month")
    )["n"]
    return total or 0


def first_record_months(workshop_ids: Iterable[int]) -> dict[int, dt.date]:
    """The month of each workshop's first record, what workers.completeness
    asks of workshops that joined late, from the rows (one query)."""
    ids = list(workshop_ids)
    if not ids:
        return {}
    rows = (
        _current(MonthSummary)
        .filter(workshop_id__in=ids)
        .values("workshop_id")
        .annotate(first=Min("month"))
        .order_by()
    )
    return {row["workshop_id"]: row["first"] for row in rows}


def records_by_workshop(months: Iterable[dt.date]) -> dict[dt.date, dict[int, int]]:
    """{month: {workshop id: workers with records}}, what
    workers.completeness counts, from the rows (one query)."""
    result: dict[dt.date, dict[int, int]] = {}
    for month, workshop_id, n in (
        _current(MonthSummary)
        .filter(month__in=list(months))
        .values_list("month", "workshop_id", "on_quota")
    ):
        result.setdefault(month, {})[workshop_id] = n
    return result


def connect_completeness() -> None:
    """workers.completeness reads its counts from the rows (FactoryConfig.ready)."""
    from workers import completeness

    completeness.read_counts_from(
        records_by_workshop=records_by_workshop,
        first_record_months=first_record_months,
    )
