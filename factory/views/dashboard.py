"""The factory and workshop dashboards (/dashboard/...)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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
from factory.figures.reports import TREND_MONTHS, month_complete, not_reported
from factory.roles import is_secretary
from factory.templatetags.report_tags import month_label
from factory.views.campaigns import campaign_cards
from factory.views.report_pages import (
    asked_period,
    bad_period_message,
    cause_rows,
    classify_queue_url,
    read_period,
    report_context,
)
from workers.access import require_experience_view
from workers.months import MonthError, parse_month


def _trend_rows(trend: list[dict], marks: list[dict]) -> list[dict]:
    """The trend's points with their month's state (the picker's marks, of
    the months with records): a partial month is marked, and a scope that
    has not reported for a month shows no figure, never a fall to 0."""
    complete = {mark["month"] for mark in marks if mark["complete"]}
    partial = {mark["month"] for mark in marks if not mark["complete"]}
    return [
        {
            **point,
            "partial": point["month"] in partial,
            "not_reported": not_reported(
                point["workers_on_quota"], complete=point["month"] in complete
            ),
        }
        for point in trend
    ]


def _chart_data(data: dict, trend_rows: list[dict]) -> dict:
    """What static/js/dashboard.js draws (passed with json_script)."""
    causes = cause_rows(data["report"]["causes"])
    partial = {row["month"] for row in trend_rows if row["partial"]}
    return {
        "trend": {
            "labels": [_month_text(row["month"], partial) for row in trend_rows],
            # A month without records has no share (a gap, not a fall to 0).
            "advanced_share": [
                row["advanced_share"] if row["workers_on_quota"] else None
                for row in trend_rows
            ],
            "failing": [
                None if row["not_reported"] else row["failing"] for row in trend_rows
            ],
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


def _month_text(month: str, partial_months: set[str], known: bool = True) -> str:
    """A month as the picker and the charts name it: its label in the
    page's language, and whether its records are partial or missing."""
    if not known:
        return _("%(month)s · no records") % {"month": month_label(month)}
    if month in partial_months:
        return _("%(month)s · partial") % {"month": month_label(month)}
    return month_label(month)


def _month_options(marks: list[dict], chosen: str) -> list[dict]:
    """The picker's months, latest first: every month with records, and the
    chosen one if it has none (so that the select shows what the page does).
    A select, not an <input type="month">: a browser writes that one in its
    own language, whatever the page's."""
    partial = {mark["month"] for mark in marks if not mark["complete"]}
    months = {mark["month"]: True for mark in marks}
    if chosen and chosen not in months:
        months[chosen] = False
    return [
        {"month": month, "label": _month_text(month, partial, known)}
        for month, known in sorted(
            months.items(), key=lambda item: parse_month(item[0]), reverse=True
        )
    ]


def _reported(data: dict) -> dict | None:
    """reports.reported_comparison of the figures shown. Figures published
    (or cached) before the dashboards kept it have none: in a month that is
    not complete, their workshops without records have then not reported,
    and no change is compared rather than one shown as a result."""
    if "reported" in data:
        return data["reported"]
    report = data["report"]
    complete = month_complete(report["completeness"])
    if complete:
        return None
    return {
        "not_reported": [
            row["code"]
            for row in report["workshops"]
            if not_reported(row["workers_on_quota"], complete=complete)
        ],
        "compare_not_reported": [],
        "workshops": [],
        "every_workshop": False,
    }


def _campaigns(data: dict, workshop_code: str | None) -> dict:
    """The page's own campaigns, drawn as charts, and on the factory's page
    its workshops' (the reader's scope: scope_data), listed with a link."""
    cards = campaign_cards(data.get("campaigns", []))
    return {
        "campaigns": [card for card in cards if card["workshop"] == workshop_code],
        "other_campaigns": [
            card for card in cards if card["workshop"] != workshop_code
        ],
    }


def _dashboard_context(request, view, period, codes, rc, workshop=None) -> dict:
    context = report_context(request, view, period, codes, rc)
    data = context["data"]
    report = data["report"]
    reported = _reported(data)
    trend_rows = _trend_rows(data["trend"], context["month_marks"])
    context.update(
        {
            "trend": trend_rows,
            "trend_cut": len(trend_rows) < TREND_MONTHS,
            "outcomes": data["outcomes"],
            "outcome_rows": [
                {**row, "label": measure_label(row["measure"])}
                for row in data["outcomes"]["measures"]
            ],
            "cause_rows": cause_rows(report["causes"]),
            "failing_change": report["failing"] - report["compare"]["failing"],
            # A partial month's changes are over the workshops that reported
            # in both months, and said so; or none (DESIGN.md, "The month").
            "reported": reported,
            "not_reported": reported["not_reported"] if reported else [],
            "compare_not_reported": (
                reported["compare_not_reported"] if reported else []
            ),
            "nothing_reported": not_reported(
                report["workers_on_quota"],
                complete=month_complete(report["completeness"]),
            ),
            "month_options": _month_options(context["month_marks"], context["month"]),
            "compare_options": _month_options(
                context["month_marks"], context["compare_param"]
            ),
            "chart_data": _chart_data(data, trend_rows),
            "classify_url": classify_queue_url(context["month"]),
            **_campaigns(data, workshop.code if workshop else None),
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
    return _dashboard_page(request, codes=visible_codes(request.user))


@login_required
def workshop_dashboard(request, code):
    """One workshop: its figures, the ranking of its workers, who moved up,
    its demonstrations. A director sees only their own (others are 404)."""
    workshop = get_workshop_for_reader(request.user, code)
    # The workshop's own rows are always visible to whoever reached it.
    return _dashboard_page(request, codes={workshop.code}, workshop=workshop)


def _reads_the_matrix(user) -> bool:
    """Whether the reader may open the workshop's matrix of who has mastered
    what: the matrix's own rule (workers.access.require_experience_view);
    the workshop is theirs already, as its dashboard is."""
    try:
        require_experience_view(user)
    except PermissionDenied:
        return False
    return True


def _dashboard_page(request, *, codes: set[str], workshop=None):
    """The factory's dashboard, or ``workshop``'s, of the asked period
    (400 for a bad month), through the page cache."""
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
        context = _dashboard_context(
            request, view, period, codes, rc, workshop=workshop
        )
        if workshop is not None:
            context.update(
                {
                    "workshop": workshop,
                    **people_bundle(rc, period, workshop),
                    "links_matrix": reads_matrix,
                }
            )
            context["export_query"] += "&" + urlencode({"workshop": workshop.code})
        return context

    named = is_secretary(request.user)
    # The link to the workshop's matrix is in the kept blocks: whether the
    # reader may follow it is part of their key.
    reads_matrix = workshop is not None and _reads_the_matrix(request.user)
    if workshop is None:
        key = page_key("factory", *asked, codes=codes, named=named)
        template = "factory/dashboard_factory.html"
    else:
        key = page_key(
            "workshop",
            workshop.code,
            *asked,
            f"matrix={int(reads_matrix)}",
            codes=codes,
            named=named,
        )
        template = "factory/dashboard_workshop.html"
    return render_page(request, rc, template, key, build)
