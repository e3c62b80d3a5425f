"""Downloads of the dashboard tables, the ranking and the case list.

Each export shows exactly what the page it comes from shows the same reader:
the same figures (published or live, from the same selectors) and the same
scoping. Cells go through workers.spreadsheet_safety.safe_cell.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _

from factory.figures.access import (
    get_workshop_for_reader,
    require_report_reader,
    visible_codes,
)
from factory.figures.bundles import people_bundle, report_view
from factory.figures.cache import ReportCache
from factory.figures.labels import measure_label
from factory.figures.lists import case_list
from factory.figures.reports import month_complete, not_reported
from factory.views.report_pages import (
    bad_period_message,
    cause_rows,
    read_period,
    wants_live,
)
from factory.views.report_pages import report_context as _report_context
from workers.models import Band
from workers.months import MonthError, month_str
from workers.roles import sees_named_causes
from workers.spreadsheet_safety import export_response

WORKSHOP_TABLES = {"ranking", "movers", "demonstrations"}
TABLES = {"workshops", "causes", "trend", "outcomes", "cases", *WORKSHOP_TABLES}


def _workshop_row(row: dict, *, complete: bool) -> list:
    """A workshop's line of the export. One that has not reported in a month
    that is not complete has no figures yet: its line says so, as the
    dashboard's row does, instead of zeros that read as a result."""
    if not_reported(row["workers_on_quota"], complete=complete):
        figures = [_("not reported")] * 4 + [row["compare_failing"], ""]
    else:
        figures = [
            row["workers_on_quota"],
            row["advanced"],
            row["advanced_share"],
            row["failing"],
            row["compare_failing"],
            row["failing"] - row["compare_failing"],
        ]
    return [row["code"], row["name"], *figures]


def _figures_table(table: str, data: dict):
    report = data["report"]
    if table == "workshops":
        header = [
            _("code"),
            _("workshop"),
            _("workers on quota"),
            _("advanced producers"),
            _("advanced share (%)"),
            _("below quota"),
            _("below quota in the compared month"),
            _("up or down"),
        ]
        complete = month_complete(report["completeness"])
        rows = [_workshop_row(row, complete=complete) for row in report["workshops"]]
    elif table == "causes":
        header = [_("cause"), _("workers below quota"), _("share (%)")]
        rows = [
            [row["label"], row["count"], row["share"]]
            for row in cause_rows(report["causes"])
        ]
    elif table == "trend":
        header = [
            _("month"),
            _("workers on quota"),
            _("advanced producers"),
            _("advanced share (%)"),
            _("below quota"),
        ]
        rows = [
            [
                point["month"],
                point["workers_on_quota"],
                point["advanced"],
                point["advanced_share"],
                point["failing"],
            ]
            for point in data["trend"]
        ]
    else:  # outcomes
        header = [
            _("measure"),
            _("help cases"),
            _("reached quota"),
            _("share that reached quota (%)"),
            _("median months to quota"),
        ]
        rows = [
            [
                measure_label(row["measure"]),
                row["cases"],
                row["reached"],
                row["reached_share"],
                row["median_months"],
            ]
            for row in data["outcomes"]["measures"]
        ]
    return header, rows


def _people_table(table: str, people: dict):
    if table == "demonstrations":
        header = [
            _("date"),
            _("technique shown"),
            _("demonstrator"),
            _("place"),
            _("attendance"),
        ]
        rows = [
            [d["date"], d["technique"], d["demonstrator"], d["place"], d["attendance"]]
            for d in people["demonstrations"]
        ]
        return header, rows
    header = [
        _("rank"),
        _("employee number"),
        _("worker's name"),
        _("trade"),
        _("quota"),
        _("output"),
        _("unit"),
        _("attainment (%)"),
        _("standing"),
    ]
    rows = [
        [
            row["rank"],
            row["employee_no"],
            row["name"],
            row["trade"],
            row["quota"],
            row["output"],
            row["unit"],
            row["attainment"],
            Band(row["band"]).label,
        ]
        for row in people[table]
    ]
    return header, rows


def _case_table(cases: list[dict], *, named_causes: bool):
    """The cases with their status. A named worker's cause and measure are
    personal data (workers.roles.sees_named_causes): only the secretary's side
    gets those columns; a director gets them as counts (the causes and
    outcomes tables), like on the pages."""
    columns = [
        ("employee_no", _("employee number")),
        ("name", _("worker's name")),
        ("workshop", _("workshop")),
        ("month", _("month opened")),
        ("cause", _("cause")),
        ("measure", _("measure")),
        ("status", _("status")),
        ("reached_quota_month", _("reached quota in")),
    ]
    if not named_causes:
        columns = [
            (key, label) for key, label in columns if key not in {"cause", "measure"}
        ]
    header = [label for _key, label in columns]
    return header, [[case[key] for key, _label in columns] for case in cases]


@login_required
def export(request, table, fmt):
    """/dashboard/export/<table>.<csv|xlsx>?month=&compare=&workshop=&live="""
    if table not in TABLES or fmt not in {"csv", "xlsx"}:
        raise Http404
    user = request.user
    require_report_reader(user)
    code = request.GET.get("workshop", "").strip()
    workshop = get_workshop_for_reader(user, code) if code else None
    if table in WORKSHOP_TABLES and workshop is None:
        return HttpResponseBadRequest(
            _("Choose a workshop for this table."),
            content_type="text/plain; charset=utf-8",
        )
    rc = ReportCache()
    try:
        period = read_period(request, rc)
    except MonthError as error:
        return HttpResponseBadRequest(
            bad_period_message(error), content_type="text/plain; charset=utf-8"
        )
    codes = {workshop.code} if workshop else visible_codes(user)
    if table == "cases":
        header, rows = _case_table(
            case_list(month=period.month, codes=codes, workshop=workshop),
            named_causes=sees_named_causes(user),
        )
    elif table in WORKSHOP_TABLES:
        header, rows = _people_table(table, people_bundle(rc, period, workshop))
    else:
        view = report_view(
            kind="dashboard",
            period=period,
            workshop=workshop,
            want_live=wants_live(request),
            rc=rc,
        )
        data = _report_context(request, view, period, codes, rc, page=False)["data"]
        header, rows = _figures_table(table, data)
    scope = workshop.code if workshop else "factory"
    filename = f"catchup-{month_str(period.month)}-{scope}-{table}"
    # The scope goes in the name only when it is ASCII (a header's limits).
    if not filename.isascii():
        filename = f"catchup-{month_str(period.month)}-{table}"
    return export_response(fmt, filename, table, header, rows)
