"""Read-side queries behind the help-case pages, in a fixed number of queries."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import standing
from assistance.access import notes_readable
from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseStatus,
    Demonstration,
    FollowUp,
    FollowUpKind,
)
from assistance.services import ACTIVE_STATUSES, helper_loads
from workers.completeness import default_month
from workers.models import (
    MEETS_QUOTA,
    PoliticalStatus,
    ProductionRecord,
    ShortfallClassification,
    Worker,
    Workshop,
)
from workers.months import add_months, previous_month
from workers.roles import sees_named_causes

# --- cases ---


def with_progress(cases: QuerySet) -> QuerySet:
    """Annotate each case with the worker's latest two records and the date
    of the last follow-up (subqueries: one query for the whole list)."""
    records = ProductionRecord.objects.filter(worker=OuterRef("worker")).order_by(
        "-month"
    )
    return cases.annotate(
        latest_month=Subquery(records.values("month")[:1]),
        latest_attainment=Subquery(records.values("attainment")[:1]),
        # The definition of meets quota (workers.models), never a comparison
        # of the rounded attainment: 9,999.60 of 10,000 shows 100.00%.
        latest_meets=Subquery(
            records.annotate(
                meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField())
            ).values("meets")[:1]
        ),
        previous_attainment=Subquery(records.values("attainment")[1:2]),
        last_follow_up=Subquery(
            FollowUp.objects.filter(case=OuterRef("pk"))
            .order_by("-date")
            .values("date")[:1]
        ),
    )


def days_since(day: dt.date | dt.datetime | None, today: dt.date | None = None):
    if day is None:
        return None
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day)
    return ((today or timezone.localdate()) - day).days


def my_cases(user) -> list[AssistanceCase]:
    """A helper's active cases, the longest without a follow-up first."""
    cases = list(
        with_progress(
            AssistanceCase.objects.helped_by(user)
            .active()
            .select_related("worker__workshop")
        ).order_by("worker__name")
    )
    today = timezone.localdate()
    for case in cases:
        case.days_quiet = days_since(case.last_follow_up or case.opened_at, today)
    cases.sort(key=lambda c: -(c.days_quiet or 0))
    return cases


def case_timeline(case: AssistanceCase, user) -> list[dict]:
    """Follow-ups, monthly records, status changes and demonstrations attended,
    newest first. Follow-ups come through visible_to like everywhere else."""
    items: list[dict] = []
    for follow_up in (
        FollowUp.objects.visible_to(user).filter(case=case).select_related("author")
    ):
        items.append({"type": "follow_up", "date": follow_up.date, "obj": follow_up})
    first_month = add_months(case.month, -2)
    for record in ProductionRecord.objects.filter(
        worker_id=case.worker_id, month__gte=first_month
    ).order_by("month"):
        items.append({"type": "record", "date": record.month, "obj": record})
    for event in CaseEvent.objects.filter(case=case).select_related("by"):
        items.append(
            {"type": "event", "date": timezone.localdate(event.at), "obj": event}
        )
    for demonstration in Demonstration.objects.filter(
        attendees=case.worker_id, date__gte=case.month
    ).select_related("demonstrator"):
        items.append(
            {"type": "demonstration", "date": demonstration.date, "obj": demonstration}
        )
    order = {"event": 0, "follow_up": 1, "demonstration": 2, "record": 3}
    items.sort(key=lambda item: (item["date"], -order[item["type"]]), reverse=True)
    return items


@dataclass(frozen=True)
class WorkerHelp:
    """One worker's cases and the causes of their shortfalls, as one reader
    may see them (the worker's page)."""

    cases: list[AssistanceCase]
    # The cases whose page, cause and measure the reader may read.
    readable: set[int]
    # None: the causes beside a name are not the reader's to read.
    classifications: list[ShortfallClassification] | None


def worker_help(user, worker: Worker) -> WorkerHelp:
    """The worker's cases the user may see, newest first, and, for the
    secretary's side, the worker's classifications by month: two queries
    (three for a reader who may read only some of the cases)."""
    cases = list(
        AssistanceCase.objects.visible_to(user)
        .filter(worker=worker)
        .order_by("-month", "-pk")
    )
    classifications = None
    if sees_named_causes(user):
        classifications = list(
            ShortfallClassification.objects.filter(worker=worker).order_by("-month")
        )
    return WorkerHelp(
        cases=cases,
        readable=notes_readable(user, cases),
        classifications=classifications,
    )


def status_counts(cases: QuerySet) -> dict[str, int]:
    counts = dict.fromkeys(CaseStatus.values, 0)
    for row in cases.order_by().values("status").annotate(n=Count("pk", distinct=True)):
        counts[row["status"]] = row["n"]
    return counts


