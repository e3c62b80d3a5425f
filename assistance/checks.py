"""Checks at the worker's own machine (上机检查): which are due, which are
overdue, and who may read and record them (DESIGN.md, "Advanced
experience").

A check is due for every attendee of a demonstration of an experience that
applies to the attendee's trade and that the attendee did not already apply
at the demonstration's date (their latest check of it on or before that day
was ``applies`` or ``teaches``); it asks for a result within
CHECK_WITHIN_DAYS days of the demonstration. Until a check is recorded
(assistance.services.checks) it is *due* up to that day and *overdue* after
it. Only active workers are asked about; a demonstration of no experience
of the catalogue asks nothing; a demonstration after the day asked about
asks nothing yet.

A row is an attendance (``Demonstration.attendees.through``: the
demonstration and the worker), each list one query.
"""

from __future__ import annotations

import datetime as dt

from django.db import NotSupportedError
from django.db.models import BooleanField, Exists, F, Func, OuterRef, QuerySet

from assistance.models import AssistanceCase, Demonstration, MachineCheck
from workers.access import may_check_mastery
from workers.models import MASTERED_LEVELS, Mastery, Worker, Workshop
from workers.roles import is_helper, is_secretary

CHECK_WITHIN_DAYS = 14

Attendance = Demonstration.attendees.through


