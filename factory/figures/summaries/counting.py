"""Counting the summaries' rows from the records and cases: the figures of
a month per workshop, and the cases' standing at each month's end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
)

from assistance import outcomes, stuck, worklists
from assistance.models import AssistanceCase, CaseEvent, CaseStatus
from workers.models import (
    ADVANCED,
    BELOW_QUOTA,
    MEETS_QUOTA,
    AdvancedStandard,
    Cause,
    ProductionRecord,
    ShortfallClassification,
)
from workers.months import add_months
from workers.quota_review import trade_counts_from_records

FIGURE_FIELDS = ("on_quota", "advanced", "failing")
CAUSE_FIELDS = (*Cause.values, "unclassified")
# Besides the counts, a MonthSummary row keeps them per trade, and the
# workers slipping.
FIGURE_ROW_FIELDS = (*FIGURE_FIELDS, *CAUSE_FIELDS, "trades", "slipping")
CASE_FIELDS = tuple(str(status) for status in CaseStatus)  # the field names
CASE_ROW_FIELDS = (
    *CASE_FIELDS,
    "reached_in_month",
    "outcomes",
    "reached",
    "stuck",
    "apart",
)


def in_scope(
    rows: QuerySet,
    *,
    months: Iterable[dt.date] | None = None,
    since: dt.date | None = None,
    workshops: Iterable[int] | None = None,
    workshop_field: str = "workshop_id",
) -> QuerySet:
    """``rows`` (each with a ``month``) of what an upkeep run covers:
    ``months`` (None: every month), from ``since`` on (None: from the
    first), of ``workshops`` (ids, read through ``workshop_field``; None:
    every workshop). The summaries' rows a run replaces and the records it
    counts them from are chosen alike, so none is dropped uncounted."""
    if months is not None:
        rows = rows.filter(month__in=list(months))
    if since is not None:
        rows = rows.filter(month__gte=since)
    if workshops is not None:
        rows = rows.filter(**{f"{workshop_field}__in": list(workshops)})
    return rows


def _new_row() -> dict:
    return {
        **dict.fromkeys(FIGURE_FIELDS, 0),
        **dict.fromkeys(CAUSE_FIELDS, 0),
        "trades": {},
        "slipping": 0,
    }


@dataclass
class Standings:
    """The records of some months, one read: each month's records by worker
    as (attainment, meets quota, advanced), and each worker's workshop and
    trade (today's, as every count of the summaries takes them)."""

    by_month: dict[dt.date, dict[int, tuple]]
    worker: dict[int, tuple[int, str]]


def read_standings(records: QuerySet, schedule) -> Standings:
    """``records`` (a ProductionRecord queryset) read once, with their
    standing under ``schedule`` (AdvancedStandard.schedule())."""
    by_month: dict[dt.date, dict[int, tuple]] = {}
    worker: dict[int, tuple[int, str]] = {}
    for worker_id, workshop_id, trade, month, attainment, meets, advanced in (
        records.with_standing(schedule)
        .annotate(
            meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField()),
            is_advanced=ExpressionWrapper(ADVANCED, output_field=BooleanField()),
        )
        .values_list(
            "worker_id",
            "worker__workshop_id",
            "worker__trade",
            "month",
            "attainment",
            "meets",
            "is_advanced",
        )
        .order_by()
    ):
        month_records = by_month.get(month)
        if month_records is None:
            month_records = by_month[month] = {}
        month_records[worker_id] = (attainment, meets, advanced)
        worker[worker_id] = (workshop_id, trade)
    return Standings(by_month, worker)


