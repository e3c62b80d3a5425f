"""Cells that are safe to open in a spreadsheet — the one rule, for every app.

Every CSV and XLSX the project writes (the report downloads, the case lists,
an import's failed rows, ``movement_report --format csv``) passes each cell
through safe_cell(). It lives on the ground floor so that workers,
assistance and factory all use the same function.

A worker named "=HYPERLINK(...)" must not become a live formula on the
secretary's machine (OWASP "CSV injection"). The order matters: control
characters are dropped *first* (openpyxl refuses them in an XLSX, and some
programs skip them), and only then is the text checked for a formula start.
The other way round, "\\x01=HYPERLINK(...)" passes the check and the dropping
uncovers the "=" (issue 13).
"""

from __future__ import annotations

import re

from django.utils.functional import Promise

# What spreadsheet programs read as the start of a formula, plus tab and
# carriage return, which some of them skip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Control characters an XLSX cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE:
# C0 controls except tab, line feed and carriage return, which are text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """A cell value that no spreadsheet will run as a formula.

    Text loses its control characters, then gets a leading apostrophe when
    it begins with = + - @, a tab or a carriage return. Numbers (int, float,
    Decimal), dates and booleans are returned unchanged so they stay numbers
    (a negative number is no formula); None becomes ""; lazy translations
    become text.
    """
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value
