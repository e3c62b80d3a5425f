"""Reading the summaries' rows: what the reports and the months'
completeness read instead of every record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Min, Subquery, Sum

from assistance import outcomes
from factory.figures.cache import layer_on
from factory.figures.summaries import live
from factory.figures.summaries.counting import CASE_FIELDS, CAUSE_FIELDS, FIGURE_FIELDS
from factory.models import MonthCaseSummary, MonthSummary
from workers.changes import settle
from workers.quota_review import TradeCounts

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
    if not layer_on("summaries"):
        return live.figures_by_workshop(months, workshop)
    return _scoped(
        _current(MonthSummary).filter(month__in=list(months)), workshop
    ).values("month", "workshop__code", "workshop__name", *FIGURE_FIELDS)


def cause_counts(month: dt.date, workshop=None) -> dict[str, int]:
    """Shortfalls of the month by cause (one query)."""
    if not layer_on("summaries"):
        return live.cause_counts(month, workshop)
    totals = _scoped(_current(MonthSummary).filter(month=month), workshop).aggregate(
        **{key: Sum(key) for key in CAUSE_FIELDS}
    )
    return {key: totals[key] or 0 for key in CAUSE_FIELDS}


def figures_by_month(first: dt.date, last: dt.date, workshop=None):
    """{month: counts} from ``first`` to ``last`` (one query, a row per
    workshop and month read)."""
    if not layer_on("summaries"):
        return live.figures_by_month(first, last, workshop)
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
    if not layer_on("summaries"):
        return live.case_counts(month, workshop)
    rows = _latest_case_rows(month, workshop)
    totals = rows.aggregate(**{key: Sum(key) for key in CASE_FIELDS})
    return {key: totals[key] or 0 for key in CASE_FIELDS}


def case_outcomes(month: dt.date, workshop=None) -> dict[str, dict]:
    """The outcomes by measure at the end of the month, added up over the
    workshops (one query; assistance.outcomes.standing_counts)."""
    if not layer_on("summaries"):
        return live.case_outcomes(month, workshop)
    return outcomes.merge_outcomes(
        _latest_case_rows(month, workshop).values_list("outcomes", flat=True)
    )


def case_apart(month: dt.date, workshop=None) -> dict[str, dict]:
    """The outcomes of the cases re-diagnosed and of the stuck cases left
    as they were at the end of the month, added up over the workshops (one
    query; assistance.outcomes.rediagnosis_outcomes)."""
    if not layer_on("summaries"):
        return live.case_apart(month, workshop)
    return outcomes.merge_outcomes(
        _latest_case_rows(month, workshop).values_list("apart", flat=True)
    )


def reached_by_workshop(month: dt.date) -> list[dict]:
    """The cases that reached quota in the month, a row per workshop with
    any, by workshop code: {"code", "name", "count", "by_measure", "first"}
    (one query; assistance.outcomes.reached_counts)."""
    if not layer_on("summaries"):
        return live.reached_by_workshop(month)
    return [
        {"code": code, "name": name, **reached}
        for code, name, reached in _current(MonthCaseSummary)
        .filter(month=month, reached_in_month__gt=0)
        .order_by("workshop__code")
        .values_list("workshop__code", "workshop__name", "reached")
    ]


def reached_in_month(month: dt.date, workshop=None) -> int:
    """Cases that reached quota in the month (one query)."""
    if not layer_on("summaries"):
        return live.reached_in_month(month, workshop)
    total = _scoped(_current(MonthCaseSummary).filter(month=month), workshop).aggregate(
        n=Sum("reached_in_month")
    )["n"]
    return total or 0


def _month_sum(model, field: str, month: dt.date, workshops) -> int:
    """One count of the month's rows added up, of ``workshops`` (a Workshop
    QuerySet or list; None: the factory): one query. Only the month's own
    rows: these counts are of the month's records, and a month after the
    data's last has none."""
    rows = _current(model).filter(month=month)
    if workshops is not None:
        rows = rows.filter(workshop__in=workshops)
    return rows.aggregate(n=Sum(field))["n"] or 0


def unclassified_count(month: dt.date, workshops=None) -> int:
    """The month's shortfalls with no cause yet
    (assistance.worklists.unclassified_shortfalls)."""
    if not layer_on("summaries"):
        return live.unclassified_count(month, workshops)
    return _month_sum(MonthSummary, "unclassified", month, workshops)


def slipping_count(month: dt.date, workshops=None) -> int:
    """Workers slipping in the month (assistance.worklists.slipping)."""
    if not layer_on("summaries"):
        return live.slipping_count(month, workshops)
    return _month_sum(MonthSummary, "slipping", month, workshops)


def stuck_count(month: dt.date, workshops=None) -> int:
    """Cases stuck in the month (assistance.stuck)."""
    if not layer_on("summaries"):
        return live.stuck_count(month, workshops)
    return _month_sum(MonthCaseSummary, "stuck", month, workshops)


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


def trade_counts(month: dt.date) -> TradeCounts:
    """workers.quota_review's counts of the month from the rows (one
    query): the factory's on quota and below, and each workshop's trades."""
    on_quota = failing = 0
    groups = []
    for workshop_id, code, name, row_on_quota, row_failing, trades in (
        _current(MonthSummary)
        .filter(month=month)
        .values_list(
            "workshop_id",
            "workshop__code",
            "workshop__name",
            "on_quota",
            "failing",
            "trades",
        )
    ):
        on_quota += row_on_quota
        failing += row_failing
        groups.extend(
            (workshop_id, code, name, trade, trade_on_quota, trade_failing)
            for trade, (trade_on_quota, trade_failing) in trades.items()
        )
    return TradeCounts(on_quota=on_quota, failing=failing, groups=groups)


def connect_completeness() -> None:
    """workers.completeness and workers.quota_review read their counts from
    the rows (FactoryConfig.ready)."""
    from workers import completeness, quota_review

    if not layer_on("summaries"):
        return  # it counts the records (make bench's measure of the tables)
    completeness.read_counts_from(
        records_by_workshop=records_by_workshop,
        first_record_months=first_record_months,
    )
    quota_review.read_counts_from(trade_counts=trade_counts)
