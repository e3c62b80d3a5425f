"""Hardship aid (困难补助) granted on cases, totalled per month."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assistance import selectors
from assistance.access import require_perm
from assistance.views.shared import month_param
from workers.completeness import default_month
from workers.months import FIRST_YEAR, LAST_YEAR


@login_required
def aid_totals(request):
    """Per month of a year: how much aid was granted, in how many grants.

    Who received aid is personal: the secretary only.
    """
    require_perm(request.user, "assistance.view_private_notes")
    latest = default_month()
    try:
        year = int(request.GET.get("year") or latest.year)
    except ValueError:
        year = latest.year
    year = min(max(year, FIRST_YEAR), LAST_YEAR)
    months = selectors.aid_by_month(year)
    month = month_param(request, default=None)
    return render(
        request,
        "assistance/aid_totals.html",
        {
            "year": year,
            "first_year": FIRST_YEAR,
            "last_year": LAST_YEAR,
            "months": months,
            "year_total": sum((m["total"] or Decimal(0) for m in months), Decimal(0)),
            "year_grants": sum(m["grants"] for m in months),
            "month": month,
            "grants": selectors.aid_grants(month) if month else [],
        },
    )
