"""The factory and workshop dashboards (/dashboard/...)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from factory.access import (
    get_workshop_for_reader,
    require_report_reader,
    visible_codes,
)
from factory.bundles import people_bundle, report_view
from factory.cache import ReportCache
from factory.labels import measure_label
from factory.templatetags.report_tags import month_label
from factory.views_common import (
    bad_period_message,
    cause_rows,
    classify_queue_url,
    read_period,
    report_context,
)
from workers.months import MonthError


def _chart_data(data: dict) -> dict:
    """What static/js/dashboard.js draws (passed with json_script)."""
    causes = cause_rows(data["report"]["causes"])
    return {
        "trend": {
            "labels": [month_label(point["month"]) for point in data["trend"]],
            # A month without records has no share (a gap, not a fall to 0).
            "advanced_share": [
                point["advanced_share"] if point["workers_on_quota"] else None
                for point in data["trend"]
            ],
            "failing": [point["failing"] for point in data["trend"]],
        },
        "causes": {
            "labels": [row["label"] for row in causes],
            "counts": [row["count"] for row in causes],
        },
        "text": {
            "advanced_share": _("Advanced producers, in percent of workers on quota"),
            "failing": _("Workers below quota"),
            "causes": _("Workers below quota by cause"),
        },
    }


def page_cache_key(kind: str, context: dict, codes: set[str] | None, rc) -> str:
    """What the cached body of a report page depends on, and nothing else.

    The data's generation (any change makes a new key), the page and its
    workshop, the month and the compared month as asked, published or live,
    the reader's scope (every workshop, or exactly these) and whether names
    are shown. The language is added by the template ({% cache %} ... with
    LANGUAGE_CODE). No per-user secret belongs in the body: the CSRF token
    is in the navigation, outside it.
    """
    scope = "*" if codes is None else ",".join(sorted(codes))
    workshop = context.get("workshop")
    period = context["period"]
    return ":".join(
        str(part)
        for part in (
            rc.generation(max(period.month, period.compare)),
            kind,
            workshop.code if workshop else "-",
            context["month"],
            context["compare_param"],
            context["source"],
            scope,
            int(bool(context["is_secretary"])),
        )
    )


def _dashboard_context(request, view, period, codes, rc) -> dict:
    context = report_context(request, view, period, codes, rc)
    data = context["data"]
    report = data["report"]
    context.update(
        {
            "trend": data["trend"],
            "outcomes": data["outcomes"],
            "outcome_rows": [
                {**row, "label": measure_label(row["measure"])}
                for row in data["outcomes"]["measures"]
            ],
            "cause_rows": cause_rows(report["causes"]),
            "failing_change": report["failing"] - report["compare"]["failing"],
            "chart_data": _chart_data(data),
            "classify_url": classify_queue_url(context["month"]),
        }
    )
    return context


def _bad_period(request, error):
    return render(
        request,
        "factory/report_bad_request.html",
        {
            "message": bad_period_message(error),
            "month": request.GET.get("month", ""),
            "compare": request.GET.get("compare", ""),
        },
        status=400,
    )


@login_required
def dashboard(request):
    """The factory at a glance: for the secretary and workshop directors."""
    require_report_reader(request.user)
    rc = ReportCache()
    try:
        period = read_period(request, rc)
    except MonthError as error:
        return _bad_period(request, error)
    view = report_view(
        kind="dashboard",
        period=period,
        want_live=request.GET.get("live") == "1",
        rc=rc,
    )
    codes = visible_codes(request.user)
    context = _dashboard_context(request, view, period, codes, rc)
    context["page_cache_key"] = page_cache_key("factory", context, codes, rc)
    return render(request, "factory/dashboard_factory.html", context)


@login_required
def workshop_dashboard(request, code):
    """One workshop: its figures, the ranking of its workers, who moved up,
    its demonstrations. A director sees only their own (others are 404)."""
    workshop = get_workshop_for_reader(request.user, code)
    rc = ReportCache()
    try:
        period = read_period(request, rc)
    except MonthError as error:
        return _bad_period(request, error)
    view = report_view(
        kind="dashboard",
        period=period,
        workshop=workshop,
        want_live=request.GET.get("live") == "1",
        rc=rc,
    )
    # The workshop's own rows are always visible to whoever reached this page.
    context = _dashboard_context(request, view, period, {workshop.code}, rc)
    people = people_bundle(rc, period, workshop)
    context.update({"workshop": workshop, **people})
    context["export_query"] += "&" + urlencode({"workshop": workshop.code})
    context["page_cache_key"] = page_cache_key("workshop", context, {workshop.code}, rc)
    return render(request, "factory/dashboard_workshop.html", context)
