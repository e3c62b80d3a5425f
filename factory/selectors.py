"""Read-side data for the dashboards, the bulletin, the JSON report and exports.

The movement figures come from factory.reports; this module adds what the
pages need around them (case outcomes by measure, the ranking, measures taken),
decides between published and live figures, scopes them to what the reader
may see, and caches them (factory.selectors_cache). Views only call these.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Sum,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.models import (
    AssistanceCase,
    CaseOutcome,
    CaseStatus,
    Demonstration,
    FollowUp,
    FollowUpKind,
    Measure,
)
from factory.reports import (
    months_with_records,
    movement_report,
    share,
    shortfall_causes,
    trend,
)
from factory.roles import is_secretary
from factory.selectors_cache import ReportCache
from workers.models import (
    ADVANCED,
    MEETS_QUOTA,
    AdvancedStandard,
    Cause,
    PoliticalStatus,
    ProductionRecord,
    Workshop,
)
from workers.months import (
    MonthError,
    add_months,
    first_of_month,
    month_str,
    parse_month,
    previous_month,
)

# --------------------------------------------------------------------- labels

UNCLASSIFIED_LABEL = gettext_lazy("not classified")
ACTIVIST_LABEL = gettext_lazy("activist")


def cause_label(key: str) -> str:
    if key == "unclassified":
        return str(UNCLASSIFIED_LABEL)
    return str(dict(Cause.choices).get(key, key))


def measure_label(key: str) -> str:
    return str(dict(Measure.choices).get(key, key))


def helper_kind_label(key: str) -> str:
    if key == "activist":
        return str(ACTIVIST_LABEL)
    return str(dict(PoliticalStatus.choices).get(key, key))


# --------------------------------------------------------------------- access


def require_report_reader(user) -> None:
    """Dashboards, bulletin and JSON: the secretary and managers, else 403."""
    if not (is_secretary(user) or user.has_perm("workers.view_workshop")):
        raise PermissionDenied


def visible_codes(user) -> set[str] | None:
    """Codes of the workshops whose own figures the user may see; None = all."""
    if is_secretary(user):
        return None
    return set(Workshop.objects.visible_to(user).values_list("code", flat=True))


def get_workshop_for_reader(user, code: str) -> Workshop:
    """A workshop the reader may see: 403 for non-readers, 404 for outsiders."""
    require_report_reader(user)
    if "\x00" in code:  # PostgreSQL refuses NUL in a parameter (a 500)
        raise Http404
    return get_object_or_404(Workshop.objects.visible_to(user), code=code)


# --------------------------------------------------------------------- months


@dataclass(frozen=True)
class Period:
    month: dt.date
    compare: dt.date

    @property
    def is_default_compare(self) -> bool:
        return self.compare == previous_month(self.month)


def checked_month(text: str) -> dt.date:
    month = parse_month(text)
    # Keeps add_months() and the 12-month trend inside the calendar.
    if not 1900 <= month.year <= 2999:
        raise MonthError(
            _("“%(value)s” is outside the years 1900 to 2999.") % {"value": text}
        )
    return month


def latest_month(rc: ReportCache) -> dt.date:
    """The latest month with records; this month when there are none."""
    months = rc.get_or_compute(
        ("months",), lambda: [month_str(m) for m in months_with_records()]
    )
    if months:
        return parse_month(months[0])
    return first_of_month(dt.date.today())


def known_months(rc: ReportCache) -> list[str]:
    return rc.get_or_compute(
        ("months",), lambda: [month_str(m) for m in months_with_records()]
    )


def resolve_period(
    month_text: str | None, compare_text: str | None, rc: ReportCache
) -> Period:
    """The month and compared month a request asks for, with the defaults.

    Raises MonthError (translated message) for a value that is not a month.
    """
    month_text = (month_text or "").strip()
    compare_text = (compare_text or "").strip()
    month = checked_month(month_text) if month_text else latest_month(rc)
    compare = checked_month(compare_text) if compare_text else previous_month(month)
    return Period(month=month, compare=compare)


# -------------------------------------------------------------- case outcomes


def _reached(status: str, outcome: str) -> bool:
    return status == CaseStatus.REACHED_QUOTA or (
        status == CaseStatus.CLOSED and outcome == CaseOutcome.REACHED_QUOTA
    )


def _month_index(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


def case_outcomes(*, month: dt.date, workshop: Workshop | None = None) -> dict:
    """Outcomes by measure of the cases opened in or before the month.

    A case *reached quota* if it is in that status now or was closed with
    that outcome; months to quota run from the month opened to the month of
    the record that met quota. One query, grouped (the groups are bounded by
    measures × months, not by the number of cases).
    """
    cases = AssistanceCase.objects.filter(month__lte=month)
    if workshop is not None:
        cases = cases.filter(worker__workshop=workshop)
    rows = (
        cases.values("measure", "status", "outcome", "month", "reached_quota_month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    totals = {measure: {"cases": 0, "reached": 0, "months": []} for measure in Measure}
    reached_this_month = 0
    for row in rows:
        entry = totals.setdefault(
            row["measure"], {"cases": 0, "reached": 0, "months": []}
        )
        entry["cases"] += row["count"]
        if not _reached(row["status"], row["outcome"]):
            continue
        entry["reached"] += row["count"]
        reached_in = row["reached_quota_month"]
        if reached_in is not None:
            months = _month_index(reached_in) - _month_index(row["month"])
            entry["months"].extend([months] * row["count"])
            if reached_in == month:
                reached_this_month += row["count"]
    measures = []
    for measure, entry in totals.items():
        median = statistics.median(entry["months"]) if entry["months"] else None
        measures.append(
            {
                "measure": str(measure),
                "cases": entry["cases"],
                "reached": entry["reached"],
                "reached_share": share(entry["reached"], entry["cases"]),
                "median_months": None if median is None else float(median),
            }
        )
    return {"measures": measures, "reached_this_month": reached_this_month}


# -------------------------------------------------------------- live bundles


def _jsonable(value):
    """What a snapshot would store: compared with one, a live bundle must
    have gone through the same JSON round trip."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def dashboard_bundle(
    *, month: dt.date, compare: dt.date, workshop: Workshop | None = None
) -> dict:
    """Everything a dashboard shows for the factory or one workshop."""
    # The standards are read once for both queries that count advanced ones.
    schedule = AdvancedStandard.schedule()
    return _jsonable(
        {
            "report": movement_report(
                month=month, compare=compare, workshop=workshop, schedule=schedule
            ),
            "trend": trend(month=month, workshop=workshop, schedule=schedule),
            "outcomes": case_outcomes(month=month, workshop=workshop),
        }
    )


