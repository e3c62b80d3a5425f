"""The figures: the movement report of docs/ARCHITECTURE.md and what the pages add.

The first floor of the read side (docs/ARCHITECTURE.md): figures →
page bundles (factory.figures.bundles) → views, with caching at the edge
(factory.figures.cache). Every figure the committee sees — the movement_report
command, the JSON at /reports/movement.json, the dashboards, the monthly
bulletin — comes from the functions here, so two pages can never disagree.
Nothing here caches, scopes to a reader or knows of published revisions.

The definitions are not re-derived here: on quota, below quota and advanced
producer are the QuerySet methods and Q objects of workers.models; a case's
standing at the end of a month is assistance.standing; a month's
completeness is workers.completeness. Every figure of month M reads only
data effective in or before M (docs/ARCHITECTURE.md, "The month"). Each function runs a
fixed number of queries whatever the size of the factory; the monthly counts
come from the summary rows of factory.figures.summaries, computed with those same
definitions and kept current by every write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from assistance import outcomes
from assistance.models import CaseStatus, Measure
from factory.figures import summaries
from workers.completeness import completeness_of
from workers.models import Cause, Workshop
from workers.months import FIRST_YEAR, add_months, month_str, previous_month
from workers.numbers import round_pct, share  # noqa: F401 (written once, there)
from workers.quota_review import review_groups

CAUSE_KEYS = [*Cause.values, "unclassified"]
CASE_KEYS = [CaseStatus.OPEN, CaseStatus.REACHED_QUOTA, CaseStatus.CLOSED]
TREND_MONTHS = 12
EMPTY = {"on_quota": 0, "advanced": 0, "failing": 0}


def change_pct(now: int, before: int) -> float | None:
    """(now − before) ÷ before × 100, rounded; None when before is 0.

    "Up 35% on February" has no meaning when February had no advanced
    producers, so the report says null rather than a made-up 0% or infinity;
    the text bulletin then says there is nothing to compare with.
    """
    if not before:
        return None
    return round_pct(Decimal(now - before) * 100 / Decimal(before))


def points_change(now: float, before: float) -> float:
    """Difference of two rounded shares, in percentage points.

    Taken from the rounded shares so that the printed figures add up
    (78.50 − 43.50 = 35.00), exactly, in Decimal.
    """
    return float(Decimal(str(now)) - Decimal(str(before)))


def _figures(on_quota: int, advanced: int, failing: int) -> dict:
    return {
        "workers_on_quota": on_quota,
        "advanced": advanced,
        "advanced_share": share(advanced, on_quota),
        "failing": failing,
    }


def shortfall_causes(*, month: dt.date, workshop: Workshop | None = None) -> dict:
    """Causes of the month's shortfalls: {cause: {count, share}} (one query).

    Over the month's workers below quota; the cause is the committee's
    classification for that worker and month, none → "unclassified". Shares
    are of the workers below quota. Read from the monthly summaries
    (factory.figures.summaries), which count them with the definitions.
    """
    counts = summaries.cause_counts(month.replace(day=1), workshop)
    failing = sum(counts.values())
    return {
        key: {"count": counts[key], "share": share(counts[key], failing)}
        for key in CAUSE_KEYS
    }


def case_counts(*, month: dt.date, workshop: Workshop | None = None) -> dict:
    """Status at the end of the month of the cases opened in or before it
    (one query; the monthly summaries, counted with assistance.standing)."""
    counts = summaries.case_counts(month.replace(day=1), workshop)
    return {str(key): counts[str(key)] for key in CASE_KEYS}


def stuck_count(*, month: dt.date, workshop: Workshop | None = None) -> int:
    """The cases stuck in the month (assistance.stuck, the work queue's
    list), of the workshop's workers or the factory's (one query over the
    monthly summaries)."""
    workshops = None if workshop is None else [workshop]
    return summaries.stuck_count(month.replace(day=1), workshops)


def quota_reviews(*, month: dt.date, workshop: Workshop | None = None) -> list[dict]:
    """The month's quota review groups of the scope (workers.quota_review:
    figures of the month's records only), each with the committee's
    decision, null while none is recorded. One query; the rest of the
    factory is the whole factory's whatever the scope."""
    workshops = None if workshop is None else [workshop]
    return [
        {
            "workshop": group.workshop_code,
            "trade": group.trade,
            "workers": group.workers,
            "failing": group.failing,
            "decision": group.decision,
        }
        for group in review_groups(month, workshops=workshops)
    ]


def counts_by_workshop(
    *, month: dt.date, compare: dt.date, workshop: Workshop | None = None
) -> dict[str, dict]:
    """{code: {"name", "now", "before"}}: each workshop's counts (on_quota,
    advanced, failing) in ``month`` and in ``compare``, None for a month it
    has no row in (one query over the monthly summaries). Only workshops
    with a row in either month are there."""
    month, compare = month.replace(day=1), compare.replace(day=1)
    counts: dict[str, dict] = {}
    for row in summaries.figures_by_workshop({month, compare}, workshop):
        entry = counts.setdefault(
            row["workshop__code"],
            {"name": row["workshop__name"], "now": None, "before": None},
        )
        figures = {k: row[k] for k in ("on_quota", "advanced", "failing")}
        # A month compared with itself is both.
        if row["month"] == month:
            entry["now"] = figures
        if row["month"] == compare:
            entry["before"] = figures
    return counts


