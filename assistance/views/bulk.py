"""Bulk actions (批量) on the lists the work queue links to.

Plain forms with checkboxes, each ticked row sent with the version the page
showed; the services (assistance.services.bulk) do all or nothing. A refusal
keeps what was ticked and names every refused worker.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance import evidence, selectors
from assistance.access import require_perm
from assistance.experience_suggestions import experience_choices
from assistance.forms import MoveCasesForm, OneHelperForm
from assistance.models import AssistanceCase
from assistance.services.bulk import (
    BulkRefused,
    Seen,
    classify_as_last_month,
    close_reached_quota,
    move_cases,
    open_with_one_helper,
)
from assistance.views.classification import queue_return, queue_url
from assistance.views.shared import month_param
from workers.ids import int_param
from workers.models import (
    Cause,
    Experience,
    ShortfallClassification,
    Worker,
    Workshop,
)
from workers.months import MonthError, checked_month, month_str
from workers.quota_review import under_review_workers

CLOSE_PERM = "assistance.close_case"
CLASSIFY_PERM = "workers.change_shortfallclassification"
OPEN_PERM = "assistance.add_assistancecase"
CHANGE_PERM = "assistance.change_assistancecase"


def ticked(data, name: str) -> list[Seen]:
    """The ticked rows of ``name`` with the versions the page showed."""
    rows, seen = [], set()
    for value in data.getlist(name):
        pk = int_param(value)
        if pk is None or pk in seen:
            continue
        seen.add(pk)
        rows.append(Seen(pk, int_param(data.get(f"version-{pk}")) or 0))
    return rows


def refused(request, error: BulkRefused) -> None:
    messages.error(request, _("Nothing was saved."))
    for message in error.messages:
        messages.error(request, message)


def _post_month(request):
    try:
        return checked_month(request.POST.get("month", ""))
    except MonthError:
        return None


# --- b. close the cases that reached quota (the case list) -------------------


@dataclasses.dataclass(frozen=True)
class CloseToConfirm:
    """The ticked cases may all be closed: the page asks once before it acts."""

    count: int


def close_ticked_cases(request):
    """The case list's POST: close the ticked cases as reached quota.

    Returns a response on success, None to show the list again (with the
    ticks kept and the refusal in the messages)."""
    require_perm(request.user, CLOSE_PERM)
    cases = ticked(request.POST, "case")
    # The first press asks: the page names how many, and the answer carries
    # that number, so a confirmation is for the cases it was asked about.
    confirmed = request.POST.get("confirm") == str(len(cases))
    try:
        closed = close_reached_quota(
            cases=cases, by=request.user, check_only=not confirmed
        )
    except BulkRefused as error:
        refused(request, error)
        return None
    if not confirmed:
        return CloseToConfirm(len(closed))
    messages.success(
        request,
        _("%(count)d cases closed as reached quota.") % {"count": len(closed)},
    )
    return redirect(request.get_full_path())


# --- a. classify a workshop as last month (the classification queue) --------


@login_required
@require_POST
def classify_workshop_as_last_month(request):
    """Accept the causes of last month prefilled in one workshop's section."""
    require_perm(request.user, CLASSIFY_PERM)
    month = _post_month(request)
    if month is None:
        messages.error(request, _("Choose a month first."))
        return redirect("assistance:classification_queue")
    workshop = Workshop.objects.filter(
        pk=int_param(request.POST.get("workshop"))
    ).first()
    rows = [
        (seen, request.POST.get(f"cause-{seen.pk}", ""))
        for seen in ticked(request.POST, "worker")
    ]
    try:
        count = classify_as_last_month(month=month, rows=rows, by=request.user)
    except BulkRefused as error:
        refused(request, error)
    else:
        messages.success(
            request,
            _("%(count)d workers of %(workshop)s classified as last month.")
            % {"count": count, "workshop": workshop.name if workshop else "—"},
        )
    anchor = f"#group-{workshop.code}" if workshop else ""
    return redirect(queue_url(month, request.POST.get("show", "")) + anchor)


# --- c. open cases for several workers with one helper ----------------------


