"""Formatting of report figures: months, percentages, signed changes."""

from __future__ import annotations

import datetime as dt
import functools

from django import template
from django.utils import translation
from django.utils.translation import gettext, pgettext

from workers import months
from workers.months import MonthError, parse_month
from workers.numbers import number_text

register = template.Library()


def number(value) -> str:
    """78.50 → "78.5", 35.00 → "35", 3.13 → "3.13"; None → "—"
    (workers.numbers, the one way a figure is written)."""
    return number_text(value)


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
    return _year_month(value, translation.get_language())


# A page labels the same few dozen months over and over (the month picker
# lists every month on every request): each label is formatted once per
# language and process. The language is part of the key.
@functools.lru_cache(maxsize=4096)
def _year_month(value: dt.date, language: str | None) -> str:
    return months.month_label(value)


def figure_value(value) -> str:
    """A figure of a correction's list (factory.figures.corrections): a
    number as number() writes it, a list of workshops joined as the
    reader's language joins them, a yes or no in words; None → "—"."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return pgettext("list separator", ", ").join(str(item) for item in value)
    if isinstance(value, (int, float)):
        return number(value)
    return str(value)


register.filter("number", number)
register.filter("figure_value", figure_value)
register.filter("signed", signed)
register.filter("month_label", month_label)


@register.filter
def diff(now, before) -> str:
    """now − before, signed: the change of a count."""
    try:
        return signed(int(now) - int(before))
    except (TypeError, ValueError):
        return "—"
