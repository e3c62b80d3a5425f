"""The classification queue (分类排队) and opening cases from it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.forms import formset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from assistance import evidence, selectors, worklists
from assistance.access import require_perm
from assistance.experience_suggestions import experience_choices
from assistance.forms import OpenCaseForm, workers_for
from assistance.models import AssistanceCase
from assistance.services import (
    ClassificationsRefused,
    ClassifyRow,
    StaleEditError,
    classify_workers,
    helper_limit,
    open_case,
)
from assistance.views.shared import month_param
from workers.completeness import describe, page_month
from workers.forms.base import StorableText, attach_error
from workers.ids import int_param
from workers.models import (
    Cause,
    Experience,
    ProductionRecord,
    ShortfallClassification,
    Worker,
)
from workers.months import MonthError, checked_month, month_str
from workers.quota_review import under_review_workers
from workers.roles import is_secretary
from workers.text import MAX_CELL_CHARS

CLASSIFY_PERM = "workers.change_shortfallclassification"
# ?show= narrows the queue to one list of the work queue.
QUEUE_LISTS = {
    "unclassified": worklists.unclassified_shortfalls,
    "uncased": worklists.uncased_shortfalls,
}
OPEN_PERM = "assistance.add_assistancecase"
# Rows drawn per page: enough for a workshop's shortfalls at one sitting.
QUEUE_PAGE_SIZE = 100


def queue_url(month, show: str = "") -> str:
    """The queue of ``month``; ``show`` is kept only when it names one of
    the queue's lists, so a posted value adds nothing to the address."""
    query = {"month": month_str(month)}
    if show in QUEUE_LISTS:
        query["show"] = show
    return f"{reverse('assistance:classification_queue')}?{urlencode(query)}"


def _queue_address(query: list[tuple[str, str]], month) -> str:
    """The queue with ``query`` (its filters: show, and any other the
    address held), at ``month``; rebuilt from the parsed pairs, so nothing
    but an encoded query follows the queue's own path."""
    kept = [(key, value) for key, value in query if key not in ("month", "next")]
    kept.insert(0, ("month", month_str(month)))
    return f"{reverse('assistance:classification_queue')}?{urlencode(kept)}"


def queue_here(request, month) -> str:
    """This queue page's address with its month: where its forms post and
    where they come back to, so a filtered view stays filtered."""
    pairs = [(key, value) for key, values in request.GET.lists() for value in values]
    return _queue_address(pairs, month)