@login_required
def open_with_helper(request):
    """The ticked workers of the classification queue, each with the
    measure the evidence suggests for their cause, and one helper for all."""
    require_perm(request.user, OPEN_PERM)
    data = request.POST if request.method == "POST" else request.GET
    month = _post_month(request) if request.method == "POST" else month_param(request)
    if month is None:
        messages.error(request, _("Choose a month first."))
        return redirect("assistance:classification_queue")
    worker_ids = [seen.pk for seen in ticked(data, "worker")]
    workers = list(
        Worker.objects.filter(pk__in=worker_ids)
        .select_related("workshop")
        .order_by("workshop__code", "employee_no")
    )
    # Back to the queue's view it came from (its month and filters).
    back = queue_return(request, month)
    if not workers:
        messages.error(request, _("Choose at least one worker without a case."))
        return redirect(back)
    classifications = {
        c.worker_id: c
        for c in ShortfallClassification.objects.filter(month=month, worker__in=workers)
    }
    busy = set(
        AssistanceCase.objects.filter(worker__in=workers)
        .active()
        .values_list("worker_id", flat=True)
    )
    suggestions = evidence.suggestions()
    form = OneHelperForm(
        request.POST if request.method == "POST" else None,
        helpers=selectors.helper_options(),
        leave_out={w.pk for w in workers},
    )
    # The technique rows' experiences to learn (assistance.
    # experience_suggestions; two queries, none without such a row).
    experiences = experience_choices(
        [
            w
            for w in workers
            if w.pk in classifications
            and classifications[w.pk].cause == Cause.TECHNIQUE
            and w.pk not in busy
        ],
        month,
    )
    chosen = _chosen_experiences(request.POST, experiences)
    if request.method == "POST" and form.is_valid():
        helper = form.chosen_helper()
        try:
            opened = open_with_one_helper(
                month=month,
                workers=ticked(request.POST, "worker"),
                helper=helper,
                opened_by=request.user,
                experiences=_experiences_of(chosen),
            )
        except BulkRefused as error:
            refused(request, error)
        else:
            messages.success(
                request,
                _("%(count)d help cases opened with %(helper)s.")
                % {"count": len(opened), "helper": helper},
            )
            return redirect(back)
    rows = []
    # Said on the row before a case is opened (workers.quota_review).
    reviewed = under_review_workers(month)
    for worker in workers:
        classification = classifications.get(worker.pk)
        rows.append(
            {
                "worker": worker,
                "classification": classification,
                "busy": worker.pk in busy,
                "quota_review": reviewed.get(worker.pk),
                "suggestion": suggestions.get(classification.cause)
                if classification
                else None,
                "experiences": experiences.get(worker.pk),
                "experience": chosen.get(worker.pk),
            }
        )
    return render(
        request,
        "assistance/case_open_one_helper.html",
        {
            "form": form,
            "rows": rows,
            "month": month,
            "month_text": month_str(month),
            "back": back,
            "ready": sum(1 for r in rows if r["classification"] and not r["busy"]),
            "any_experiences": any(experiences.values()),
        },
    )


def _chosen_experiences(data, experiences) -> dict[int, int]:
    """The experience to learn picked on each technique row ("experience-
    <worker pk>"), among the row's choices; by worker pk."""
    chosen = {}
    for worker_id, choices in experiences.items():
        picked = int_param(data.get(f"experience-{worker_id}"))
        if picked is not None and picked in choices.ids:
            chosen[worker_id] = picked
    return chosen


def _experiences_of(chosen: dict[int, int]) -> dict[int, Experience]:
    found = Experience.objects.in_bulk(set(chosen.values()))
    return {worker_id: found[pk] for worker_id, pk in chosen.items() if pk in found}


# --- d. move a leaving helper's cases to another helper ---------------------


@login_required
def move_helper_cases(request, pk):
    """A helper's active cases, to hand over to another helper at once."""
    require_perm(request.user, CHANGE_PERM)
    helper = get_object_or_404(Worker.objects.select_related("workshop"), pk=pk)
    cases = list(
        AssistanceCase.objects.active()
        .filter(helpers=helper)
        .select_related("worker__workshop")
        .order_by("worker__workshop__code", "worker__employee_no")
    )
    form = MoveCasesForm(
        request.POST if request.method == "POST" else None,
        helpers=selectors.helper_options(),
        leave_out={helper.pk},
    )
    chosen = {seen.pk for seen in ticked(request.POST, "case")}
    if request.method == "POST" and form.is_valid():
        to_helper = form.chosen_helper()
        try:
            moved = move_cases(
                cases=ticked(request.POST, "case"),
                from_helper=helper,
                to_helper=to_helper,
                by=request.user,
            )
        except BulkRefused as error:
            refused(request, error)
        else:
            messages.success(
                request,
                _("%(count)d cases of %(old)s moved to %(new)s.")
                % {"count": len(moved), "old": helper, "new": to_helper},
            )
            return redirect("assistance:helper_loads")
    return render(
        request,
        "assistance/helper_move.html",
        {
            "helper": helper,
            "cases": cases,
            "form": form,
            # Every case is ticked until the secretary unticks one.
            "chosen": chosen if request.method == "POST" else {c.pk for c in cases},
        },
    )