class AppliesToTrade(Func):
    """``Experience.applies_to`` in SQL: the experience's trades (a JSON
    list) are empty or hold the trade. Written for the two databases the
    project runs on (SQLite reads the JSON text with json_each, PostgreSQL
    asks jsonb's containment), so that a list of checks stays one query."""

    arity = 2
    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"AppliesToTrade: no SQL for {connection.vendor}")

    def _as_vendor_sql(self, compiler, template: str):
        """``template`` names ``{trades}`` twice, then ``{trade}`` once, in
        that order: the order of the parameters."""
        trades, trade = self.get_source_expressions()
        trades_sql, trades_params = compiler.compile(trades)
        trade_sql, trade_params = compiler.compile(trade)
        sql = template.format(trades=trades_sql, trade=trade_sql)
        return sql, (*trades_params, *trades_params, *trade_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self._as_vendor_sql(
            compiler,
            "(json_array_length({trades}) = 0 OR EXISTS (SELECT 1 FROM "
            "json_each({trades}) AS listed WHERE listed.value = {trade}))",
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self._as_vendor_sql(
            compiler,
            "(jsonb_array_length({trades}) = 0 "
            "OR {trades} @> jsonb_build_array({trade}))",
        )


def _already_applied() -> Exists:
    """The attendee's latest check of the experience on or before the
    demonstration's day was ``applies`` or ``teaches`` (MasteryQuerySet.
    current's rule, as of that day: one check per worker, experience and
    day, so a later day is the only thing that can replace it)."""
    later_by_then = Mastery.objects.filter(
        worker=OuterRef("worker"),
        experience=OuterRef("experience"),
        checked_on__gt=OuterRef("checked_on"),
        checked_on__lte=OuterRef(OuterRef("demonstration__date")),
    )
    return Exists(
        Mastery.objects.filter(
            worker=OuterRef("worker"),
            experience=OuterRef("demonstration__experience"),
            checked_on__lte=OuterRef("demonstration__date"),
            level__in=MASTERED_LEVELS,
        ).filter(~Exists(later_by_then))
    )


def _recorded() -> Exists:
    return Exists(
        MachineCheck.objects.filter(
            demonstration=OuterRef("demonstration"), worker=OuterRef("worker")
        )
    )


def checks_owed(workers: QuerySet[Worker] | None = None) -> QuerySet:
    """Every attendance that asks for a check, recorded or not, whatever
    the day (``workers``: of those only; None, every worker)."""
    rows = Attendance.objects.filter(
        demonstration__experience__isnull=False, worker__active=True
    ).filter(
        AppliesToTrade(F("demonstration__experience__trades"), F("worker__trade")),
        ~_already_applied(),
    )
    if workers is not None:
        rows = rows.filter(worker__in=workers)
    return rows


def checks_pending(as_of: dt.date, workers: QuerySet[Worker] | None = None) -> QuerySet:
    """The checks not recorded yet of demonstrations held by ``as_of``, due
    or overdue: the overdue first (the oldest demonstration first), then by
    workshop and employee number. One query."""
    return (
        checks_owed(workers)
        .filter(demonstration__date__lte=as_of)
        .exclude(_recorded())
        .select_related("demonstration__experience", "worker__workshop")
        .order_by(
            "demonstration__date",
            "demonstration_id",
            "worker__workshop__code",
            "worker__employee_no",
        )
    )


def last_day_to_check(demonstration_date: dt.date) -> dt.date:
    """The last day a check of the demonstration is on time."""
    return demonstration_date + dt.timedelta(days=CHECK_WITHIN_DAYS)


def _first_day_not_overdue(as_of: dt.date) -> dt.date:
    """Demonstrations on or after this day are not overdue on ``as_of``."""
    return as_of - dt.timedelta(days=CHECK_WITHIN_DAYS)


def checks_due(as_of: dt.date, workers: QuerySet[Worker] | None = None) -> QuerySet:
    """Not recorded yet and still on time on ``as_of`` (one query)."""
    return checks_pending(as_of, workers).filter(
        demonstration__date__gte=_first_day_not_overdue(as_of)
    )


def checks_overdue(as_of: dt.date, workers: QuerySet[Worker] | None = None) -> QuerySet:
    """Not recorded yet more than CHECK_WITHIN_DAYS days after the
    demonstration (one query)."""
    return checks_pending(as_of, workers).filter(
        demonstration__date__lt=_first_day_not_overdue(as_of)
    )


def is_overdue(demonstration_date: dt.date, as_of: dt.date) -> bool:
    return demonstration_date < _first_day_not_overdue(as_of)


def with_deadlines(rows, as_of: dt.date) -> list:
    """The rows (attendances), each with its last day to check
    (``deadline``) and whether it is overdue on ``as_of``. The pages say
    since when, never for how many days: the days from a demonstration of
    1956 to today are no figure anyone can use."""
    rows = list(rows)
    for row in rows:
        row.deadline = last_day_to_check(row.demonstration.date)
        row.overdue = is_overdue(row.demonstration.date, as_of)
    return rows


# --- who reads and who records them ------------------------------------------


def helped_workers(user) -> QuerySet[Worker]:
    """The workers of the user's own active cases (AssistanceCase.objects.
    helped_by: a helper who left loses them at the next request)."""
    return Worker.objects.filter(
        pk__in=AssistanceCase.objects.helped_by(user).active().values("worker")
    )


def own_checks_overdue(user, as_of: dt.date) -> QuerySet:
    """A helper's own overdue checks: of the workers of their active cases
    (the list /cases/checks/?overdue=on shows a helper the same, through
    readable_workers). One query."""
    return checks_overdue(as_of, helped_workers(user))


def may_read_checks(user) -> bool:
    """The secretary's side, directors (their workshops', read-only) and
    helpers (their own cases' workers)."""
    return (
        is_secretary(user) or user.has_perm("workers.view_workshop") or is_helper(user)
    )


def readable_workers(user) -> QuerySet[Worker] | None:
    """Whose checks the user reads: None for the secretary's side (every
    worker); a director's workshops' workers and a helper's own cases'."""
    if is_secretary(user):
        return None
    workers = Worker.objects.none()
    if user.has_perm("workers.view_workshop"):
        workers = workers | Worker.objects.filter(
            workshop__in=Workshop.objects.visible_to(user)
        )
    if is_helper(user):
        workers = workers | helped_workers(user)
    return workers


def may_record_any_check(user) -> bool:
    """Whether the user records checks at all: the secretary's side (who
    records mastery), or a helper."""
    return may_check_mastery(user) or is_helper(user)


def may_record_check(user, worker: Worker) -> bool:
    """The secretary's side for any worker; a helper for the workers of
    their own active cases only."""
    if may_check_mastery(user):
        return True
    return is_helper(user) and helped_workers(user).filter(pk=worker.pk).exists()


def recordable_workers(user, workers: list[Worker]) -> set[int]:
    """The pks of ``workers`` whose checks the user may record (one query
    at most), for a list's buttons."""
    if may_check_mastery(user):
        return {worker.pk for worker in workers}
    if not workers or not is_helper(user):
        return set()
    return set(
        helped_workers(user)
        .filter(pk__in=[worker.pk for worker in workers])
        .values_list("pk", flat=True)
    )
