"""The invariant: the rows equal a computation from scratch with the
definitions (what the tests check after every write)."""

from __future__ import annotations

from assistance import stuck
from assistance.models import AssistanceCase
from factory.figures.summaries.counting import (
    CASE_ROW_FIELDS,
    FIGURE_ROW_FIELDS,
    compute_cases_from_definitions,
    compute_figures_record_by_record,
    data_span,
)
from factory.models import CaseStuckSince, MonthCaseSummary, MonthSummary

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
    stored = _stored(MonthSummary, FIGURE_ROW_FIELDS)
    for key in sorted(set(expected) | set(stored)):
        if expected.get(key) != stored.get(key):
            found.append(f"figures {key}: {stored.get(key)} != {expected.get(key)}")
    span = data_span()
    expected = compute_cases_from_definitions(span.months()) if span.first else {}
    stored = _stored(MonthCaseSummary, CASE_ROW_FIELDS)
    for key in sorted(set(expected) | set(stored)):
        if expected.get(key) != stored.get(key):
            found.append(f"cases {key}: {stored.get(key)} != {expected.get(key)}")
    expected = (
        stuck.first_stuck_months(AssistanceCase.objects.all(), span.last)
        if span.last
        else {}
    )
    stored = dict(CaseStuckSince.objects.values_list("case_id", "month"))
    if stored != expected:
        found.append(f"first months stuck: {stored} != {expected}")
    return found
