"""The cells the report modules share (report, report_writes, report_layers,
report_hostile): one way to write a time, a goal met, and the goal that a
page or write runs as many queries on the larger data. Runs in the
orchestrator: no Django here."""

from __future__ import annotations


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
