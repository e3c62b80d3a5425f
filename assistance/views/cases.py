"""The case list, the overview, the case page and the secretary's actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from assistance import helper_effect, selectors
from assistance.access import (
    can_read_notes,
    get_case_for_follow_up,
    get_case_for_secretary,
    is_case_helper,
    require_perm,
)
from assistance.checks import own_checks_overdue, with_deadlines
from assistance.forms import (
    CaseEditForm,
    CaseFilterForm,
    CloseCaseForm,
    FollowUpForm,
    ReopenCaseForm,
    workers_for,
)
from assistance.models import AssistanceCase, CaseOutcome, CaseStatus
from assistance.services import (
    StaleEditError,
    add_follow_up,
    close_case,
    propose_closure,
    reopen_case,
    update_case,
)
from assistance.views import bulk
from assistance.views.shared import with_current
from assistance.worklists import waiting_to_close
from workers.completeness import default_month
from workers.forms.base import attach_error
from workers.months import month_str
from workers.paging import query_without_page
from workers.roles import sees_named_causes
from workers.spreadsheet_safety import csv_response

CASE_PAGE_SIZE = 50
# The cases to close in one action are all on one page (up to this many).
BULK_PAGE_SIZE = 500
OVERVIEW_PAGE_SIZE = 100


def _ticked_cases(request, closable: set[int]) -> set[int]:
    """What is ticked: what was sent (a refusal keeps it), or every case of
    the page that may be closed after "select all" (?select=all, which needs
    no JavaScript)."""
    if request.method == "POST":
        return {seen.pk for seen in bulk.ticked(request.POST, "case")}
    if request.GET.get("select") == "all":
        return closable
    return set()


def _filtered_cases(request):
    form = CaseFilterForm(request.GET or None)
    cases = AssistanceCase.objects.visible_to(request.user)
    if request.GET:
        cases = form.filter(cases)
    cases = (
        selectors.with_progress(cases)
        .select_related("worker__workshop")
        .prefetch_related("helpers")
        .order_by("-month", "worker__workshop__code", "worker__employee_no")
    )
    return form, cases


def _bulk_close(request, form) -> bool:
    """The list of cases that reached quota: the secretary ticks them and
    closes them in one action (assistance.views.bulk)."""
    return (
        request.user.has_perm("assistance.close_case")
        and form.is_valid()
        and form.cleaned_data["status"] == CaseStatus.REACHED_QUOTA
    )


@login_required
def case_list(request):
    """Every case, for the secretary, with filters and a CSV export; the
    cases that reached quota may be closed together (POST)."""
    require_perm(request.user, "assistance.view_all_cases")
    form, cases = _filtered_cases(request)
    bulk_close = _bulk_close(request, form)
    to_confirm = None
    if request.method == "POST" and bulk_close:
        done = bulk.close_ticked_cases(request)
        if isinstance(done, bulk.CloseToConfirm):
            to_confirm = done.count
        elif done is not None:
            return done
    size = BULK_PAGE_SIZE if bulk_close else CASE_PAGE_SIZE
    page = Paginator(cases, size).get_page(request.GET.get("page"))
    working = default_month() if bulk_close else None
    # The cases of this page a tick may close (worklists.waiting_to_close).
    closable = (
        set(
            waiting_to_close(
                AssistanceCase.objects.filter(pk__in=[c.pk for c in page]), working
            ).values_list("pk", flat=True)
        )
        if bulk_close
        else set()
    )
    return render(
        request,
        "assistance/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request).urlencode(),
            "counts": selectors.status_counts(
                AssistanceCase.objects.visible_to(request.user)
            ),
            # Cases waiting for a new helper (ARCHITECTURE.md: access follows the
            # roster); the notice links to the filter.
            "helpers_left": AssistanceCase.objects.visible_to(request.user)
            .with_helper_gone()
            .count(),
            "bulk_close": bulk_close,
            "to_confirm": to_confirm,
            # Waiting to be closed: reached quota by the working month; a
            # case that reached it only in a later (incomplete) month waits.
            "working_month": working,
            "waiting": waiting_to_close(cases, working).count() if bulk_close else None,
            "closable": closable,
            "ticked": _ticked_cases(request, closable),
        },
    )


@login_required
def case_export(request):
    """The filtered case list as CSV. No notes: exports travel."""
    require_perm(request.user, "assistance.view_all_cases")
    _form, cases = _filtered_cases(request)
    header = [
        _("employee number"),
        pgettext("person", "name"),
        _("workshop"),
        _("month opened"),
        _("cause"),
        _("measure"),
        _("helpers"),
        _("status"),
        _("reached quota in"),
        _("outcome"),
        _("target month"),
        _("latest attainment (%)"),
        _("last follow-up"),
        _("closure proposed"),
    ]

    def rows():
        for case in cases.iterator(chunk_size=500):
            yield [
                case.worker.employee_no,
                case.worker.name,
                case.worker.workshop.name,
                month_str(case.month),
                case.get_cause_display(),
                case.get_measure_display(),
                "、".join(helper.name for helper in case.helpers.all()),
                case.get_status_display(),
                month_str(case.reached_quota_month) if case.reached_quota_month else "",
                case.get_outcome_display(),
                month_str(case.target_month) if case.target_month else "",
                case.latest_attainment if case.latest_attainment is not None else "",
                case.last_follow_up or "",
                _("yes") if case.closure_proposed_at else "",
            ]

    return csv_response("help-cases", header, rows())


def _overview_cases(user):
    if not (
        user.has_perm("assistance.view_all_cases")
        or user.has_perm("workers.view_workshop")
    ):
        raise PermissionDenied
    # Statuses only: nothing here comes from notes or follow-ups.
    return (
        AssistanceCase.objects.visible_to(user)
        .select_related("worker__workshop")
        .order_by("worker__workshop__code", "status", "-month", "worker__employee_no")
    )


@login_required
def overview(request):
    """Case counts and statuses by workshop: the workshop director's view."""
    cases = _overview_cases(request.user)
    page = Paginator(cases, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/case_overview.html",
        {
            "workshops": selectors.counts_by_workshop(cases),
            "totals": selectors.status_counts(cases),
            "page": page,
            "named_measures": sees_named_causes(request.user),
        },
    )


