"""The classification queue (分类排队) and opening cases from it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import formset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from assistance import evidence, selectors, worklists
from assistance.access import require_perm
from assistance.forms import OpenCaseForm, workers_for
from assistance.models import AssistanceCase
from assistance.services import StaleEditError, classify, helper_limit, open_case
from assistance.views.shared import attach_error, month_param
from workers.completeness import describe, page_month
from workers.forms.base import StorableText
from workers.ids import int_param
from workers.models import Cause, ShortfallClassification, Worker
from workers.months import MonthError, checked_month, month_str
from workers.roles import is_secretary
from workers.text import MAX_CELL_CHARS

CLASSIFY_PERM = "workers.change_shortfallclassification"
# ?show= narrows the queue to one list of the work queue.
QUEUE_LISTS = {
    "unclassified": worklists.unclassified_shortfalls,
    "uncased": worklists.uncased_shortfalls,
}
OPEN_PERM = "assistance.add_assistancecase"


def queue_url(month, show: str = "") -> str:
    """The queue of ``month``; ``show`` is kept only when it names one of
    the queue's lists, so a posted value adds nothing to the address."""
    query = {"month": month_str(month)}
    if show in QUEUE_LISTS:
        query["show"] = show
    return f"{reverse('assistance:classification_queue')}?{urlencode(query)}"


