"""The checks at the worker's own machine (上机检查): the list of checks due
and overdue, and the page that records one.

Who reads and who records is assistance.checks': the secretary's side every
worker's, a director their workshops' (read-only), a helper their own
active cases' workers'; recording is the secretary's side's and the
worker's helper's, anyone else gets 403. The check is written by
assistance.services.checks.record_machine_check.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.checks import (
    CHECK_WITHIN_DAYS,
    Attendance,
    checks_overdue,
    checks_pending,
    last_day_to_check,
    may_read_checks,
    may_record_any_check,
    may_record_check,
    readable_workers,
    recordable_workers,
    with_deadlines,
)
from assistance.forms import MachineCheckForm
from assistance.models import CheckResult, MachineCheck
from assistance.services import StaleEditError
from assistance.services.checks import record_machine_check
from assistance.views.shared import stale_message
from workers.forms.base import attach_error
from workers.models import Worker, Workshop
from workers.paging import query_without_page
from workers.roles import is_secretary

# Rows a page: the rows of a page and its count are two queries, whatever
# the factory's size.
CHECKS_PAGE_SIZE = 100


def _filter_workshops(user):
    """The workshops a reader may narrow the list to (a helper: none, their
    cases' workers are few)."""
    if is_secretary(user) or user.has_perm("workers.view_workshop"):
        return Workshop.objects.visible_to(user).order_by("code")
    return Workshop.objects.none()


@login_required
def check_list(request):
    """The checks not recorded yet, overdue first; ``?overdue=on`` keeps the
    overdue (the work queue's list), ``?workshop=<code>`` one workshop."""
    user = request.user
    if not may_read_checks(user):
        raise PermissionDenied
    today = timezone.localdate()
    workers = readable_workers(user)
    workshops = list(_filter_workshops(user))
    workshop = next(
        (w for w in workshops if w.code == request.GET.get("workshop", "")), None
    )
    if workshop is not None:
        in_workshop = Worker.objects.filter(workshop=workshop)
        workers = in_workshop if workers is None else workers & in_workshop
    overdue_only = request.GET.get("overdue") == "on"
    rows = (checks_overdue if overdue_only else checks_pending)(today, workers)
    page = Paginator(rows, CHECKS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = with_deadlines(page.object_list, today)
    may_record = recordable_workers(user, [row.worker for row in shown])
    for row in shown:
        row.may_record = row.worker_id in may_record
    return render(
        request,
        "assistance/check_list.html",
        {
            "page": page,
            "rows": shown,
            "workshops": workshops,
            "workshop": workshop,
            "overdue_only": overdue_only,
            "within_days": CHECK_WITHIN_DAYS,
            "today": today,
            "query": query_without_page(request).urlencode(),
        },
    )


@login_required
def check_record(request, demonstration_pk, worker_pk):
    """Record the check of one attendee of a demonstration (again: correct
    it). ``?next=mine`` comes back to the helper's own cases."""
    user = request.user
    if not may_record_any_check(user):
        raise PermissionDenied
    attendance = get_object_or_404(
        Attendance.objects.select_related(
            "demonstration__experience",
            "demonstration__demonstrator",
            "demonstration__workshop",
            "worker__workshop",
        ),
        demonstration_id=demonstration_pk,
        worker_id=worker_pk,
        demonstration__experience__isnull=False,
    )
    demonstration, worker = attendance.demonstration, attendance.worker
    if not may_record_check(user, worker):
        raise PermissionDenied
    back_to_mine = "mine" in (request.GET.get("next"), request.POST.get("next"))
    current = (
        MachineCheck.objects.filter(demonstration=demonstration, worker=worker)
        .select_related("checked_by")
        .first()
    )
    form = MachineCheckForm(request.POST or None, initial=_initial(current))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = record_machine_check(
                demonstration=demonstration,
                worker=worker,
                result=data["result"],
                reason=data["reason"],
                checked_on=data["checked_on"],
                seen_version=data["version"],
                by=user,
            )
        except StaleEditError as stale:
            current = stale.current
            # Recording again after reading the other person's check is a
            # deliberate correction.
            form = form.refreshed(current.version if current else 0)
            form.add_error(None, stale_message())
        except ValidationError as error:
            attach_error(form, error)
        else:
            messages.success(
                request,
                _("%(worker)s: %(experience)s, %(result)s.")
                % {
                    "worker": worker.name,
                    "experience": demonstration.experience.name,
                    "result": CheckResult(check.result).label,
                },
            )
            return redirect(
                "assistance:my_cases" if back_to_mine else "assistance:machine_checks"
            )
    return render(
        request,
        "assistance/check_form.html",
        {
            "form": form,
            "demonstration": demonstration,
            "worker": worker,
            "current": current,
            "deadline": last_day_to_check(demonstration.date),
            "back_to_mine": back_to_mine,
        },
    )


def _initial(current: MachineCheck | None) -> dict:
    if current is None:
        return {"version": 0}
    return {
        "result": current.result,
        "reason": current.reason,
        "checked_on": current.checked_on,
        "version": current.version,
    }
