"""Ids named in a request: a row's key as an int, or None.

A posted or asked-for id is refused, like any other bad id, when it is not
a number or is past what a database key can hold: SQLite raises an
OverflowError on an integer over 2^63 - 1 (a 500), PostgreSQL an "out of
range" error. The views (assistance.views) and the forms' id lists
(workers.forms.base) ask int_param.
"""

from __future__ import annotations

# A 64-bit signed integer: the range of every primary key of the project.
KEY_MIN, KEY_MAX = -(2**63), 2**63 - 1


def int_param(value) -> int | None:
    """The id as an int, or None: not a number, or past a key's range."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if KEY_MIN <= number <= KEY_MAX else None
