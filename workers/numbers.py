"""How a figure is written on every page: up to two decimals, trailing zeros
dropped (78.50 → 78.5, 35.00 → 35, 3.13 → 3.13), "—" for none.

Attainment is written this way everywhere (workers' ``attainment`` filter).
One decimal would round 99.96% up to "100.0%" beside a "below quota" badge:
meets quota is compared exactly, so the figure shown keeps the two decimals
it is stored with. The shares of the reports are rounded to two decimals
too (factory.figures.reports.share), and written the same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def number_text(value) -> str:
    if value is None or value == "":
        return "—"
    text = f"{Decimal(str(value)):.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


TWO_PLACES = Decimal("0.01")


def round_pct(value: Decimal) -> float:
    """Two decimals, halves rounded away from zero (3.125 → 3.13).

    Python's round() and float formatting round halves to even and work on
    binary floats (round(3.125, 2) == 3.12); the committee rounds as taught
    at school, so the arithmetic is done in Decimal and converted last.
    """
    return float(value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def share(part: int, whole: int) -> float:
    """part ÷ whole × 100, rounded by round_pct; 0.0 when whole is 0.

    A share of nobody is 0.0, not null: a month or workshop without records
    shows 0 workers on quota and 0% advanced, which reads right and keeps
    every share a number. (On the ground floor so that every app writes a
    share the same way; factory.figures.reports re-exports it.)
    """
    if not whole:
        return 0.0
    return round_pct(Decimal(part) * 100 / Decimal(whole))
