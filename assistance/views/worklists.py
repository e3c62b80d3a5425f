"""The lists the work queue links to that have no page of their own: the
workers slipping in a month, and the helpers' loads (stuck cases:
assistance.views.stuck)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from assistance import worklists
from assistance.access import require_perm
from assistance.services import helper_limit, helper_loads
from assistance.views.shared import month_param
from workers.completeness import describe, page_month
from workers.models import Worker, Workshop
from workers.roles import is_secretary, may_read_reports


def worklist_workshops(user):
    """Who may read a month's worklist (workers slipping, stuck cases) and
    of which workshops: the secretary's whole factory (None), a director's
    own workshops; anyone else gets a 403."""
    if not may_read_reports(user):
        raise PermissionDenied
    if is_secretary(user):
        return None
    return Workshop.objects.visible_to(user)


@login_required
def slipping(request):
    """Workers slipping in the month: the secretary's whole factory, a
    director's own workshops (read-only, names and attainment only)."""
    workshops = worklist_workshops(request.user)
    month, state = page_month(month_param(request))
    records = list(worklists.slipping(month, workshops))
    return render(
        request,
        "assistance/slipping_list.html",
        {
            "month": month,
            "records": records,
            "completeness": describe(state),
            "margin": worklists.SLIPPING_MARGIN,
        },
    )


@login_required
def helper_loads_list(request):
    """Every eligible helper and their active cases; ?over=on keeps those
    above CASE_HELPER_LIMIT (the work queue's list)."""
    require_perm(request.user, "assistance.view_all_cases")
    limit = helper_limit()
    if request.GET.get("over") == "on":
        helpers = list(worklists.helpers_over_load(limit))
    else:
        helpers = list(
            Worker.objects.eligible_helpers()
            .select_related("workshop")
            .order_by("workshop__code", "employee_no")
        )
        loads = helper_loads([h.pk for h in helpers])
        for helper in helpers:
            helper.load = loads.get(helper.pk, 0)
    return render(
        request,
        "assistance/helper_loads.html",
        {
            "helpers": helpers,
            "limit": limit,
            "over": request.GET.get("over") == "on",
            "helpers_gone": list(worklists.helpers_gone()),
            "may_move": request.user.has_perm("assistance.change_assistancecase"),
        },
    )