def _summed(entries: list[dict | None]) -> dict:
    total = dict(EMPTY)
    for entry in entries:
        for key, value in (entry or EMPTY).items():
            total[key] += value
    return total


def _changes(now: dict, before: dict) -> dict:
    """The changes of the report between two months' figures (_figures)."""
    return {
        "advanced_change": now["advanced"] - before["advanced"],
        "advanced_change_pct": change_pct(now["advanced"], before["advanced"]),
        "advanced_share_change_pp": points_change(
            now["advanced_share"], before["advanced_share"]
        ),
    }


def movement_report(
    *,
    month: dt.date,
    compare: dt.date | None = None,
    workshop: Workshop | None = None,
    month_completeness: dict | None = None,
    counts: dict[str, dict] | None = None,
) -> dict:
    """The movement report of docs/ARCHITECTURE.md for a month against another.

    ``month`` and ``compare`` are dates (any day; the month is taken);
    ``compare`` defaults to the month before. ``workshop`` None is the whole
    factory. A fixed number of queries whatever the size of the factory,
    each reading the monthly summaries (factory.figures.summaries), a row per
    workshop: standing counts by month and workshop, causes, cases, and the
    month's completeness (unless ``month_completeness``, its as_report(),
    is given: the pages have it at hand). ``counts`` is
    counts_by_workshop() of the same months and scope, when the caller has
    read it already.

    Conventions (also in the docstrings of share/change_pct/points_change):

    - shares are percentages with two decimals, halves rounded away from
      zero; a share of zero workers is 0.0;
    - ``advanced_change_pct`` is null when the compared month had no
      advanced producers (there is nothing to take a percentage of);
    - ``advanced_share_change_pp`` is the difference of the two rounded
      shares;
    - a record counts for the workshop the worker belongs to now;
    - ``workshops`` lists, by code, each workshop in scope (the factory's, or
      just the one asked for) that had workers on quota in the month or the
      compared month; a workshop with records in neither month is left out;
    - ``completeness`` is the month's, for the whole factory;
    - ``stuck_cases`` counts the cases stuck in the month (assistance.stuck)
      of the scope: the workshop's workers, or the factory's;
    - ``quota_reviews`` lists the month's quota review groups of the scope
      (quota_reviews above), with the committee's decision or null;
    - ``revision`` is null: these are live figures (factory.figures.bundles sets it
      for published ones).
    """
    month = month.replace(day=1)
    compare = compare.replace(day=1) if compare else previous_month(month)
    if counts is None:
        counts = counts_by_workshop(month=month, compare=compare, workshop=workshop)

    now = _figures(**_summed([entry["now"] for entry in counts.values()]))
    before = _figures(**_summed([entry["before"] for entry in counts.values()]))
    workshops = [
        {
            "code": code,
            "name": counts[code]["name"],
            **_figures(**(counts[code]["now"] or EMPTY)),
            "compare_failing": (counts[code]["before"] or EMPTY)["failing"],
        }
        for code in sorted(counts)
    ]

    return {
        "month": month_str(month),
        "compare_month": month_str(compare),
        **now,
        "compare": before,
        **_changes(now, before),
        "causes": shortfall_causes(month=month, workshop=workshop),
        "workshops": workshops,
        "cases": case_counts(month=month, workshop=workshop),
        "stuck_cases": stuck_count(month=month, workshop=workshop),
        "quota_reviews": quota_reviews(month=month, workshop=workshop),
        "completeness": month_completeness
        or completeness_of([month])[month].as_report(),
        "revision": None,
    }


def not_reported(on_quota: int, *, complete: bool) -> bool:
    """Whether a scope (a workshop, the factory) has not reported for a
    month: no records in a month that is not complete (DESIGN.md, "The
    month"). Its 0 is no result yet. A complete month's 0 is final: the
    secretary marked the month complete without it."""
    return not complete and not on_quota


def month_complete(described: dict | None) -> bool:
    """Whether a month (workers.completeness.describe(), None for a month
    without records) is complete for a comparison: a month without any
    record has nothing reported, whatever its mark."""
    return bool(
        described and described["workers_with_records"] and described["complete"]
    )


