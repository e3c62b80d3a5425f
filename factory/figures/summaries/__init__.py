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

from factory.figures.summaries import upkeep
from factory.figures.summaries.check import differences
from factory.figures.summaries.counting import (
    CASE_FIELDS,
    CASE_ROW_FIELDS,
    CAUSE_FIELDS,
    FIGURE_FIELDS,
    Span,
    compute_cases,
    compute_cases_from_definitions,
    compute_figures,
    compute_figures_record_by_record,
    data_span,
)
from factory.figures.summaries.rows import (
    case_apart,
    case_counts,
    case_outcomes,
    cause_counts,
    connect_completeness,
    figures_by_month,
    figures_by_workshop,
    first_record_months,
    reached_by_workshop,
    reached_in_month,
    records_by_workshop,
    slipping_count,
    stuck_count,
    unclassified_count,
)
from factory.figures.summaries.upkeep import (
    build_if_missing,
    connect_signals,
    rebuild,
    refresh_cases,
    refresh_figures,
)

__all__ = [
    "case_apart",
    "CASE_FIELDS",
    "CASE_ROW_FIELDS",
    "CAUSE_FIELDS",
    "FIGURE_FIELDS",
    "Span",
    "build_if_missing",
    "case_counts",
    "case_outcomes",
    "cause_counts",
    "compute_cases",
    "compute_cases_from_definitions",
    "compute_figures",
    "compute_figures_record_by_record",
    "connect_completeness",
    "connect_signals",
    "data_span",
    "differences",
    "figures_by_month",
    "figures_by_workshop",
    "first_record_months",
    "reached_by_workshop",
    "reached_in_month",
    "rebuild",
    "slipping_count",
    "stuck_count",
    "unclassified_count",
    "records_by_workshop",
    "refresh_cases",
    "refresh_figures",
    "upkeep",
]
