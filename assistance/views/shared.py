"""Small pieces the help-case views share."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.utils.translation import gettext as _

from assistance.forms import VersionedForm
from assistance.models import AssistanceCase
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


def with_current(form: VersionedForm, current: AssistanceCase, **choices):
    """The form again after someone else changed the case: what was typed,
    with the case's current version and a word on what it is now (the one
    answer of the case pages to a stale edit)."""
    form = form.refreshed(current.version, **choices)
    helpers = "、".join(h.name for h in current.helpers.all())
    now = _("Now: %(status)s; measure %(measure)s; helpers %(helpers)s.") % {
        "status": current.get_status_display(),
        "measure": current.get_measure_display(),
        "helpers": helpers or "—",
    }
    form.add_error(None, f"{stale_message()} {now}")
    return form
