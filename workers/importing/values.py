"""Parsers for cell text shared by the importers.

Each ``parse_*`` returns the value or raises ``ValueProblem`` with a
translated message that names the text; ``attempt`` turns that into a
``(value, message)`` pair for code that collects errors.

Numbers (``parse_decimal``), the policy:

- ASCII digits with an optional decimal point and an optional sign: ``12``,
  ``12.5``, ``-3``, ``.5``;
- full-width digits and punctuation (``１２．５``, what a Chinese input method
  types) are normalised with NFKC first, then read like the ASCII ones;
- thousands separators only in the strict pattern ``1,200`` / ``12,345,678.5``
  (``1,2`` or ``12,00`` are refused: they are decimal commas or typos);
- everything else is refused, naming the text: empty cells, ``NaN``, ``inf``,
  exponents (``1e309``), ``N/A``, currency signs, units, percent signs.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from workers.importing import spellings
from workers.importing.shown import join_list
from workers.months import MonthError, parse_month

_NUMBER = re.compile(
    r"^(?P<sign>[+-]?)(?P<int>[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)?(?:\.(?P<frac>[0-9]+))?$"
)
_SERIAL = re.compile(r"^[0-9]{4,6}(?:\.[0-9]+)?$")

TRUE_WORDS = set(spellings.YES)
FALSE_WORDS = {*spellings.NO, ""}


class ValueProblem(ValueError):
    """A cell's text cannot be read as the value wanted; message translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def attempt(parser, text: str, *args, **kwargs) -> tuple[Any, str | None]:
    """``(value, None)`` or ``(None, message)`` instead of an exception."""
    try:
        return parser(text, *args, **kwargs), None
    except ValueProblem as problem:
        return None, problem.message


