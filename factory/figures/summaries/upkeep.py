"""Keeping the summaries' rows current: once per transaction, for what its
changes reach (workers.changes.Change), and rebuilding them whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from assistance.models import AssistanceCase
from factory.figures.summaries.counting import (
    compute_cases,
    compute_figures,
    compute_slipping,
    data_span,
    in_scope,
)
from factory.models import CaseStuckSince, MonthCaseSummary, MonthSummary
from workers.changes import Change, Changed, Scope
from workers.models import (
    ProductionRecord,
    Worker,
)
from workers.months import add_months

# A month's workers slipping read the records of the months this many
# months before it (assistance.worklists.slipping).
SLIPPING_READS = (1, 2)


def _write(model, rows: dict, delete) -> None:
    delete.delete()
    model.objects.bulk_create(
        [
            model(month=month, workshop_id=workshop_id, **counts)
            for (month, workshop_id), counts in sorted(rows.items())
        ],
        batch_size=500,
    )


def refresh_figures(
    months: set[dt.date] | None = None,
    *,
    since=None,
    workshops=None,
    causes_only: bool = False,
) -> None:
    """Recompute MonthSummary for ``months`` (or from ``since`` on; both
    None: every month), of ``workshops`` (ids; None: every workshop).
    ``causes_only``: only causes changed, so the workers slipping of the
    rows are kept as they were, not recounted."""
    stale = in_scope(
        MonthSummary.objects.all(), months=months, since=since, workshops=workshops
    )
    kept = None
    if causes_only:
        kept = {
            (month, workshop_id): n
            for month, workshop_id, n in stale.values_list(
                "month", "workshop_id", "slipping"
            )
        }
    rows = compute_figures(months, since=since, workshops=workshops, slipping=kept)
    _write(MonthSummary, rows, stale)


def refresh_slipping(months: set[dt.date], *, workshops=None) -> None:
    """Recount the workers slipping of ``months``' rows, of ``workshops``
    (ids; None: every workshop): a month's slipping reads the records of the
    two months before it, so a change of those reaches it too."""
    rows = in_scope(MonthSummary.objects.all(), months=months, workshops=workshops)
    rows = list(rows.only("pk", "month", "workshop_id", "slipping"))
    # Only months with rows (with records) can have anyone slipping: the
    # months after the latest, the usual case, cost nothing more.
    counts = compute_slipping({row.month for row in rows}, workshops=workshops)
    changed = []
    for row in rows:
        n = counts.get((row.month, row.workshop_id), 0)
        if row.slipping != n:
            row.slipping = n
            changed.append(row)
    MonthSummary.objects.bulk_update(changed, ["slipping"], batch_size=500)


def refresh_cases(since: dt.date | None = None, *, workshops=None) -> None:
    """Recompute MonthCaseSummary from ``since`` (None: the first month) to
    the last month of the data, and drop rows outside the data's months; of
    ``workshops`` (ids; None: every workshop).

    A case counts for its worker's workshop, so one workshop's rows are its
    cases' alone — as long as the data's last month stays where the rows
    end: a case stands at every month's end up to it, so when it moves,
    every workshop's rows follow.
    """
    span = data_span()
    if workshops is not None:
        stored = MonthCaseSummary.objects.aggregate(last=Max("month"))["last"]
        if stored != span.last:
            workshops = None
    kept_rows = in_scope(MonthCaseSummary.objects.all(), workshops=workshops)
    cases = in_scope(
        AssistanceCase.objects.order_by(),
        workshops=workshops,
        workshop_field="worker__workshop_id",
    )
    if since is not None:
        # Months skipped since the last upkeep (no data was announced in
        # them) are filled too, so the rows are those of a rebuild.
        kept = kept_rows.filter(month__lt=since).aggregate(last=Max("month"))["last"]
        since = None if kept is None else add_months(kept, 1)
    stale = in_scope(kept_rows, since=since)
    months = span.months(since)
    # The first month each case was stuck: those before the run are kept,
    # the run finds the rest (they count the stuck cases left as they were).
    stuck_since = CaseStuckSince.objects.filter(case__in=cases.values("pk"))
    stored = dict(stuck_since.values_list("case_id", "month"))
    first_stuck = (
        {case: month for case, month in stored.items() if month < months[0]}
        if months and since is not None
        else {}
    )
    rows = compute_cases(months, cases, first_stuck) if months else {}
    # Rows after the data's last month (data removed) go with the stale ones.
    _write(MonthCaseSummary, rows, stale)
    # first_stuck now holds every case's first month stuck: only the rows
    # that moved are written (a write of the working month moves few).
    moved = [case for case, month in stored.items() if first_stuck.get(case) != month]
    if moved:
        CaseStuckSince.objects.filter(case_id__in=moved).delete()
    CaseStuckSince.objects.bulk_create(
        [
            CaseStuckSince(case_id=case_id, month=month)
            for case_id, month in sorted(first_stuck.items())
            if stored.get(case_id) != month
        ],
        batch_size=500,
    )


def rebuild(month: dt.date | None = None) -> None:
    """Recompute the summaries: every month, or one month and what follows
    from it (the cases' standing of later months reads it)."""
    with transaction.atomic():
        if month is None:
            refresh_figures()
            refresh_cases()
        else:
            refresh_figures(since=month)
            refresh_cases(since=month)


@dataclass
class Upkeep:
    """What the summaries must recompute for a transaction's changes
    (workers.changes.Change says what each kind reaches), and of which
    workers' workshops (None: every workshop)."""

    figures_every: bool = False
    figure_months: set[dt.date] = field(default_factory=set)
    figures_since: dt.date | None = None
    figure_workers: set[int] | None = field(default_factory=set)
    cases_every: bool = False
    cases_since: dt.date | None = None
    case_workers: set[int] | None = field(default_factory=set)
    # Only the causes changed of the figures (no record, standard,
    # disqualification or roster change): the workers slipping stay.
    causes_only: bool = True

    @classmethod
    def of(cls, changes: Mapping[Change, Changed]) -> Upkeep:
        upkeep = cls()
        for change, changed in changes.items():
            upkeep._reach_figures(change.figures, changed, change)
            upkeep._reach_cases(change.cases, changed)
        return upkeep

    def _reach_figures(self, scope: Scope, changed: Changed, change: Change) -> None:
        months = changed.months
        if scope is Scope.NONE:
            return
        if change is not Change.CLASSIFICATIONS:
            self.causes_only = False
        if scope is Scope.EVERY_MONTH or months is None:
            self.figures_every = True
        elif scope is Scope.MONTHS:
            self.figure_months |= months
        elif months:
            self.figures_since = _earliest(self.figures_since, min(months))
        self.figure_workers = _with(self.figure_workers, changed.workers)

    def _reach_cases(self, scope: Scope, changed: Changed) -> None:
        months = changed.months
        if scope is Scope.NONE:
            return
        if scope is Scope.EVERY_MONTH or months is None:
            self.cases_every = True
        elif months:  # a month's cases reach every later month's standing
            self.cases_since = _earliest(self.cases_since, min(months))
        self.case_workers = _with(self.case_workers, changed.workers)

    @property
    def needed(self) -> bool:
        return bool(
            self.figures_every
            or self.figure_months
            or self.figures_since
            or self.cases_every
            or self.cases_since
        )

    def run(self) -> None:
        workshops = self._workshops()
        figures_in = workshops(self.figure_workers)
        causes_only = self.causes_only
        if self.figures_every:
            refresh_figures(workshops=figures_in, causes_only=causes_only)
        else:
            if self.figures_since is not None:
                refresh_figures(
                    since=self.figures_since,
                    workshops=figures_in,
                    causes_only=causes_only,
                )
            before = {m for m in self.figure_months if not self._onward(m)}
            if before:
                refresh_figures(before, workshops=figures_in, causes_only=causes_only)
            # The workers slipping of the two months after each month
            # recomputed read its records too (the rows of months from
            # figures_since on are recomputed whole).
            after = {add_months(month, n) for month in before for n in SLIPPING_READS}
            after = {m for m in after - before if not self._onward(m)}
            if after and not causes_only:
                refresh_slipping(after, workshops=figures_in)
        cases_in = workshops(self.case_workers)
        if self.cases_every:
            refresh_cases(workshops=cases_in)
        elif self.cases_since is not None:
            refresh_cases(since=self.cases_since, workshops=cases_in)

    def _workshops(self):
        """workers → their workshops, for both kinds in one query."""
        named = {*(self.figure_workers or ()), *(self.case_workers or ())}
        found = dict(
            Worker.objects.filter(pk__in=named).values_list("pk", "workshop_id")
            if named
            else ()
        )

        def of(workers: set[int] | None) -> set[int] | None:
            return (
                None if workers is None else {found[w] for w in workers if w in found}
            )

        return of

    def _onward(self, month: dt.date) -> bool:
        return self.figures_since is not None and month >= self.figures_since


def _with(workers: set[int] | None, named: frozenset[int] | None) -> set[int] | None:
    return None if workers is None or named is None else workers | named


def _earliest(current: dt.date | None, month: dt.date) -> dt.date:
    return month if current is None else min(current, month)


# How many times the summaries were brought up to date in this process: the
# tests count them as query pins count queries (one per transaction).
runs = 0


def receive(sender=None, *, changes, **kwargs) -> None:
    """Receiver of workers.signals.figures_changed, sent once per
    transaction before it commits (a failure here rolls the writes back)."""
    global runs
    upkeep = Upkeep.of(changes)
    if not upkeep.needed:
        return
    runs += 1
    with transaction.atomic():
        upkeep.run()


def connect_signals() -> None:
    """Called from FactoryConfig.ready()."""
    from workers.signals import figures_changed

    figures_changed.connect(receive, dispatch_uid="factory.figures.summaries.receive")


def build_if_missing(sender=None, **kwargs) -> None:
    """After migrate: a database with records but no summaries (one migrated
    from before the summaries existed, or whose case rows a migration
    emptied to add a figure) gets them built."""
    using = kwargs.get("using", "default")
    if using != "default":
        return
    if ProductionRecord.objects.exists() and not MonthSummary.objects.exists():
        rebuild()
    elif AssistanceCase.objects.exists() and not MonthCaseSummary.objects.exists():
        with transaction.atomic():
            refresh_cases()
