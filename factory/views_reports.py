"""The movement report as JSON, the monthly bulletin and publishing a month."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from factory.models import MonthSnapshot
from factory.reports import share
from factory.roles import is_secretary
from factory.selectors import (
    Period,
    checked_month,
    known_months,
    measure_label,
    report_view,
    require_report_reader,
    visible_codes,
)
from factory.selectors_cache import ReportCache
from factory.selectors_text import (
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
from factory.views_common import cause_rows, read_period, report_context
from factory.views_dashboard import page_cache_key
from workers.models import Workshop
from workers.months import MonthError, parse_month, previous_month


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@login_required
def movement_json(request):
    """The object of DESIGN.md. The secretary may ask for any workshop, a
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
        want_live=request.GET.get("live") == "1",
        rc=rc,
    )
    codes = {workshop.code} if workshop else visible_codes(user)
    context = report_context(request, view, period, codes, rc)
    response = JsonResponse(
        context["report"], json_dumps_params={"ensure_ascii": False}
    )
    response["X-Report-Source"] = view["source"]
    return response


@login_required
def bulletin_index(request):
    """Every month with records, latest first, and whether it is published."""
    require_report_reader(request.user)
    rc = ReportCache()
    published = {
        snapshot.month: snapshot
        for snapshot in MonthSnapshot.objects.select_related("published_by")
    }
    months = [
        {"month": month, "snapshot": published.get(parse_month(month))}
        for month in known_months(rc)
    ]
    return render(request, "factory/bulletin_list.html", {"months": months})


def _bulletin_period(month_text: str) -> Period:
    try:
        # Checked like ?month=: the page links the months around it.
        month = checked_month(month_text)
    except MonthError as error:
        raise Http404(str(error)) from error
    return Period(month=month, compare=previous_month(month))


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
# page has room for a few names, the rest are counted.
CAUSE_ORDER = {"family": 0, "ideology": 1, "other": 2, "technique": 3}
REACHED_NAMED = 6


def _reached(cases: list[dict]) -> dict:
    """Cases that reached quota: counted by measure, a few told by name (or
    anonymised, as scope_data left them)."""
    by_measure: dict[str, int] = {}
    for case in cases:
        by_measure[case["measure"]] = by_measure.get(case["measure"], 0) + 1
    # One of each cause in turn, so that the few named show every kind of help.
    queues: dict[str, list[dict]] = {}
    for case in cases:
        queues.setdefault(case["cause"], []).append(case)
    order = sorted(queues, key=lambda cause: CAUSE_ORDER.get(cause, 9))
    examples: list[dict] = []
    while len(examples) < REACHED_NAMED and any(queues.values()):
        for cause in order:
            if queues[cause] and len(examples) < REACHED_NAMED:
                examples.append(queues[cause].pop(0))
    return {
        "reached_total": len(cases),
        "reached_summary": reached_summary(
            len(cases),
            [
                {"label": measure_label(key), "count": count}
                for key, count in sorted(by_measure.items(), key=lambda item: -item[1])
            ],
        ),
        "reached_cases": [
            {**case, "text": reached_case_text(case)} for case in examples
        ],
        "reached_more": max(0, len(cases) - REACHED_NAMED),
    }


@login_required
def bulletin(request, month):
    """The monthly bulletin: one printable page that reads like the
    committee's own report."""
    require_report_reader(request.user)
    period = _bulletin_period(month)
    rc = ReportCache()
    view = report_view(
        kind="bulletin",
        period=period,
        want_live=request.GET.get("live") == "1",
        rc=rc,
    )
    codes = visible_codes(request.user)
    context = report_context(request, view, period, codes, rc)
    context["page_cache_key"] = page_cache_key("bulletin", context, codes, rc)
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
                "demonstrations": demonstrations_sentence(measures["demonstrations"]),
                "helpers": helpers_sentence(measures["helpers"]),
                "aid": aid_sentence(measures["aid"]),
                "cases_opened": cases_opened_sentence(measures["cases_opened"]),
            },
            "highlights": _highlights(data["report"]),
            **_reached(data["reached_cases"]),
            "failing_change": data["report"]["failing"]
            - data["report"]["compare"]["failing"],
            "headline": headline(data["report"]),
            "failing_sentence": failing_sentence(data["report"]),
            "compare_causes_sentence": causes_sentence(
                data["compare_causes"], context["compare"]
            ),
        }
    )
    return render(request, "factory/bulletin_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request, month):
    """The secretary freezes a month's figures (GET asks, POST publishes)."""
    if not is_secretary(request.user):
        raise PermissionDenied
    period = _bulletin_period(month)
    existing = MonthSnapshot.objects.filter(month=period.month).first()
    rc = ReportCache()
    has_records = month in known_months(rc)
    if request.method == "POST":
        if existing is not None:
            messages.info(request, _("This month was already published."))
        elif not has_records:
            messages.error(
                request,
                _("This month has no records yet: there is nothing to publish."),
            )
        else:
            MonthSnapshot.publish(month=period.month, by=request.user)
            messages.success(
                request,
                _(
                    "The figures of this month are published; later corrections "
                    "will not change them."
                ),
            )
        return redirect("reports:bulletin", month=month)
    view = report_view(kind="bulletin", period=period, rc=rc)
    context = report_context(request, view, period, None, rc)
    context["already_published"] = existing is not None
    context["has_records"] = has_records
    return render(request, "factory/monthsnapshot_confirm.html", context)