def _period_bounds(month: dt.date, compare: dt.date) -> tuple[dt.date, dt.date]:
    """The months whose work the bulletin reports: from the compared month to
    the end of the month (only the month itself when compared with a later
    one)."""
    return min(month, compare), add_months(month, 1)


def _helper_kind(political_status: str, is_activist: bool) -> str:
    if political_status != PoliticalStatus.MASSES:
        return political_status
    return "activist" if is_activist else PoliticalStatus.MASSES


def measures_taken(*, month: dt.date, compare: dt.date) -> dict:
    """Demonstrations and attendance, members assigned, cases opened and aid
    granted over the reported period (four queries)."""
    start, end = _period_bounds(month, compare)
    demonstrations = (
        Demonstration.objects.filter(date__gte=start, date__lt=end)
        .values("workshop__code", "workshop__name")
        .annotate(count=Count("pk", distinct=True), attendance=Count("attendees"))
        .order_by("workshop__code")
    )
    per_workshop = [
        {
            "code": row["workshop__code"],
            "name": row["workshop__name"],
            "count": row["count"],
            "attendance": row["attendance"],
        }
        for row in demonstrations
    ]
    through = AssistanceCase.helpers.through
    helper_rows = (
        through.objects.filter(
            assistancecase__month__gte=start, assistancecase__month__lt=end
        )
        .values("worker__political_status", "worker__is_activist")
        .annotate(count=Count("worker", distinct=True))
        .order_by()
    )
    helpers = dict.fromkeys(
        [*(s.value for s in PoliticalStatus if s != "masses"), "activist", "masses"], 0
    )
    for row in helper_rows:
        kind = _helper_kind(row["worker__political_status"], row["worker__is_activist"])
        helpers[kind] += row["count"]
    opened = dict.fromkeys(Measure.values, 0)
    for row in (
        AssistanceCase.objects.filter(month__gte=start, month__lt=end)
        .values("measure")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        opened[row["measure"]] = row["count"]
    aid = FollowUp.objects.filter(
        kind=FollowUpKind.AID_GRANTED, date__gte=start, date__lt=end
    ).aggregate(total=Sum("aid_amount"), grants=Count("pk"))
    return {
        "start": month_str(start),
        "end": month_str(add_months(end, -1)),
        "demonstrations": {
            "count": sum(row["count"] for row in per_workshop),
            "attendance": sum(row["attendance"] for row in per_workshop),
            "workshops": per_workshop,
        },
        "helpers": {"total": sum(helpers.values()), **helpers},
        "cases_opened": opened,
        "aid": {"grants": aid["grants"], "total": f"{aid['total'] or Decimal(0):.2f}"},
    }


def reached_quota_cases(*, month: dt.date) -> list[dict]:
    """Cases whose worker reached quota in the month, with names (two
    queries). Views anonymise them for everyone but the secretary."""
    cases = (
        AssistanceCase.objects.filter(reached_quota_month=month)
        .filter(
            Q(status=CaseStatus.REACHED_QUOTA)
            | Q(status=CaseStatus.CLOSED, outcome=CaseOutcome.REACHED_QUOTA)
        )
        .select_related("worker__workshop")
        .prefetch_related("helpers")
        .order_by("worker__workshop__code", "worker__employee_no")
    )
    return [
        {
            "employee_no": case.worker.employee_no,
            "name": case.worker.name,
            "workshop_code": case.worker.workshop.code,
            "workshop_name": case.worker.workshop.name,
            "cause": case.cause,
            "measure": case.measure,
            "opened": month_str(case.month),
            "helpers": [
                {
                    "name": helper.name,
                    "kind": _helper_kind(helper.political_status, helper.is_activist),
                }
                for helper in sorted(case.helpers.all(), key=lambda w: w.employee_no)
            ],
        }
        for case in cases
    ]


def bulletin_bundle(*, month: dt.date, compare: dt.date) -> dict:
    """Everything the monthly bulletin shows."""
    return _jsonable(
        {
            "report": movement_report(month=month, compare=compare),
            "compare_causes": shortfall_causes(month=compare),
            "measures": measures_taken(month=month, compare=compare),
            "reached_cases": reached_quota_cases(month=month),
        }
    )


def snapshot_data(*, month: dt.date, compare: dt.date) -> dict:
    """What publishing a month freezes: the dashboards of the factory and of
    every workshop, and the bulletin."""
    return {
        "factory": dashboard_bundle(month=month, compare=compare),
        "workshops": {
            workshop.code: dashboard_bundle(
                month=month, compare=compare, workshop=workshop
            )
            for workshop in Workshop.objects.all()
        },
        "bulletin": {
            key: value
            for key, value in bulletin_bundle(month=month, compare=compare).items()
            if key != "report"
        },
    }


# ------------------------------------------------------- published or live


def _snapshot(month: dt.date, rc: ReportCache) -> dict | None:
    from factory.models import MonthSnapshot

    def load() -> dict:
        snapshot = (
            MonthSnapshot.objects.filter(month=month)
            .select_related("published_by")
            .first()
        )
        if snapshot is None:
            return {"exists": False}
        return {
            "exists": True,
            "compare_month": month_str(snapshot.compare_month),
            "published_at": snapshot.published_at,
            "published_by": snapshot.published_by.get_full_name()
            or snapshot.published_by.get_username(),
            "data": snapshot.data,
        }

    snapshot = rc.get_or_compute(("snapshot", month), load)
    return snapshot if snapshot["exists"] else None


def _published_part(snapshot: dict, kind: str, workshop: Workshop | None):
    data = snapshot["data"]
    if kind == "bulletin":
        return {"report": data["factory"]["report"], **data["bulletin"]}
    part = data["factory"] if workshop is None else data["workshops"].get(workshop.code)
    if kind == "report" and part is not None:
        return {"report": part["report"]}
    return part


def report_view(
    *,
    kind: str,
    period: Period,
    workshop: Workshop | None = None,
    want_live: bool = False,
    rc: ReportCache,
) -> dict:
    """The figures a page shows, published or live, with both at hand.

    kind is "dashboard" (the factory's or one workshop's), "report" (the
    movement report alone, for the JSON) or "bulletin".
    Returns {"source": "published" | "live" | "draft", "data", "published",
    "live", "snapshot"}. A month is shown published when it has a snapshot
    compared with the same month and the reader did not ask for live
    figures; "draft" means the month is not published yet.
    """
    code = workshop.code if workshop else "-"
    month, compare = period.month, period.compare
    if kind == "bulletin":

        def compute():
            return bulletin_bundle(month=month, compare=compare)
    elif kind == "report":

        def compute():
            report = movement_report(month=month, compare=compare, workshop=workshop)
            return _jsonable({"report": report})
    else:

        def compute():
            return dashboard_bundle(month=month, compare=compare, workshop=workshop)

    live = rc.get_or_compute(("live", kind, month, compare, code), compute)
    snapshot = _snapshot(month, rc)
    published = None
    if snapshot and snapshot["compare_month"] == month_str(compare):
        published = _published_part(snapshot, kind, workshop)
    if published is None:
        source = "live" if snapshot else "draft"
    else:
        source = "live" if want_live else "published"
    return {
        "source": source,
        "data": published if source == "published" else live,
        "published": published,
        "live": live,
        "snapshot": snapshot,
    }


# ------------------------------------------------------------------ scoping


def scope_data(data: dict, codes: set[str] | None, *, named: bool) -> dict:
    """The part of a bundle the reader may see.

    codes None: every workshop. Otherwise per-workshop rows are kept only
    for those codes (factory totals stay). Cases that reached quota keep
    their names only when ``named`` (the secretary).
    """
    data = dict(data)
    if codes is not None:
        if "report" in data:
            report = dict(data["report"])
            report["workshops"] = [
                row for row in report["workshops"] if row["code"] in codes
            ]
            data["report"] = report
        if "measures" in data:
            measures = json.loads(json.dumps(data["measures"]))
            demos = measures["demonstrations"]
            demos["workshops"] = [
                row for row in demos["workshops"] if row["code"] in codes
            ]
            data["measures"] = measures
        if "reached_cases" in data:
            data["reached_cases"] = [
                case for case in data["reached_cases"] if case["workshop_code"] in codes
            ]
    if "reached_cases" in data and not named:
        data["reached_cases"] = [
            {
                "workshop_code": case["workshop_code"],
                "workshop_name": case["workshop_name"],
                "cause": case["cause"],
                "measure": case["measure"],
                "opened": case["opened"],
            }
            for case in data["reached_cases"]
        ]
    return data


def flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        flat: dict[str, object] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list):
        flat = {}
        for index, item in enumerate(value):
            name = str(index)
            if isinstance(item, dict):
                for key in ("code", "month", "measure"):
                    if key in item:
                        name = str(item[key])
                        break
            flat.update(flatten(item, f"{prefix}.{name}"))
        return flat
    return {prefix: value}


