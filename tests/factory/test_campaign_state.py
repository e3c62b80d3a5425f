"""A campaign's burn-down, pace, projection, on course and reached, worked
out by hand (DESIGN.md, "Is the help working?"; factory.figures.campaigns).
No database: the state is a function of the target and the month's values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from factory.figures.campaigns import Target, campaign_state

JAN, FEB, MAR, APR, MAY = (dt.date(1956, m, 1) for m in (1, 2, 3, 4, 5))
JUL, AUG = dt.date(1956, 7, 1), dt.date(1956, 8, 1)


def failing(start_month, start, target, target_month) -> Target:
    return Target("failing", start_month, Decimal(start), Decimal(target), target_month)


def share(start_month, start, target, target_month) -> Target:
    return Target(
        "advanced_share", start_month, Decimal(start), Decimal(target), target_month
    )


def values(**by_month) -> dict[dt.date, Decimal]:
    months = {"jan": JAN, "feb": FEB, "mar": MAR, "apr": APR, "may": MAY}
    return {months[key]: Decimal(value) for key, value in by_month.items()}


JG2 = failing(FEB, 17, 4, APR)


def test_jg2_reaches_4_in_april_at_a_pace_of_minus_6_5():
    """17 → 10 → 4: the mean monthly change over February–April is
    (4 − 17) ÷ 2 = −6.5; April's 4 meets the target in April itself."""
    state = campaign_state(JG2, APR, values(feb=17, mar=10, apr=4))
    assert state.pace == Fraction(-13, 2)
    assert state.value == 4
    assert state.reached
    assert state.projected_month == APR
    assert state.on_course


def test_the_burn_down_runs_from_the_start_to_the_month_shown_beside_the_line():
    state = campaign_state(JG2, MAR, values(feb=17, mar=10, apr=4))
    assert [(row.month, row.value, row.line) for row in state.rows] == [
        (FEB, 17, 17),
        (MAR, 10, Fraction(21, 2)),  # halfway from 17 to 4
    ]
    # April's value is a later month's: not read; the line goes on to T.
    assert [(row.month, row.value, row.line) for row in state.plan] == [(APR, None, 4)]


def test_in_march_the_pace_of_minus_7_projects_april_on_course_not_reached():
    """10 − 4 = 6 to go at 7 a month: 6/7 of a month, so April."""
    state = campaign_state(JG2, MAR, values(feb=17, mar=10))
    assert state.pace == -7
    assert state.projected_month == APR
    assert state.on_course
    assert not state.reached


def test_in_the_start_month_there_is_no_pace_yet_and_no_projection():
    state = campaign_state(JG2, FEB, values(feb=17))
    assert state.pace is None
    assert state.projected_month is None
    assert not state.on_course
    assert not state.reached


def test_the_pace_is_over_the_last_three_months_with_records():
    """30, 28, 20, 18, 12: March to May, (12 − 20) ÷ 2 = −4; 12 to go
    is three months more, August."""
    campaign = failing(JAN, 30, 0, AUG)
    state = campaign_state(
        campaign, MAY, values(jan=30, feb=28, mar=20, apr=18, may=12)
    )
    assert state.pace == -4
    assert state.projected_month == AUG
    assert state.on_course
    late = campaign_state(
        failing(JAN, 30, 0, JUL), MAY, values(jan=30, feb=28, mar=20, apr=18, may=12)
    )
    assert late.projected_month == AUG
    assert not late.on_course


def test_a_month_without_records_counts_as_a_month_of_the_pace():
    """February 17, no March, April 9: −8 over two months is −4 a month."""
    state = campaign_state(JG2, APR, values(feb=17, apr=9))
    assert state.rows[1].value is None
    assert state.pace == -4
    assert state.projected_month == dt.date(1956, 6, 1)  # 5 to go at 4 a month
    assert not state.on_course


@pytest.mark.parametrize(
    "march",
    [17, 19],
    ids=["pace zero", "the wrong way"],
)
def test_a_pace_of_zero_or_the_wrong_way_projects_no_month(march):
    state = campaign_state(JG2, MAR, values(feb=17, mar=march))
    assert state.projected_month is None
    assert not state.on_course
    assert not state.reached


def test_the_month_shown_without_records_is_neither_reached_nor_projected():
    state = campaign_state(JG2, APR, values(feb=17, mar=10))
    assert state.value is None
    assert state.pace == -7
    assert state.projected_month is None
    assert not state.reached
    assert not state.on_course


def test_failing_is_reached_at_or_below_the_target():
    assert campaign_state(JG2, MAR, values(feb=17, mar=4)).reached
    below = campaign_state(JG2, MAR, values(feb=17, mar=2))
    assert below.reached
    assert below.projected_month == MAR


def test_the_advanced_share_is_reached_at_or_above_the_target():
    campaign = share(FEB, "43.5", "78.5", APR)
    assert campaign_state(campaign, MAR, values(feb="43.5", mar="78.5")).reached
    assert not campaign_state(campaign, MAR, values(feb="43.5", mar="78.49")).reached


def test_a_share_projected_exactly_one_month_on_is_on_course():
    """43.5 → 61.75 is 18.25 a month; 78.5 − 61.75 = 18.25 is exactly one
    month more: April, computed exactly (no float's 1.0000000001)."""
    campaign = share(FEB, "43.5", "78.5", APR)
    state = campaign_state(campaign, MAR, values(feb="43.5", mar="61.75"))
    assert state.projected_month == APR
    assert state.on_course
    slower = campaign_state(campaign, MAR, values(feb="43.5", mar="60.25"))
    assert slower.projected_month == MAY  # 18.25 ÷ 16.75 is just over one
    assert not slower.on_course


def test_there_are_no_figures_before_the_start_month():
    with pytest.raises(ValueError):
        campaign_state(JG2, JAN, values(jan=20))
