"""What the cases came to, as counts that add up across workshops.

Two figures of a month are about every case, not about a few rows:

- the *case outcomes* (the dashboards): by the measure a case had at the
  end of the month, how many cases were opened by then, how many had
  reached quota (or been closed as such), and how many months each took;
- the cases that *reached quota in* the month (the bulletin): how many,
  by measure, and the first few of each cause, the ones a page names.
- what came of the cases *re-diagnosed*, beside the stuck cases left as
  they were (the dashboards, read live: ``rediagnosis_outcomes``).

Both are computed here from assistance.standing, per workshop, into plain
dicts that factory.figures.summaries stores on its monthly rows; a page adds up the
rows of the workshops it shows (``merge_outcomes``, ``merge_reached``)
instead of reading every case. One query each, whatever the factory's size;
``counts_month_by_month`` gives both for a run of months in a few queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from assistance import standing, stuck
from assistance.models import CaseEvent, CaseEventKind, CaseOutcome, CaseStatus
from workers.months import first_of_month, months_between

# How many cases of each cause a workshop's row keeps by id: the bulletin
# names at most this many in all, one cause after another, so the first
# this many of each cause of any set of workshops are among their rows'.
EXAMPLES_PER_CAUSE = 6


def months_to_quota(opened: dt.date, reached: dt.date) -> int:
    """A case's months to quota: from the month it was opened to the first
    month of the run of records that got it there (standing's
    ``reached_month_then``). The dashboards' medians and a helper's
    (assistance.helper_effect) count them alike."""
    return months_between(opened, reached)


def _reached(status: str, outcome: str) -> bool:
    return status == CaseStatus.REACHED_QUOTA or (
        status == CaseStatus.CLOSED and outcome == CaseOutcome.REACHED_QUOTA
    )


def standing_counts(cases: QuerySet, month: dt.date) -> dict[int, dict]:
    """{workshop id: {"statuses": {status: n}, "outcomes": {measure:
    {"cases", "reached", "months": {"n": count}}}}} of the cases opened in
    or before ``month``, as they stood at its end (one query, grouped: the
    groups are bounded by workshops × measures × months, not by the number
    of cases).

    A case *reached quota* if it had by then, or had been closed with that
    outcome; its months to quota run from the month opened to the first
    month of the run of records that got it there (JSON keys: text).
    """
    rows = (
        standing.with_reached_month(cases, month)
        .values(
            "worker__workshop_id",
            "measure_then",
            "status_then",
            "outcome_then",
            "month",
            "reached_month_then",
        )
        .annotate(count=Count("pk"))
        .order_by()
    )
    result: dict[int, dict] = {}
    for row in rows:
        workshop = result.setdefault(
            row["worker__workshop_id"], {"statuses": {}, "outcomes": {}}
        )
        statuses = workshop["statuses"]
        statuses[row["status_then"]] = (
            statuses.get(row["status_then"], 0) + row["count"]
        )
        entry = workshop["outcomes"].setdefault(
            row["measure_then"], {"cases": 0, "reached": 0, "months": {}}
        )
        entry["cases"] += row["count"]
        if _reached(row["status_then"], row["outcome_then"]):
            entry["reached"] += row["count"]
            if row["reached_month_then"] is not None:
                key = str(months_to_quota(row["month"], row["reached_month_then"]))
                entry["months"][key] = entry["months"].get(key, 0) + row["count"]
    return result


def merge_outcomes(parts: Iterable[dict]) -> dict[str, dict]:
    """The outcome counts of several workshops added up, by measure."""
    total: dict[str, dict] = {}
    for part in parts:
        for measure, counts in part.items():
            entry = total.setdefault(measure, {"cases": 0, "reached": 0, "months": {}})
            entry["cases"] += counts["cases"]
            entry["reached"] += counts["reached"]
            for months, count in counts["months"].items():
                entry["months"][months] = entry["months"].get(months, 0) + count
    return total


def median_months(months: dict[str, int]) -> float | None:
    """The median of a {months: number of cases} histogram (None if empty)."""
    total = sum(months.values())
    if not total:
        return None
    ordered = sorted((int(key), count) for key, count in months.items())

    def nth(n: int) -> int:  # the n-th value, from 0
        for value, count in ordered:
            if n < count:
                return value
            n -= count
        raise IndexError(n)

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def reached_counts(cases: QuerySet, month: dt.date) -> dict[int, dict]:
    """{workshop id: {"count", "by_measure": {measure: n}, "first": {cause:
    [[case id, measure], …]}}} of the cases that reached quota in ``month``
    (assistance.standing.reached_in; one query).

    The measure and the cause are those the case had at the end of the
    month before; "first" keeps the earliest-opened EXAMPLES_PER_CAUSE of each cause (by
    month opened, then id: nothing a later edit of a name or code moves).
    """
    rows = (
        standing.reached_in(cases, month)
        .values_list("pk", "worker__workshop_id", "cause_then", "measure_then")
        .order_by("month", "pk")
    )
    result: dict[int, dict] = {}
    for pk, workshop_id, cause, measure in rows:
        entry = result.setdefault(
            workshop_id, {"count": 0, "by_measure": {}, "first": {}}
        )
        entry["count"] += 1
        entry["by_measure"][measure] = entry["by_measure"].get(measure, 0) + 1
        first = entry["first"].setdefault(cause, [])
        if len(first) < EXAMPLES_PER_CAUSE:
            first.append([pk, measure])
    return result


def counts_month_by_month(
    cases: QuerySet,
    months: Sequence[dt.date],
    first_stuck: dict[int, dt.date] | None = None,
) -> Iterator[tuple[dt.date, dict[int, dict], dict[int, dict]]]:
    """(month, standing_counts(cases, month), reached_counts(cases, month))
    for each of ``months`` (consecutive, oldest first), from
    assistance.standing.month_by_month: a handful of queries for the whole
    run instead of two a month (the monthly summaries after an import of a
    year of records).

    Each workshop's counts also hold ``stuck`` (the cases stuck in the
    month) and ``apart``: rediagnosis_outcomes' two entries, counted case by
    case. ``first_stuck`` ({case id: the first month it was stuck}) holds
    the months before the run (a case stuck before it stays "left as it
    was" unless re-diagnosed) and is filled with the run's: the caller
    keeps it for the next run.
    """
    first_stuck = {} if first_stuck is None else first_stuck
    static = {
        pk: (workshop_id, month)
        for pk, workshop_id, month in cases.order_by().values_list(
            "pk", "worker__workshop_id", "month"
        )
    }
    for month, standings in standing.month_by_month(cases, months):
        counts: dict[int, dict] = {}
        reached_cases = []
        for pk, then in standings.items():
            workshop_id, opened = static[pk]
            workshop = counts.get(workshop_id)
            if workshop is None:
                workshop = counts[workshop_id] = {
                    "statuses": {},
                    "outcomes": {},
                    "stuck": 0,
                    "apart": {},
                }
            if then.stuck:
                workshop["stuck"] += 1
                first_stuck.setdefault(pk, month)
            _count_apart(workshop["apart"], then, first_stuck.get(pk))
            statuses = workshop["statuses"]
            statuses[then.status] = statuses.get(then.status, 0) + 1
            entry = workshop["outcomes"].get(then.measure)
            if entry is None:
                entry = workshop["outcomes"][then.measure] = {
                    "cases": 0,
                    "reached": 0,
                    "months": {},
                }
            entry["cases"] += 1
            if _reached(then.status, then.outcome):
                entry["reached"] += 1
                if then.reached_month is not None:
                    key = str(months_to_quota(opened, then.reached_month))
                    entry["months"][key] = entry["months"].get(key, 0) + 1
            if then.reached_in:
                reached_cases.append((opened, pk, workshop_id, then))
        reached: dict[int, dict] = {}
        for _opened, pk, workshop_id, then in sorted(
            reached_cases, key=lambda item: item[:2]
        ):
            entry = reached.setdefault(
                workshop_id, {"count": 0, "by_measure": {}, "first": {}}
            )
            measure = then.measure_before
            entry["count"] += 1
            entry["by_measure"][measure] = entry["by_measure"].get(measure, 0) + 1
            first = entry["first"].setdefault(then.cause_before, [])
            if len(first) < EXAMPLES_PER_CAUSE:
                first.append([pk, measure])
        yield month, counts, reached


def _count_apart(apart: dict, then, stuck_since: dt.date | None) -> None:
    """One case's part of rediagnosis_outcomes' counts, as it stood then:
    re-diagnosed (months from the latest re-diagnosis), else stuck in a
    month up to then (months from the first), else not counted."""
    if then.rediagnosed_in is not None:
        key, since = "rediagnosed", then.rediagnosed_in
    elif stuck_since is not None:
        key, since = "left_stuck", stuck_since
    else:
        return
    entry = apart.get(key)
    if entry is None:
        entry = apart[key] = {"cases": 0, "reached": 0, "months": {}}
    entry["cases"] += 1
    if not _reached(then.status, then.outcome):
        return
    entry["reached"] += 1
    if then.reached_month is not None:
        months = str(max(0, months_to_quota(since, then.reached_month)))
        entry["months"][months] = entry["months"].get(months, 0) + 1


def rediagnosis_outcomes(
    cases: QuerySet,
    month: dt.date,
    *,
    left_stuck: bool = True,
    by_workshop: bool = False,
) -> dict:
    """What came of the cases re-diagnosed, beside the stuck cases left as
    they were, as they stood at the end of ``month`` (docs/ARCHITECTURE.md,
    "Definitions"; one query): {"rediagnosed": …, "left_stuck": …}, each
    {"cases", "reached", "months": {"n": count}}, like an outcome by measure;
    ``by_workshop``: {workshop id: that} for the workshops with any.

    - *re-diagnosed*: a re-diagnosis effective by then; its months to quota
      run from the latest of them to the first month of the run of records
      that got it there (0 when that run began before it: it had reached
      quota when re-diagnosed);
    - *left as they were*: not re-diagnosed by then, and stuck in a month up
      to then (assistance.stuck.first_stuck_month); months from the first
      such month to quota.

    The definition, read live (every case's months stuck: seconds at ten
    times a factory's size); the pages read the same counts from the monthly
    summaries (counts_month_by_month's ``apart``), which the tests hold to
    this.
    """
    month = first_of_month(month)
    latest = (
        CaseEvent.objects.filter(
            case=OuterRef("pk"),
            kind=CaseEventKind.REDIAGNOSED,
            effective_month__lte=month,
        )
        .order_by("-effective_month", "-at", "-pk")
        .values("effective_month")[:1]
    )
    if not left_stuck:
        # The re-diagnosed cases alone: found through their events first,
        # so the few are read, not every case's history of months stuck
        # (2.9 s at the bench's 10×, 0.3 s at 1×, on the dashboards).
        cases = cases.filter(
            Exists(
                CaseEvent.objects.filter(
                    case=OuterRef("pk"),
                    kind=CaseEventKind.REDIAGNOSED,
                    effective_month__lte=month,
                )
            )
        )
    stuck_from = (
        Case(
            When(rediagnosed_in__isnull=True, then=stuck.first_stuck_month(month)),
            default=None,
            output_field=DateField(),
        )
        if left_stuck
        else Value(None, output_field=DateField())
    )
    rows = (
        stuck.with_record_then(standing.with_reached_month(cases, month))
        .annotate(rediagnosed_in=Subquery(latest, output_field=DateField()))
        .annotate(stuck_from=stuck_from)
        .filter(Q(rediagnosed_in__isnull=False) | Q(stuck_from__isnull=False))
        .order_by()
        .values_list(
            "worker__workshop_id",
            "status_then",
            "outcome_then",
            "reached_month_then",
            "rediagnosed_in",
            "stuck_from",
        )
    )
    keys = ("rediagnosed", "left_stuck")[: 2 if left_stuck else 1]
    results: dict[int | None, dict] = {}
    for (
        workshop_id,
        status,
        outcome,
        reached_month,
        rediagnosed_in,
        stuck_from,
    ) in rows:
        result = results.get(workshop_id if by_workshop else None)
        if result is None:
            result = results[workshop_id if by_workshop else None] = {
                key: {"cases": 0, "reached": 0, "months": {}} for key in keys
            }
        entry = result["rediagnosed" if rediagnosed_in else "left_stuck"]
        entry["cases"] += 1
        if not _reached(status, outcome):
            continue
        entry["reached"] += 1
        if reached_month is not None:
            since = rediagnosed_in or stuck_from
            key = str(max(0, months_to_quota(since, reached_month)))
            entry["months"][key] = entry["months"].get(key, 0) + 1
    if by_workshop:
        return results
    return results.get(
        None, {key: {"cases": 0, "reached": 0, "months": {}} for key in keys}
    )


def merge_reached(parts: Iterable[dict]) -> dict:
    """The reached-quota counts of several workshops, in the order given:
    {"count", "by_measure", "first": {cause: [[id, measure], …]}} with the
    first EXAMPLES_PER_CAUSE of each cause over them all."""
    total = {"count": 0, "by_measure": {}, "first": {}}
    for part in parts:
        total["count"] += part["count"]
        for measure, count in part["by_measure"].items():
            total["by_measure"][measure] = total["by_measure"].get(measure, 0) + count
        for cause, cases in part["first"].items():
            first = total["first"].setdefault(cause, [])
            first.extend(cases[: EXAMPLES_PER_CAUSE - len(first)])
    return total
