"""The factory and workshop dashboards (/dashboard/...)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from factory.figures.access import (
    get_workshop_for_reader,
    require_report_reader,
    visible_codes,
)
from factory.figures.bundles import people_bundle, report_view
from factory.figures.cache import ReportCache
from factory.figures.labels import measure_label
from factory.figures.page_cache import page_key, render_page
from factory.roles import is_secretary
from factory.templatetags.report_tags import month_label
from factory.views.report_pages import (
    asked_period,
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
    codes = visible_codes(request.user)
    try:
        asked = asked_period(request)
    except MonthError as error:
        return _bad_period(request, error)

    def build() -> dict:
        period = read_period(request, rc)
        view = report_view(kind="dashboard", period=period, want_live=asked[2], rc=rc)
        return _dashboard_context(request, view, period, codes, rc)

    key = page_key("factory", *asked, codes=codes, named=is_secretary(request.user))
    return render_page(request, rc, "factory/dashboard_factory.html", key, build)


@login_required
def workshop_dashboard(request, code):
    """One workshop: its figures, the ranking of its workers, who moved up,
    its demonstrations. A director sees only their own (others are 404)."""
    workshop = get_workshop_for_reader(request.user, code)
    rc = ReportCache()
    try:
        asked = asked_period(request)
    except MonthError as error:
        return _bad_period(request, error)

    def build() -> dict:
        period = read_period(request, rc)
        view = report_view(
            kind="dashboard",
            period=period,
            workshop=workshop,
            want_live=asked[2],
            rc=rc,
        )
        # The workshop's own rows are always visible to whoever reached it.
        context = _dashboard_context(request, view, period, {workshop.code}, rc)
        context.update({"workshop": workshop, **people_bundle(rc, period, workshop)})
        context["export_query"] += "&" + urlencode({"workshop": workshop.code})
        return context

    key = page_key(
        "workshop",
        workshop.code,
        *asked,
        codes={workshop.code},
        named=is_secretary(request.user),
    )
    return render_page(request, rc, "factory/dashboard_workshop.html", key, build)
