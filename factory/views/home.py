"""The start page: each role sent to its work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from assistance.checks import own_checks_overdue
from factory.figures.work_queue import helper_quiet_count, work_queue
from factory.roles import is_helper, is_manager, is_secretary
from workers.completeness import months_with_records
from workers.models import Workshop


@login_required
def home(request):
    """Send each role to its work; a user with no role gets an explanation."""
    user = request.user
    if is_secretary(user) or is_manager(user):
        manager = is_manager(user)
        workshops = Workshop.objects.visible_to(user) if manager else None
        # No records, no working month (DESIGN.md, "The month"): the home
        # invites the first import rather than put forward the calendar's.
        months = months_with_records()
        return render(
            request,
            "factory/home.html",
            {
                "is_secretary": is_secretary(user),
                "is_manager": manager,
                # A director's own workshops, one tap from the start page.
                "managed_workshops": (
                    user.managed_workshops.order_by("code") if manager else ()
                ),
                "no_records": not months,
                "work_queue": work_queue(
                    months, workshops=workshops, may_act=not manager
                ),
                "read_only": manager,
            },
        )
    if is_helper(user):
        return render(
            request,
            "factory/home.html",
            {
                "is_helper": True,
                "quiet_count": helper_quiet_count(user),
                # The checks at the machine of their own workers that are
                # overdue: the count of the list the line links to.
                "checks_overdue": own_checks_overdue(
                    user, timezone.localdate()
                ).count(),
            },
        )
    return render(request, "factory/home.html", {"no_role": True})
