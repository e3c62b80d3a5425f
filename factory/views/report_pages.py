"""What the dashboard, bulletin, JSON and export views share: reading the
period from the request, labels for figures, the context around a report."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from factory.figures.bundles import (
    Period,
    all_completeness,
    known_months,
    months_completeness,
    picker_marks,
    resolve_period,
    revisions,
    scope_data,
    scope_revisions,
)
from factory.figures.cache import ReportCache
from factory.figures.corrections import report_changes, scoped
from factory.figures.labels import cause_label, measure_label
from factory.roles import is_secretary
from factory.templatetags.report_tags import month_label
from workers.months import add_months, checked_month, month_str

FIGURE_LABELS = {
    "report": "",
    "workers_on_quota": gettext_lazy("workers on quota"),
    "advanced": gettext_lazy("advanced producers"),
    "advanced_share": gettext_lazy("advanced share (%)"),
    "failing": gettext_lazy("below quota"),
    "compare": gettext_lazy("compared month"),
    "compare_failing": gettext_lazy("below quota in the compared month"),
    "advanced_change": gettext_lazy("change in advanced producers"),
    "advanced_change_pct": gettext_lazy("change in advanced producers (%)"),
    "advanced_share_change_pp": gettext_lazy("change of the share (points)"),
    "causes": gettext_lazy("causes"),
    "compare_causes": gettext_lazy("causes in the compared month"),
    "count": gettext_lazy("number"),
    "share": gettext_lazy("share (%)"),
    "workshops": gettext_lazy("workshops"),
    "name": gettext_lazy("name"),
    "cases": gettext_lazy("help cases"),
    "open": gettext_lazy("open"),
    "reached_quota": gettext_lazy("reached quota"),
    "closed": gettext_lazy("closed"),
    "trend": gettext_lazy("12-month trend"),
    "outcomes": gettext_lazy("case outcomes"),
    "measures": gettext_lazy("measures taken"),
    "reached": gettext_lazy("reached quota"),
    "reached_share": gettext_lazy("share that reached quota (%)"),
    "median_months": gettext_lazy("median months to quota"),
    "reached_this_month": gettext_lazy("cases that reached quota this month"),
    "reached_cases": gettext_lazy("cases that reached quota"),
    "demonstrations": gettext_lazy("demonstrations"),
    "attendance": gettext_lazy("attendance"),
    "helpers": gettext_lazy("members assigned"),
    "cases_opened": gettext_lazy("cases opened"),
    "aid": gettext_lazy("hardship aid"),
    "grants": gettext_lazy("grants"),
    "total": gettext_lazy("total"),
    "completeness": gettext_lazy("completeness"),
    "complete": gettext_lazy("month complete"),
    "marked_complete": gettext_lazy("marked complete"),
    "workshops_expected": gettext_lazy("workshops expected"),
    "workshops_reporting": gettext_lazy("workshops reporting"),
    "workers_with_records": gettext_lazy("workers with records"),
    "missing_workshops": gettext_lazy("workshops missing"),
    "quota_reviews": gettext_lazy("quota reviews"),
    "workers": gettext_lazy("workers on quota"),
    "decision": gettext_lazy("decision"),
}


def figure_label(path: str, workshop: str | None = None) -> str:
    """ "workshops.jg2.failing" → "workshops › 第二加工车间 › below quota":
    a workshop by its ``workshop`` name (factory.figures.corrections rows
    carry it), other keys by their labels."""
    parts = []
    segments = path.split(".")
    for index, segment in enumerate(segments):
        label = FIGURE_LABELS.get(segment)
        if label == "":
            continue
        if index == 1 and segments[0] == "workshops" and workshop:
            label = workshop
        elif index == 1 and segments[0] == "quota_reviews" and workshop:
            # "jg2/车工": the workshop by its name, then the trade.
            label = f"{workshop} {segment.split('/', 1)[-1]}"
        elif label is None:
            if len(segment) == 7 and segment[4] == "-":
                label = month_label(segment)
            else:
                label = measure_label(segment)
                if label == segment:
                    label = cause_label(segment)
        parts.append(str(label))
    return " › ".join(parts)


def labelled(rows: list[dict]) -> list[dict]:
    """Changes of a correction with their labels for a page."""
    return [
        {**row, "label": figure_label(row["figure"], row.get("workshop"))}
        for row in rows
    ]


def read_period(request, rc: ReportCache) -> Period:
    """The request's ?month=&compare= with defaults; MonthError if bad."""
    return resolve_period(request.GET.get("month"), request.GET.get("compare"), rc)


