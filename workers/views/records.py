"""Pages of the monthly records: the entry grid, the month's ranking (排队),
the advanced standard and the committee's disqualifications."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workers.completeness import default_month, describe, page_month
from workers.forms.records import (
    DisqualificationForm,
    EntryChoiceForm,
    RankingFilterForm,
    StandardForm,
    WorkshopMonthForm,
    entry_formset_class,
)
from workers.models import (
    AdvancedStandard,
    Band,
    Disqualification,
    ProductionRecord,
    Worker,
    Workshop,
)
from workers.months import month_label, month_str, previous_month
from workers.paging import query_without_page
from workers.publication import latest_publication
from workers.roles import is_secretary
from workers.services import (
    RecordInput,
    StaleRecordsError,
    disqualify,
    requalify,
    save_records,
    set_advanced_standard,
)

# Rows a page of the ranking shows, as the roster's pages do.
RANKING_PAGE_SIZE = 50
ENTRY_PAGE_SIZE = 100

# --- who may do what (403 for the wrong role; 404 for workshops not theirs) ---


def may_enter_records(user) -> bool:
    """Records cross workshops: the secretary's side enters them."""
    return is_secretary(user) and user.has_perms(
        ["workers.add_productionrecord", "workers.change_productionrecord"]
    )


def require_records_entry(user) -> None:
    if not may_enter_records(user):
        raise PermissionDenied


def require_ranking_view(user) -> None:
    """The secretary and workshop directors see rankings; helpers do not."""
    if not user.has_perm("workers.view_productionrecord"):
        raise PermissionDenied


def may_set_standard(user) -> bool:
    return is_secretary(user) and user.has_perms(
        ["workers.add_advancedstandard", "workers.change_advancedstandard"]
    )


