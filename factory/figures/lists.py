"""Figures that name people or count the committee's work: the bulletin's
measures taken, honour list and quota review decisions, a workshop's
ranking and movers, the case list behind the dashboards' exports.

Part of the figures floor with factory.figures.reports (docs/ARCHITECTURE.md): no
caching, no scoping to a reader here. Like every figure of month M, these
read only data effective in or before M.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from assistance import outcomes, standing
from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseStatus,
    Demonstration,
    FollowUp,
    FollowUpKind,
    Measure,
)
from factory.figures import summaries
from workers.experience_effect import effects_as_of
from workers.models import (
    Cause,
    Experience,
    PoliticalStatus,
    ProductionRecord,
    QuotaReview,
    Workshop,
)
from workers.months import add_months, month_str


def period_bounds(month: dt.date, compare: dt.date) -> tuple[dt.date, dt.date]:
    """The months whose work the bulletin reports: from the compared month to
    the end of the month (only the month itself when compared with a later
    one). Returns [start, end)."""
    return min(month, compare), add_months(month, 1)


def helper_kind(political_status: str, is_activist: bool) -> str:
    if political_status != PoliticalStatus.MASSES:
        return political_status
    return "activist" if is_activist else PoliticalStatus.MASSES


def _opening_measure() -> Coalesce:
    """The measure a case was opened with (its opening event's)."""
    opening = CaseEvent.objects.filter(
        case=OuterRef("pk"), from_status="", kind="status"
    ).exclude(measure="")
    return Coalesce(
        Subquery(opening.values("measure")[:1]), F("measure"), output_field=CharField()
    )


def measures_taken(*, month: dt.date, compare: dt.date) -> dict:
    """Demonstrations and attendance with the effect of each experience
    demonstrated, members assigned, cases opened and aid granted over the
    reported period (seven queries).

    Cases opened count by the measure they were opened with. Members
    assigned are the helpers the cases opened in the period have now: the
    assignment itself has no history (a change is traced on the case page),
    which is why a published bulletin freezes this figure.
    """
    start, end = period_bounds(month, compare)
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
        kind = helper_kind(row["worker__political_status"], row["worker__is_activist"])
        helpers[kind] += row["count"]
    opened = dict.fromkeys(Measure.values, 0)
    for row in (
        AssistanceCase.objects.filter(month__gte=start, month__lt=end)
        .annotate(opened_with=_opening_measure())
        .values("opened_with")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        opened[row["opened_with"]] = row["count"]
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
            **demonstrated_effects(start=start, end=end, month=month),
        },
        "helpers": {"total": sum(helpers.values()), **helpers},
        "cases_opened": opened,
        "aid": {"grants": aid["grants"], "total": f"{aid['total'] or Decimal(0):.2f}"},
    }


def demonstrated_effects(*, start: dt.date, end: dt.date, month: dt.date) -> dict:
    """The effect as of ``month`` of each experience demonstrated in
    [start, end) (workers.experience_effect; three queries), by name:
    ``experiences``, rows of ``name``, ``learners``, ``others``, ``points``
    (None when too few to tell) and ``months``; ``effects_shown``, how many
    have their points. Kept with the bulletin's figures, so a published one
    keeps what it said."""
    demonstrated = list(
        Experience.objects.filter(
            Exists(
                Demonstration.objects.filter(
                    experience=OuterRef("pk"), date__gte=start, date__lt=end
                )
            )
        ).order_by("name")
    )
    effects = effects_as_of(demonstrated, month)
    rows = [
        {"name": experience.name, **effects[experience.pk].as_data()}
        for experience in demonstrated
    ]
    return {
        "experiences": rows,
        "effects_shown": sum(1 for row in rows if row["points"] is not None),
    }