def clean_employee_no(text: str) -> str:
    """An employee number as stored and matched: NFKC-normalised (full-width
    digits and letters become ASCII) and stripped. Every importer matches
    workers through this, so ``Ｅ００１`` in one file finds ``E001``."""
    text = text or ""
    if text.isascii():  # NFKC leaves ASCII as it is
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def parse_decimal(
    text: str,
    *,
    allow_negative: bool = False,
    max_digits: int | None = None,
    decimal_places: int | None = None,
) -> Decimal:
    """A number, by the policy in the module docstring.

    ``max_digits`` / ``decimal_places`` mirror the model field, so a value
    the database would refuse is a row error here instead.
    """
    if text.__class__ is str and text.isascii():
        whole, point, fraction = text.partition(".")
        # isdigit() alone would take other alphabets' digits: isascii() first.
        if (
            whole.isdigit()
            and (not point or fraction.isdigit())
            and (decimal_places is None or len(fraction.rstrip("0")) <= decimal_places)
            and (
                max_digits is None
                or len(whole.lstrip("0")) <= max_digits - (decimal_places or 0)
            )
        ):
            return Decimal(text)
        # Too many places or digits: the general path says which.
    raw = (text or "").strip()
    normalised = unicodedata.normalize("NFKC", raw).strip()
    match = _NUMBER.match(normalised)
    if not raw or not match or not (match["int"] or match["frac"]):
        if not raw:
            raise ValueProblem(_("is empty; a number is required"))
        raise ValueProblem(
            _("“%(text)s” is not a number (write digits, e.g. 1200 or 12.5)")
            % {"text": raw}
        )
    try:
        value = Decimal(normalised.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern prevents it
        raise ValueProblem(
            _("“%(text)s” is not a number (write digits, e.g. 1200 or 12.5)")
            % {"text": raw}
        ) from exc
    if value < 0 and not allow_negative:
        raise ValueProblem(
            _("“%(text)s” is negative; it must be 0 or more") % {"text": raw}
        )
    fraction = (match["frac"] or "").rstrip("0")
    if decimal_places is not None and len(fraction) > decimal_places:
        raise ValueProblem(
            _("“%(text)s” has more than %(places)d decimal places")
            % {"text": raw, "places": decimal_places}
        )
    if max_digits is not None:
        whole = (match["int"] or "").replace(",", "").lstrip("0")
        if len(whole) > max_digits - (decimal_places or 0):
            raise ValueProblem(_("“%(text)s” is too large") % {"text": raw})
    return value


def parse_bool(text: str, *, blank: bool | None = False) -> bool:
    """yes/no, true/false, 1/0, 是/否, Y/N (any case).

    An empty cell is ``blank`` (False by default); pass ``blank=None`` to
    make an empty cell an error.
    """
    raw = (text or "").strip()
    word = unicodedata.normalize("NFKC", raw).casefold()
    if not word and blank is not None:
        return blank
    if word in TRUE_WORDS and word:
        return True
    if word in FALSE_WORDS and word:
        return False
    raise ValueProblem(
        _("“%(text)s” is not yes or no (write yes/no, 是/否, 1/0)") % {"text": raw}
    )


def parse_month_value(text: str) -> dt.date:
    """A month (first day), through workers.months.parse_month.

    A bare number such as 20516 is what Excel shows for a date cell that lost
    its date format; it is refused with advice instead of guessed at. (A cell
    that openpyxl read as a real date arrives as YYYY-MM-DD and is accepted.)
    """
    raw = (text or "").strip()
    if not raw:
        raise ValueProblem(_("is empty; a month is required (YYYY-MM)"))
    # 1956 and 1956.3 are a year and a month (the month then parses); the
    # serial numbers of Excel's dates of these decades have five digits.
    if _SERIAL.match(raw) and not re.match(r"^[0-9]{4}(?:\.[0-9]{1,2})?$", raw):
        raise ValueProblem(
            _(
                "“%(text)s” looks like an Excel date number, not a month: format "
                "the column as text and write the month as YYYY-MM, e.g. 1956-03"
            )
            % {"text": raw}
        )
    try:
        return parse_month(unicodedata.normalize("NFKC", raw))
    except MonthError as exc:
        raise ValueProblem(str(exc)) from exc


_DATE = re.compile(
    r"^(?P<y>[0-9]{4})(?:-|/|\.|年)(?P<m>[0-9]{1,2})(?:-|/|\.|月)(?P<d>[0-9]{1,2})日?"
    # A date cell with a time of day (a spreadsheet's 1956-03-20 08:30).
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$"
)


def parse_date_value(text: str) -> dt.date:
    """A day: 1956-03-20, 1956/3/20, 1956.3.20, 1956年3月20日 or a date cell
    (read as YYYY-MM-DD). A bare number is Excel's date number of a cell that
    lost its date format: refused with advice, as for a month."""
    raw = (text or "").strip()
    if not raw:
        raise ValueProblem(_("is empty; a date is required (YYYY-MM-DD)"))
    normalised = unicodedata.normalize("NFKC", raw)
    if _SERIAL.match(normalised):
        raise ValueProblem(
            _(
                "“%(text)s” looks like an Excel date number, not a date: format "
                "the column as text and write the date as YYYY-MM-DD, e.g. "
                "1956-03-20"
            )
            % {"text": raw}
        )
    match = _DATE.match(normalised)
    try:
        if match:
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        pass
    raise ValueProblem(
        _("“%(text)s” is not a date: write it as YYYY-MM-DD, e.g. 1956-03-20")
        % {"text": raw}
    )


def parse_choice(
    text: str,
    choices: type[models.TextChoices],
    *,
    aliases: dict[str, str] | None = None,
) -> str:
    """The code of a TextChoices member, from its code, one of its file
    spellings (``spellings.CHOICES``: English and Chinese labels and their
    variants, case-insensitive) or one of ``aliases`` (text → code). Never
    from the translation catalogue: the spellings are the file format's."""
    raw = (text or "").strip()
    key = _choice_key(raw)
    table = _choice_table(choices)
    if aliases:
        table = {**table, **{_choice_key(a): code for a, code in aliases.items()}}
    if key in table:
        return table[key]
    accepted = join_list(
        f"{value} / {spellings.chinese(choices, value)}" for value in choices.values
    )
    if not raw:
        raise ValueProblem(_("is empty; one of %(accepted)s") % {"accepted": accepted})
    raise ValueProblem(
        _("“%(text)s” is not one of %(accepted)s") % {"text": raw, "accepted": accepted}
    )


def _choice_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


@functools.cache
def _choice_table(choices: type[models.TextChoices]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, words in spellings.CHOICES[choices].items():
        for spelling in (value, *words):
            table[_choice_key(spelling)] = str(value)
    return table