def may_disqualify(user) -> bool:
    return is_secretary(user) and user.has_perms(
        ["workers.add_disqualification", "workers.change_disqualification"]
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- the month's ranking ---------------------------------------------------------


@login_required
def ranking(request):
    """The month's workers by attainment, per workshop, with their band: a
    page at a time, narrowed to a workshop or searched by name or employee
    number; each row keeps its rank in its workshop.

    Queries: the visible workshops, the month's completeness, the standard
    in force, the standards (for the band), the count, the page's records,
    their ranks and the workshops' bands — whatever the size.
    """
    require_ranking_view(request.user)
    workshops = list(Workshop.objects.visible_to(request.user).order_by("code"))
    code = request.GET.get("workshop")
    if code and not any(w.code == code for w in workshops):
        raise Http404  # another workshop (or none such): not revealed
    form = RankingFilterForm(request.GET or None, workshops=workshops)
    # Each valid filter applies; an invalid one is named on the form.
    form.is_valid()
    chosen_filters = getattr(form, "cleaned_data", {})
    # The working month unless one is chosen (docs/ARCHITECTURE.md, "The month").
    month, state = page_month(chosen_filters.get("month"))
    chosen = chosen_filters.get("workshop")
    search = (chosen_filters.get("q") or "").strip()
    shown = [chosen] if chosen else workshops
    standard = AdvancedStandard.objects.filter(effective_from__lte=month).first()
    schedule = AdvancedStandard.schedule()
    month_records = ProductionRecord.objects.for_month(month).filter(
        worker__workshop__in=shown
    )
    rows = month_records
    if search:
        rows = rows.filter(worker__in=Worker.objects.matching(search))
    rows = (
        rows.with_band(schedule)
        .select_related("worker")
        .order_by("worker__workshop__code", "-attainment", "worker__employee_no")
    )
    page = Paginator(rows, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    records = list(page.object_list)
    _attach_ranks(records)
    bands = _bands_by_workshop(month_records, schedule)
    sections = {w.pk: {"workshop": w, "rows": [], "bands": bands[w.pk]} for w in shown}
    for record in records:
        sections[record.worker.workshop_id]["rows"].append(record)
    # The pages' links and the month before keep the filters.
    query = query_without_page(request)
    before = query.copy()
    before["month"] = month_str(previous_month(month))
    return render(
        request,
        "workers/ranking_list.html",
        {
            "form": form,
            "month": month,
            "page": page,
            "query": query.urlencode(),
            "month_before_query": before.urlencode(),
            "search": search,
            "sections": [s for s in sections.values() if s["rows"] or chosen],
            "empty": [w for w in shown if not sum(bands[w.pk].values())],
            "standard": standard,
            "standard_pct": standard.threshold_pct if standard else None,
            "may_enter": may_enter_records(request.user),
            "chosen": chosen,
            "completeness": describe(state),
            "may_mark": is_secretary(request.user),
        },
    )


def _attach_ranks(records: list[ProductionRecord]) -> None:
    """Each record's rank in its workshop's month, whoever else is on the
    page: one more than those who did better there (equal attainment,
    equal rank). One query, for the page's records only."""
    if not records:
        return
    better = (
        ProductionRecord.objects.filter(
            month=OuterRef("month"),
            worker__workshop_id=OuterRef("worker__workshop_id"),
            attainment__gt=OuterRef("attainment"),
        )
        .order_by()
        .values("month")
        .annotate(count=Count("pk"))
        .values("count")
    )
    ranks = dict(
        ProductionRecord.objects.filter(pk__in=[r.pk for r in records])
        .annotate(better=Coalesce(Subquery(better), 0))
        .values_list("pk", "better")
    )
    for record in records:
        record.rank = ranks[record.pk] + 1


def _bands_by_workshop(records, schedule) -> dict[int, dict[str, int]]:
    """How many of the month's records of each workshop are in each band
    (the whole workshop, whatever page is shown). One query."""
    counts = defaultdict(_no_bands)
    for workshop_id, band, count in (
        records.with_band(schedule)
        .order_by()
        .values_list("worker__workshop_id", "band")
        .annotate(count=Count("pk"))
    ):
        counts[workshop_id][band] = count
    return counts


def _no_bands() -> dict[str, int]:
    return dict.fromkeys(Band.values, 0)


# --- the entry grid ---------------------------------------------------------------


@login_required
def records_entry(request):
    """One workshop's month in one form: quota prefilled from the month before."""
    require_records_entry(request.user)
    workshops = list(Workshop.objects.order_by("code"))
    params = request.GET if "workshop" in request.GET else None
    choice = EntryChoiceForm(params, workshops=workshops)
    if not choice.is_valid():
        return render(
            request, "workers/entry_choose.html", {"choice": choice, "grid": None}
        )
    workshop = choice.cleaned_data["workshop"]
    month = choice.cleaned_data["month"]
    # A page of the workshop's workers at a time: a big workshop's 450 rows
    # are too many to draw (or to type into) at once. Each page saves its
    # own rows.
    page = Paginator(
        Worker.objects.active().filter(workshop=workshop).order_by("employee_no"),
        ENTRY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    workers = list(page.object_list)
    initial, previous = _entry_initial(workers, month)
    FormSet = entry_formset_class(len(workers))
    worker_ids = [w.pk for w in workers]
    if request.method == "POST":
        formset = FormSet(request.POST, initial=initial, worker_ids=worker_ids)
        if formset.is_valid():
            rows = [_record_input(form, month) for form in formset if form.to_save]
            try:
                result = save_records(
                    rows=rows, by=request.user, source=_("entry grid")
                )
            except StaleRecordsError as stale:
                formset = _refuse_stale(
                    request, FormSet, initial, worker_ids, stale, month
                )
            else:
                messages.success(
                    request,
                    _(
                        "Saved %(workshop)s, %(month)s: %(created)d created, "
                        "%(updated)d updated, %(unchanged)d unchanged."
                    )
                    % {
                        "workshop": workshop.name,
                        "month": month_label(month),
                        **result.counts,
                        "unchanged": result.unchanged + _untouched(formset),
                    },
                )
                return redirect(_entry_url(workshop, month, page.number))
        else:
            messages.error(
                request, _("Nothing was saved: correct the rows marked below.")
            )
    else:
        formset = FormSet(initial=initial, worker_ids=worker_ids)
    rows = [
        {"worker": worker, "form": form, "previous": previous.get(worker.pk)}
        for worker, form in zip(workers, formset.forms, strict=False)
    ]
    # A published month's figures are frozen in its revisions: a save here
    # changes the live figures, and the secretary publishes the correction.
    publication = latest_publication(month)
    return render(
        request,
        "workers/entry_grid.html",
        {
            "choice": choice,
            "workshop": workshop,
            "month": month,
            "previous_month": previous_month(month),
            "formset": formset,
            "rows": rows,
            "publication": publication,
            "next_revision": publication.next_revision if publication else None,
            "may_publish": is_secretary(request.user),
            "page": page,
            "page_query": urlencode(
                {"workshop": workshop.code, "month": month_str(month)}
            ),
        },
    )


def _entry_initial(workers, month):
    """Initial rows: this month's record, else the quota of the month before."""
    records = ProductionRecord.objects.filter(
        worker__in=workers, month__in=[month, previous_month(month)]
    ).order_by()
    current, previous = {}, {}
    for record in records:
        (current if record.month == month else previous)[record.worker_id] = record
    initial = []
    for worker in workers:
        record = current.get(worker.pk)
        before = previous.get(worker.pk)
        if record is not None:
            initial.append(
                {
                    "worker_id": worker.pk,
                    "version": record.updated_at.isoformat(),
                    "quota": record.quota,
                    "output": record.output,
                    "unit": record.unit,
                }
            )
        else:
            initial.append(
                {
                    "worker_id": worker.pk,
                    "version": "",
                    "quota": before.quota if before else None,
                    "output": None,
                    "unit": before.unit if before else "",
                }
            )
    return initial, previous


def _record_input(form, month) -> RecordInput:
    data = form.cleaned_data
    return RecordInput(
        worker_id=data["worker_id"],
        month=month,
        quota=data["quota"],
        output=data["output"],
        unit=data["unit"],
        check_stale=True,
        seen_updated_at=data["version"],
    )


def _untouched(formset) -> int:
    """Rows with a record that the user left as they were."""
    return sum(
        1 for form in formset if not form.has_changed() and form["version"].value()
    )


def _refuse_stale(request, FormSet, initial, worker_ids, stale, month):
    """Redraw the grid with what was typed, the changed rows marked.

    Each changed row gets the record's new version, so saving again (after
    checking the figures) overwrites knowingly.
    """
    data = request.POST.copy()
    row_of = {worker_id: index for index, worker_id in enumerate(worker_ids)}
    names = dict(
        Worker.objects.filter(pk__in=[key[0] for key in stale.current]).values_list(
            "pk", "name"
        )
    )
    notes = {}
    for (worker_id, _month), record in stale.current.items():
        index = row_of[worker_id]
        version = record.updated_at.isoformat() if record is not None else ""
        data[f"form-{index}-version"] = version
        if record is None:
            notes[index] = _(
                "The record was deleted while you were typing. Save again to "
                "enter it anew."
            )
        else:
            notes[index] = _(
                "Changed by someone else while you were typing: it is now quota "
                "%(quota)s, output %(output)s. Check your figures and save again."
            ) % {"quota": record.quota, "output": record.output}
    formset = FormSet(data, initial=initial, worker_ids=worker_ids)
    formset.is_valid()
    for index, note in notes.items():
        formset.forms[index].add_error(None, note)
    messages.error(
        request,
        _(
            "Nothing was saved: %(names)s changed while you were typing. "
            "Your figures are kept below."
        )
        % {"names": ", ".join(names.get(key[0], "?") for key in stale.current)},
    )
    return formset


def _entry_url(workshop, month, page: int = 1) -> str:
    query = {"workshop": workshop.code, "month": month_str(month)}
    if page > 1:
        query["page"] = page
    query = urlencode(query)
    return f"{reverse('workers:records_entry')}?{query}"


# --- the advanced standard ---------------------------------------------------------


@login_required
def standard(request):
    """The standards in force from each month, their history, and a new one."""
    require(may_set_standard(request.user))
    form = StandardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            chosen = set_advanced_standard(
                month=form.cleaned_data["month"],
                threshold_pct=form.cleaned_data["threshold_pct"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("From %(month)s the advanced standard is %(pct)s%%.")
                % {
                    "month": month_label(chosen.effective_from),
                    "pct": chosen.threshold_pct,
                },
            )
            return redirect("workers:standard")
    return render(
        request,
        "workers/standard_list.html",
        {
            "form": form,
            "standards": AdvancedStandard.objects.select_related("set_by"),
            "changes": AdvancedStandard.history.select_related("history_user").order_by(
                "-history_date", "-history_id"
            )[:50],
            # In force in the working month, the month every page means.
            "in_force": AdvancedStandard.pct_for(default_month()),
        },
    )


# --- disqualifications ---------------------------------------------------------------


@login_required
def disqualification_list(request):
    """The month's disqualifications, and the form to decide one."""
    require(may_disqualify(request.user))
    # Its own ids: the decision form below has a month field too.
    chooser = WorkshopMonthForm(request.GET or None, auto_id="chooser_%s")
    month = None
    if request.GET and chooser.is_valid():
        month = chooser.cleaned_data["month"]
    if month is None:
        month = default_month()
    form = DisqualificationForm(
        request.POST or None, initial={"month": month_str(month)}
    )
    if request.method == "POST" and form.is_valid():
        worker = form.cleaned_data["employee_no"]
        decided = form.cleaned_data["month"]
        disqualify(
            worker=worker,
            month=decided,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        messages.success(
            request,
            _("%(worker)s is not an advanced producer for %(month)s.")
            % {"worker": worker, "month": month_label(decided)},
        )
        return redirect(
            f"{reverse('workers:disqualification_list')}?month={month_str(decided)}"
        )
    decisions = (
        Disqualification.objects.filter(month=month)
        .select_related("worker__workshop", "decided_by")
        .order_by("worker__workshop__code", "worker__employee_no")
    )
    return render(
        request,
        "workers/standard_disqualification_list.html",
        {"chooser": chooser, "form": form, "month": month, "decisions": decisions},
    )


@login_required
@require_POST
def disqualification_withdraw(request, pk):
    require(may_disqualify(request.user))
    decision = get_object_or_404(
        Disqualification.objects.select_related("worker"), pk=pk
    )
    requalify(worker=decision.worker, month=decision.month, by=request.user)
    messages.success(
        request,
        _("The disqualification of %(worker)s for %(month)s was withdrawn.")
        % {"worker": decision.worker, "month": month_label(decision.month)},
    )
    return redirect(
        f"{reverse('workers:disqualification_list')}?month={month_str(decision.month)}"
    )
