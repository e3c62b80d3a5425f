"""Which measure to suggest for a cause, from this factory's own record.

For each cause and measure, the closed cases: how many, how many of them
were closed as "reached quota", and the median number of months from the
case's month to the month the worker reached quota. The suggestion for a
cause is the measure with the best record among those with at least
MIN_CLOSED closed cases — the largest share reaching quota, then the
shortest median, then the usual measure (SUGGESTED_MEASURE) on a tie. With
fewer closed cases for every measure of a cause, the usual measure is
suggested and the page says so. Opening a case (one by one or for several
workers with one helper) reads the suggestion from here only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assistance.models import (
    SUGGESTED_MEASURE,
    AssistanceCase,
    CaseOutcome,
    CaseStatus,
    Measure,
)
from workers.models import Cause
from workers.months import months_between

# Fewer closed cases than this say nothing about a measure.
MIN_CLOSED = 10


@dataclass(frozen=True)
class MeasureRecord:
    cause: str
    measure: str
    closed: int
    reached: int
    # Months from the case's month to reaching quota, over the cases closed
    # as reached quota; None when none was.
    median_months: float | None

    @property
    def share(self) -> Fraction:
        return Fraction(self.reached, self.closed) if self.closed else Fraction(0)

    @property
    def enough(self) -> bool:
        return self.closed >= MIN_CLOSED


@dataclass(frozen=True)
class Suggestion:
    cause: str
    measure: str
    # The record behind the suggestion; None: the usual measure, for want of
    # MIN_CLOSED closed cases of any measure of this cause.
    record: MeasureRecord | None
    # Closed cases of this cause, every measure together.
    closed: int

    @property
    def from_evidence(self) -> bool:
        return self.record is not None

    @property
    def text(self) -> str:
        """ "coaching at the bench: 31 of 40 reached quota, median 1 month"."""
        label = Measure(self.measure).label
        if self.record is None:
            return ngettext(
                "%(measure)s, the usual measure: only %(closed)d closed case of "
                "this cause so far, fewer than the %(least)d needed to compare "
                "measures.",
                "%(measure)s, the usual measure: only %(closed)d closed cases of "
                "this cause so far, fewer than the %(least)d needed to compare "
                "measures.",
                self.closed,
            ) % {"measure": label, "closed": self.closed, "least": MIN_CLOSED}
        record = self.record
        text = _("%(measure)s: %(reached)d of %(closed)d reached quota") % {
            "measure": label,
            "reached": record.reached,
            "closed": record.closed,
        }
        if record.median_months is not None:
            months = record.median_months
            shown = f"{months:g}"
            text += ngettext(
                ", median %(months)s month",
                ", median %(months)s months",
                # a whole number picks the form; 1.5 reads as plural
                int(months) if months == int(months) else 2,
            ) % {"months": shown}
        return text


def measure_records() -> dict[tuple[str, str], MeasureRecord]:
    """(cause, measure) → its record over every closed case. One query:
    the closed cases grouped by what the record needs."""
    rows = (
        AssistanceCase.objects.filter(status=CaseStatus.CLOSED)
        .order_by()
        .values("cause", "measure", "outcome", "month", "reached_quota_month")
        .annotate(n=Count("pk"))
    )
    closed: dict[tuple[str, str], int] = {}
    months: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        key = (row["cause"], row["measure"])
        closed[key] = closed.get(key, 0) + row["n"]
        reached = months.setdefault(key, [])
        if row["outcome"] == CaseOutcome.REACHED_QUOTA:
            reached_in = row["reached_quota_month"] or row["month"]
            reached += [months_between(row["month"], reached_in)] * row["n"]
    return {
        key: MeasureRecord(
            cause=key[0],
            measure=key[1],
            closed=count,
            reached=len(months[key]),
            median_months=statistics.median(months[key]) if months[key] else None,
        )
        for key, count in closed.items()
    }


def suggestions(
    records: dict[tuple[str, str], MeasureRecord] | None = None,
) -> dict[str, Suggestion]:
    """cause → the measure to suggest, with its record (one query)."""
    records = measure_records() if records is None else records
    result = {}
    for cause in Cause.values:
        usual = str(SUGGESTED_MEASURE[cause])
        mine = [r for r in records.values() if r.cause == cause]
        candidates = [r for r in mine if r.enough]
        best = None
        if candidates:
            best = min(
                candidates,
                key=lambda r: (
                    -r.share,
                    r.median_months if r.median_months is not None else 1e9,
                    r.measure != usual,
                    r.measure,
                ),
            )
        result[cause] = Suggestion(
            cause=cause,
            measure=best.measure if best else usual,
            record=best,
            closed=sum(r.closed for r in mine),
        )
    return result
