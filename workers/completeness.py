"""Which months are complete, and the working month (docs/ARCHITECTURE.md).

A month's records are *complete* when every workshop expected to report has
at least one record for it, or when the secretary marked the month complete
(MonthCompletion). The *working month* is the latest complete month: the
default month of every page, of the JSON report and of the commands, so that
a month still being collected never poses as the current one.

Expected to report in month M: a workshop with active workers on the roster,
unless it only joined later — its first record is after M and none of its
active workers was on the roster by the end of M. Without that exception a
workshop set up this year would make every past month partial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, F, Func, Min, OuterRef, Subquery
from django.utils import timezone

from workers.models import MonthCompletion, ProductionRecord, Worker, Workshop
from workers.months import add_months, current_month, first_of_month, month_str


@dataclass(frozen=True)
class Completeness:
    """How complete one month's records are."""

    month: dt.date
    workers_with_records: int
    active_workers: int | None  # None: not counted
    # (code, name) of the workshops expected to report, and of those that have.
    expected: tuple[tuple[str, str], ...]
    reporting: tuple[tuple[str, str], ...]
    marked_by: str | None = None
    marked_at: dt.datetime | None = None
    missing: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self):
        reported = {code for code, _name in self.reporting}
        object.__setattr__(
            self,
            "missing",
            tuple((code, name) for code, name in self.expected if code not in reported),
        )

    @property
    def marked_complete(self) -> bool:
        return self.marked_by is not None

    @property
    def complete(self) -> bool:
        # A month without a single record is never complete: there is
        # nothing in it, whatever the roster.
        if not self.workers_with_records:
            return self.marked_complete
        return self.marked_complete or not self.missing

    @property
    def partial(self) -> bool:
        return not self.complete

    def as_report(self) -> dict:
        """The ``completeness`` object of the JSON report (docs/ARCHITECTURE.md)."""
        return {
            "complete": self.complete,
            "marked_complete": self.marked_complete,
            "workshops_expected": len(self.expected),
            "workshops_reporting": len(self.reporting),
            "workers_with_records": self.workers_with_records,
            "missing_workshops": [code for code, _name in self.missing],
        }