@login_required
def overview_export(request):
    cases = _overview_cases(request.user)
    # A measure beside a name tells its cause: the secretary's side only.
    named_measures = sees_named_causes(request.user)
    header = [
        _("employee number"),
        pgettext("person", "name"),
        _("workshop"),
        _("month opened"),
        *([_("measure")] if named_measures else []),
        _("status"),
        _("reached quota in"),
    ]
    rows = (
        [
            case.worker.employee_no,
            case.worker.name,
            case.worker.workshop.name,
            month_str(case.month),
            *([case.get_measure_display()] if named_measures else []),
            case.get_status_display(),
            month_str(case.reached_quota_month) if case.reached_quota_month else "",
        ]
        for case in cases.iterator(chunk_size=500)
    )
    return csv_response("help-case-statuses", header, rows)


def _helper_ids(case) -> list[int]:
    return list(case.helpers.values_list("pk", flat=True))


@login_required
def case_edit(request, pk):
    case = get_case_for_secretary(request.user, pk, "assistance.change_assistancecase")
    choices = {"helpers": selectors.helper_options(), "worker": case.worker}
    if request.method == "POST":
        form = CaseEditForm(request.POST, **choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                update_case(
                    case=case,
                    by=request.user,
                    measure=data["measure"],
                    helpers=workers_for(data["helpers"]),
                    target_month=data["target_month"],
                    expected_version=data["version"],
                )
            except StaleEditError as stale:
                form = with_current(form, stale.current, **choices)
            except ValidationError as error:
                attach_error(form, error)
            else:
                messages.success(request, _("The case was changed."))
                return redirect(case)
    else:
        form = CaseEditForm(
            initial={
                "measure": case.measure,
                "helpers": _helper_ids(case),
                "target_month": case.target_month,
                "version": case.version,
            },
            **choices,
        )
    return render(request, "assistance/case_form.html", {"case": case, "form": form})


@login_required
def case_close(request, pk):
    case = get_case_for_secretary(request.user, pk, "assistance.close_case")
    if case.status == CaseStatus.CLOSED:
        messages.info(request, _("This case is already closed."))
        return redirect(case)
    if request.method == "POST":
        form = CloseCaseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                close_case(
                    case=case,
                    by=request.user,
                    outcome=data["outcome"],
                    reason=data["reason"],
                    expected_version=data["version"],
                )
            except StaleEditError as stale:
                form = with_current(form, stale.current)
            except ValidationError as error:
                attach_error(form, error)
            else:
                messages.success(request, _("The case was closed."))
                return redirect(case)
    else:
        outcome = (
            CaseOutcome.REACHED_QUOTA
            if case.status == CaseStatus.REACHED_QUOTA
            else None
        )
        form = CloseCaseForm(initial={"outcome": outcome, "version": case.version})
    return render(
        request,
        "assistance/case_close.html",
        {"case": case, "form": form, "action": "close"},
    )


@login_required
def case_reopen(request, pk):
    case = get_case_for_secretary(request.user, pk, "assistance.close_case")
    if case.status != CaseStatus.CLOSED:
        messages.info(request, _("Only a closed case can be reopened."))
        return redirect(case)
    if request.method == "POST":
        form = ReopenCaseForm(request.POST)
        if form.is_valid():
            try:
                reopen_case(
                    case=case,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except StaleEditError as stale:
                form = with_current(form, stale.current)
            except ValidationError as error:
                attach_error(form, error)
            else:
                messages.success(request, _("The case was reopened."))
                return redirect(case)
    else:
        form = ReopenCaseForm(initial={"version": case.version})
    return render(
        request,
        "assistance/case_close.html",
        {"case": case, "form": form, "action": "reopen"},
    )


@login_required
@require_POST
def case_propose_closure(request, pk):
    case = get_case_for_follow_up(request.user, pk)
    if not is_case_helper(request.user, case):
        raise PermissionDenied
    try:
        propose_closure(case=case, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Closure of %(name)s's case proposed to the committee secretary.")
            % {"name": case.worker.name},
        )
    if request.POST.get("next") == "mine":
        return redirect("assistance:my_cases")
    return redirect(case)


@login_required
def follow_up_add(request, pk):
    case = get_case_for_follow_up(request.user, pk)
    if not can_read_notes(request.user, case):
        raise PermissionDenied
    back_to_mine = (
        request.GET.get("next") == "mine" or request.POST.get("next") == "mine"
    )
    if case.status == CaseStatus.CLOSED:
        messages.info(
            request, _("This case is closed; follow-ups can no longer be added.")
        )
        return redirect(case)
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                add_follow_up(case=case, author=request.user, **data)
            except ValidationError as error:
                attach_error(form, error)
            else:
                messages.success(
                    request,
                    _("Follow-up for %(name)s saved.") % {"name": case.worker.name},
                )
                return redirect("assistance:my_cases" if back_to_mine else case)
    else:
        form = FollowUpForm()
    return render(
        request,
        "assistance/followup_form.html",
        {"case": case, "form": form, "back_to_mine": back_to_mine},
    )


@login_required
def my_cases(request):
    """A helper's own cases, built for a phone."""
    require_perm(request.user, "assistance.add_followup")
    worker = getattr(request.user, "worker", None)
    cases = selectors.my_cases(request.user)
    today = timezone.localdate()
    return render(
        request,
        "assistance/case_mine.html",
        {
            "cases": cases,
            # The checks at the machine of their cases' workers that are
            # overdue, each a tap from its form (assistance.checks).
            "overdue_checks": with_deadlines(
                own_checks_overdue(request.user, today), today
            )
            if cases
            else [],
            "has_worker": worker is not None,
            # Their own line of the secretary's table (helper_effect), as of
            # the same month; nobody else's.
            "effect": helper_effect.effect_of(worker, default_month())
            if worker is not None
            else None,
            "effect_min_cases": helper_effect.MIN_CASES,
        },
    )
