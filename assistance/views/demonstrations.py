"""Demonstrations of advanced experience (先进经验表演) and their attendance."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance import selectors
from assistance.access import (
    get_demonstration_for_editing,
    get_demonstration_for_user,
    require_perm,
)
from assistance.forms import AddAttendeeForm, AddWorkshopForm, DemonstrationForm
from assistance.models import AssistanceCase, CaseStatus, Demonstration
from workers.access import may_check_mastery, require_mastery_check
from workers.completeness import default_month
from workers.forms.experiences import LevelsForm
from workers.ids import int_param
from workers.models import Cause, Mastery, Worker
from workers.selectors import roster_trades
from workers.services.mastery import record_mastery

PAGE_SIZE = 50


@login_required
def demonstration_list(request):
    require_perm(request.user, "assistance.view_demonstration")
    demonstrations = (
        Demonstration.objects.visible_to(request.user)
        .select_related("demonstrator", "workshop")
        .annotate(attendance=Count("attendees", distinct=True))
        # The aggregate drops Meta.ordering; pages need a stable order.
        .order_by("-date", "-pk")
    )
    page = Paginator(demonstrations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/demonstration_list.html",
        {
            "page": page,
            "may_add": request.user.has_perm("assistance.add_demonstration"),
        },
    )


@login_required
def demonstration_create(request):
    """Plan a demonstration; suggests demonstrators of a trade from the data."""
    require_perm(request.user, "assistance.add_demonstration")
    trade = request.GET.get("trade", "").strip()
    if request.method == "POST":
        form = DemonstrationForm(request.POST)
        if form.is_valid():
            demonstration = form.save()
            messages.success(request, _("Demonstration saved: now add who attends."))
            return redirect(demonstration)
    else:
        initial = {}
        chosen = (
            Worker.objects.active()
            .filter(pk=int_param(request.GET.get("demonstrator")))
            .first()
        )
        if chosen is not None:
            initial = {"demonstrator": chosen.pk, "workshop": chosen.workshop_id}
        form = DemonstrationForm(initial=initial)
    return render(
        request,
        "assistance/demonstration_form.html",
        {
            "form": form,
            "trade": trade,
            "trades": roster_trades(),  # a demonstration is of an active trade
            "suggestions": selectors.suggest_demonstrators(trade) if trade else [],
            "latest_month": default_month(),
        },
    )


@login_required
def demonstration_detail(request, pk):
    demonstration = get_demonstration_for_user(request.user, pk)
    attendees = list(
        demonstration.attendees.select_related("workshop").order_by(
            "workshop__code", "employee_no"
        )
    )
    may_edit = request.user.has_perm("assistance.change_demonstration")
    levels_form = None
    if _may_check_attendees(request.user, demonstration, attendees):
        levels_form = _levels_form(demonstration, attendees)
    return render(
        request,
        "assistance/demonstration_detail.html",
        {
            "demonstration": demonstration,
            "attendees": attendees,
            "levels_form": levels_form,
            "effect": selectors.demonstration_effect(demonstration),
            "may_edit": may_edit,
            "one_form": AddAttendeeForm(),
            "workshop_form": AddWorkshopForm(
                initial={"workshop": demonstration.workshop_id}
            ),
            "workshop_workers": (
                Worker.objects.active()
                .filter(workshop=demonstration.workshop_id)
                .exclude(pk__in=[a.pk for a in attendees])
                .order_by("employee_no")
                if may_edit
                else []
            ),
        },
    )


@login_required
@require_POST
def demonstration_attendance(request, pk):
    """Add attendees one by one, a whole workshop, or every open technique
    case; or remove one."""
    demonstration = get_demonstration_for_editing(request.user, pk)
    action = request.POST.get("action")
    workers: list[Worker] = []
    if action == "one":
        form = AddAttendeeForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("employee_no", []):
                messages.error(request, error)
            return redirect(demonstration)
        workers = [form.worker]
    elif action == "workshop":
        form = AddWorkshopForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a workshop."))
            return redirect(demonstration)
        workers = list(
            Worker.objects.active().filter(workshop=form.cleaned_data["workshop"])
        )
    elif action == "cases":
        cases = AssistanceCase.objects.filter(
            status=CaseStatus.OPEN, cause=Cause.TECHNIQUE, worker__active=True
        )
        if request.POST.get("scope") != "all":
            cases = cases.filter(worker__workshop=demonstration.workshop_id)
        workers = list(Worker.objects.filter(pk__in=cases.values("worker")))
    elif action == "remove":
        worker = demonstration.attendees.filter(
            pk=int_param(request.POST.get("worker"))
        ).first()
        if worker is not None:
            demonstration.attendees.remove(worker)
            messages.success(
                request, _("%(name)s removed from the attendance.") % {"name": worker}
            )
        return redirect(demonstration)
    else:
        messages.error(request, _("Unknown action."))
        return redirect(demonstration)
    # The demonstrator shows the technique; they do not attend it.
    workers = [w for w in workers if w.pk != demonstration.demonstrator_id]
    before = demonstration.attendees.count()
    demonstration.attendees.add(*workers)
    added = demonstration.attendees.count() - before
    messages.success(
        request,
        _("%(added)d attendees added (%(already)d were already on the list).")
        % {"added": added, "already": len(workers) - added},
    )
    return redirect(demonstration)


def _may_check_attendees(user, demonstration, attendees) -> bool:
    return bool(demonstration.experience_id and attendees and may_check_mastery(user))


def _levels_form(demonstration, attendees, data=None) -> LevelsForm:
    """A level for each attendee in the experience shown, dated the day of
    the demonstration unless changed; each attendee's level now beside it
    (one query)."""
    form = LevelsForm(
        data,
        workers=attendees,
        initial={"checked_on": demonstration.date},
        prefix="levels",
    )
    now = {
        check.worker_id: check
        for check in Mastery.objects.current().filter(
            experience=demonstration.experience_id,
            worker__in=[worker.pk for worker in attendees],
        )
    }
    for worker in attendees:
        worker.current_check = now.get(worker.pk)
    return form


@login_required
def demonstration_mastery(request, pk):
    """Record a level for every attendee in the experience the demonstration
    showed (one check each, on one day; workers.services.mastery)."""
    demonstration = get_demonstration_for_user(request.user, pk)
    require_mastery_check(request.user)
    attendees = list(
        demonstration.attendees.select_related("workshop").order_by(
            "workshop__code", "employee_no"
        )
    )
    if not _may_check_attendees(request.user, demonstration, attendees):
        messages.info(
            request,
            _(
                "Levels are recorded for the attendees of a demonstration of an "
                "experience of the catalogue: name the experience and add who "
                "attends first."
            ),
        )
        return redirect(demonstration)
    form = _levels_form(demonstration, attendees, request.POST or None)
    if request.method == "POST" and form.is_valid():
        counts = record_mastery(
            rows=form.checks_of(demonstration.experience),
            by=request.user,
            source=_("demonstration of %(date)s")
            % {"date": demonstration.date.isoformat()},
        )
        messages.success(
            request,
            _(
                "Levels recorded: %(created)d new checks, %(updated)d corrected, "
                "%(unchanged)d unchanged."
            )
            % counts.counts,
        )
        return redirect(demonstration.get_absolute_url() + "#attendee-levels")
    return render(
        request,
        "assistance/demonstration_levels.html",
        {"demonstration": demonstration, "form": form},
    )
