"""The rule for any text a user gives, in a form or in a cell of a file:
no NUL or other control character (tab and line breaks aside), at most
MAX_CELL_CHARS characters. Forms (workers.forms.base) and the importers
(workers.importing) both ask check_text, so a text refused in one is refused
in the other, with the same words."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

# The longest text a cell of a file (and a field that has no limit of its
# own) may hold.
MAX_CELL_CHARS = 1_000
ALLOWED_CONTROLS = {"\t", "\n", "\r"}
# Unicode's "Cc" category is exactly U+0000–U+001F and U+007F–U+009F; tab
# and line breaks are allowed. One compiled search instead of a category
# lookup per character: a 100,000-row file has half a million cells.
FORBIDDEN_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def cells_ok(values) -> bool:
    """True when ``check_text`` would pass every one of these cells.

    A fast pre-check for whole rows: the cells joined by a tab (allowed
    itself) are searched once; only a row that fails needs ``check_text``
    cell by cell for the message.
    """
    return FORBIDDEN_CONTROL.search("\t".join(values)) is None


def check_text(value: str, column: str | None = None) -> str | None:
    """Why a cell's text cannot be stored, or None when it can.

    Refused: NUL and other control characters (except tab and line breaks),
    and text over MAX_CELL_CHARS (which the reader refuses for the whole
    file before any row is checked). Allowed and stored unchanged: combining
    marks, characters outside the BMP (rare surname characters), zero-width
    and bidirectional marks — real names contain them.
    """
    if len(value) <= MAX_CELL_CHARS and FORBIDDEN_CONTROL.search(value) is None:
        return None
    if "\x00" in value:
        return _("contains a NUL character (the file may be damaged)")
    if len(value) > MAX_CELL_CHARS:
        return _("is too long: %(length)d characters, at most %(limit)d") % {
            "length": len(value),
            "limit": MAX_CELL_CHARS,
        }
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS:
            return _("contains the control character U+%(code)04X") % {
                "code": ord(char)
            }
    return None
