"""The rules for one record's values: a quota, an output, a month — shared by
the entry grid's form, the records import and save_records."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from workers.months import (
    FIRST_YEAR,
    current_month,
    first_of_month,
    month_label,
    month_str,
)

CENT = Decimal("0.01")
# quota and output are numeric(12, 2): at most ten digits before the point.
AMOUNT_LIMIT = Decimal("10000000000")


def rounded_amount(value: object, *, above_zero: bool) -> Decimal | None:
    """The amount rule, once: ``value`` rounded to hundredths when it is a
    finite Decimal that is above zero (a quota) or at least zero (an
    output) and under AMOUNT_LIMIT; else None.

    save_records and the records import call it alone, once a value, on
    their fast paths (a 100,000-row file); clean_quota and clean_output call
    it too and say why a value fails it.
    """
    if value.__class__ is not Decimal or not value.is_finite():
        return None
    amount = value.quantize(CENT, ROUND_HALF_UP)
    if (amount > 0 if above_zero else amount >= 0) and amount < AMOUNT_LIMIT:
        return amount
    return None


def clean_quota(value: Decimal) -> Decimal:
    """A quota rounded to hundredths; refused unless finite and above zero."""
    return _cleaned(value, above_zero=True)


def clean_output(value: Decimal) -> Decimal:
    """An output rounded to hundredths; refused if negative or not finite."""
    return _cleaned(value, above_zero=False)


def _cleaned(value: object, *, above_zero: bool) -> Decimal:
    amount = rounded_amount(_as_decimal(value), above_zero=above_zero)
    if amount is not None:
        return amount
    # Refused: which part of the rule, for the message.
    number = _as_decimal(value)
    if number is None or not number.is_finite():
        raise ValidationError(
            _("“%(value)s” is not a number.") % {"value": value},
            code="not_a_number",
        )
    if abs(number.quantize(CENT, rounding=ROUND_HALF_UP)) >= AMOUNT_LIMIT:
        raise ValidationError(
            _("%(value)s is too large.") % {"value": value}, code="too_large"
        )
    if above_zero:
        raise ValidationError(
            _("The quota must be greater than 0, not %(value)s.") % {"value": value},
            code="quota_not_positive",
        )
    raise ValidationError(
        _("The output cannot be negative (%(value)s).") % {"value": value},
        code="output_negative",
    )


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def clean_record_month(month: dt.date, *, today: dt.date | None = None) -> dt.date:
    """A record's month: the current month or earlier (records come after)."""
    current = first_of_month(today) if today else current_month()
    # A year like 0956 is a typo for 1956, not a record from the Middle Ages;
    # stored silently it would become "the latest month" of the dashboards.
    # Written as typed (0956-03), so that the typo shows.
    if month.year < FIRST_YEAR:
        raise ValidationError(
            _("%(month)s is before %(year)s: check the year.")
            % {"month": month_str(month), "year": FIRST_YEAR},
            code="month_too_early",
        )
    if month > current:
        raise ValidationError(
            _("%(month)s is in the future: records can only be given up to %(now)s.")
            % {"month": month_label(month), "now": month_label(current)},
            code="month_in_future",
        )
    return month
