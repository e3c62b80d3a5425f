"""A helper's results against their cases' causes (帮扶成效; docs/ARCHITECTURE.md,
"Definitions": a helper's effect).

Over the cases a helper was on that were closed by the end of the month
shown (at least MIN_CASES of them):

- *actual*: how many were closed as reached quota;
- *expected*: what the factory's record for the same causes predicts — the
  sum, over those cases, of the share of the factory's closed cases of the
  case's cause that were closed as reached quota (the share of every cause
  together when a cause has fewer than evidence.MIN_CLOSED closed cases);
- the median months to quota of those that reached it.

A case is closed, and how, as it stood at the end of the month
(assistance.standing); its months to quota are the dashboards'
(outcomes.months_to_quota, medians by outcomes.median_months), so a helper's
figures are counted the way the factory's are. Three queries at most,
whatever the number of helpers and cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Exists, OuterRef

from assistance import standing
from assistance.evidence import MIN_CLOSED
from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    CaseStatus,
)
from assistance.outcomes import median_months, months_to_quota
from workers.models import Worker

# Fewer closed cases than this say nothing about a helper.
MIN_CASES = 5
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class ClosedCase:
    cause: str
    reached: bool
    # Months to quota of a case closed as reached quota (None for the rest,
    # and for one whose run of records is not known).
    months: int | None


@dataclass(frozen=True)
class HelperEffect:
    helper: Worker
    closed: int
    actual: int
    expected: Fraction
    # {months to quota: cases}, over the cases closed as reached quota.
    months: dict[str, int]

    @property
    def expected_shown(self) -> Decimal:
        """One decimal, halves away from zero, as taught at school."""
        value = Decimal(self.expected.numerator) / Decimal(self.expected.denominator)
        return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

    @property
    def difference(self) -> Decimal:
        """actual − expected as shown, so the row adds up on the page."""
        return self.actual - self.expected_shown

    @property
    def median_months(self) -> float | None:
        return median_months(self.months)


def closed_cases(month: dt.date) -> dict[int, ClosedCase]:
    """{case id: ClosedCase} of every case closed at the end of ``month``
    (one query)."""
    rows = (
        standing.with_reached_month(AssistanceCase.objects.all(), month)
        .filter(status_then=CaseStatus.CLOSED)
        .order_by()
        .values_list("pk", "cause", "outcome_then", "month", "reached_month_then")
    )
    result = {}
    for pk, cause, outcome, opened, reached_month in rows:
        reached = outcome == CaseOutcome.REACHED_QUOTA
        months = None
        if reached and reached_month is not None:
            months = months_to_quota(opened, reached_month)
        result[pk] = ClosedCase(cause=cause, reached=reached, months=months)
    return result


def factory_shares(cases: Iterable[ClosedCase]) -> dict[str, Fraction]:
    """cause → the share of its closed cases closed as reached quota, for
    the causes with at least MIN_CLOSED closed cases; "" → the share over
    every cause (the fallback; 0 when nothing is closed)."""
    closed: dict[str, int] = {}
    reached: dict[str, int] = {}
    for case in cases:
        closed[case.cause] = closed.get(case.cause, 0) + 1
        reached[case.cause] = reached.get(case.cause, 0) + case.reached
    everything = sum(closed.values())
    shares = {
        "": Fraction(sum(reached.values()), everything) if everything else Fraction(0)
    }
    for cause, count in closed.items():
        if count >= MIN_CLOSED:
            shares[cause] = Fraction(reached[cause], count)
    return shares


def _cases_by_helper(month: dt.date, helper_ids) -> dict[int, list[int]]:
    """{helper id: [case id, …]} of the cases with a closing effective by
    ``month`` (a superset of those closed then: one may have been reopened
    since), for ``helper_ids`` or every helper (one query)."""
    closings = CaseEvent.objects.filter(
        case=OuterRef("assistancecase_id"),
        kind=CaseEventKind.STATUS,
        to_status=CaseStatus.CLOSED,
        effective_month__lte=month,
    )
    links = AssistanceCase.helpers.through.objects.filter(Exists(closings))
    if helper_ids is not None:
        links = links.filter(worker_id__in=helper_ids)
    found: dict[int, list[int]] = {}
    for helper_id, case_id in links.values_list("worker_id", "assistancecase_id"):
        found.setdefault(helper_id, []).append(case_id)
    return found


def _effect(helper_cases: list[ClosedCase], shares: dict[str, Fraction]) -> dict:
    months: dict[str, int] = {}
    for case in helper_cases:
        if case.months is not None:
            key = str(case.months)
            months[key] = months.get(key, 0) + 1
    return {
        "closed": len(helper_cases),
        "actual": sum(case.reached for case in helper_cases),
        "expected": sum(
            (shares.get(case.cause, shares[""]) for case in helper_cases),
            Fraction(0),
        ),
        "months": months,
    }


def _figures(month: dt.date, helper_ids) -> dict[int, dict]:
    """{helper id: HelperEffect's figures} of the helpers (``helper_ids``,
    or all) with at least MIN_CASES cases closed at the end of ``month``:
    two queries at most, the helpers' cases and the factory's."""
    by_helper = {
        helper_id: case_ids
        for helper_id, case_ids in _cases_by_helper(month, helper_ids).items()
        if len(case_ids) >= MIN_CASES
    }
    if not by_helper:
        return {}  # nobody can be listed: the factory's cases are not read
    closed = closed_cases(month)
    shares = factory_shares(closed.values())
    figures = {}
    for helper_id, case_ids in by_helper.items():
        mine = [closed[pk] for pk in case_ids if pk in closed]
        if len(mine) >= MIN_CASES:
            figures[helper_id] = _effect(mine, shares)
    return figures


def helper_effects(month: dt.date) -> list[HelperEffect]:
    """Every helper with at least MIN_CASES cases closed at the end of
    ``month``, by employee number. Three queries at most: the helpers'
    cases closed by then, the factory's closed cases, the helpers' roster
    rows with their workshops."""
    figures = _figures(month, None)
    if not figures:
        return []
    workers = Worker.objects.filter(pk__in=figures).select_related("workshop")
    return sorted(
        (HelperEffect(helper=worker, **figures[worker.pk]) for worker in workers),
        key=lambda effect: effect.helper.employee_no,
    )


def effect_of(helper: Worker, month: dt.date) -> HelperEffect | None:
    """One helper's own line (their page); None below MIN_CASES. Two
    queries at most, one when they have fewer cases closed."""
    figures = _figures(month, [helper.pk])
    if helper.pk not in figures:
        return None
    return HelperEffect(helper=helper, **figures[helper.pk])
