"""The experience a technique case should name (issue 25, DESIGN.md
"Advanced experience"): for a worker below quota through backward
technique, the experiences of his trade that the workers of the same trade
who reached quota in the month have mastered and he has not, the most
mastered first.

*Mastered* is a worker's level now (``MasteryQuerySet.current``) at
``applies`` or ``teaches``; *reached quota* is a record of the month that
meets quota (``MEETS_QUOTA``); an experience of no trade is of every trade
(``Experience.applies_to``). The secretary may pick one of them, or another
experience of the worker's trade, or none: ``ExperienceChoices.choices``
lists them in that order.

Two queries for a whole page, whatever its number of workers: the
catalogue with its masters counted by trade, and the page's workers' own
levels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from workers.models import (
    MASTERED_LEVELS,
    Experience,
    Mastery,
    ProductionRecord,
    Worker,
)


@dataclasses.dataclass(frozen=True)
class Suggestion:
    experience_id: int
    name: str
    # Workers of the trade who reached quota in the month and have mastered
    # it (0: an experience of the trade nobody who reached quota masters).
    masters: int


@dataclasses.dataclass(frozen=True)
class ExperienceChoices:
    """One worker's experiences to learn: ``suggested`` ranked (the most
    mastered first, then by name), ``others`` the rest of his trade's."""

    suggested: tuple[Suggestion, ...]
    others: tuple[Suggestion, ...]

    def __bool__(self) -> bool:
        return bool(self.suggested or self.others)

    @property
    def choices(self) -> list[tuple[int, str]]:
        """For a select: the suggested with their counts, then the others."""
        return [
            (
                s.experience_id,
                _("%(name)s (mastered by %(count)d who reached quota)")
                % {"name": s.name, "count": s.masters},
            )
            for s in self.suggested
        ] + [(s.experience_id, s.name) for s in self.others]

    @property
    def ids(self) -> set[int]:
        return {s.experience_id for s in (*self.suggested, *self.others)}


def _masters_of_the_month(month: dt.date, trades: set[str]):
    """The current ``applies``/``teaches`` checks of workers of ``trades``
    whose record of ``month`` meets quota."""
    reached = ProductionRecord.objects.for_month(month).meets_quota()
    return (
        Mastery.objects.current()
        .filter(level__in=MASTERED_LEVELS, worker__trade__in=trades)
        .filter(Exists(reached.filter(worker=OuterRef("worker"))))
    )


def experience_choices(
    workers: Iterable[Worker], month: dt.date
) -> dict[int, ExperienceChoices]:
    """Each worker's experiences to learn, by worker pk (two queries; none
    for no worker)."""
    workers = list(workers)
    if not workers:
        return {}
    trades = {worker.trade for worker in workers}
    # The catalogue, each experience once per trade of the workers who have
    # a check of it, with those of the month's masters counted; an
    # experience nobody was checked in comes once, with no trade.
    catalogue: dict[int, Experience] = {}
    masters: dict[tuple[str, int], int] = {}
    for row in (
        Experience.objects.values(
            "pk", "name", "trades", trade=F("masteries__worker__trade")
        )
        .annotate(
            masters=Count(
                "masteries__worker",
                filter=Q(
                    masteries__in=_masters_of_the_month(month, trades).values("pk")
                ),
                distinct=True,
            )
        )
        .order_by()
    ):
        catalogue[row["pk"]] = Experience(
            pk=row["pk"], name=row["name"], trades=row["trades"] or []
        )
        if row["masters"]:
            masters[(row["trade"], row["pk"])] = row["masters"]
    mastered = defaultdict(set)
    for worker_id, experience_id in (
        Mastery.objects.current()
        .filter(level__in=MASTERED_LEVELS, worker__in=[w.pk for w in workers])
        .values_list("worker_id", "experience_id")
    ):
        mastered[worker_id].add(experience_id)
    by_trade = {trade: _ranked(trade, catalogue, masters) for trade in trades}
    result = {}
    for worker in workers:
        suggested, others = by_trade[worker.trade]
        own = mastered[worker.pk]
        result[worker.pk] = ExperienceChoices(
            suggested=tuple(s for s in suggested if s.experience_id not in own),
            others=tuple(s for s in others if s.experience_id not in own),
        )
    return result


def _ranked(
    trade: str,
    catalogue: dict[int, Experience],
    masters: dict[tuple[str, int], int],
) -> tuple[list[Suggestion], list[Suggestion]]:
    """The experiences of ``trade``: those its month's masters have, the
    most mastered first; then the others, by name."""
    of_trade = [
        Suggestion(pk, experience.name, masters.get((trade, pk), 0))
        for pk, experience in catalogue.items()
        if experience.applies_to(trade)
    ]
    of_trade.sort(key=lambda s: (-s.masters, s.name))
    return (
        [s for s in of_trade if s.masters],
        [s for s in of_trade if not s.masters],
    )