def months_with_records() -> list[dt.date]:
    """Every month that has records, latest first (one query).

    SELECT DISTINCT month reads every record (two million in a big
    factory's three years: a quarter of a second); this walks the month
    index instead, one step a month, each "the latest month before this
    one" found at the index's edge: a few dozen index probes whatever the
    number of records.
    """
    # Raw SQL is not routed: ask the router, as a queryset would (the report
    # pages read from the replica when there is one, factory/db_router.py).
    connection = connections[router.db_for_read(ProductionRecord)]
    table = connection.ops.quote_name(ProductionRecord._meta.db_table)
    sql = f"""
        WITH RECURSIVE months(month) AS (
            SELECT MAX(month) FROM {table}
            UNION ALL
            SELECT (SELECT MAX(month) FROM {table} WHERE month < months.month)
            FROM months
            WHERE months.month IS NOT NULL
        )
        SELECT month FROM months WHERE month IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    # SQLite hands the dates of a raw query back as text.
    return [
        value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        for (value,) in rows
    ]


def _records_by_workshop(months: Iterable[dt.date]) -> dict[dt.date, dict[int, int]]:
    """{month: {workshop id: workers with records}} (one grouped query)."""
    result: dict[dt.date, dict[int, int]] = {}
    rows = (
        ProductionRecord.objects.filter(month__in=list(months))
        .values("month", "worker__workshop_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        result.setdefault(row["month"], {})[row["worker__workshop_id"]] = row["n"]
    return result


@dataclass(frozen=True)
class _Roster:
    """The active roster by workshop, read once for any number of months."""

    workshops: dict[int, tuple[str, str]]  # id → (code, name), with active workers
    active_workers: int | None  # None: not counted (the working month alone)
    first_joined: dict[int, dt.datetime]  # id → earliest active worker's created_at


def _roster(*, count_workers: bool = True) -> _Roster:
    """The workshops with active workers, each with its earliest active
    worker's arrival (a probe of the roster index per workshop, whatever
    their size) and, with ``count_workers``, the active workers counted —
    one query.

    Grouping the whole roster by workshop read every worker (25 ms at
    54,000, make bench's 10× data) on every page and on every person's
    action, for the working month; the probes cost the same at any size.
    The count is the one part that grows with the roster: the working
    month alone (default_month) does without it.
    """
    active = Worker.objects.active().order_by()
    earliest = (
        active.filter(workshop=OuterRef("pk"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    rows = Workshop.objects.annotate(first=Subquery(earliest)).filter(
        first__isnull=False
    )
    if count_workers:
        # Not correlated with the workshop: the database counts once.
        everyone = active.annotate(n=Func(F("pk"), function="COUNT")).values("n")
        rows = rows.annotate(active_workers=Subquery(everyone))
    workshops, first_joined, total = {}, {}, 0
    for row in rows.order_by("code").values(
        "pk", "code", "name", "first", *(["active_workers"] if count_workers else [])
    ):
        workshops[row["pk"]] = (row["code"], row["name"])
        first_joined[row["pk"]] = row["first"]
        total = row.get("active_workers", 0)
    return _Roster(
        workshops=workshops,
        active_workers=total if count_workers else None,
        first_joined=first_joined,
    )


def _first_record_months(workshop_ids: Iterable[int]) -> dict[int, dt.date]:
    """The month of each workshop's first record (one query; an index probe
    per worker of those workshops, not a scan of the records)."""
    ids = list(workshop_ids)
    if not ids:
        return {}
    first = (
        ProductionRecord.objects.filter(worker=OuterRef("pk"))
        .order_by("month")
        .values("month")[:1]
    )
    rows = (
        Worker.objects.filter(workshop_id__in=ids)
        .annotate(first=Subquery(first))
        .values("workshop_id")
        .annotate(first_month=Min("first"))
        .order_by()
    )
    return {
        row["workshop_id"]: row["first_month"] for row in rows if row["first_month"]
    }


def _end_of(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(add_months(month, 1), dt.time.min))


# Where the counts per month and workshop are read. The records by default;
# at startup factory hands over its monthly summaries (read_counts_from),
# which hold the same counts without reading every record of the months or
# every worker of the roster: every caller — the pages and the working month
# of a person's action alike — then reads them from there.
_counts = {
    "records_by_workshop": _records_by_workshop,
    "first_record_months": _first_record_months,
}


def read_counts_from(*, records_by_workshop, first_record_months) -> None:
    """Read the counts from other sources of the functions of these names."""
    _counts.update(
        records_by_workshop=records_by_workshop,
        first_record_months=first_record_months,
    )


def completeness_of(
    months: Iterable[dt.date],
    *,
    from_records: bool = False,
    count_workers: bool = True,
) -> dict[dt.date, Completeness]:
    """The completeness of each month (four queries for any number).

    ``from_records``: count the records themselves, whatever source was
    handed over (the test that the two agree). ``count_workers`` False: the
    active workers are not counted (``active_workers`` is None), for a
    caller that only asks which months are complete.
    """
    months = sorted({first_of_month(m) for m in months})
    if not months:
        return {}
    counts = (
        {
            "records_by_workshop": _records_by_workshop,
            "first_record_months": _first_record_months,
        }
        if from_records
        else _counts
    )
    roster = _roster(count_workers=count_workers)
    by_month = counts["records_by_workshop"](months)
    marks = {
        mark.month: mark
        for mark in MonthCompletion.objects.filter(month__in=months).select_related(
            "marked_by"
        )
    }
    # Workshops that might have joined after some month: their first record
    # decides whether they were expected then.
    late = {
        workshop_id
        for workshop_id, joined in roster.first_joined.items()
        if joined >= _end_of(months[0])
    }
    first_records = counts["first_record_months"](late)
    ids_by_label = {label: wid for wid, label in roster.workshops.items()}
    result = {}
    for month in months:
        reported = by_month.get(month, {})
        end = _end_of(month)
        expected = []
        for workshop_id, label in roster.workshops.items():
            if workshop_id in late and roster.first_joined[workshop_id] >= end:
                first = first_records.get(workshop_id)
                if first is None or first > month:
                    continue
            expected.append(label)
        mark = marks.get(month)
        result[month] = Completeness(
            month=month,
            workers_with_records=sum(reported.values()),
            active_workers=roster.active_workers,
            expected=tuple(expected),
            reporting=tuple(
                label for label in expected if ids_by_label[label] in reported
            ),
            marked_by=(
                (mark.marked_by.get_full_name() or mark.marked_by.get_username())
                if mark
                else None
            ),
            marked_at=mark.marked_at if mark else None,
        )
    return result


def completeness(month: dt.date) -> Completeness:
    return completeness_of([month])[first_of_month(month)]


def _latest_complete(
    months: list[dt.date], *, count_workers: bool = True
) -> Completeness | None:
    """The completeness of the latest complete month of ``months`` (latest
    first), looking a few months at a time, so that the usual case (the
    latest or the one before) costs a handful of queries."""
    step = 3
    for start in range(0, len(months), step):
        chunk = months[start : start + step]
        found = completeness_of(chunk, count_workers=count_workers)
        for month in chunk:
            if found[month].complete:
                return found[month]
    return None


def working_month(months: list[dt.date] | None = None) -> dt.date | None:
    """The latest complete month, or None when no month is complete.

    ``months`` is months_with_records() when the caller has it.
    """
    months = months_with_records() if months is None else months
    found = _latest_complete(months, count_workers=False)
    return found.month if found else None


def page_month(chosen: dt.date | None) -> tuple[dt.date, Completeness]:
    """The month a page shows — ``chosen``, else the default month — with
    its completeness, in one computation (about five queries)."""
    if chosen is None:
        months = months_with_records()
        found = _latest_complete(months)
        if found is not None:
            return found.month, found
        chosen = choose_default_month(dict.fromkeys(months, False))
    return chosen, completeness(chosen)


def choose_default_month(complete_by_month: dict[dt.date, bool]) -> dt.date:
    """The rule for the month a page shows when none is asked for.

    The working month (the latest complete one); when no month is complete
    yet (a factory's first month being collected), the latest month with
    records, which the pages mark partial; with no records at all, the
    current month (a page needs one to show; it is no working month, and
    the start page shows none then).
    """
    complete = [month for month, done in complete_by_month.items() if done]
    if complete:
        return max(complete)
    if complete_by_month:
        return max(complete_by_month)
    return current_month()


def default_month(months: list[dt.date] | None = None) -> dt.date:
    """choose_default_month over the months with records (a few queries)."""
    months = months_with_records() if months is None else months
    found = working_month(months)
    if found is not None:
        return found
    return choose_default_month(dict.fromkeys(months, False))


def describe(c: Completeness) -> dict:
    """Template-friendly figures ("5 of 600 workers, 1 of 6 workshops")."""
    return {
        "month": month_str(c.month),
        "complete": c.complete,
        "partial": c.partial,
        "marked_complete": c.marked_complete,
        "marked_by": c.marked_by,
        "marked_at": c.marked_at,
        "workers_with_records": c.workers_with_records,
        "active_workers": c.active_workers,
        "workshops_expected": len(c.expected),
        "workshops_reporting": len(c.reporting),
        "missing": [{"code": code, "name": name} for code, name in c.missing],
        "report": c.as_report(),
    }
