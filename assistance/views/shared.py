"""Small pieces the help-case views share."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.utils.translation import gettext as _

from workers.months import MonthError, checked_month


def month_param(request, name: str = "month", default: dt.date | None = None):
    """The month in the query string; a bad one is reported, not a 500."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        return checked_month(raw)
    except MonthError as error:
        messages.error(request, str(error))
        return default


def stale_message() -> str:
    return _(
        "Someone else changed this while you were editing it. Nothing was "
        "saved: check the current values below, then save again."
    )
