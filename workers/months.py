"""Months: stored as the date of their first day, written YYYY-MM."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import formats, timezone
from django.utils.translation import gettext as _

_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})\.(?P<m>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月份?$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})$"),
]


class MonthError(ValueError):
    """A month that cannot be read; the message is translated."""


def parse_month(value: object) -> dt.date:
    """Read a month written as YYYY-MM, 1956年3月(份), 1956/3, 1956.3 or
    1956-03-01 (also 1956/3/1 and 1956年3月1日).

    A full date must be a real date (2024-02-30 is refused) and is taken as
    its month. datetime values (from XLSX cells) are taken as their month.
    """
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year, month = int(match["y"]), int(match["m"])
        day = int(match.groupdict().get("d") or 1)
        try:
            dt.date(year, month, day)
        except ValueError:
            break
        return dt.date(year, month, 1)
    raise MonthError(
        _("“%(value)s” is not a month: write it as YYYY-MM, e.g. 1956-03.")
        % {"value": text}
    )


# The years a month may be in: asked for by a page, a report or a command, or
# given to a record. The pages look at the month before and after the one
# shown and the trend at the year before it: at the ends of the calendar
# (0001-01, 9999-12) those are no dates (a 500); and a record of 0956 is a
# typo for 1956, not one from the Middle Ages.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def checked_month(value: object) -> dt.date:
    """parse_month, refusing a month outside FIRST_YEAR..LAST_YEAR.

    The one check of a month asked for by a page, a form or a command.
    """
    month = parse_month(value)
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise MonthError(
            _("“%(value)s” is outside the years %(first)d to %(last)d.")
            % {"value": str(value).strip(), "first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return month


def month_str(month: dt.date) -> str:
    """YYYY-MM: files, addresses, the JSON (docs/ARCHITECTURE.md)."""
    return f"{month.year:04d}-{month.month:02d}"


def month_label(month: dt.date) -> str:
    """The month as the reader writes it: 1956年3月 / March 1956 (the
    formats of factory/formats), for pages and messages."""
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """How many months ``later`` is after ``earlier`` (negative if before);
    the days are not read."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def previous_month(month: dt.date) -> dt.date:
    return add_months(month, -1)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def current_month() -> dt.date:
    """The calendar month today, in the factory's time zone: the latest a
    record may be given for. (The month a page means by default is the
    working month: workers.completeness.default_month.)"""
    return first_of_month(timezone.localdate())
