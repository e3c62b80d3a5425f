"""The effect of an advanced experience on output, and a teacher's pupils'
results (DESIGN.md, "Advanced experience"; docs/ARCHITECTURE.md).

The *effect* of an experience as of month M: for every month A, the
*learners* of A are the workers whose first check at level applies or
teaches falls in A and who have records for A−1 and A+1; the *others* of A
are the active workers of the experience's trades (every trade when it
names none) with records for A−1 and A+1 whose first applies/teaches check
is absent or later than A+1. Each learner's change of attainment from A−1
to A+1, less the mean change of the others of their own A, averaged over
every learner of every month A: that is the effect, in percentage points.
A learner whose month has no others is compared with nobody and not
counted. It is shown with both counts — the learners counted and the
distinct workers among the others of their months — and only when each is
at least MIN_GROUP; a mean of fewer says more of a person than of the
experience.

As of M (DESIGN.md, "The month"): only checks dated by the end of M and
records of months up to M are read, so A+1 is M at the latest. A check or
a record after M never moves the figure of M.

A teacher's *pupils* are the attendees of the teacher's demonstrations of
the experience (the caller, which may read demonstrations, hands them over
as ``Lesson``s: workers never reads assistance). For each teacher: how many
pupils, how many reached applies since (their first applies/teaches check
on or after their first lesson), and their mean change of attainment from
the month before their first lesson to the month after, shown from
MIN_GROUP pupils with both records.

Attainment is ProductionRecord.attainment. Arithmetic is exact (fractions
of the stored two-decimal attainments), rounded only when written: one
decimal, halves away from zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Exists, Min, OuterRef, Q

from workers.models import MASTERED_LEVELS, Experience, Mastery, ProductionRecord
from workers.months import add_months, month_str

# Fewer learners, others or pupils than this: too few to tell.
MIN_GROUP = 5
ONE_PLACE = Decimal("0.1")


class ShownChange:
    """A mean change of attainment (``exact``), written only when its group
    is large enough to tell (``shown``)."""

    exact: Fraction | None
    shown: bool

    @property
    def points(self) -> Decimal | None:
        """Rounded to one decimal; None unless shown."""
        if not self.shown or self.exact is None:
            return None
        value = Decimal(self.exact.numerator) / Decimal(self.exact.denominator)
        return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)

    @property
    def points_text(self) -> str | None:
        """``+2.3`` / ``-1.0``: a change is written with its sign."""
        points = self.points
        return None if points is None else f"{points:+.1f}"


@dataclass(frozen=True)
class Effect(ShownChange):
    """An experience's effect as of a month (the module's docstring)."""

    learners: int = 0
    others: int = 0
    # The exact mean difference; None when no learner was compared.
    exact: Fraction | None = None
    # The months A of the learners counted, oldest first.
    months: tuple[dt.date, ...] = ()

    @property
    def shown(self) -> bool:
        return self.learners >= MIN_GROUP and self.others >= MIN_GROUP

    def as_data(self) -> dict:
        """What a bundle keeps (JSON): the figure only when it is shown."""
        return {
            "learners": self.learners,
            "others": self.others,
            "points": self.points_text,
            "months": [month_str(month) for month in self.months],
        }


@dataclass(frozen=True)
class Lesson:
    """A pupil at a teacher's demonstration of the experience, on a day."""

    teacher_id: int
    pupil_id: int
    day: dt.date


@dataclass(frozen=True)
class PupilResults(ShownChange):
    """A teacher's pupils (the module's docstring)."""

    pupils: int = 0
    reached: int = 0
    # Pupils with records for the months before and after their first lesson.
    measured: int = 0
    exact: Fraction | None = None

    @property
    def shown(self) -> bool:
        return self.measured >= MIN_GROUP


# ----------------------------------------------------------------- reading


def _first_mastered(
    experience_ids: Iterable[int], end: dt.date, workers: Q | None = None
) -> dict[int, dict[int, dt.date]]:
    """Each worker's first applies/teaches check of each experience dated
    before ``end``, by experience and worker (one query)."""
    checks = Mastery.objects.filter(
        experience__in=list(experience_ids),
        level__in=MASTERED_LEVELS,
        checked_on__lt=end,
    )
    if workers is not None:
        checks = checks.filter(workers)
    firsts: dict[int, dict[int, dt.date]] = defaultdict(dict)
    for experience_id, worker_id, first in (
        checks.order_by()
        .values_list("experience_id", "worker_id")
        .annotate(first=Min("checked_on"))
    ):
        firsts[experience_id][worker_id] = first
    return firsts


def _attainments(records) -> dict[int, dict[dt.date, Fraction]]:
    by_worker: dict[int, dict[dt.date, Fraction]] = defaultdict(dict)
    for worker_id, month, attainment in records.values_list(
        "worker_id", "month", "attainment"
    ):
        by_worker[worker_id][month] = Fraction(attainment)
    return by_worker


def _change(attainments: dict[dt.date, Fraction], month: dt.date) -> Fraction | None:
    """The change of attainment from the month before ``month`` to the month
    after; None without both records."""
    before = attainments.get(add_months(month, -1))
    after = attainments.get(add_months(month, 1))
    return None if before is None or after is None else after - before


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


# ----------------------------------------------------------------- effects


