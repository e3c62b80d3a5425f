"""The demo's advanced experiences at work (issue 25), planned as plain data
from the drawn plan (factory.demo.plan), without its generator: every
figure of the report stays, and only who learned what, and when, is added.

- The catalogue: five experiences of the machining trades, each first shown
  by the second machining workshop's demonstrator of it (the plan's
  ``demonstrator_<i>``), checked at ``teaches`` when the committee drew up
  the catalogue in January (CATALOGUE_DAY) — before they showed it, so no
  demonstrator is taken for one who learned it in February.
- February: the demonstrators show their experience in the first machining
  and tool workshops to the workers of its trades there who were below
  quota in January (January's figures were in); March: the second
  machining workshop's five demonstrations of the plan, each naming its
  experience.
- Every attendee owing a check (assistance.checks: the experience is of
  their trade and they did not apply it yet) is at ``learning`` from the
  demonstration's day, and is checked at the machine a week or so later:
  ``applies`` when their record of March meets quota — the experience is
  what their output rose with — else ``not yet``, with why. Every check of
  February is recorded; of March, all but two of the last demonstration's,
  which stay overdue (the work queue's count).
- A February technique case names the experience its worker was still to
  learn when it was opened: in the second machining workshop, that of the
  March demonstration of their trade (the plan's DEMO_FOR_TRADE); else the
  one they saw in February and did not apply yet.

So the February learners are workers below quota in January and at quota
in March: their attainment rises from January to March more than that of
the same trades' workers who had not learned it by March, and each
experience's effect as of March is shown (workers.experience_effect).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from factory.demo.plan import build_plan
from factory.demo.specs import (
    FEB,
    JAN,
    MAR,
    TECHNIQUE,
    DemonstrationSpec,
    DemoPlan,
)
from factory.demo.texts import (
    DEMO_FOR_TRADE,
    DEMONSTRATIONS,
    EXPERIENCES,
    FEBRUARY_SHOWINGS,
    NOT_YET_REASONS,
)
from workers.models import ProductionRecord

LEARNING, APPLIES, TEACHES = "learning", "applies", "teaches"  # MasteryLevel
NOT_YET = "not_yet"  # CheckResult
# The committee checked the five demonstrators when it drew up the catalogue.
CATALOGUE_DAY = dt.date(1956, 1, 28)
# A check is made this many days after the demonstration, and up to six
# more (by the attendee's place in the roster): within the 14 the rules give.
CHECK_AFTER_DAYS = 6
# The checks of the last March demonstration never made: overdue today.
LEFT_OVERDUE = 2
FEB_LAST_DAY = dt.date(1956, 2, 29)


@dataclass(frozen=True)
class ExperienceSpec:
    name: str
    trades: tuple[str, ...]
    description: str
    first_shown_by: str  # employee_no


@dataclass(frozen=True)
class ShowingSpec:
    """A demonstration naming its experience, in its workshop."""

    experience: str
    workshop: str
    spec: DemonstrationSpec

    @property
    def key(self) -> tuple[dt.date, str]:
        """What finds it again: its day and technique (with its workshop)."""
        return (self.spec.date, self.spec.technique)


@dataclass(frozen=True)
class LevelSpec:
    """A worker's level in an experience, checked on a day (record_mastery)."""

    worker: str  # employee_no
    experience: str
    level: str
    checked_on: dt.date


@dataclass(frozen=True)
class CheckSpec:
    """The check at the machine of an attendee (record_machine_check)."""

    showing: tuple[dt.date, str]  # ShowingSpec.key
    worker: str  # employee_no
    result: str
    reason: str
    checked_on: dt.date


@dataclass
class ExperiencePlan:
    experiences: list[ExperienceSpec]
    # February's new demonstrations, then the plan's March ones.
    showings: list[ShowingSpec]
    # The demonstrators' levels, then each attendee's learning, by day.
    levels: list[LevelSpec]
    checks: list[CheckSpec]
    # The attendances left without a check: (ShowingSpec.key, employee_no).
    overdue: list[tuple[tuple[dt.date, str], str]]
    # employee_no → the experience their February technique case names.
    case_experiences: dict[str, str] = field(default_factory=dict)


@cache
def build_experience_plan() -> ExperiencePlan:
    """The whole story; cached because it never changes."""
    plan = build_plan()
    demonstrators = [plan.named[f"demonstrator_{i}"] for i in range(len(EXPERIENCES))]
    experiences = [
        ExperienceSpec(name, trades, description, demonstrators[index])
        for index, (name, trades, description) in enumerate(EXPERIENCES)
    ]
    showings = _february(plan, experiences) + [
        ShowingSpec(experiences[index].name, "jg2", spec)
        for index, spec in enumerate(plan.demonstrations)
    ]
    story = _Story(plan, {e.name: e for e in experiences})
    for experience in experiences:
        story.level(experience.first_shown_by, experience.name, TEACHES, CATALOGUE_DAY)
    for showing in sorted(showings, key=lambda s: s.spec.date):
        story.attend(showing)
    story.leave_overdue(showings[-1])
    return ExperiencePlan(
        experiences=experiences,
        showings=showings,
        levels=story.levels,
        checks=story.checks,
        overdue=story.overdue,
        case_experiences=_case_experiences(plan, showings, story),
    )


