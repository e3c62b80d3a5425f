"""Formatting of report figures: months, percentages, signed changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from workers.months import MonthError, parse_month

register = template.Library()


def number(value) -> str:
    """78.50 → "78.5", 35.00 → "35", 3.13 → "3.13"; None → "—"."""
    if value is None or value == "":
        return "—"
    text = f"{Decimal(str(value)):.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def signed(value) -> str:
    """A change with its sign: +35, -4, 0; None → "—"."""
    if value is None or value == "":
        return "—"
    text = number(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def month_label(value) -> str:
    """ "1956-03" or a date → "1956年3月" / "March 1956" (reader's language)."""
    if not value:
        return ""
    if not isinstance(value, dt.date):
        try:
            value = parse_month(value)
        except MonthError:
            return str(value)
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


register.filter("number", number)
register.filter("signed", signed)
register.filter("month_label", month_label)


@register.filter
def diff(now, before) -> str:
    """now − before, signed: the change of a count."""
    try:
        return signed(int(now) - int(before))
    except (TypeError, ValueError):
        return "—"


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.simple_tag
def pct_bar_width(value) -> str:
    """A width for a small CSS bar, clamped to 0–100%."""
    try:
        width = max(0.0, min(100.0, float(value)))
    except (TypeError, ValueError):
        width = 0.0
    return f"{width:.2f}%"


@register.filter
def yes_no(value) -> str:
    return _("yes") if value else _("no")