def compute_figures(
    months: Iterable[dt.date] | None = None,
    *,
    since=None,
    workshops=None,
    slipping: dict | None = None,
) -> dict:
    """{(month, workshop id): counts} from the records: one read of the
    records (and of the two months before each, for the workers slipping)
    counted in Python, and one grouped query of the classifications.
    ``slipping`` given, the counts of the workers slipping are taken from it
    instead: a change that cannot move them, the causes', keeps those it had,
    and the months before are not read.

    ``months`` None and ``since`` None: every month; ``since``: that month
    and every later one; ``workshops``: those (ids) only. The shortfalls by
    cause are counted from the classifications of records below quota (one
    per worker-month), and the rest of the month's shortfalls are the
    unclassified ones: a file of new records, not yet classified, costs the
    second query nothing. The grouped query that counted the records
    before, ``figures_by_query``, is what differences() holds these to.
    """
    months = None if months is None else set(months)
    schedule = AdvancedStandard.schedule()
    # The workers slipping of a month read the two months before it.
    widened = 0 if slipping is not None else 2
    read_months = (
        None
        if months is None
        else {
            add_months(month, -back) for month in months for back in range(widened + 1)
        }
    )
    read_since = None if since is None else add_months(since, -widened)
    standings = read_standings(
        in_scope(
            ProductionRecord.objects.all(),
            months=read_months,
            since=read_since,
            workshops=workshops,
            workshop_field="worker__workshop_id",
        ),
        schedule,
    )

    def counted(month: dt.date) -> bool:
        return (months is None or month in months) and (since is None or month >= since)

    rows: dict[tuple, dict] = {}
    for month, records in standings.by_month.items():
        if not counted(month):
            continue
        for worker_id, (_attainment, meets, advanced) in records.items():
            workshop_id, trade = standings.worker[worker_id]
            counts = rows.get((month, workshop_id))
            if counts is None:
                counts = rows[(month, workshop_id)] = _new_row()
            counts["on_quota"] += 1
            if advanced:
                counts["advanced"] += 1
            # The quota review's counts (workers.quota_review) in the same
            # pass: [on quota, below quota] per trade.
            in_trade = counts["trades"].setdefault(trade, [0, 0]) if trade else None
            if in_trade is not None:
                in_trade[0] += 1
            if not meets:
                counts["failing"] += 1
                counts["unclassified"] += 1
                if in_trade is not None:
                    in_trade[1] += 1
    _count_causes(rows, months=months, since=since, workshops=workshops)
    if slipping is None:
        slipping = _count_slipping(standings, {month for month, _workshop in rows})
    for key, n in slipping.items():
        if key in rows:
            rows[key]["slipping"] = n
    return rows


def _count_causes(rows: dict, **scope) -> None:
    """The shortfalls by cause into ``rows`` (and out of the unclassified):
    the classifications of records below quota, one grouped query."""
    below_quota = ProductionRecord.objects.filter(
        worker=OuterRef("worker"), month=OuterRef("month")
    ).filter(BELOW_QUOTA)
    classified = in_scope(
        ShortfallClassification.objects.order_by(),
        **scope,
        workshop_field="worker__workshop_id",
    )
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


def figures_by_query(months: Iterable[dt.date] | None = None) -> dict:
    """{(month, workshop id): {on quota, advanced, failing}} by one grouped
    query, the definitions' own filters (ADVANCED, BELOW_QUOTA): what the
    invariant holds compute_figures' counting in Python to."""
    records = in_scope(ProductionRecord.objects.order_by(), months=months)
    found: dict[tuple, dict] = {}
    for row in (
        records.with_standing(AdvancedStandard.schedule())
        .values("month", "worker__workshop_id")
        .annotate(
            on_quota=Count("pk"),
            advanced=Count("pk", filter=ADVANCED),
            failing=Count("pk", filter=BELOW_QUOTA),
        )
        .order_by()
    ):
        found[(row["month"], row["worker__workshop_id"])] = {
            key: row[key] for key in FIGURE_FIELDS
        }
    return found


def compute_slipping(
    months: Iterable[dt.date], *, workshops=None, schedule=None
) -> dict:
    """{(month, workshop id): workers slipping} (assistance.worklists'
    rule), of ``workshops`` (ids; None: every one).

    One read of the records of the months and of the two months before
    each, the rule applied in Python: the definition's own query, a join
    of three months, runs once a month and is planned badly on months a
    large import has just written (0.9 s a month at the bench's 1×, before
    the table's statistics know them). ``slipping_by_definition`` is the
    rule's query, which the invariant (differences) holds this to.
    """
    months = set(months)
    if not months:
        return {}
    if schedule is None:
        schedule = AdvancedStandard.schedule()
    read = {add_months(month, -back) for month in months for back in (0, 1, 2)}
    records = in_scope(
        ProductionRecord.objects.all(),
        months=read,
        workshops=workshops,
        workshop_field="worker__workshop_id",
    )
    return _count_slipping(read_standings(records, schedule), months)