def queue_return(request, month) -> str:
    """Where a page reached from the queue goes back to: the queue's address
    it was given (``next``), when that is this site's queue, else the
    month's queue. Anything else (another site, another page) is ignored."""
    source = request.POST if request.method == "POST" else request.GET
    target = source.get("next", "").strip()
    parts = urlsplit(target)
    if (
        target
        and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
        and not parts.scheme
        and not parts.netloc
        and parts.path == reverse("assistance:classification_queue")
    ):
        return _queue_address(parse_qsl(parts.query), month)
    return queue_url(month)


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
    show = request.GET.get("show", "")
    records = (
        selectors.queue_records(month) if month else ProductionRecord.objects.none()
    )
    shown_records = ProductionRecord.objects.none()
    if month:
        shown_records = ProductionRecord.objects.for_month(month).below_quota()
    if month and show in QUEUE_LISTS:
        # The work queue's lists: the rows of one of them, nothing else.
        listed = QUEUE_LISTS[show](month).values("pk")
        records = records.filter(pk__in=listed)
        shown_records = shown_records.filter(pk__in=listed)
    here = queue_here(request, month) if month else ""
    entered: dict[int, dict] = {}
    if request.method == "POST":
        # Every row posted is saved, on this page or not (the page may have
        # moved since it was drawn).
        posted = _classified_workers(request.POST)
        posted_rows = [
            row
            for group in selectors.queue_rows(
                records.filter(worker_id__in=posted), month
            )
            for row in group.rows
        ]
        entered, saved = _save_classifications(request, month, posted_rows)
        if saved is not None:
            if saved:
                messages.success(
                    request,
                    _("%(count)d classifications saved.") % {"count": saved},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(here)
        messages.error(
            request,
            _("Nothing was saved: correct the rows marked below and save again."),
        )
    # The counter is the month's, whichever rows are shown and however they
    # were classified (here, or a workshop's "as last month").
    classified, total = selectors.queue_progress(month) if month else (0, 0)
    # A page of rows at a time: a big factory's month is thousands of rows,
    # too many to draw (or to scroll) at once; only the page's rows are built.
    page = Paginator(records, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    groups = selectors.queue_rows(page.object_list, month) if month else []
    rows = [row for group in groups for row in group.rows]
    # Each workshop's heading counts its rows in the list, not on the page.
    per_workshop = dict(
        shown_records.order_by()
        .values_list("worker__workshop_id")
        .annotate(count=Count("pk"))
    )
    for group in groups:
        group.total = per_workshop.get(group.workshop.pk, len(group.rows))
    # Workers of a trade group whose quota is under review are marked: their
    # shortfall may be the quota's (workers.quota_review; one set for the
    # page, not a query a row).
    reviewed = under_review_workers(month) if month and rows else {}
    for row in rows:
        row.quota_review = reviewed.get(row.worker.pk)
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
    return render(
        request,
        "assistance/classification_queue.html",
        {
            "month": month,
            "month_text": month_str(month) if month else "",
            "here": here,
            "groups": groups,
            "classified": classified,
            "total": total,
            "shown": page.paginator.count,
            "causes": Cause.choices,
            "cause_labels": dict(Cause.choices),
            "may_open": request.user.has_perm(OPEN_PERM),
            "completeness": describe(state),
            "may_mark": is_secretary(request.user),
            "show": show if show in QUEUE_LISTS else "",
            "any_prefilled": any(group.prefilled for group in groups),
            "note_limit": MAX_CELL_CHARS,
            "page": page,
            "page_query": _query_without_page(here),
        },
    )


def _classified_workers(data) -> list[int]:
    """The workers whose rows were posted ("cause-<worker pk>")."""
    ids = (
        int_param(key.removeprefix("cause-"))
        for key in data
        if key.startswith("cause-")
    )
    return [pk for pk in ids if pk is not None]


def _query_without_page(address: str) -> str:
    """The queue's filters, for the page links (includes/pages.html)."""
    pairs = parse_qsl(urlsplit(address).query)
    return urlencode([(key, value) for key, value in pairs if key != "page"])


def _save_classifications(request, month, rows):
    """Save every changed row in one transaction, or none of them.

    Returns (entries, saved): entries keep what was typed, with an error per
    refused row; saved is None when anything was refused (all rolled back).
    The rows are saved together (classify_workers): the queries do not grow
    with the page.
    """
    entries: dict[int, dict] = {}
    to_save: list[ClassifyRow] = []
    for row in rows:
        entry = _posted_entry(request.POST, row)
        if entry is None:
            continue
        entries[row.worker.pk] = entry
        if "error" not in entry and _changed(row, entry):
            to_save.append(
                ClassifyRow(row.worker, entry["cause"], entry["note"], entry["version"])
            )
    saved = 0
    with transaction.atomic():
        if to_save:
            try:
                saved = classify_workers(month=month, rows=to_save, by=request.user)
            except ClassificationsRefused as refused:
                for worker_id, problem in refused.problems.items():
                    _refuse(entries[worker_id], problem)
        if any("error" in entry for entry in entries.values()):
            transaction.set_rollback(True)
            return entries, None
    return entries, saved


def _posted_entry(data, row) -> dict | None:
    """What was posted for ``row`` (None: the row was not posted), with an
    "error" when the page's own checks refuse it."""
    pk = row.worker.pk
    if f"cause-{pk}" not in data:
        return None
    entry = {
        "cause": data.get(f"cause-{pk}", "").strip(),
        "note": data.get(f"note-{pk}", "").strip(),
        "version": int_param(data.get(f"version-{pk}")),
    }
    if not entry["cause"]:
        if row.classification is not None or entry["note"]:
            entry["error"] = _("Choose a cause (a note alone is not saved).")
    elif entry["cause"] not in Cause.values:
        entry["error"] = _("Choose one of the causes.")
    else:
        try:
            # Posted without a form: the forms' rule for text, by hand.
            StorableText(capfirst(_("note")))(entry["note"])
        except ValidationError as error:
            entry["error"] = " ".join(error.messages)
    return entry


def _changed(row, entry) -> bool:
    """A cause was chosen and differs from what is stored."""
    current = row.classification
    if not entry["cause"]:
        return False
    return current is None or (current.cause, current.note) != (
        entry["cause"],
        entry["note"],
    )


def _refuse(entry: dict, problem) -> None:
    """Put the service's refusal of one row on its entry."""
    if isinstance(problem, StaleEditError):
        current = problem.current
        entry["version"] = current.version if current else 0
        entry["error"] = _(
            "Someone else classified this worker meanwhile (now: "
            "%(cause)s). Your choice is kept; save again to replace it."
        ) % {"cause": current.get_cause_display() if current else "—"}
    else:
        entry["error"] = " ".join(problem.messages)


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
    # The queue's view the user came from (its month, filters, page).
    back = queue_return(request, month)
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
                # Every posted row's: one changed to technique on the page
                # may name one too, another is told it may not.
                "experiences": experience_choices(workers.values(), month),
                "empty_permitted": False,
            },
        )
        if not formset.forms:
            messages.error(request, _("Choose at least one worker without a case."))
            return redirect(back)
        if formset.is_valid() and _open_all(request, formset, month, workers):
            messages.success(
                request,
                _("%(count)d help cases opened.") % {"count": len(formset.forms)},
            )
            return redirect(back)
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
            return redirect(back)
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
        technique = {pk for pk, cause in causes.items() if cause == Cause.TECHNIQUE}
        formset = OpenCaseFormSet(
            initial=initial,
            form_kwargs={
                "helpers": helpers,
                "workers": workers,
                "experiences": _experiences_to_learn(workers, technique, month),
            },
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
            # Said on the row before a case is opened: the worker's trade
            # group has its quota under review (workers.quota_review).
            "quota_reviews": under_review_workers(month) if rows else {},
            "month": month,
            "month_text": month_str(month),
            "back": back,
            "limit": helper_limit(),
            "suggested": {cause: s.measure for cause, s in suggestions.items()},
        },
    )


def _experiences_to_learn(workers: dict[int, Worker], technique: set[int], month):
    """The experiences each technique row's worker may learn, suggested
    from the month's masters of his trade (two queries; none without a
    technique row)."""
    return experience_choices(
        [worker for pk, worker in workers.items() if pk in technique], month
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
    chosen = Experience.objects.in_bulk(
        {form.cleaned_data["experience"] for form in formset.forms} - {None}
    )
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
                    experience=chosen.get(data["experience"]),
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
