"""The roster and the workshops: lists, detail, create and edit.

Access is decided in workers.access; these views only call it. The import
pages are in workers.views.imports.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workers.access import (
    get_rw_worker_for_user,
    get_rw_workshop_for_user,
    get_worker_for_user,
    may_add_workers,
    may_edit_roster,
    may_manage_workshops,
    require_roster_view,
    require_worker_add,
    require_workshop_manage,
    require_workshop_view,
)
from workers.forms.roster import RosterFilterForm, WorkerForm, WorkshopForm
from workers.models import Worker, Workshop
from workers.paging import query_without_page

ROSTER_PAGE_SIZE = 50
# How many of a worker's past versions the detail page lists.
HISTORY_SHOWN = 10


@login_required
def worker_list(request):
    require_roster_view(request.user)
    workshops = Workshop.objects.visible_to(request.user)
    form = RosterFilterForm(request.GET, workshops=workshops)
    workers = form.filter(
        Worker.objects.visible_to(request.user).select_related("workshop")
    )
    page = Paginator(workers, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workers/worker_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request).urlencode(),
            "may_edit": may_edit_roster(request.user),
            "may_add": may_add_workers(request.user),
        },
    )


@login_required
def worker_detail(request, pk):
    worker = get_worker_for_user(request.user, pk)
    may_edit = may_edit_roster(request.user)
    history = []
    if may_edit:
        history = list(
            worker.history.select_related("history_user", "workshop").order_by(
                "-history_date"
            )[:HISTORY_SHOWN]
        )
    return render(
        request,
        "workers/worker_detail.html",
        {"worker": worker, "may_edit": may_edit, "history": history},
    )


@login_required
def worker_create(request):
    require_worker_add(request.user)
    form = WorkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        worker = form.save()
        messages.success(request, _("Worker %(worker)s added.") % {"worker": worker})
        return redirect(worker)
    return render(request, "workers/worker_form.html", {"form": form, "worker": None})


@login_required
def worker_edit(request, pk):
    worker = get_rw_worker_for_user(request.user, pk)
    if request.method != "POST":
        form = WorkerForm(instance=worker)
        return render(
            request, "workers/worker_form.html", {"form": form, "worker": worker}
        )
    with transaction.atomic():
        # Locked, so the version check and the save see the same row.
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        form = WorkerForm(request.POST, instance=worker)
        if form.is_valid():
            worker = form.save()
            messages.success(
                request, _("Worker %(worker)s saved.") % {"worker": worker}
            )
            return redirect(worker)
    return render(request, "workers/worker_form.html", {"form": form, "worker": worker})


@login_required
def workshop_list(request):
    require_workshop_view(request.user)
    workshops = (
        Workshop.objects.visible_to(request.user)
        .annotate(active_workers=Count("workers", filter=Q(workers__active=True)))
        .prefetch_related("managers")
        .order_by("code")
    )
    return render(
        request,
        "workers/workshop_list.html",
        {"workshops": workshops, "may_manage": may_manage_workshops(request.user)},
    )


@login_required
def workshop_create(request):
    require_workshop_manage(request.user)
    return _workshop_form(request, None)


@login_required
def workshop_edit(request, pk):
    return _workshop_form(request, get_rw_workshop_for_user(request.user, pk))


def _workshop_form(request, workshop: Workshop | None):
    """The form of a new workshop (``workshop`` None) or of one to edit; once
    saved, back to the list."""
    form = WorkshopForm(request.POST or None, instance=workshop)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if workshop is None:
            message = _("Workshop %(workshop)s added.")
        else:
            message = _("Workshop %(workshop)s saved.")
        messages.success(request, message % {"workshop": saved})
        return redirect("workers:workshop_list")
    return render(
        request, "workers/workshop_form.html", {"form": form, "workshop": workshop}
    )