@login_required
def classification_queue(request):
    """Every worker below quota in a month: classify several at once."""
    require_perm(request.user, CLASSIFY_PERM)
    month = month_param(request, default=None)
    if request.method == "POST" and month is None:
        messages.error(request, _("Choose a month first."))
        return redirect("assistance:classification_queue")
    # The working month unless one is chosen (docs/ARCHITECTURE.md, "The month").
    chosen = month
    month, state = page_month(month)
    if chosen is None and not state.workers_with_records:
        month = None  # no records at all yet
    groups = selectors.classification_queue(month) if month else []
    show = request.GET.get("show", "")
    if month and show in QUEUE_LISTS:
        # The work queue's lists: the rows of one of them, nothing else.
        keep = set(QUEUE_LISTS[show](month).values_list("pk", flat=True))
        for group in groups:
            group.rows = [row for row in group.rows if row.record.pk in keep]
        groups = [group for group in groups if group.rows]
    rows = [row for group in groups for row in group.rows]
    entered: dict[int, dict] = {}
    if request.method == "POST":
        entered, saved = _save_classifications(request, month, rows)
        if saved is not None:
            if saved:
                messages.success(
                    request,
                    _("%(count)d classifications saved.") % {"count": saved},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(queue_url(month))
        messages.error(
            request,
            _("Nothing was saved: correct the rows marked below and save again."),
        )
    for row in rows:
        current = row.classification
        row.entry = entered.get(row.worker.pk) or {
            "cause": current.cause if current else "",
            "note": current.note if current else "",
            "version": current.version if current else 0,
        }
        # Not classified yet: last month's cause is filled in (saving saves
        # it), and a workshop's can be accepted at once (views.bulk).
        row.prefilled = current is None and bool(row.last_cause)
        if row.prefilled and row.worker.pk not in entered:
            row.entry["cause"] = row.last_cause
            row.entry["prefilled"] = True
    for group in groups:
        group.prefilled = [row for row in group.rows if row.prefilled]
    classified = sum(1 for row in rows if row.classification is not None)
    return render(
        request,
        "assistance/classification_queue.html",
        {
            "month": month,
            "month_text": month_str(month) if month else "",
            "groups": groups,
            "classified": classified,
            "total": len(rows),
            "causes": Cause.choices,
            "cause_labels": dict(Cause.choices),
            "may_open": request.user.has_perm(OPEN_PERM),
            "completeness": describe(state),
            "may_mark": is_secretary(request.user),
            "show": show if show in QUEUE_LISTS else "",
            "any_prefilled": any(group.prefilled for group in groups),
            "note_limit": MAX_CELL_CHARS,
        },
    )


def _save_classifications(request, month, rows):
    """Save every changed row in one transaction, or none of them.

    Returns (entries, saved): entries keep what was typed, with an error per
    refused row; saved is None when anything was refused (all rolled back).
    """
    entries: dict[int, dict] = {}
    to_save = []
    for row in rows:
        pk = row.worker.pk
        if f"cause-{pk}" not in request.POST:
            continue
        entry = {
            "cause": request.POST.get(f"cause-{pk}", "").strip(),
            "note": request.POST.get(f"note-{pk}", "").strip(),
            "version": int_param(request.POST.get(f"version-{pk}")),
        }
        entries[pk] = entry
        current = row.classification
        if not entry["cause"]:
            if current is not None or entry["note"]:
                entry["error"] = _("Choose a cause (a note alone is not saved).")
            continue
        if entry["cause"] not in Cause.values:
            entry["error"] = _("Choose one of the causes.")
            continue
        try:
            # Posted without a form: the forms' rule for text, by hand.
            StorableText(capfirst(_("note")))(entry["note"])
        except ValidationError as error:
            entry["error"] = " ".join(error.messages)
            continue
        if current and (current.cause, current.note) == (
            entry["cause"],
            entry["note"],
        ):
            continue
        to_save.append((row, entry))
    saved = 0
    with transaction.atomic():
        for row, entry in to_save:
            try:
                classify(
                    worker=row.worker,
                    month=month,
                    cause=entry["cause"],
                    note=entry["note"],
                    by=request.user,
                    expected_version=entry["version"],
                )
                saved += 1
            except StaleEditError as stale:
                current = stale.current
                entry["version"] = current.version if current else 0
                entry["error"] = _(
                    "Someone else classified this worker meanwhile (now: "
                    "%(cause)s). Your choice is kept; save again to replace it."
                ) % {"cause": current.get_cause_display() if current else "—"}
            except ValidationError as error:
                entry["error"] = " ".join(error.messages)
        if any("error" in entry for entry in entries.values()):
            transaction.set_rollback(True)
            return entries, None
    return entries, saved


@login_required
def classification_history(request, worker_pk):
    """Every classification of one worker, with who changed it and when."""
    require_perm(request.user, CLASSIFY_PERM)
    worker = get_object_or_404(Worker.objects.select_related("workshop"), pk=worker_pk)
    history = (
        ShortfallClassification.history.filter(worker_id=worker.pk)
        .select_related("history_user")
        .order_by("-month", "-history_date")
    )
    return render(
        request,
        "assistance/classification_history.html",
        {"worker": worker, "history": history},
    )


OpenCaseFormSet = formset_factory(OpenCaseForm, extra=0)


@login_required
def cases_open(request):
    """Open cases for the workers chosen in the queue, assigning helpers."""
    require_perm(request.user, OPEN_PERM)
    source = request.POST if request.method == "POST" else request.GET
    month = month_param(request, default=None)
    if request.method == "POST":
        month = _post_month(request)
    if month is None:
        messages.error(request, _("Choose a month first."))
        return redirect("assistance:classification_queue")
    helpers = selectors.helper_options()
    # The measure this factory's record suggests for each cause (evidence).
    suggestions = evidence.suggestions()
    if request.method == "POST":
        workers = _posted_workers(request.POST)
        # Every submitted row is a worker to open a case for: an empty row
        # is an error, not an "unchanged" extra form left without data.
        formset = OpenCaseFormSet(
            request.POST,
            form_kwargs={
                "helpers": helpers,
                "workers": workers,
                "empty_permitted": False,
            },
        )
        if not formset.forms:
            messages.error(request, _("Choose at least one worker without a case."))
            return redirect(queue_url(month))
        if formset.is_valid() and _open_all(request, formset, month, workers):
            messages.success(
                request,
                _("%(count)d help cases opened.") % {"count": len(formset.forms)},
            )
            return redirect(queue_url(month))
    else:
        worker_ids = [int_param(v) for v in source.getlist("worker")]
        workers = {
            w.pk: w
            for w in Worker.objects.filter(pk__in=[i for i in worker_ids if i])
            .select_related("workshop")
            .order_by("workshop__code", "employee_no")
        }
        busy = set(
            AssistanceCase.objects.filter(worker__in=list(workers))
            .active()
            .values_list("worker_id", flat=True)
        )
        for worker_id in busy:
            messages.warning(
                request,
                _("%(name)s already has an active case and was left out.")
                % {"name": workers.pop(worker_id)},
            )
        if not workers:
            messages.error(request, _("Choose at least one worker without a case."))
            return redirect(queue_url(month))
        causes = dict(
            ShortfallClassification.objects.filter(
                month=month, worker__in=list(workers)
            ).values_list("worker_id", "cause")
        )
        initial = []
        for worker in workers.values():
            cause = causes.get(worker.pk, "")
            initial.append(
                {
                    "worker": worker.pk,
                    "cause": cause,
                    "measure": suggestions[cause].measure if cause else "",
                }
            )
        formset = OpenCaseFormSet(
            initial=initial, form_kwargs={"helpers": helpers, "workers": workers}
        )
    rows = [
        (form, workers.get(_form_worker(form)), _suggestion_of(form, suggestions))
        for form in formset.forms
    ]
    return render(
        request,
        "assistance/case_open.html",
        {
            "formset": formset,
            "rows": rows,
            "month": month,
            "month_text": month_str(month),
            "limit": helper_limit(),
            "suggested": {cause: s.measure for cause, s in suggestions.items()},
        },
    )


def _suggestion_of(form, suggestions):
    cause = form.data.get(form.add_prefix("cause")) if form.is_bound else None
    return suggestions.get(cause or form.initial.get("cause", ""))


def _post_month(request):
    try:
        return checked_month(request.POST.get("month", ""))
    except MonthError:
        return None


def _form_worker(form) -> int | None:
    if form.is_bound:
        return int_param(form.data.get(form.add_prefix("worker")))
    return form.initial.get("worker")


def _posted_workers(data) -> dict[int, Worker]:
    """The rows' workers, read before the formset is built: each row's
    helpers leave its worker out and list his workshop first."""
    ids = [
        int_param(value)
        for key, value in data.items()
        if key.startswith("form-") and key.endswith("-worker")
    ]
    return Worker.objects.select_related("workshop").in_bulk([i for i in ids if i])


def _open_all(request, formset, month, workers) -> bool:
    """Open every case or none: a refused row rolls the others back."""
    with transaction.atomic():
        failed = False
        for form in formset.forms:
            data = form.cleaned_data
            worker = workers.get(data["worker"])
            if worker is None:
                form.add_error(None, _("This worker is no longer on the roster."))
                failed = True
                continue
            try:
                open_case(
                    worker=worker,
                    month=month,
                    cause=data["cause"],
                    measure=data["measure"],
                    helpers=workers_for(data["helpers"]),
                    opened_by=request.user,
                    target_month=data["target_month"],
                )
            except StaleEditError:
                form.add_error(
                    None, _("Someone else opened a case for this worker meanwhile.")
                )
                failed = True
            except ValidationError as error:
                attach_error(form, error)
                failed = True
        if failed:
            transaction.set_rollback(True)
            messages.error(
                request,
                _("No case was opened: correct the rows marked below and try again."),
            )
            return False
    return True
