"""A campaign's figures as of a month (DESIGN.md, "Is the help working?").

The *burn-down* is the measure's value in each month from the start month S
to the month shown M, beside the straight line from the start value at S to
the target at the target month T. The *pace* is the mean monthly change over
the last three months with records from S up to M (two when the campaign has
only two; none before it has two). The *projected month* is the first month
at which the value, moving at that pace from M, meets the target: M itself
when it meets it already; none ("not at this pace") when the pace is zero or
the wrong way, or M has no records to move from. A campaign is *on course*
when its projected month is T or earlier, *reached* when M's value meets the
target (≤ for ``failing``, ≥ for ``advanced_share``).

Like every figure of M, these read only months up to M: the values are the
monthly figures of factory.figures.reports (the summaries, never the records
counted again), and the target is the version in force in M. The arithmetic
is exact (fractions); values are rounded to two decimals, halves away from
zero, only where they are written out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from factory.figures.reports import monthly_figures
from factory.models import Campaign, CampaignMeasure, CampaignVersion
from workers.months import add_months, month_str

# The pace is taken over this many months with records, the month shown last.
PACE_MONTHS = 3
TWO_PLACES = Decimal("0.01")
# The keys of a campaign in the JSON report, in its order (DESIGN.md).
JSON_KEYS = (
    "workshop",
    "measure",
    "start_month",
    "start_value",
    "target_value",
    "target_month",
    "value",
    "pace",
    "projected_month",
    "on_course",
    "reached",
)
MEASURE_ORDER = {measure: index for index, measure in enumerate(CampaignMeasure)}


@dataclass(frozen=True)
class Target:
    """A campaign as it stands in a month: its start and the target of the
    version in force then."""

    measure: str
    start_month: dt.date
    start_value: Decimal
    target_value: Decimal
    target_month: dt.date


@dataclass(frozen=True)
class BurnDownRow:
    month: dt.date
    # None: the scope has no records in the month (or the month is after
    # the month shown, for the line's own rows).
    value: Decimal | None
    # The straight line from the start value to the target; None after T.
    line: Fraction | None


@dataclass(frozen=True)
class CampaignState:
    month: dt.date
    rows: list[BurnDownRow]  # S … M
    plan: list[BurnDownRow]  # after M up to T: the line alone
    value: Decimal | None
    pace: Fraction | None
    projected_month: dt.date | None
    on_course: bool
    reached: bool


def months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def months_from(first: dt.date, last: dt.date) -> list[dt.date]:
    return [add_months(first, n) for n in range(months_between(first, last) + 1)]


def meets_target(measure: str, value: Decimal, target: Decimal) -> bool:
    """At or below the target for workers below quota, at or above it for
    the advanced share."""
    if measure == CampaignMeasure.FAILING:
        return value <= target
    return value >= target


def line_value(target: Target, month: dt.date) -> Fraction | None:
    """The straight line from the start value at S to the target at T."""
    if not target.start_month <= month <= target.target_month:
        return None
    done = Fraction(months_between(target.start_month, month))
    span = months_between(target.start_month, target.target_month)
    start = Fraction(target.start_value)
    return start + (Fraction(target.target_value) - start) * done / span


def pace_of(recorded: list[tuple[dt.date, Decimal]]) -> Fraction | None:
    """The mean monthly change over the last PACE_MONTHS months of
    ``recorded`` (month, value), oldest first: the change from the first of
    them to the last over the months between (a month without records in
    between counts as a month). None with fewer than two."""
    last = recorded[-PACE_MONTHS:]
    if len(last) < 2:
        return None
    (first_month, first_value), (last_month, last_value) = last[0], last[-1]
    return Fraction(last_value - first_value) / months_between(first_month, last_month)


def projected_month(
    target: Target, month: dt.date, value: Decimal | None, pace: Fraction | None
) -> dt.date | None:
    """The first month at which the value, moving at ``pace`` from
    ``month``, meets the target; ``month`` when it does already."""
    if value is None:
        return None
    if meets_target(target.measure, value, target.target_value):
        return month
    if not pace:
        return None
    steps = Fraction(target.target_value - value) / pace
    if steps <= 0:  # the wrong way
        return None
    return add_months(month, math.ceil(steps))


def campaign_state(
    target: Target, month: dt.date, values: Mapping[dt.date, Decimal]
) -> CampaignState:
    """The campaign ``target`` as of ``month`` (S or later). ``values``: the
    measure's value of each month with records of the campaign's scope (a
    month without records is not in it); only months S … ``month`` are read.
    """
    month = month.replace(day=1)
    if month < target.start_month:
        raise ValueError("a campaign has no figures before its start month")
    rows = [
        BurnDownRow(m, values.get(m), line_value(target, m))
        for m in months_from(target.start_month, month)
    ]
    plan = [
        BurnDownRow(m, None, line_value(target, m))
        for m in months_from(add_months(month, 1), target.target_month)
    ]
    value = values.get(month)
    pace = pace_of([(row.month, row.value) for row in rows if row.value is not None])
    projected = projected_month(target, month, value, pace)
    return CampaignState(
        month=month,
        rows=rows,
        plan=plan,
        value=value,
        pace=pace,
        projected_month=projected,
        on_course=projected is not None and projected <= target.target_month,
        reached=value is not None
        and meets_target(target.measure, value, target.target_value),
    )


# ------------------------------------------------------------------ reading


def measure_value(measure: str, figures: dict) -> Decimal:
    """A month's value of the measure, from its figures (reports._figures)."""
    if measure == CampaignMeasure.FAILING:
        return Decimal(figures["failing"])
    return Decimal(str(figures["advanced_share"]))


