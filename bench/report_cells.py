"""The cells the report modules share (report, report_writes,
report_secretary, report_layers, report_hostile): one way to write a time,
a goal met, and the goals that a page or write grows within its bound and
runs as many queries on the larger data. Runs in the orchestrator: no
Django here."""

from __future__ import annotations


def by_scale(results: dict) -> list[tuple[int, dict]]:
    """A phase's results by scale (the JSON's keys are strings), smallest
    first."""
    return sorted((int(scale), found) for scale, found in results.items())


def smallest_and_largest(results: dict) -> tuple[int, dict, int | None, dict | None]:
    """The smallest scale and its results, then the largest and its (None,
    None where only one scale ran)."""
    scales = by_scale(results)
    small_scale, small = scales[0]
    large_scale, large = scales[-1] if len(scales) > 1 else (None, None)
    return small_scale, small, large_scale, large


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def yes(ok: bool | None) -> str:
    """Whether a goal is met; "—" where it has none."""
    return "—" if ok is None else ("yes" if ok else "**no**")


def same_queries_row(
    label: str, small_scale: int, large_scale: int, small: int, large: int
) -> list[str]:
    """[measure, figure, baseline, ratio, goal, met]: as many queries at the
    larger scale as at the smaller."""
    return [
        f"{label}: queries {small_scale}× / {large_scale}×",
        str(large),
        str(small),
        "same" if large == small else "differ",
        "same",
        yes(large == small),
    ]


def growth_row(
    label: str,
    small_scale: int,
    large_scale: int,
    small_seconds: float,
    large_seconds: float,
    goal: float,
) -> list[str]:
    """[measure, figure, baseline, ratio, goal, met]: the time at the larger
    scale within ``goal`` times the time at the smaller."""
    ratio = large_seconds / small_seconds
    return [
        f"{label}: time {large_scale}× vs {small_scale}×",
        ms(large_seconds),
        ms(small_seconds),
        f"{ratio:.2f}×",
        f"≤ {goal:g}×",
        yes(ratio <= goal),
    ]


def scaling_rows(
    label: str,
    small_scale: int,
    large_scale: int,
    small: dict,
    large: dict,
    goal: float,
) -> list[list[str]]:
    """One measure's ``{"seconds", "queries"}`` at both scales: its time
    within ``goal`` times the smaller's (growth_row), and as many queries
    (same_queries_row)."""
    return [
        growth_row(
            label, small_scale, large_scale, small["seconds"], large["seconds"], goal
        ),
        same_queries_row(
            label, small_scale, large_scale, small["queries"], large["queries"]
        ),
    ]