def effects_as_of(
    experiences: Iterable[Experience], month: dt.date
) -> dict[int, Effect]:
    """The effect of each experience as of ``month``, by experience id (two
    queries whatever the number of workers and experiences; none for no
    experience)."""
    experiences = list(experiences)
    if not experiences:
        return {}
    month = _month_of(month)
    end = add_months(month, 1)
    firsts = _first_mastered((e.pk for e in experiences), end)
    # The months A whose A+1 is read: M at the latest.
    learned_in = {
        e.pk: {
            _month_of(first)
            for first in firsts[e.pk].values()
            if add_months(_month_of(first), 1) <= month
        }
        for e in experiences
    }
    needed = {
        add_months(a, step)
        for months in learned_in.values()
        for a in months
        for step in (-1, 1)
    }
    if not needed:
        return {e.pk: Effect() for e in experiences}
    mastered = Mastery.objects.filter(
        worker=OuterRef("worker"),
        experience__in=[e.pk for e in experiences],
        level__in=MASTERED_LEVELS,
        checked_on__lt=end,
    )
    comparable = Q(worker__active=True)
    if all(e.trades for e in experiences):
        comparable &= Q(worker__trade__in={t for e in experiences for t in e.trades})
    records = ProductionRecord.objects.filter(month__in=needed).filter(
        comparable | Exists(mastered)
    )
    rows = list(
        records.order_by().values_list(
            "worker_id", "worker__trade", "worker__active", "month", "attainment"
        )
    )
    attainments: dict[int, dict[dt.date, Fraction]] = defaultdict(dict)
    roster: dict[int, tuple[str, bool]] = {}
    for worker_id, trade, active, record_month, attainment in rows:
        attainments[worker_id][record_month] = Fraction(attainment)
        roster[worker_id] = (trade, active)
    return {
        e.pk: _effect(e, learned_in[e.pk], firsts[e.pk], attainments, roster)
        for e in experiences
    }


def effect_as_of(experience: Experience, month: dt.date) -> Effect:
    return effects_as_of([experience], month)[experience.pk]


def _effect(
    experience: Experience,
    learned_in: set[dt.date],
    firsts: dict[int, dt.date],
    attainments: dict[int, dict[dt.date, Fraction]],
    roster: dict[int, tuple[str, bool]],
) -> Effect:
    def comparable(worker_id: int) -> bool:
        trade, active = roster[worker_id]
        return active and (not experience.trades or trade in experience.trades)

    differences: list[Fraction] = []
    others: set[int] = set()
    months: list[dt.date] = []
    for a in sorted(learned_in):
        after = add_months(a, 1)
        learner_changes, other_changes = [], {}
        for worker_id, by_month in attainments.items():
            change = _change(by_month, a)
            if change is None:
                continue
            first = firsts.get(worker_id)
            if first is not None and _month_of(first) == a:
                learner_changes.append(change)
            elif (first is None or _month_of(first) > after) and comparable(worker_id):
                other_changes[worker_id] = change
        if not learner_changes or not other_changes:
            continue
        baseline = sum(other_changes.values(), Fraction(0)) / len(other_changes)
        differences += [change - baseline for change in learner_changes]
        others |= other_changes.keys()
        months.append(a)
    if not differences:
        return Effect()
    return Effect(
        learners=len(differences),
        others=len(others),
        exact=sum(differences, Fraction(0)) / len(differences),
        months=tuple(months),
    )


# ------------------------------------------------------------------ pupils


def pupil_results(
    *, experience_id: int, lessons: Iterable[Lesson], month: dt.date
) -> dict[int, PupilResults]:
    """Each teacher's pupils' results as of ``month``, by teacher id (the
    teachers of ``lessons`` only; two queries whatever their number, none
    without lessons). Lessons after the end of the month are not read."""
    month = _month_of(month)
    end = add_months(month, 1)
    # Each pupil's first lesson by each teacher.
    first_lesson: dict[int, dict[int, dt.date]] = defaultdict(dict)
    for lesson in lessons:
        if lesson.day >= end or lesson.pupil_id == lesson.teacher_id:
            continue
        known = first_lesson[lesson.teacher_id].get(lesson.pupil_id)
        if known is None or lesson.day < known:
            first_lesson[lesson.teacher_id][lesson.pupil_id] = lesson.day
    if not first_lesson:
        return {}
    pupil_ids = {pupil for pupils in first_lesson.values() for pupil in pupils}
    firsts = _first_mastered([experience_id], end, Q(worker__in=pupil_ids))[
        experience_id
    ]
    needed = {
        add_months(_month_of(day), step)
        for pupils in first_lesson.values()
        for day in pupils.values()
        for step in (-1, 1)
        if add_months(_month_of(day), 1) <= month
    }
    attainments = (
        _attainments(
            ProductionRecord.objects.filter(worker__in=pupil_ids, month__in=needed)
        )
        if needed
        else {}
    )
    results = {}
    for teacher_id, pupils in first_lesson.items():
        changes = []
        for pupil_id, day in pupils.items():
            if add_months(_month_of(day), 1) <= month:
                change = _change(attainments.get(pupil_id, {}), _month_of(day))
                if change is not None:
                    changes.append(change)
        results[teacher_id] = PupilResults(
            pupils=len(pupils),
            reached=sum(
                1
                for pupil_id, day in pupils.items()
                if (first := firsts.get(pupil_id)) is not None and first >= day
            ),
            measured=len(changes),
            exact=sum(changes, Fraction(0)) / len(changes) if changes else None,
        )
    return results
