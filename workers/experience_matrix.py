"""The matrix of who has mastered what (技术掌握情况表) in a workshop
(DESIGN.md, "Advanced experience"): its active workers by the experiences of
their trades, each cell the worker's level now, and each experience's
coverage.

- Rows: the workshop's active workers of the trades that some experience
  applies to (an experience naming no trade applies to every trade),
  narrowed to one trade when one is chosen; by trade, then employee number.
- Columns: the experiences that apply to a trade of those rows.
- A cell: the worker's latest check (``MasteryQuerySet.current``), none when
  never checked; a cell of an experience that is not of the worker's trade
  is not part of the matrix (``Cell.applies`` False).
- Coverage of an experience: the workers of the trades it applies to at
  ``applies`` or ``teaches`` over all active workers of those trades — over
  the whole workshop, or over the chosen trade's workers when one is chosen
  (the rows shown), so that the figure reads against the rows beside it.

Five queries whatever the workshop's size (the catalogue, the headcount by
trade, the mastered counts, the page's workers, their levels): a page of
rows reads only its own workers' levels, and the count of rows comes from the
headcount, not from a query of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from workers.models import (
    MASTERED_LEVELS,
    Experience,
    Mastery,
    MasteryLevel,
    Worker,
    Workshop,
)
from workers.numbers import number_text, share

# Workers shown a page: the levels of a page are one query, the page's size
# only bounds the HTML.
MATRIX_PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class Coverage:
    """Workers who use the experience at their machine, of those meant to."""

    mastered: int
    workers: int

    @property
    def share(self) -> float:
        return share(self.mastered, self.workers)

    @property
    def text(self) -> str:
        """``3 / 8 (37.5%)``, on the page and in the XLSX alike."""
        return f"{self.mastered} / {self.workers} ({number_text(self.share)}%)"


@dataclasses.dataclass(frozen=True)
class Column:
    experience: Experience
    coverage: Coverage


@dataclasses.dataclass(frozen=True)
class Cell:
    # False: the experience is not of the worker's trade (no level is
    # expected; shown as "—").
    applies: bool
    # A MasteryLevel value, or None: of the worker's trade, never checked.
    level: str | None = None
    checked_on: dt.date | None = None

    @property
    def label(self) -> str:
        return MasteryLevel(self.level).label if self.level else ""


@dataclasses.dataclass(frozen=True)
class Row:
    worker: Worker
    cells: list[Cell]


@dataclasses.dataclass(frozen=True)
class Matrix:
    workshop: Workshop
    # The chosen trade, "" for all of them.
    trade: str
    # The workshop's trades that some experience applies to (the filter's
    # choices; a blank trade is not among them, its workers show unfiltered).
    trades: list[str]
    columns: list[Column]
    rows: list[Row]
    # Every row's worker, on every page.
    workers: int
    # The page of rows shown, None when every row is (the XLSX).
    page: Page | None


def experience_matrix(
    workshop: Workshop,
    *,
    trade: str = "",
    page: int | str | None = None,
    per_page: int | None = None,
) -> Matrix:
    """The workshop's matrix, narrowed to ``trade`` when it is one of the
    workshop's (else every trade); a page of rows when ``page`` is given
    (Django's get_page: a page out of range is the last), else all of them."""
    experiences = list(Experience.objects.only("pk", "name", "trades"))
    active = Worker.objects.filter(workshop=workshop, active=True)
    headcount = {
        row["trade"]: row["workers"]
        for row in active.order_by().values("trade").annotate(workers=Count("pk"))
    }
    with_experience = sorted(
        t for t in headcount if any(e.applies_to(t) for e in experiences)
    )
    trades = [t for t in with_experience if t]
    if trade and trade not in trades:
        trade = ""
    shown_trades = [trade] if trade else with_experience
    experiences = [e for e in experiences if any(e.applies_to(t) for t in shown_trades)]
    columns = _columns(workshop, experiences, shown_trades, headcount)
    workers = sum(headcount[t] for t in shown_trades)
    rows_query = (
        active.filter(trade__in=shown_trades)
        # workshop_id too: a Worker loaded without it reads it back, a query
        # per row (workers.changes keeps it from post_init).
        .only("pk", "employee_no", "name", "trade", "workshop_id")
        .order_by("trade", "employee_no")
    )
    shown_page = None
    if page is None:
        row_workers = list(rows_query)
        # Every row: their levels by the workshop, not by a list of hundreds
        # of ids (SQLite's limit of parameters).
        of_rows = Q(worker__workshop=workshop, worker__active=True)
    else:
        paginator = Paginator(rows_query, per_page or MATRIX_PAGE_SIZE)
        # The headcount has counted them: no COUNT query of the paginator.
        paginator.count = workers
        shown_page = paginator.get_page(page)
        row_workers = list(shown_page.object_list)
        of_rows = Q(worker_id__in=[w.pk for w in row_workers])
    return Matrix(
        workshop=workshop,
        trade=trade,
        trades=trades,
        columns=columns,
        rows=_rows(row_workers, [c.experience for c in columns], of_rows),
        workers=workers,
        page=shown_page,
    )


def _columns(workshop, experiences, shown_trades, headcount) -> list[Column]:
    """Each experience with its coverage over the trades shown (one query:
    the mastered workers counted by experience and trade)."""
    if not experiences:
        return []
    mastered: dict[tuple[int, str], int] = {}
    counted = (
        Mastery.objects.current()
        .filter(
            worker__workshop=workshop,
            worker__active=True,
            worker__trade__in=shown_trades,
            experience_id__in=[e.pk for e in experiences],
            level__in=MASTERED_LEVELS,
        )
        .order_by()
        .values("experience_id", "worker__trade")
        .annotate(workers=Count("pk"))
    )
    for row in counted:
        mastered[(row["experience_id"], row["worker__trade"])] = row["workers"]
    columns = []
    for experience in experiences:
        # Workers of a trade the experience is not for are not counted,
        # whatever level they were once checked at.
        its_trades = [t for t in shown_trades if experience.applies_to(t)]
        coverage = Coverage(
            mastered=sum(mastered.get((experience.pk, t), 0) for t in its_trades),
            workers=sum(headcount[t] for t in its_trades),
        )
        columns.append(Column(experience=experience, coverage=coverage))
    return columns


def _rows(
    workers: list[Worker], experiences: list[Experience], of_rows: Q
) -> list[Row]:
    """Each worker's cells (one query: the latest checks of the rows'
    workers, ``of_rows``)."""
    if not workers:
        return []
    levels = {
        (worker_id, experience_id): (level, checked_on)
        for worker_id, experience_id, level, checked_on in Mastery.objects.current()
        .filter(of_rows, experience_id__in=[e.pk for e in experiences])
        .order_by()
        .values_list("worker_id", "experience_id", "level", "checked_on")
    }
    rows = []
    for worker in workers:
        cells = []
        for experience in experiences:
            if not experience.applies_to(worker.trade):
                cells.append(Cell(applies=False))
                continue
            level, checked_on = levels.get((worker.pk, experience.pk), (None, None))
            cells.append(Cell(applies=True, level=level, checked_on=checked_on))
        rows.append(Row(worker=worker, cells=cells))
    return rows