@dataclass
class WorkshopCounts:
    workshop: Workshop
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def counts_by_workshop(cases: QuerySet) -> list[WorkshopCounts]:
    """Case counts per status for each workshop that has cases."""
    rows = (
        cases.order_by()
        .values("worker__workshop", "status")
        .annotate(n=Count("pk", distinct=True))
    )
    by_workshop: dict[int, dict[str, int]] = {}
    for row in rows:
        counts = by_workshop.setdefault(
            row["worker__workshop"], dict.fromkeys(CaseStatus.values, 0)
        )
        counts[row["status"]] = row["n"]
    workshops = Workshop.objects.filter(pk__in=by_workshop).order_by("code")
    return [WorkshopCounts(w, by_workshop[w.pk]) for w in workshops]


# --- classification queue ---


@dataclass
class QueueRow:
    record: ProductionRecord
    classification: ShortfallClassification | None
    last_cause: str | None
    case_id: int | None
    case_status: str | None
    active_now: bool = False

    @property
    def worker(self) -> Worker:
        return self.record.worker


@dataclass
class QueueGroup:
    workshop: Workshop
    rows: list[QueueRow]


def queue_records(month: dt.date) -> QuerySet:
    """Every record below quota in ``month``, by workshop, lowest attainment
    first, with last month's cause and the case the worker had at the end of
    the month (as it stood then: assistance.standing), and whether they have
    an active case now (then no case can be opened). Not evaluated: the
    queue pages it, and builds rows (queue_rows) for one page only."""
    prev = previous_month(month)
    case_then = (
        standing.as_of(AssistanceCase.objects.filter(worker=OuterRef("worker")), month)
        .exclude(status_then=CaseStatus.CLOSED)
        .order_by("-month")
    )
    active_now = AssistanceCase.objects.filter(
        worker=OuterRef("worker"), status__in=ACTIVE_STATUSES
    )
    return (
        ProductionRecord.objects.for_month(month)
        .below_quota()
        .select_related("worker__workshop")
        .annotate(
            last_cause=Subquery(
                ShortfallClassification.objects.filter(
                    worker=OuterRef("worker"), month=prev
                ).values("cause")[:1]
            ),
            case_id=Subquery(case_then.values("pk")[:1]),
            case_status=Subquery(case_then.values("status_then")[:1]),
            active_now=Exists(active_now),
        )
        .order_by("worker__workshop__code", "attainment", "worker__employee_no")
    )


def queue_rows(records, month: dt.date) -> list[QueueGroup]:
    """The rows of ``records`` (queue_records, or a page of it), grouped by
    workshop in their order, with each worker's classification of the month:
    the records' query and one more."""
    records = list(records)
    classifications = {
        c.worker_id: c
        for c in ShortfallClassification.objects.filter(
            month=month, worker_id__in=[record.worker_id for record in records]
        )
    }
    groups: list[QueueGroup] = []
    for record in records:
        workshop = record.worker.workshop
        if not groups or groups[-1].workshop.pk != workshop.pk:
            groups.append(QueueGroup(workshop, []))
        groups[-1].rows.append(
            QueueRow(
                record=record,
                classification=classifications.get(record.worker_id),
                last_cause=record.last_cause,
                case_id=record.case_id,
                case_status=record.case_status,
                active_now=record.active_now,
            )
        )
    return groups


def queue_progress(month: dt.date) -> tuple[int, int]:
    """(classified, below quota) of the month's shortfalls: the queue's
    counter, whichever rows a page shows and however they were classified.
    One query."""
    classified = ShortfallClassification.objects.filter(
        worker=OuterRef("worker"), month=month
    )
    counts = (
        ProductionRecord.objects.for_month(month)
        .below_quota()
        .aggregate(
            total=Count("pk"),
            classified=Count("pk", filter=Q(Exists(classified))),
        )
    )
    return counts["classified"], counts["total"]


def classification_queue(month: dt.date) -> list[QueueGroup]:
    """Every row of the month's queue (queue_records), grouped by workshop."""
    return queue_rows(queue_records(month), month)


@dataclass(frozen=True)
class HelperOption:
    """One eligible helper as the helper picker shows them."""

    pk: int
    name: str
    employee_no: str
    workshop_id: int
    workshop: str
    standing: str
    load: int


def helper_options() -> list[HelperOption]:
    """Eligible helpers by workshop, each with their political status and
    active cases: two queries, whatever the number of rows on the page."""
    helpers = list(
        Worker.objects.eligible_helpers()
        .select_related("workshop")
        .order_by("workshop__code", "name")
    )
    loads = helper_loads()
    options = []
    for helper in helpers:
        if helper.political_status == PoliticalStatus.MASSES:
            status = _("activist")
        else:
            status = helper.get_political_status_display()
        options.append(
            HelperOption(
                pk=helper.pk,
                name=helper.name,
                employee_no=helper.employee_no,
                workshop_id=helper.workshop_id,
                workshop=helper.workshop.name,
                standing=str(status),
                load=loads.get(helper.pk, 0),
            )
        )
    return options