def scope_values(
    measure: str, figures_by_month: Mapping[dt.date, dict]
) -> dict[dt.date, Decimal]:
    return {
        month: measure_value(measure, figures)
        for month, figures in figures_by_month.items()
    }


def version_in_force(
    versions: Iterable[CampaignVersion], month: dt.date
) -> CampaignVersion | None:
    """The latest version shown from ``month`` or before."""
    shown = [v for v in versions if v.effective_month <= month]
    return max(shown, key=lambda v: v.version) if shown else None


def target_of(campaign: Campaign, version: CampaignVersion) -> Target:
    return Target(
        measure=campaign.measure,
        start_month=campaign.start_month,
        start_value=campaign.start_value,
        target_value=version.target_value,
        target_month=version.target_month,
    )


def written(measure: str, value) -> int | float | None:
    """A value as the report writes it: workers as a whole number, a share
    (or a fraction of a worker: the line, the pace) with two decimals."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    value = Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    if measure == CampaignMeasure.FAILING and value == value.to_integral_value():
        return int(value)
    return float(value)


def state_dict(
    campaign: Campaign, version: CampaignVersion, state: CampaignState
) -> dict:
    """A campaign as of a month for the pages and the JSON (JSON_KEYS, and
    what the pages add: names, the version, the burn-down's rows)."""
    measure = campaign.measure
    workshop = campaign.workshop

    def row(burn: BurnDownRow, shown: bool) -> dict:
        return {
            "month": month_str(burn.month),
            "value": written(measure, burn.value),
            "line": written(CampaignMeasure.ADVANCED_SHARE, burn.line),
            "shown": shown,
        }

    return {
        "id": campaign.pk,
        "workshop": workshop.code if workshop else None,
        "workshop_name": workshop.name if workshop else None,
        "measure": measure,
        "start_month": month_str(campaign.start_month),
        "start_value": written(measure, campaign.start_value),
        "target_value": written(measure, version.target_value),
        "target_month": month_str(version.target_month),
        "version": version.version,
        "month": month_str(state.month),
        "value": written(measure, state.value),
        "pace": written(CampaignMeasure.ADVANCED_SHARE, state.pace),
        "projected_month": (
            month_str(state.projected_month) if state.projected_month else None
        ),
        "on_course": state.on_course,
        "reached": state.reached,
        "rows": [row(burn, True) for burn in state.rows]
        + [row(burn, False) for burn in state.plan],
    }


def sort_key(state: dict) -> tuple:
    """The factory's campaigns first, then by workshop code; each scope's by
    measure and start month."""
    return (
        state["workshop"] is not None,
        state["workshop"] or "",
        MEASURE_ORDER.get(state["measure"], 9),
        state["start_month"],
    )


def campaigns_as_of(month: dt.date, campaigns=None) -> list[dict]:
    """Every campaign started by ``month``, as of it (state_dict), in
    sort_key's order. Three queries: the campaigns with their workshops,
    their versions, and the monthly figures from the earliest start on.
    ``campaigns``: a Campaign queryset to read instead of all."""
    month = month.replace(day=1)
    queryset = Campaign.objects.all() if campaigns is None else campaigns
    started = list(
        queryset.filter(start_month__lte=month)
        .select_related("workshop")
        .prefetch_related("versions")
    )
    if not started:
        return []
    figures = monthly_figures(
        first=min(campaign.start_month for campaign in started), last=month
    )
    states = []
    for campaign in started:
        version = version_in_force(campaign.versions.all(), month)
        if version is None:
            continue
        scope = campaign.workshop.code if campaign.workshop else None
        state = campaign_state(
            target_of(campaign, version),
            month,
            scope_values(campaign.measure, figures.get(scope, {})),
        )
        states.append(state_dict(campaign, version, state))
    return sorted(states, key=sort_key)


def report_rows(states: list[dict]) -> list[dict]:
    """The campaigns as the JSON report carries them (JSON_KEYS only)."""
    return [{key: state[key] for key in JSON_KEYS} for state in states]