def _count_slipping(standings: Standings, months: Iterable[dt.date]) -> dict:
    """{(month, workshop id): workers slipping} of ``months``, from
    ``standings``, which hold the two months before each too."""
    found: dict[tuple, int] = {}
    for month in months:
        now = standings.by_month.get(month, {})
        before = standings.by_month.get(add_months(month, -1), {})
        two_before = standings.by_month.get(add_months(month, -2), {})
        for worker_id, standing in now.items():
            if worklists.is_slipping(
                standing, before.get(worker_id), two_before.get(worker_id)
            ):
                key = (month, standings.worker[worker_id][0])
                found[key] = found.get(key, 0) + 1
    return found


def slipping_by_definition(months: Iterable[dt.date]) -> dict:
    """compute_slipping() by the worklist's own query, a month at a time."""
    found = {}
    for month in sorted(set(months)):
        for workshop_id, n in (
            worklists.slipping(month)
            .order_by()
            .values_list("worker__workshop_id")
            .annotate(n=Count("pk"))
        ):
            found[(month, workshop_id)] = n
    return found


def compute_figures_record_by_record() -> dict:
    """compute_figures() for every month with each shortfall's cause read
    record by record (the classification of the record's worker-month, or
    unclassified), and the counts per trade by the quota review's own
    query, month by month: what differences() checks the kept rows
    against."""
    records = ProductionRecord.objects.order_by()
    rows = {
        key: {**counts, **dict.fromkeys(CAUSE_FIELDS, 0), "trades": {}, "slipping": 0}
        for key, counts in figures_by_query().items()
    }
    for key, n in slipping_by_definition({month for month, _ in rows}).items():
        rows[key]["slipping"] = n
    for month in {month for month, _workshop in rows}:
        for (
            workshop_id,
            _code,
            _name,
            trade,
            on_quota,
            failing,
        ) in trade_counts_from_records(month).groups:
            rows[(month, workshop_id)]["trades"][trade] = [on_quota, failing]
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


def compute_cases(
    months: Iterable[dt.date], cases=None, first_stuck: dict | None = None
) -> dict:
    """{(month, workshop id): counts} of ``cases`` (default: every case),
    for consecutive months: statuses and outcomes at each month's end, and
    the cases that reached quota in it (assistance.outcomes.
    counts_month_by_month: a few plain queries for the whole run, the
    standing applied month after month in Python).

    The definitions' own annotated queries (compute_cases_from_definitions,
    what differences() checks the rows against) cost two a month, and even
    for one month several times as much to build as to run: a closing's
    upkeep took 100 ms at 1× where this takes 30.

    Rows whose counts are all zero are left out. ``first_stuck``: the first
    month each case was stuck, before the months and filled with theirs
    (assistance.outcomes.counts_month_by_month).
    """
    months = list(months)
    cases = AssistanceCase.objects.order_by() if cases is None else cases
    rows: dict[tuple, dict] = {}
    for month, standings, reached in outcomes.counts_month_by_month(
        cases, months, first_stuck
    ):
        for workshop_id, counts in standings.items():
            rows[(month, workshop_id)] = {
                **dict.fromkeys(CASE_FIELDS, 0),
                **counts["statuses"],
                "reached_in_month": 0,
                "outcomes": counts["outcomes"],
                "reached": {},
                "stuck": counts["stuck"],
                "apart": counts["apart"],
            }
        for workshop_id, entry in reached.items():
            row = rows[(month, workshop_id)]
            row["reached_in_month"] = entry["count"]
            row["reached"] = entry
    return rows


def compute_cases_from_definitions(months: Iterable[dt.date], cases=None) -> dict:
    """compute_cases() month by month, four queries a month
    (assistance.outcomes.standing_counts, reached_counts and
    rediagnosis_outcomes, and assistance.stuck.stuck_cases: the definitions'
    own annotations): what differences() checks the kept rows against."""
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
                "stuck": 0,
                "apart": {},
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
        for workshop_id, n in (
            stuck.stuck_cases(month)
            .filter(pk__in=cases.values("pk"))
            .values_list("worker__workshop_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            entry(month, workshop_id)["stuck"] = n
        for workshop_id, apart in outcomes.rediagnosis_outcomes(
            cases, month, by_workshop=True
        ).items():
            entry(month, workshop_id)["apart"] = {
                key: counts for key, counts in apart.items() if counts["cases"]
            }
    return rows
