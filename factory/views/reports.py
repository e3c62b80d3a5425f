"""The movement report as JSON, the monthly bulletin and publishing a month."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assistance.outcomes import EXAMPLES_PER_CAUSE
from factory.figures.access import require_report_reader, visible_codes
from factory.figures.bulletin_text import (
    aid_sentence,
    cases_opened_sentence,
    causes_sentence,
    demonstrations_sentence,
    failing_sentence,
    headline,
    helpers_sentence,
    reached_case_text,
    reached_summary,
)
from factory.figures.bundles import (
    Period,
    known_months,
    month_completeness,
    report_view,
    revisions,
)
from factory.figures.cache import ReportCache
from factory.figures.corrections import other_sections, reached_total
from factory.figures.labels import measure_label
from factory.figures.page_cache import page_key, render_page
from factory.figures.publishing import (
    mark_month_complete,
    publish_month,
    unfinished_work,
    unmark_month_complete,
)
from factory.figures.reports import share
from factory.forms import MonthCompletionForm, PublishForm
from factory.models import MonthSnapshot
from factory.roles import is_secretary
from factory.views.campaigns import campaign_cards
from factory.views.report_pages import (
    cause_rows,
    figure_label,
    labelled,
    read_period,
    report_context,
    wants_live,
)
from workers.forms.base import attach_error
from workers.models import Workshop
from workers.months import (
    MonthError,
    checked_month,
    month_str,
    parse_month,
    previous_month,
)


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@login_required
def movement_json(request):
    """The object of docs/ARCHITECTURE.md. The secretary may ask for any workshop, a
    director for the factory or their own workshops; published figures for a
    published month unless ?live=1 (the X-Report-Source header says which)."""
    user = request.user
    try:
        require_report_reader(user)
    except PermissionDenied:
        return _json_error(_("You may not see the movement report."), 403)
    rc = ReportCache()
    try:
        period = read_period(request, rc)
    except MonthError as error:
        return _json_error(str(error), 400)
    workshop = None
    code = request.GET.get("workshop", "").strip()
    if code:
        # PostgreSQL refuses NUL in a parameter (a 500): no such workshop.
        workshops = Workshop.objects.visible_to(user)
        workshop = None if "\x00" in code else workshops.filter(code=code).first()
        if workshop is None:
            return _json_error(
                _("There is no workshop with the code “%(code)s” that you may see.")
                % {"code": code},
                404,
            )
    view = report_view(
        kind="report",
        period=period,
        workshop=workshop,
        want_live=wants_live(request),
        rc=rc,
    )
    codes = {workshop.code} if workshop else visible_codes(user)
    context = report_context(request, view, period, codes, rc, page=False)
    response = JsonResponse(
        context["report"], json_dumps_params={"ensure_ascii": False}
    )
    response["X-Report-Source"] = view["source"]
    return response


@login_required
def bulletin_index(request):
    """Every month with records, latest first, with its latest revision and
    whether its records are complete."""
    require_report_reader(request.user)
    rc = ReportCache()
    published = {
        snapshot.month: snapshot
        for snapshot in MonthSnapshot.objects.latest_revisions().select_related(
            "published_by"
        )
    }
    months = [
        {
            "month": month,
            "snapshot": published.get(parse_month(month)),
            "completeness": month_completeness(rc, parse_month(month)),
        }
        for month in known_months(rc)
    ]
    return render(request, "factory/bulletin_list.html", {"months": months})


def _bulletin_period(month_text: str) -> Period:
    try:
        # Checked like ?month=: the page links the months around it.
        month = checked_month(month_text)
    except MonthError as error:
        raise Http404(str(error)) from error
    return Period(month=month, compare=previous_month(month), chosen=True)


def _highlights(report: dict, limit: int = 3) -> list[dict]:
    """Workshops with the largest falls in workers below quota.

    Largest in proportion (17 → 4 is a bigger step for a workshop than
    60 → 32), then in number.
    """
    falls = [
        {
            **row,
            "fall": row["compare_failing"] - row["failing"],
            "fall_pct": share(
                row["compare_failing"] - row["failing"], row["compare_failing"]
            ),
        }
        for row in report["workshops"]
        if row["compare_failing"] > row["failing"]
    ]
    falls.sort(key=lambda row: (-row["fall_pct"], -row["fall"], row["code"]))
    return falls[:limit]


# Stories first: the report tells of the family and the quarrel at home; a
# page has room for a few names, the rest are counted. The bundle keeps the
# first few of each cause (assistance.outcomes), enough for any one page.
CAUSE_ORDER = {"family": 0, "ideology": 1, "other": 2, "technique": 3}
REACHED_NAMED = EXAMPLES_PER_CAUSE


def _reached(reached: dict) -> dict:
    """Cases that reached quota (a bundle's ``reached_cases``, as scope_data
    left it): counted by measure, a few told by name to the secretary, or
    anonymised ("a worker of …") to the others."""
    total = reached_total(reached)
    by_measure: dict[str, int] = {}
    for row in reached["workshops"]:
        for measure, count in row["by_measure"].items():
            by_measure[measure] = by_measure.get(measure, 0) + count
    candidates = reached["named"] or [
        {"workshop_code": row["code"], "workshop_name": row["name"], **example}
        for row in reached["workshops"]
        for example in row["examples"]
    ]
    # One of each cause in turn, so that the few named show every kind of help.
    queues: dict[str, list[dict]] = {}
    for case in candidates:
        queues.setdefault(case["cause"], []).append(case)
    order = sorted(queues, key=lambda cause: CAUSE_ORDER.get(cause, 9))
    examples: list[dict] = []
    while len(examples) < REACHED_NAMED and any(queues.values()):
        for cause in order:
            if queues[cause] and len(examples) < REACHED_NAMED:
                examples.append(queues[cause].pop(0))
    return {
        "reached_total": total,
        "reached_summary": reached_summary(
            total,
            [
                {"label": measure_label(key), "count": count}
                for key, count in sorted(by_measure.items(), key=lambda item: -item[1])
            ],
        ),
        "reached_cases": [
            {**case, "text": reached_case_text(case)} for case in examples
        ],
        "reached_more": max(0, total - len(examples)),
    }


@login_required
def bulletin(request, month, revision=None):
    """The monthly bulletin: one printable page that reads like the
    committee's own report. With ``revision``, that published revision
    (a stable URL for each)."""
    require_report_reader(request.user)
    if revision is not None and revision < 1:  # revisions are numbered from 1
        raise Http404
    period = _bulletin_period(month)
    rc = ReportCache()
    want_live = revision is None and wants_live(request)
    codes = visible_codes(request.user)

    def build() -> dict:
        view = report_view(
            kind="bulletin",
            period=period,
            want_live=want_live,
            revision=revision,
            rc=rc,
        )
        if revision is not None and (
            view["snapshot"] is None or view["source"] != "published"
        ):
            raise Http404
        context = report_context(request, view, period, codes, rc)
        data = context["data"]
        measures = data["measures"]
        context.update(
            {
                "compare_causes": cause_rows(data["compare_causes"]),
                "compare_failing": sum(
                    row["count"] for row in data["compare_causes"].values()
                ),
                "measures": measures,
                "texts": {
                    "demonstrations": demonstrations_sentence(
                        measures["demonstrations"]
                    ),
                    "helpers": helpers_sentence(measures["helpers"]),
                    "aid": aid_sentence(measures["aid"]),
                    "cases_opened": cases_opened_sentence(measures["cases_opened"]),
                },
                "highlights": _highlights(data["report"]),
                # One sentence per campaign target the reader may see.
                "campaigns": campaign_cards(data.get("campaigns", [])),
                **_reached(data["reached_cases"]),
                # Every one of them, for whoever may list the cases.
                "reached_list_url": (
                    f"{reverse('assistance:case_list')}?reached_in={month_str(period.month)}"
                    if is_secretary(request.user)
                    else None
                ),
                "failing_change": data["report"]["failing"]
                - data["report"]["compare"]["failing"],
                "headline": headline(data["report"]),
                "failing_sentence": failing_sentence(data["report"]),
                "compare_causes_sentence": causes_sentence(
                    data["compare_causes"], context["compare"]
                ),
                "revision_rows": _revision_rows(context["revisions"]),
                "shown_revision": (
                    view["snapshot"]["revision"]
                    if view["source"] == "published"
                    else None
                ),
            }
        )
        return context

    # A revision that does not exist is a 404 when the page is built, and is
    # never kept: a cached page is one that was built.
    key = page_key(
        "bulletin",
        month_str(period.month),
        want_live,
        "-" if revision is None else revision,
        codes=codes,
        named=is_secretary(request.user),
    )
    return render_page(request, rc, "factory/bulletin_detail.html", key, build)


def _revision_rows(listed: list[dict]) -> list[dict]:
    """The revisions, scoped to the reader (report_context), with their
    changes labelled for the page (no names: the changes are figures)."""
    return [{**row, "change_rows": labelled(row["changes"])} for row in listed]


@login_required
@require_http_methods(["GET", "POST"])
def publish(request, month):
    """The secretary freezes a month's figures as its next revision.

    GET lists what is unfinished (missing workshops, unclassified
    shortfalls, proposed closures not decided) and asks to acknowledge each
    kind; a correction of a published month also needs its reason.
    """
    if not is_secretary(request.user):
        raise PermissionDenied
    period = _bulletin_period(month)
    rc = ReportCache()
    has_records = month in known_months(rc)
    unfinished = unfinished_work(month=period.month)
    listed = revisions(rc, period.month)
    form = PublishForm(
        request.POST or None, unfinished=unfinished, is_revision=bool(listed)
    )
    if request.method == "POST" and has_records and form.is_valid():
        try:
            snapshot = publish_month(
                month=period.month,
                by=request.user,
                reason=form.cleaned_data.get("reason", ""),
                acknowledged=form.acknowledged(),
            )
        except ValidationError as error:
            attach_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Revision %(revision)d of this month is published; later "
                    "corrections will not change it."
                )
                % {"revision": snapshot.revision},
            )
            return redirect("reports:bulletin", month=month)
    # What publishing freezes is the live figures: they are the ones shown
    # beside the button (the published revision is in the list of changes).
    view = report_view(kind="bulletin", period=period, want_live=True, rc=rc)
    context = report_context(request, view, period, None, rc)
    changes, sections = [], []
    if listed and view["published"] is not None:
        changes = context["differences"]
        sections = other_sections(view["published"], view["live"])
    context.update(
        {
            "form": form,
            "unfinished": unfinished,
            "has_records": has_records,
            "next_revision": (listed[0]["revision"] + 1) if listed else 1,
            "changes": changes,
            "other_sections": [figure_label(name) for name in sections],
            "unchanged": bool(listed) and not changes and not sections,
        }
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "factory/monthsnapshot_confirm.html", context, status=status)


@login_required
@require_POST
def month_completion(request, month):
    """The secretary marks a month complete, or undoes it until published."""
    if not is_secretary(request.user):
        raise PermissionDenied
    period = _bulletin_period(month)
    try:
        if request.POST.get("action") == "undo":
            unmark_month_complete(month=period.month)
            messages.success(request, _("The month is no longer marked complete."))
        else:
            mark_month_complete(
                month=period.month,
                by=request.user,
                note=MonthCompletionForm(request.POST).checked_note(),
            )
            messages.success(request, _("The month is marked complete."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_safe_next(request, month))


def _safe_next(request, month: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("reports:bulletin", args=[month])
