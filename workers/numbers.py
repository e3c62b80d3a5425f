"""How a figure is written on every page: up to two decimals, trailing zeros
dropped (78.50 → 78.5, 35.00 → 35, 3.13 → 3.13), "—" for none.

Attainment is written this way everywhere (workers' ``attainment`` filter).
One decimal would round 99.96% up to "100.0%" beside a "below quota" badge:
meets quota is compared exactly, so the figure shown keeps the two decimals
it is stored with. The shares of the reports are rounded to two decimals
too (factory.figures.reports.share), and written the same way.
"""

from __future__ import annotations

from decimal import Decimal


def number_text(value) -> str:
    if value is None or value == "":
        return "—"
    text = f"{Decimal(str(value)):.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
