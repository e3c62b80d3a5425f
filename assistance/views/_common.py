"""Small pieces the help-case views share."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _

from workers.months import MonthError, checked_month
from workers.spreadsheet_safety import safe_cell


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


def attach_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, beside the field it names
    when the form has that field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    """A CSV download that Chinese Excel opens correctly (UTF-8 with BOM),
    every cell made safe by the project's one rule (safe_cell)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response


def stale_message() -> str:
    return _(
        "Someone else changed this while you were editing it. Nothing was "
        "saved: check the current values below, then save again."
    )
