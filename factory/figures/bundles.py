"""Page bundles: what a dashboard, the bulletin or the JSON report shows.

The second floor of the read side (docs/ARCHITECTURE.md): the figures come
from factory.figures.reports and factory.figures.lists; this module groups them per
page, decides between a published revision and the live figures, scopes
them to what the reader may see, and caches them (factory.figures.cache). Views call
these and nothing below them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

from factory.figures.cache import ReportCache
from factory.figures.campaigns import campaigns_as_of, report_rows
from factory.figures.corrections import in_scope
from factory.figures.lists import (
    measures_taken,
    quota_decisions,
    reached_quota_cases,
    workshop_people,
)
from factory.figures.reports import (
    case_outcomes,
    counts_by_workshop,
    month_complete,
    movement_report,
    reported_comparison,
    shortfall_causes,
    trend,
)
from workers.completeness import (
    choose_default_month,
    completeness_of,
    describe,
    months_with_records,
)
from workers.models import Workshop
from workers.months import checked_month, month_str, parse_month, previous_month

# --------------------------------------------------------------------- months


def known_months(rc: ReportCache) -> list[str]:
    """Every month with records, latest first (YYYY-MM)."""
    return rc.get_or_compute(
        None, ("months",), lambda: [month_str(m) for m in months_with_records()]
    )


def all_completeness(rc: ReportCache) -> dict[str, dict]:
    """describe(completeness) of every month with records, by YYYY-MM (one
    computation for the month picker, the default month and the pages'
    banners; cached until any month's data changes)."""

    def compute() -> dict[str, dict]:
        months = [parse_month(m) for m in known_months(rc)]
        return {
            month_str(month): describe(state)
            for month, state in completeness_of(months).items()
        }

    return rc.get_or_compute(None, ("completeness-all",), compute)


def page_default_month(rc: ReportCache) -> dt.date:
    """The working month (workers.completeness.choose_default_month)."""
    return choose_default_month(
        {
            parse_month(month): state["complete"]
            for month, state in all_completeness(rc).items()
        }
    )


def months_completeness(rc: ReportCache, months: list[dt.date]) -> dict[str, dict]:
    """describe(completeness) of a few months, by YYYY-MM; a month without
    records is described as such (nothing reported)."""
    known = all_completeness(rc)
    wanted = {month_str(m): m for m in months}
    missing = [m for text, m in wanted.items() if text not in known]
    extra = {}
    if missing:
        extra = rc.get_or_compute(
            max(missing),
            ("completeness", *sorted(missing)),
            lambda: {
                month_str(m): describe(state)
                for m, state in completeness_of(missing).items()
            },
        )
    return {text: known.get(text) or extra[text] for text in wanted}


def month_completeness(rc: ReportCache, month: dt.date) -> dict:
    return months_completeness(rc, [month])[month_str(month)]


def picker_marks(rc: ReportCache) -> list[dict]:
    """Each known month with its completeness, for the month picker."""
    return [
        {"month": month, "complete": state["complete"]}
        for month, state in all_completeness(rc).items()
    ]


@dataclass(frozen=True)
class Period:
    """The month a page shows and the month it is compared with."""

    month: dt.date
    compare: dt.date
    # Whether the month was asked for, or is the working month by default.
    chosen: bool = False

    @property
    def is_default_compare(self) -> bool:
        return self.compare == previous_month(self.month)


def resolve_period(
    month_text: str | None, compare_text: str | None, rc: ReportCache
) -> Period:
    """The month and compared month a request asks for, with the defaults
    (the working month; the month before it).

    Raises MonthError (translated message) for a value that is not a month.
    """
    month_text = (month_text or "").strip()
    compare_text = (compare_text or "").strip()
    month = checked_month(month_text) if month_text else page_default_month(rc)
    compare = checked_month(compare_text) if compare_text else previous_month(month)
    return Period(month=month, compare=compare, chosen=bool(month_text))


# --------------------------------------------------------------- live bundles


def _jsonable(value):
    """What a snapshot would store: compared with one, a live bundle must
    have gone through the same JSON round trip."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def dashboard_bundle(
    *,
    month: dt.date,
    compare: dt.date,
    workshop: Workshop | None = None,
    month_completeness: dict | None = None,
    compare_complete: bool | None = None,
) -> dict:
    """Everything a dashboard shows for the factory or one workshop.

    ``reported`` is reports.reported_comparison: what the page compares
    when the month or the compared month is not complete (None when both
    are). ``compare_complete`` is reports.month_complete() of the compared
    month, worked out here when not given (the pages and publishing have
    it at hand)."""
    counts = counts_by_workshop(month=month, compare=compare, workshop=workshop)
    report = movement_report(
        month=month,
        compare=compare,
        workshop=workshop,
        month_completeness=month_completeness,
        counts=counts,
    )
    if compare_complete is None:
        compare = compare.replace(day=1)
        compare_complete = month_complete(
            completeness_of([compare])[compare].as_report()
        )
    return _jsonable(
        {
            "report": report,
            "reported": reported_comparison(
                counts,
                complete=month_complete(report["completeness"]),
                compare_complete=compare_complete,
            ),
            "trend": trend(month=month, workshop=workshop),
            "outcomes": case_outcomes(month=month, workshop=workshop),
        }
    )


def bulletin_bundle(
    *, month: dt.date, compare: dt.date, month_completeness: dict | None = None
) -> dict:
    """Everything the monthly bulletin shows."""
    report = movement_report(
        month=month, compare=compare, month_completeness=month_completeness
    )
    return _jsonable(
        {
            "report": report,
            "compare_causes": shortfall_causes(month=compare),
            "measures": measures_taken(month=month, compare=compare),
            "reached_cases": reached_quota_cases(month=month),
            "quota_decisions": quota_decisions(
                month=month, groups=report["quota_reviews"]
            ),
        }
    )


def report_bundle(
    *,
    month: dt.date,
    compare: dt.date,
    workshop: Workshop | None = None,
    month_completeness: dict | None = None,
) -> dict:
    return _jsonable(
        {
            "report": movement_report(
                month=month,
                compare=compare,
                workshop=workshop,
                month_completeness=month_completeness,
            )
        }
    )


def snapshot_data(*, month: dt.date, compare: dt.date) -> dict:
    """What publishing a month freezes: the dashboards of the factory and of
    every workshop, and the bulletin."""
    # Both months' completeness once, for every dashboard of the month.
    states = completeness_of([month, compare])
    month_state = states[month.replace(day=1)].as_report()
    compare_complete = month_complete(states[compare.replace(day=1)].as_report())

    def dashboard(workshop: Workshop | None) -> dict:
        return dashboard_bundle(
            month=month,
            compare=compare,
            workshop=workshop,
            month_completeness=month_state,
            compare_complete=compare_complete,
        )

    return {
        "factory": dashboard(None),
        "workshops": {
            workshop.code: dashboard(workshop) for workshop in Workshop.objects.all()
        },
        "bulletin": {
            key: value
            for key, value in bulletin_bundle(
                month=month, compare=compare, month_completeness=month_state
            ).items()
            if key != "report"
        },
    }


def people_bundle(rc: ReportCache, period: Period, workshop: Workshop) -> dict:
    """A workshop's ranking, movers and demonstrations (always live)."""
    return rc.get_or_compute(
        max(period.month, period.compare),
        ("people", period.month, period.compare, workshop.code),
        lambda: workshop_people(
            month=period.month, compare=period.compare, workshop=workshop
        ),
    )


def campaign_states(rc: ReportCache, month: dt.date) -> list[dict]:
    """Every campaign started by ``month``, as of it (factory.figures.campaigns),
    cached under the tokens of the month and the months before: its figures
    read no later month, and setting or revising one announces the month it
    is shown from."""
    month = month.replace(day=1)
    return rc.get_or_compute(
        month, ("campaigns", month), lambda: _jsonable(campaigns_as_of(month))
    )


def with_campaigns(data: dict, states: list[dict], workshop: Workshop | None) -> dict:
    """A bundle with the campaigns of its scope: a workshop's own, or for
    the factory every one (scope_data then leaves a reader the factory's and
    their workshops'). The report carries them as the JSON does
    (``report["campaigns"]``), the pages read the burn-down beside it
    (``campaigns``). Added to published figures as to live ones: a
    campaign is the committee's plan, never frozen by publishing (like the
    ranking), and a revision's changes never count it."""
    if workshop is not None:
        states = [state for state in states if state["workshop"] == workshop.code]
    return {
        **data,
        "report": {**data["report"], "campaigns": report_rows(states)},
        "campaigns": states,
    }


# ------------------------------------------------------- published or live


def revisions(rc: ReportCache, month: dt.date) -> list[dict]:
    """The published revisions of a month, latest first (no data)."""
    from factory.models import MonthSnapshot

    def load() -> list[dict]:
        return [
            {
                "revision": snapshot.revision,
                "compare_month": month_str(snapshot.compare_month),
                "published_at": snapshot.published_at,
                "published_by": snapshot.published_by.get_full_name()
                or snapshot.published_by.get_username(),
                "reason": snapshot.reason,
                "changes": snapshot.changes,
            }
            for snapshot in MonthSnapshot.objects.filter(month=month)
            .select_related("published_by")
            .order_by("-revision")
        ]

    return rc.get_or_compute(month, ("revisions", month), load)


def _snapshot(rc: ReportCache, month: dt.date, revision: int | None) -> dict | None:
    """A revision of the month (the latest for None), with its data."""
    from factory.models import MonthSnapshot

    listed = revisions(rc, month)
    if not listed:
        return None
    wanted = listed[0] if revision is None else None
    if wanted is None:
        wanted = next((r for r in listed if r["revision"] == revision), None)
        if wanted is None:
            return None

    def load() -> dict:
        return (
            MonthSnapshot.objects.filter(month=month, revision=wanted["revision"])
            .values_list("data", flat=True)
            .get()
        )

    data = rc.get_or_compute(month, ("snapshot", month, wanted["revision"]), load)
    return {
        **wanted,
        "data": data,
        "latest": wanted["revision"] == listed[0]["revision"],
    }


def _published_part(snapshot: dict, kind: str, workshop: Workshop | None):
    data = snapshot["data"]
    if kind == "bulletin":
        return {"report": data["factory"]["report"], **data["bulletin"]}
    part = data["factory"] if workshop is None else data["workshops"].get(workshop.code)
    if part is None:
        return None
    if kind == "report":
        return {"report": part["report"]}
    return part


def _with_revision(data: dict, revision: int) -> dict:
    """Published figures say which revision they are (docs/ARCHITECTURE.md)."""
    data = copy.deepcopy(data)
    data["report"]["revision"] = revision
    return data


def report_view(
    *,
    kind: str,
    period: Period,
    workshop: Workshop | None = None,
    want_live: bool = False,
    revision: int | None = None,
    rc: ReportCache,
) -> dict:
    """The figures a page shows, published or live, with both at hand.

    kind is "dashboard" (the factory's or one workshop's), "report" (the
    movement report alone, for the JSON) or "bulletin". ``revision`` asks
    for one published revision (default: the latest).
    Returns {"source": "published" | "live" | "draft", "data", "published",
    "live", "snapshot"}. A month is shown published when it has a revision
    compared with the same month and the reader did not ask for live
    figures; "draft" means the month is not published yet.
    """
    code = workshop.code if workshop else "-"
    month, compare = period.month, period.compare

    def compute():
        state = month_completeness(rc, month)["report"]
        if kind == "bulletin":
            return bulletin_bundle(
                month=month, compare=compare, month_completeness=state
            )
        if kind == "report":
            return report_bundle(
                month=month,
                compare=compare,
                workshop=workshop,
                month_completeness=state,
            )
        return dashboard_bundle(
            month=month,
            compare=compare,
            workshop=workshop,
            month_completeness=state,
            # A compared month without records is not among them: nothing
            # reported (and no queries for it).
            compare_complete=month_complete(
                all_completeness(rc).get(month_str(compare))
            ),
        )

    # Figures of the month read data of it and of earlier months, and of the
    # compared month (which may be a later one).
    depends_on = max(month, compare)
    live = rc.get_or_compute(depends_on, ("live", kind, month, compare, code), compute)
    snapshot = _snapshot(rc, month, revision)
    published = None
    if snapshot and snapshot["compare_month"] == month_str(compare):
        published = _published_part(snapshot, kind, workshop)
        if published is not None:
            published = _with_revision(published, snapshot["revision"])
    if published is None:
        source = "live" if snapshot else "draft"
    else:
        source = "live" if want_live else "published"
    return {
        "source": source,
        "data": with_campaigns(
            published if source == "published" else live,
            campaign_states(rc, month),
            workshop,
        ),
        "published": published,
        "live": live,
        "snapshot": snapshot,
    }


# ------------------------------------------------------------------ scoping


def scope_data(data: dict, codes: set[str] | None, *, named: bool) -> dict:
    """The part of a bundle the reader may see.

    codes None: every workshop. Otherwise per-workshop rows are kept only
    for those codes (factory totals stay). Cases that reached quota are
    named only when ``named`` (the secretary); the others read their counts
    and anonymous examples.
    """
    data = dict(data)
    if codes is not None:
        if "report" in data:
            report = dict(data["report"])
            report["workshops"] = [
                row for row in report["workshops"] if row["code"] in codes
            ]
            if "quota_reviews" in report:  # not in revisions published before
                report["quota_reviews"] = [
                    row for row in report["quota_reviews"] if row["workshop"] in codes
                ]
            if "campaigns" in report:
                report["campaigns"] = _campaigns_in(report["campaigns"], codes)
            data["report"] = report
        if "quota_decisions" in data:
            data["quota_decisions"] = [
                row for row in data["quota_decisions"] if row["workshop"] in codes
            ]
        if "campaigns" in data:
            data["campaigns"] = _campaigns_in(data["campaigns"], codes)
        if "measures" in data:
            measures = json.loads(json.dumps(data["measures"]))
            demos = measures["demonstrations"]
            demos["workshops"] = [
                row for row in demos["workshops"] if row["code"] in codes
            ]
            data["measures"] = measures
        if "reached_cases" in data:
            reached = data["reached_cases"]
            data["reached_cases"] = {
                "workshops": [
                    row for row in reached["workshops"] if row["code"] in codes
                ],
                "named": [
                    case for case in reached["named"] if case["workshop_code"] in codes
                ],
            }
    if "reached_cases" in data and not named:
        data["reached_cases"] = {**data["reached_cases"], "named": []}
    return data


def _campaigns_in(campaigns: list[dict], codes: set[str]) -> list[dict]:
    """The factory's campaigns and those of the workshops of ``codes``."""
    return [row for row in campaigns if row["workshop"] in (None, *codes)]


def scope_revisions(
    listed: list[dict], codes: set[str] | None, *, named: bool
) -> list[dict]:
    """Published revisions (``revisions()``) as the reader may see them, as
    scope_data scopes the figures: the changes of the factory's totals and of
    the workshops of ``codes`` (None: every one). The reason for a
    correction is the secretary's free text, which may name any worker of
    any workshop: only ``named`` readers (the secretary's side) read it."""
    return [
        {
            **row,
            "reason": row["reason"] if named else "",
            "changes": [
                change for change in row["changes"] if in_scope(change["figure"], codes)
            ],
        }
        for row in listed
    ]


def flatten(value, prefix: str = "") -> dict[str, object]:
    """A bundle's values by path, lists keyed by code, month or measure
    (movement_report's CSV)."""
    if isinstance(value, dict):
        flat: dict[str, object] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list):
        flat = {}
        for index, item in enumerate(value):
            name = str(index)
            if isinstance(item, dict) and "start_month" in item:
                # A campaign: its scope ("-": the factory), measure and start.
                name = f"{item['workshop'] or '-'}.{item['measure']}"
                name += f".{item['start_month']}"
            elif isinstance(item, dict):
                for key in ("code", "month", "measure"):
                    if key in item:
                        name = str(item[key])
                        break
            flat.update(flatten(item, f"{prefix}.{name}"))
        return flat
    return {prefix: value}