def differences(published: dict | None, live: dict) -> list[dict]:
    """Figures that differ between the published and the live data.

    Cases that reached quota are compared by their number only, so that no
    name reaches a list of differences.
    """
    if published is None:
        return []

    def comparable(data: dict) -> dict:
        data = dict(data)
        if "reached_cases" in data:
            data["reached_cases"] = len(data["reached_cases"])
        return data

    before, now = flatten(comparable(published)), flatten(comparable(live))
    return [
        {"figure": key, "published": before.get(key), "live": now.get(key)}
        for key in sorted(set(before) | set(now))
        if before.get(key) != now.get(key)
    ]


# ------------------------------------------------------------ workshop lists


def workshop_people(*, period: Period, workshop: Workshop) -> dict:
    """The workshop's ranking for the month, who moved from below quota to
    advanced, and its demonstrations over the period (two queries; always
    live: these are lists of people, not published figures)."""
    below_before = ProductionRecord.objects.for_month(period.compare).filter(
        worker=OuterRef("worker")
    )
    records = (
        ProductionRecord.objects.for_month(period.month)
        .filter(worker__workshop=workshop)
        .with_standing()
        .annotate(
            is_advanced=ExpressionWrapper(ADVANCED, output_field=BooleanField()),
            is_meeting=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField()),
            was_below=Exists(below_before.below_quota()),
        )
        .select_related("worker")
        .order_by("-attainment", "worker__employee_no")
    )
    ranking = []
    rank, previous = 0, None
    for position, record in enumerate(records, start=1):
        if record.attainment != previous:
            rank, previous = position, record.attainment
        if record.is_advanced:
            band = "advanced"
        elif record.is_meeting:
            band = "meets"
        else:
            band = "below"
        ranking.append(
            {
                "rank": rank,
                "employee_no": record.worker.employee_no,
                "name": record.worker.name,
                "trade": record.worker.trade,
                "quota": record.quota,
                "output": record.output,
                "unit": record.unit,
                "attainment": record.attainment,
                "band": band,
                "was_below": record.was_below,
                "worker_id": record.worker_id,
            }
        )
    start, end = _period_bounds(period.month, period.compare)
    demonstrations = [
        {
            "date": demo.date,
            "technique": demo.technique,
            "demonstrator": demo.demonstrator.name,
            "place": demo.place,
            "attendance": demo.attendance,
        }
        for demo in Demonstration.objects.filter(
            workshop=workshop, date__gte=start, date__lt=end
        )
        .select_related("demonstrator")
        .annotate(attendance=Count("attendees"))
        .order_by("date", "pk")
    ]
    return {
        "ranking": ranking,
        "movers": [
            row for row in ranking if row["was_below"] and row["band"] == "advanced"
        ],
        "demonstrations": demonstrations,
    }


def case_list(*, month: dt.date, codes: set[str] | None, workshop=None) -> list[dict]:
    """The cases counted by the report for the month (opened in or before
    it), with their present status; no notes, no private matters."""
    cases = AssistanceCase.objects.filter(month__lte=month)
    if workshop is not None:
        cases = cases.filter(worker__workshop=workshop)
    if codes is not None:
        cases = cases.filter(worker__workshop__code__in=codes)
    return [
        {
            "employee_no": case.worker.employee_no,
            "name": case.worker.name,
            "workshop": case.worker.workshop.name,
            "month": month_str(case.month),
            "cause": case.get_cause_display(),
            "measure": case.get_measure_display(),
            "status": case.get_status_display(),
            "reached_quota_month": month_str(case.reached_quota_month)
            if case.reached_quota_month
            else "",
        }
        for case in cases.select_related("worker__workshop").order_by(
            "worker__workshop__code", "worker__employee_no", "month"
        )
    ]
