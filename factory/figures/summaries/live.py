"""The summaries' rows computed on demand, from the records and cases: what
the readers (rows.py) return when the summary tables are switched off
(``CACHE_LAYERS_OFF=summaries``), so that make bench can measure what the
tables buy (docs/ARCHITECTURE.md, "Cache layers"). Never used otherwise: the
tables are what the pages read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from assistance import outcomes, worklists
from assistance.models import AssistanceCase
from assistance.stuck import stuck_cases
from factory.figures.summaries.counting import (
    CASE_FIELDS,
    CAUSE_FIELDS,
    FIGURE_FIELDS,
    compute_cases,
    compute_figures,
    data_span,
)
from workers.models import Workshop


def _figures(months, workshop) -> dict:
    return compute_figures(
        list(months), workshops=None if workshop is None else [workshop.pk]
    )


def figures_by_workshop(months: Iterable[dt.date], workshop=None) -> list[dict]:
    names = dict(Workshop.objects.values_list("pk", "code"))
    titles = dict(Workshop.objects.values_list("pk", "name"))
    return [
        {
            "month": month,
            "workshop__code": names[workshop_id],
            "workshop__name": titles[workshop_id],
            **{key: counts[key] for key in FIGURE_FIELDS},
        }
        for (month, workshop_id), counts in _figures(months, workshop).items()
    ]


def cause_counts(month: dt.date, workshop=None) -> dict[str, int]:
    totals = dict.fromkeys(CAUSE_FIELDS, 0)
    for counts in _figures([month], workshop).values():
        for key in CAUSE_FIELDS:
            totals[key] += counts[key]
    return totals


def figures_by_month(first: dt.date, last: dt.date, workshop=None) -> dict:
    span = data_span()
    by_month: dict[dt.date, dict] = {}
    for (month, _workshop), counts in _figures(span.months(first), workshop).items():
        if month > last:
            continue
        row = by_month.setdefault(month, dict.fromkeys(FIGURE_FIELDS, 0))
        for key in FIGURE_FIELDS:
            row[key] += counts[key]
    return by_month


def _case_rows(month: dt.date, workshop=None) -> list[dict]:
    """The case rows of ``month``, or of the data's last month before it."""
    span = data_span()
    if span.last is None or month < span.first:
        return []
    cases = AssistanceCase.objects.order_by()
    if workshop is not None:
        cases = cases.filter(worker__workshop=workshop)
    return list(compute_cases([min(month, span.last)], cases).values())


def case_counts(month: dt.date, workshop=None) -> dict[str, int]:
    totals = dict.fromkeys(CASE_FIELDS, 0)
    for row in _case_rows(month, workshop):
        for key in CASE_FIELDS:
            totals[key] += row[key]
    return totals


def case_outcomes(month: dt.date, workshop=None) -> dict[str, dict]:
    return outcomes.merge_outcomes(
        row["outcomes"] for row in _case_rows(month, workshop)
    )


def case_apart(month: dt.date, workshop=None) -> dict[str, dict]:
    return outcomes.merge_outcomes(row["apart"] for row in _case_rows(month, workshop))


def reached_by_workshop(month: dt.date) -> list[dict]:
    workshops = {w.pk: w for w in Workshop.objects.all()}
    found = compute_cases([month]) if data_span().last else {}
    rows = [
        {
            "code": workshops[workshop_id].code,
            "name": workshops[workshop_id].name,
            **row["reached"],
        }
        for (_month, workshop_id), row in found.items()
        if row["reached_in_month"]
    ]
    return sorted(rows, key=lambda row: row["code"])


def reached_in_month(month: dt.date, workshop=None) -> int:
    cases = AssistanceCase.objects.order_by()
    if workshop is not None:
        cases = cases.filter(worker__workshop=workshop)
    if data_span().last is None:
        return 0
    return sum(
        row["reached_in_month"] for row in compute_cases([month], cases).values()
    )


def stuck_count(month: dt.date, workshops=None) -> int:
    return stuck_cases(month, workshops).count()


def slipping_count(month: dt.date, workshops=None) -> int:
    return worklists.slipping(month, workshops).count()


def unclassified_count(month: dt.date, workshops=None) -> int:
    return worklists.unclassified_shortfalls(month, workshops).count()