def meets_quota(plan: DemoPlan, no: str, month: dt.date) -> bool | None:
    """The record's own line (ProductionRecord.meets_quota); None: no record."""
    record = plan.records.get((no, month))
    if record is None:
        return None
    quota, output = record
    return ProductionRecord(quota=quota, output=output).meets_quota


def _story_workers(plan: DemoPlan) -> set[str]:
    """The workers with a part in another story, left out of February's
    demonstrations: the named and the demonstrators, the disqualified, the
    January cases and the demo helpers' own cases (their pages, the
    README)."""
    named = set(plan.named.values())
    busy = named | {no for no, *_ in plan.disqualified}
    busy |= {case.worker for case in plan.cases if case.month == JAN}
    busy |= {case.worker for case in plan.cases if named & {*case.helpers}}
    return busy


def _february(plan: DemoPlan, experiences: list[ExperienceSpec]) -> list[ShowingSpec]:
    """Each February demonstration with its attendees: the workshop's
    workers of the trades it is for, below quota in January, in roster
    order."""
    busy = _story_workers(plan)
    showings = []
    for index, shop, trades, day, place in FEBRUARY_SHOWINGS:
        experience = experiences[index]
        attendees = tuple(
            w.employee_no
            for w in plan.workers
            if w.workshop == shop
            and w.trade in trades
            and w.employee_no not in busy
            and meets_quota(plan, w.employee_no, JAN) is False
        )
        spec = DemonstrationSpec(
            experience.name, experience.first_shown_by, day, place, attendees
        )
        showings.append(ShowingSpec(experience.name, shop, spec))
    return showings


class _Story:
    """The levels and checks, demonstration by demonstration in the order
    they were held, each reading what the earlier ones decided."""

    def __init__(self, plan: DemoPlan, experiences: dict[str, ExperienceSpec]):
        self.plan = plan
        self.experiences = experiences
        self.levels: list[LevelSpec] = []
        self.checks: list[CheckSpec] = []
        self.overdue: list[tuple[tuple[dt.date, str], str]] = []
        # (employee_no, experience) → the first day at applies or teaches.
        self.mastered: dict[tuple[str, str], dt.date] = {}
        self._roster = {w.employee_no: w for w in plan.workers}

    def level(self, no: str, experience: str, level: str, day: dt.date) -> None:
        self.levels.append(LevelSpec(no, experience, level, day))
        if level in (APPLIES, TEACHES):
            self.mastered.setdefault((no, experience), day)

    def owes_check(self, no: str, showing: ShowingSpec) -> bool:
        """assistance.checks' rule: the experience is of the attendee's
        trade and they did not apply it by the demonstration's day."""
        experience = self.experiences[showing.experience]
        if self._roster[no].trade not in experience.trades:
            return False
        since = self.mastered.get((no, showing.experience))
        return since is None or since > showing.spec.date

    def attend(self, showing: ShowingSpec) -> None:
        day = showing.spec.date
        for place, no in enumerate(showing.spec.attendees):
            if not self.owes_check(no, showing):
                continue
            self.level(no, showing.experience, LEARNING, day)
            checked_on = day + dt.timedelta(days=CHECK_AFTER_DAYS + place % 7)
            if day < MAR:
                checked_on = min(checked_on, FEB_LAST_DAY)
            if meets_quota(self.plan, no, MAR):
                result, reason = APPLIES, ""
                self.mastered.setdefault((no, showing.experience), checked_on)
            else:
                result = NOT_YET
                reason = NOT_YET_REASONS[place % len(NOT_YET_REASONS)]
            self.checks.append(CheckSpec(showing.key, no, result, reason, checked_on))

    def leave_overdue(self, showing: ShowingSpec) -> None:
        """The last demonstration's first LEFT_OVERDUE checks, in roster
        order, of workers with no case (no helper to ask about them): never
        made."""
        with_case = {case.worker for case in self.plan.cases}
        left = [
            check
            for check in self.checks
            if check.showing == showing.key and check.worker not in with_case
        ][:LEFT_OVERDUE]
        for check in left:
            self.checks.remove(check)
            self.mastered.pop((check.worker, showing.experience), None)
            self.overdue.append((check.showing, check.worker))


def _case_experiences(
    plan: DemoPlan, showings: list[ShowingSpec], story: _Story
) -> dict[str, str]:
    """What each February technique case names (the module's docstring)."""
    march = {
        index: s.experience for index, s in enumerate(showings[-len(DEMONSTRATIONS) :])
    }
    seen_in_february = {
        no: s.experience
        for s in showings
        if s.spec.date < MAR
        for no in s.spec.attendees
    }
    named = {}
    for case in plan.cases:
        if case.month != FEB or case.cause != TECHNIQUE:
            continue
        worker = plan.worker(case.worker)
        if worker.workshop == "jg2":
            experience = march[DEMO_FOR_TRADE[worker.trade]]
        else:
            experience = seen_in_february.get(case.worker)
            if experience is None or (case.worker, experience) in story.mastered:
                continue
        named[case.worker] = experience
    return named