def reached_quota_cases(*, month: dt.date) -> dict:
    """The cases that reached quota in the month (docs/ARCHITECTURE.md), as
    the bulletin tells them (three queries, whatever the number of cases):

    - ``workshops``: a row per workshop with any, by code — ``code``,
      ``name``, ``count``, ``by_measure`` and ``examples``, the first
      EXAMPLES_PER_CAUSE of each cause as {"cause", "measure"};
    - ``named``: the first EXAMPLES_PER_CAUSE of each cause over the whole
      factory (workshops by code, then the earliest opened), with names and
      helpers.

    Counted on the monthly summaries by assistance.outcomes.reached_counts.
    Bundles drop ``named`` for everyone but the secretary; the total is the
    dashboard's "reached quota this month".
    """
    rows = summaries.reached_by_workshop(month.replace(day=1))
    factory_first = outcomes.merge_reached(rows)["first"]
    ids = [pk for cases in factory_first.values() for pk, _measure in cases]
    found = (
        AssistanceCase.objects.select_related("worker__workshop")
        .prefetch_related("helpers")
        .in_bulk(ids)
        if ids
        else {}
    )
    named = []
    for row in rows:
        for cause, cases in sorted(row["first"].items()):
            for pk, measure in cases:
                if pk not in found:
                    continue
                case = found[pk]
                named.append(
                    {
                        "employee_no": case.worker.employee_no,
                        "name": case.worker.name,
                        "workshop_code": row["code"],
                        "workshop_name": row["name"],
                        "cause": cause,
                        "measure": measure,
                        "opened": month_str(case.month),
                        "helpers": [
                            {
                                "name": helper.name,
                                "kind": helper_kind(
                                    helper.political_status, helper.is_activist
                                ),
                            }
                            for helper in sorted(
                                case.helpers.all(), key=lambda w: w.employee_no
                            )
                        ],
                    }
                )
    return {
        "workshops": [
            {
                "code": row["code"],
                "name": row["name"],
                "count": row["count"],
                "by_measure": row["by_measure"],
                "examples": [
                    {"cause": cause, "measure": measure}
                    for cause, cases in sorted(row["first"].items())
                    for _pk, measure in cases
                ],
            }
            for row in rows
        ],
        "named": named,
    }


def quota_decisions(*, month: dt.date, groups: list[dict]) -> list[dict]:
    """The committee's decisions on the month's quota reviews, for the
    bulletin, by workshop code and trade (one query). ``groups`` is the
    movement report's ``quota_reviews``: each decision carries its group's
    figures from there (none when the group no longer is one)."""
    figures = {(group["workshop"], group["trade"]): group for group in groups}
    rows = []
    for review in (
        QuotaReview.objects.filter(month=month.replace(day=1))
        .select_related("workshop")
        .order_by("workshop__code", "trade")
    ):
        group = figures.get((review.workshop.code, review.trade), {})
        rows.append(
            {
                "workshop": review.workshop.code,
                "workshop_name": review.workshop.name,
                "trade": review.trade,
                "decision": review.decision,
                "revise_from": month_str(review.revise_from)
                if review.revise_from
                else None,
                "reason": review.reason,
                "workers": group.get("workers"),
                "failing": group.get("failing"),
            }
        )
    return rows


def workshop_people(*, month: dt.date, compare: dt.date, workshop: Workshop) -> dict:
    """The workshop's ranking for the month, who moved from below quota to
    advanced, and its demonstrations over the period (two queries; always
    live: these are lists of people, not published figures). Bands are
    workers.models.Band values, from ProductionRecordQuerySet.with_band."""
    below_before = ProductionRecord.objects.for_month(compare).filter(
        worker=OuterRef("worker")
    )
    records = (
        ProductionRecord.objects.for_month(month)
        .filter(worker__workshop=workshop)
        .with_band()
        .annotate(was_below=Exists(below_before.below_quota()))
        .select_related("worker")
        .order_by("-attainment", "worker__employee_no")
    )
    ranking = []
    rank, previous = 0, None
    for position, record in enumerate(records, start=1):
        if record.attainment != previous:
            rank, previous = position, record.attainment
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
                "band": record.band,
                "was_below": record.was_below,
                "worker_id": record.worker_id,
            }
        )
    start, end = period_bounds(month, compare)
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
    """The cases the report counts for the month (opened in or before it),
    as they stood at its end; no notes, no private matters."""
    cases = AssistanceCase.objects.order_by()
    if workshop is not None:
        cases = cases.filter(worker__workshop=workshop)
    if codes is not None:
        cases = cases.filter(worker__workshop__code__in=codes)
    statuses = dict(CaseStatus.choices)
    measures = dict(Measure.choices)
    causes = dict(Cause.choices)
    rows = (
        standing.with_reached_month(cases, month)
        .select_related("worker__workshop")
        .order_by("worker__workshop__code", "worker__employee_no", "month")
    )
    return [
        {
            "employee_no": case.worker.employee_no,
            "name": case.worker.name,
            "workshop": case.worker.workshop.name,
            "month": month_str(case.month),
            # The cause and measure it had then (a re-diagnosis is later).
            "cause": str(causes.get(case.cause_then, case.cause_then)),
            "measure": str(measures.get(case.measure_then, case.measure_then)),
            "status": str(statuses[case.status_then]),
            "reached_quota_month": month_str(case.reached_month_then)
            if case.reached_month_then
            else "",
        }
        for case in rows
    ]


__all__ = [
    "case_list",
    "demonstrated_effects",
    "helper_kind",
    "measures_taken",
    "period_bounds",
    "reached_quota_cases",
    "workshop_people",
]