def wants_live(request) -> bool:
    """?live=1: the live figures of a published month, not its latest
    revision (factory.figures.bundles.report_view's ``want_live``)."""
    return request.GET.get("live") == "1"


def asked_period(request) -> tuple[str, str, bool]:
    """What the request asks for, checked but not resolved: the month
    (YYYY-MM, or the default — the working month, which also depends on
    today's month while no month is complete), the compared month ("" for
    the month before) and ?live=1. MonthError if a month is bad; cheap: a
    page key is made of it (factory.figures.page_cache)."""
    month = (request.GET.get("month") or "").strip()
    compare = (request.GET.get("compare") or "").strip()
    return (
        month_str(checked_month(month))
        if month
        else f"default@{month_str(timezone.localdate())}",
        month_str(checked_month(compare)) if compare else "",
        wants_live(request),
    )


def classify_queue_url(month: str) -> str:
    """The classification queue of the month (the cases app builds it)."""
    path = "/cases/classify/"
    for name in ("assistance:classification_queue", "assistance:classify"):
        try:
            path = reverse(name)
        except NoReverseMatch:
            continue
        break
    return f"{path}?{urlencode({'month': month})}"


def period_links(period: Period) -> dict:
    """Query strings for the month before and after (compared with theirs)."""
    return {
        "previous": urlencode({"month": month_str(add_months(period.month, -1))}),
        "next": urlencode({"month": month_str(add_months(period.month, 1))}),
        "previous_label": month_label(add_months(period.month, -1)),
        "next_label": month_label(add_months(period.month, 1)),
    }


def report_context(
    request,
    view: dict,
    period: Period,
    codes: set[str] | None,
    rc: ReportCache,
    *,
    page: bool = True,
) -> dict:
    """The context every report page has: figures scoped to the reader,
    where they come from, and how they differ from the published ones.
    ``page`` adds what an HTML page shows around them (the months'
    completeness, the month picker); the JSON and the exports skip it."""
    named = is_secretary(request.user)
    data = scope_data(view["data"], codes, named=named)
    diffs = []
    if view["published"] is not None:
        # What a correction changed: one definition, one count, on every
        # page that mentions it (factory.figures.corrections).
        diffs = labelled(
            scoped(
                report_changes(view["published"]["report"], view["live"]["report"]),
                codes,
            )
        )
    snapshot = view["snapshot"]
    query = {"month": month_str(period.month)}
    if not period.is_default_compare:
        query["compare"] = month_str(period.compare)
    context = {}
    if page:
        month_state = months_completeness(rc, [period.month])[month_str(period.month)]
        # A compared month without records needs no banner (nothing to
        # complete), and no queries.
        compare_state = all_completeness(rc).get(month_str(period.compare))
        context = {
            "month_marks": picker_marks(rc),
            "completeness": month_state,
            "compare_completeness": compare_state,
            # A partial month is only ever shown because someone chose it; a
            # comparison with a partial month says so.
            "month_partial": month_state["partial"],
            "compare_partial": bool(compare_state and compare_state["partial"]),
        }
    return {
        **context,
        "period": period,
        "month": month_str(period.month),
        "compare": month_str(period.compare),
        "compare_param": "" if period.is_default_compare else month_str(period.compare),
        "months": known_months(rc),
        "data": data,
        "report": data["report"],
        "source": view["source"],
        "snapshot": (
            scope_revisions(
                [{key: value for key, value in snapshot.items() if key != "data"}],
                codes,
                named=named,
            )[0]
            if snapshot
            else None
        ),
        "revisions": (
            scope_revisions(revisions(rc, period.month), codes, named=named)
            if snapshot
            else []
        ),
        "differences": diffs,
        "query": urlencode(query),
        "live_query": urlencode({**query, "live": "1"}),
        # Downloads show what the page shows: the live figures when the
        # page does although the month is published.
        "export_query": urlencode(
            {**query, "live": "1"} if view["source"] == "live" and snapshot else query
        ),
        "can_publish": month_str(period.month) in known_months(rc),
        "is_secretary": named,
        "links": period_links(period),
    }


def cause_rows(causes: dict) -> list[dict]:
    return [
        {"key": key, "label": cause_label(key), **value}
        for key, value in causes.items()
    ]


def bad_period_message(error: Exception) -> str:
    return _("The month could not be read: %(error)s") % {"error": error}
