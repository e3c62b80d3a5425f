"""Stuck cases (帮扶停滞): the month's list the work queue links to, and the
re-diagnosis of a case from it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from assistance.access import get_case_for_secretary, notes_readable
from assistance.forms import RediagnoseForm
from assistance.models import CaseStatus, Measure
from assistance.services import StaleEditError, rediagnose
from assistance.stuck import STUCK_AFTER_MONTHS, STUCK_GAIN, stuck_cases
from assistance.views.shared import month_param, stale_message
from assistance.views.worklists import worklist_workshops
from workers.completeness import describe, page_month
from workers.forms.base import attach_error
from workers.models import Cause, Worker
from workers.months import month_str
from workers.roles import sees_named_causes


@login_required
def stuck_case_list(request):
    """The cases stuck in the month: who may read the workers slipping may
    read them, of the same workshops. A director reads names and
    attainment, never a cause or measure beside a name, and no link to a
    case page they may not open; the secretary re-diagnoses from a row."""
    user = request.user
    workshops = worklist_workshops(user)
    month, state = page_month(month_param(request))
    cases = list(
        stuck_cases(month, workshops).prefetch_related(
            Prefetch("helpers", queryset=Worker.objects.order_by("name", "pk"))
        )
    )
    readable = notes_readable(user, cases)
    for case in cases:
        case.readable = case.pk in readable
        # The cause and measure the case had at the end of the month.
        case.cause_then_label = Cause(case.cause_then).label
        case.measure_then_label = Measure(case.measure_then).label
    return render(
        request,
        "assistance/stuck_list.html",
        {
            "month": month,
            "cases": cases,
            "completeness": describe(state),
            "named_causes": sees_named_causes(user),
            "may_rediagnose": user.has_perm("assistance.change_assistancecase"),
            "gain": STUCK_GAIN,
            "after_months": STUCK_AFTER_MONTHS,
        },
    )


@login_required
def case_rediagnose(request, pk):
    """The secretary gives a case a new cause or measure, with the reason;
    back to the stuck list of ``?month=`` when it came from there, else to
    the case, whose timeline shows the change."""
    case = get_case_for_secretary(request.user, pk, "assistance.change_assistancecase")
    if case.status == CaseStatus.CLOSED:
        messages.info(
            request, _("A closed case cannot be re-diagnosed; reopen it first.")
        )
        return redirect(case)
    back = month_param(request)
    if request.method == "POST":
        form = RediagnoseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rediagnose(
                    case=case,
                    cause=data["cause"],
                    measure=data["measure"],
                    by=request.user,
                    reason=data["reason"],
                    expected_version=data["version"],
                )
            except StaleEditError as stale:
                form = form.refreshed(stale.current.version)
                form.add_error(None, stale_message())
                case = stale.current
            except ValidationError as error:
                attach_error(form, error)
            else:
                messages.success(request, _("The case was re-diagnosed."))
                if back is None:
                    return redirect(case)
                url = reverse("assistance:stuck_cases")
                return redirect(f"{url}?month={month_str(back)}")
    else:
        form = RediagnoseForm(initial={"version": case.version})
    return render(
        request,
        "assistance/case_rediagnose.html",
        {"case": case, "form": form, "back": back},
    )