def reported_comparison(
    counts: dict[str, dict], *, complete: bool, compare_complete: bool
) -> dict | None:
    """The changes over the workshops that reported in both months, when
    one of them is not complete; None when both are: then the report's own
    changes are the result.

    The report's changes count a workshop that has not reported as 0, which
    reads as a result (a fall of 100%); here they are left out of both
    months, like for like. ``counts`` is counts_by_workshop(). Returns the
    codes not reported in the month and in the compared month, the codes of
    the workshops compared, the figures of both months over those, their
    changes, and whether they are every workshop with records (the report's
    changes are then the same figures).
    """
    if complete and compare_complete:
        return None

    def missing(side: str, done: bool) -> list[str]:
        return sorted(
            code
            for code, entry in counts.items()
            if not_reported((entry[side] or EMPTY)["on_quota"], complete=done)
        )

    left_out = missing("now", complete)
    compare_left_out = missing("before", compare_complete)
    compared = sorted(set(counts) - set(left_out) - set(compare_left_out))
    now = _figures(**_summed([counts[code]["now"] for code in compared]))
    before = _figures(**_summed([counts[code]["before"] for code in compared]))
    return {
        "not_reported": left_out,
        "compare_not_reported": compare_left_out,
        "workshops": compared,
        "every_workshop": bool(compared) and len(compared) == len(counts),
        **now,
        "compare": before,
        **_changes(now, before),
        "failing_change": now["failing"] - before["failing"],
    }


def trend(
    *,
    month: dt.date,
    workshop: Workshop | None = None,
    months: int = TREND_MONTHS,
) -> list[dict]:
    """The figures of each month of the ``months`` months ending with
    ``month``, from the first month with records of the scope on.

    A factory (or workshop) whose records begin in January has no trend
    before January, not a run of empty months; a month without records
    after the first is there with zeros, so a chart's axis has no gaps (a
    gap is news). With no record up to ``month``, no point. One query over
    the monthly summaries: every month up to ``month`` summed by month, a
    row a month however many records, so that the first month with records
    is known even when it lies before the twelve.
    """
    month = month.replace(day=1)
    by_month = summaries.figures_by_month(dt.date(FIRST_YEAR, 1, 1), month, workshop)
    recorded = [m for m, row in by_month.items() if row["on_quota"]]
    if not recorded:
        return []
    current = max(min(recorded), add_months(month, -(months - 1)))
    points = []
    while current <= month:
        row = by_month.get(current, EMPTY)
        points.append(
            {
                "month": month_str(current),
                **_figures(row["on_quota"], row["advanced"], row["failing"]),
            }
        )
        current = add_months(current, 1)
    return points


def monthly_figures(*, first: dt.date, last: dt.date) -> dict[str | None, dict]:
    """{scope: {month: figures}}: the figures of every month from ``first``
    to ``last`` that the scope has records in, for the factory (None) and
    each workshop by code — the campaigns' values (factory.figures.campaigns).
    One query over the monthly summaries, as the trend's; a month without
    records is left out (it has no value, not a value of 0)."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    counts: dict[str | None, dict[dt.date, dict]] = {None: {}}
    for row in summaries.figures_by_workshop(months):
        figures = {key: row[key] for key in EMPTY}
        counts.setdefault(row["workshop__code"], {})[row["month"]] = figures
        total = counts[None].setdefault(row["month"], dict(EMPTY))
        for key, value in figures.items():
            total[key] += value
    return {
        scope: {m: _figures(**c) for m, c in by_month.items() if c["on_quota"]}
        for scope, by_month in counts.items()
    }


# -------------------------------------------------------------- case outcomes


def reached_this_month(*, month: dt.date, workshop: Workshop | None = None) -> int:
    """Cases that reached quota in the month (docs/ARCHITECTURE.md; one
    query over the monthly summaries, counted with assistance.standing)."""
    return summaries.reached_in_month(month.replace(day=1), workshop)


def case_outcomes(*, month: dt.date, workshop: Workshop | None = None) -> dict:
    """Outcomes by measure of the cases opened in or before the month, as
    they stood at its end.

    A case *reached quota* if it had by then, or had been closed with that
    outcome; months to quota run from the month opened to the first month
    of the run of records that got it there. The measure is the one the case
    had then. Two queries over the monthly summaries, which count them with
    assistance.outcomes (a row per workshop, not the cases).

    Beside them, apart, the re-diagnosed cases (``rediagnosed``: the same
    four figures, their months to quota counted from the re-diagnosis) and
    the stuck cases left as they were (``left_stuck``: from the first month
    stuck; one more query over the summaries' rows:
    assistance.outcomes.rediagnosis_outcomes).
    """
    totals = summaries.case_outcomes(month.replace(day=1), workshop)
    measures = []
    for measure in [*Measure.values, *sorted(set(totals) - set(Measure.values))]:
        entry = totals.get(measure, {"cases": 0, "reached": 0, "months": {}})
        measures.append({"measure": str(measure), **_outcome_figures(entry)})
    apart = summaries.case_apart(month.replace(day=1), workshop)
    nothing = {"cases": 0, "reached": 0, "months": {}}
    return {
        "measures": measures,
        "reached_this_month": reached_this_month(month=month, workshop=workshop),
        "rediagnosed": _outcome_figures(apart.get("rediagnosed", nothing)),
        "left_stuck": _outcome_figures(apart.get("left_stuck", nothing)),
    }


def _outcome_figures(entry: dict) -> dict:
    """Cases, reached quota, the share reached and the median months to
    quota of a {"cases", "reached", "months"} count (assistance.outcomes)."""
    return {
        "cases": entry["cases"],
        "reached": entry["reached"],
        "reached_share": share(entry["reached"], entry["cases"]),
        "median_months": outcomes.median_months(entry["months"]),
    }