# --- demonstrations ---


def suggest_demonstrators(
    trade: str, *, through: dt.date | None = None, months: int = 3
) -> list[dict]:
    """Workers of ``trade`` who were advanced producers in each of the last
    ``months`` months (up to ``through``, default the latest month with
    records), best average attainment first."""
    through = through or default_month()
    if through is None or not trade:
        return []
    window = [add_months(through, -i) for i in range(months)]
    rows = (
        ProductionRecord.objects.filter(
            month__in=window, worker__trade=trade, worker__active=True
        )
        .advanced()
        .order_by()
        .values("worker")
        .annotate(n=Count("pk"), average=Avg("attainment"), best=Max("attainment"))
        .filter(n=months)
        .order_by("-average", "worker")
    )
    rows = list(rows)
    workers = Worker.objects.select_related("workshop").in_bulk(
        [row["worker"] for row in rows]
    )
    return [
        {
            "worker": workers[row["worker"]],
            "average": row["average"],
            "best": row["best"],
        }
        for row in rows
    ]


@dataclass
class EffectRow:
    month: dt.date
    label: str
    attendees_average: Decimal | None = None
    attendees_count: int = 0
    others_average: Decimal | None = None
    others_count: int = 0


def demonstration_effect(demonstration: Demonstration) -> list[EffectRow]:
    """Average attainment of attendees and of the workshop's other workers,
    the month before the demonstration, its own month and the month after.
    One query."""
    month = demonstration.date.replace(day=1)
    months = {}
    for offset, label in (
        (-1, _("month before")),
        (0, _("month of the demonstration")),
        (1, _("month after")),
    ):
        # Before 0001-01 or after 9999-12 there is no such month.
        with contextlib.suppress(ValueError):
            months[add_months(month, offset)] = label
    attended = Demonstration.attendees.through.objects.filter(
        demonstration=demonstration, worker=OuterRef("worker")
    )
    rows = (
        ProductionRecord.objects.filter(month__in=list(months))
        .filter(Q(worker__workshop=demonstration.workshop_id) | Exists(attended))
        .exclude(worker=demonstration.demonstrator_id)
        .annotate(attended=Exists(attended))
        .order_by()
        .values("month", "attended")
        .annotate(average=Avg("attainment"), n=Count("pk"))
    )
    effect = {m: EffectRow(month=m, label=label) for m, label in months.items()}
    for row in rows:
        target = effect[row["month"]]
        if row["attended"]:
            target.attendees_average, target.attendees_count = row["average"], row["n"]
        else:
            target.others_average, target.others_count = row["average"], row["n"]
    return list(effect.values())


# --- hardship aid ---


def aid_by_month(year: int) -> list[dict]:
    """Aid granted per month of ``year``: total amount and number of grants."""
    return list(
        FollowUp.objects.filter(kind=FollowUpKind.AID_GRANTED, date__year=year)
        .annotate(month=TruncMonth("date"))
        .order_by("month")
        .values("month")
        .annotate(total=Sum("aid_amount"), grants=Count("pk"))
    )


def aid_grants(month: dt.date) -> QuerySet:
    return (
        FollowUp.objects.filter(
            kind=FollowUpKind.AID_GRANTED,
            date__gte=month,
            date__lt=add_months(month, 1),
        )
        .select_related("case__worker__workshop")
        .order_by("date", "pk")
    )


# --- reminders ---


def quiet_cases(days: int, today: dt.date | None = None) -> QuerySet:
    """Active cases with no follow-up for ``days`` days (counted from the
    opening when there is none) whose worker's latest record is below quota."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=days)
    latest = ProductionRecord.objects.filter(worker=OuterRef("worker")).order_by(
        "-month"
    )
    recent_follow_up = FollowUp.objects.filter(case=OuterRef("pk"), date__gt=cutoff)
    return (
        with_progress(AssistanceCase.objects.active())
        .annotate(
            latest_output=Subquery(latest.values("output")[:1]),
            latest_quota=Subquery(latest.values("quota")[:1]),
        )
        .filter(~Exists(recent_follow_up))
        # A case opened within the period is not overdue yet.
        .exclude(opened_at__date__gt=cutoff)
        .filter(latest_output__lt=F("latest_quota"))
        .select_related("worker__workshop")
        .prefetch_related("helpers__user")
        .order_by("worker__workshop__code", "worker__employee_no")
    )
