"""The demo factory as plain data, computed before anything touches the database.

The counts are chosen first so that the definitions of docs/ARCHITECTURE.md give the
report's figures (Taiyuan Mining Machinery Factory, People's Daily,
1956-04-21); then outputs are drawn to fall on the right side of each quota.
Everything comes from one seeded generator, so every run plans the same
factory.

    February: 600 workers on quota, 349 advanced (58.17%), 251 below quota
    March:    600 workers on quota, 471 advanced (78.50%), 128 below quota,
              one worker over quota but disqualified by the committee
    471 / 349 − 1 = +34.96%; second machining workshop below quota 17 → 4
    February causes: 176 technique (70.1%), 63 ideology (25.1%),
              11 family (4.4%) + 1 other (0.4%)
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from factory.demo.january import january_cases
from factory.demo.names import NameMaker
from factory.demo.specs import (
    DISQUALIFIED_WORKSHOP,
    EMPLOYEE_NO_PREFIX,
    FAMILY,
    FEB,
    FEB_CAUSES,
    HAN_WENLIAN,
    HIRED_IN_FEBRUARY,
    HU_WEILIANG,
    IDEOLOGY,
    JAN,
    JAN_BELOW_THEN_MET,
    JAN_MET_THEN_FELL,
    LEAGUE,
    LEAGUE_SECRETARY,
    MAR,
    MASSES,
    MONTHS,
    OTHER,
    PARTY,
    PROBATIONARY,
    SEED,
    TECHNIQUE,
    USERS,
    WANG_PEISHENG,
    WORKSHOPS,
    CaseSpec,
    ClosingSpec,
    DemonstrationSpec,
    DemoPlan,
    RediagnosisSpec,
    WorkerSpec,
)
from factory.demo.texts import (
    DEMO_FOR_TRADE,
    DEMONSTRATIONS,
    FIXTURES,
    NOTES,
    generic_follow_ups,
    named_follow_ups,
)
from workers.models import ProductionRecord


def _weighted_sample(rng: random.Random, items, weight, k: int) -> list:
    """k items without replacement, more likely the heavier (Efraimidis–Spirakis)."""
    keyed = sorted(items, key=lambda item: rng.random() ** (1.0 / weight(item)))
    return keyed[-k:] if k else []


def _output(quota: Decimal, pct: float, meets: bool) -> Decimal:
    output = (quota * Decimal(str(pct)) / 100).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    # Rounding must never move a worker across the line the plan put them on
    # (the line is the records' own: ProductionRecord.meets_quota).
    if ProductionRecord(quota=quota, output=output).meets_quota != meets:
        return quota if meets else quota - Decimal("0.5")
    return output


def _roster(rng: random.Random) -> tuple[list[WorkerSpec], dict[str, str]]:
    names = NameMaker(rng, {HU_WEILIANG, WANG_PEISHENG, HAN_WENLIAN, LEAGUE_SECRETARY})
    named_specs = {
        "jg1": [
            ("hu_weiliang", HU_WEILIANG, "车工", MASSES),
            ("league_secretary", LEAGUE_SECRETARY, "铣工", LEAGUE),
        ],
        "zz": [
            ("wang_peisheng", WANG_PEISHENG, "铸工", MASSES),
            ("han_wenlian", HAN_WENLIAN, "铸工", PARTY),
        ],
    }
    workers: list[WorkerSpec] = []
    named: dict[str, str] = {}
    for index, shop in enumerate(WORKSHOPS, start=1):
        fixed = named_specs.get(shop.code, [])
        generated = shop.size - len(fixed)
        party = round(shop.size * 0.10)
        probationary = round(shop.size * 0.02)
        league = round(shop.size * shop.league_share)
        statuses = (
            [PARTY] * party
            + [PROBATIONARY] * probationary
            + [LEAGUE] * league
            + [MASSES] * (shop.size - party - probationary - league)
        )
        for _, _, _, status in fixed:
            statuses.remove(status)
        rng.shuffle(statuses)
        trades, weights = zip(*shop.trades.items(), strict=True)
        rows = []
        for status in statuses[:generated]:
            female = rng.random() < shop.female_share
            activist = status == MASSES and rng.random() < 0.10
            trade = rng.choices(trades, weights)[0]
            rows.append((None, names.make(female), trade, status, activist))
        for key, name, trade, status in fixed:
            rows.insert(rng.randrange(len(rows) + 1), (key, name, trade, status, False))
        for seq, (key, name, trade, status, activist) in enumerate(rows, start=1):
            employee_no = f"{EMPLOYEE_NO_PREFIX}{index}{seq:03d}"
            workers.append(
                WorkerSpec(employee_no, name, shop.code, trade, status, activist)
            )
            if key:
                named[key] = employee_no
    return workers, named


# Status weights: who is more likely to be below quota (the members and
# activists were the ones who set the pace).
_BELOW_WEIGHT = {PARTY: 0.3, PROBATIONARY: 0.5, LEAGUE: 0.7, MASSES: 1.0}
# Who is more likely still below quota in March, by February's cause.
_STUCK_WEIGHT = {TECHNIQUE: 1.0, IDEOLOGY: 1.3, FAMILY: 1.6, OTHER: 1.0}


@dataclass
class _Draft:
    """The plan as it is drawn, step by step, from one generator: each step
    reads what the steps before it decided (their order is the generator's,
    so every run draws the same factory)."""

    rng: random.Random
    workers: list[WorkerSpec]
    named: dict[str, str]
    by_no: dict[str, WorkerSpec] = field(default_factory=dict)
    by_shop: dict[str, list[WorkerSpec]] = field(default_factory=dict)
    fixed_feb_below: set[str] = field(default_factory=set)
    never_below: set[str] = field(default_factory=set)
    feb_below: dict[str, list[str]] = field(default_factory=dict)
    feb_below_all: set[str] = field(default_factory=set)
    cause: dict[str, str] = field(default_factory=dict)
    mar_below: set[str] = field(default_factory=set)
    demonstrators: list[str] = field(default_factory=list)
    disqualified: str = ""
    hired_feb: set[str] = field(default_factory=set)
    fell_in_feb: set[str] = field(default_factory=set)
    rose_in_feb: set[str] = field(default_factory=set)
    demonstrations: list[DemonstrationSpec] = field(default_factory=list)
    records: dict = field(default_factory=dict)
    helpers_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cases: list[CaseSpec] = field(default_factory=list)
    classifications: dict = field(default_factory=dict)
    rediagnoses: list[RediagnosisSpec] = field(default_factory=list)
    closings: list[ClosingSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_no = {w.employee_no: w for w in self.workers}
        for worker in self.workers:
            self.by_shop.setdefault(worker.workshop, []).append(worker)
        self.fixed_feb_below = {
            self.named["hu_weiliang"],
            self.named["wang_peisheng"],
        }
        self.never_below = {self.named["league_secretary"], self.named["han_wenlian"]}

    def below_in(self, no: str, month: dt.date) -> bool:
        if month == MAR:
            return no in self.mar_below
        if month == FEB:
            return no in self.feb_below_all
        if no in self.feb_below_all:
            return no not in self.fell_in_feb
        return no in self.rose_in_feb


@cache
def build_plan() -> DemoPlan:
    """The whole demo factory; cached because it never changes."""
    rng = random.Random(SEED)
    workers, named = _roster(rng)
    draft = _Draft(rng, workers, named)
    for step in (
        _february,
        _march,
        _demonstrators_and_disqualified,
        _january,
        _demonstrations,
        _records,
        _helpers,
        _cases,
    ):
        step(draft)
    _quota_review_group(draft)
    january_cases(draft, _busy(draft))
    _classifications(draft)
    return DemoPlan(
        workshops=WORKSHOPS,
        workers=workers,
        records=draft.records,
        cases=draft.cases,
        demonstrations=draft.demonstrations,
        disqualified=[
            (
                draft.disqualified,
                MAR,
                "quality",
                "三月份废品超过规定，经党委研究，本月不评为先进生产者",
            )
        ],
        users=list(USERS),
        named={
            **named,
            **{f"demonstrator_{i}": no for i, no in enumerate(draft.demonstrators)},
        },
        classifications=draft.classifications,
        rediagnoses=draft.rediagnoses,
        closings=draft.closings,
    )


# The demo's trade group whose quota is under review in March
# (workers.quota_review): the foundry's lathe operators, who machine its
# castings. Drawn, they are five, three below quota (60%), just short of
# three times the rest of the factory's share (21.0%): one moulder below
# quota who works at a lathe makes them six, four below (66.7% against
# 20.9%). Only his trade changes — every figure of the report stays.
QUOTA_REVIEW_SHOP, QUOTA_REVIEW_TRADE, QUOTA_REVIEW_FROM = "zz", "车工", "铸工"


def _quota_review_group(d: _Draft) -> None:
    """One moulder of the foundry below quota in March, with no part in the
    story (named, helping, demonstrating or attending), at the lathe. After
    the draws, and without the generator: nothing else moves."""
    busy = _busy(d)
    no = next(
        w.employee_no
        for w in d.by_shop[QUOTA_REVIEW_SHOP]
        if w.trade == QUOTA_REVIEW_FROM
        and w.employee_no in d.mar_below
        and w.employee_no not in busy
        and w.political_status == MASSES
        and not w.is_activist
    )
    index = next(i for i, w in enumerate(d.workers) if w.employee_no == no)
    d.workers[index] = replace(d.workers[index], trade=QUOTA_REVIEW_TRADE)


def _busy(d: _Draft) -> set[str]:
    """The workers with a part in the story already: named, demonstrating,
    disqualified, helping or attending."""
    busy = set(d.named.values()) | set(d.demonstrators) | {d.disqualified}
    busy |= {no for helpers in d.helpers_of.values() for no in helpers}
    busy |= {no for demo in d.demonstrations for no in demo.attendees}
    return busy


def _february(d: _Draft) -> None:
    """Who is below quota in February, and why."""
    rng = d.rng
    for shop in WORKSHOPS:
        forced = [
            w.employee_no
            for w in d.by_shop[shop.code]
            if w.employee_no in d.fixed_feb_below
        ]
        pool = [
            w
            for w in d.by_shop[shop.code]
            if w.employee_no not in d.fixed_feb_below | d.never_below
        ]
        drawn = _weighted_sample(
            rng,
            pool,
            lambda w: (
                _BELOW_WEIGHT[w.political_status] * (0.6 if w.is_activist else 1.0)
            ),
            shop.feb_below - len(forced),
        )
        d.feb_below[shop.code] = sorted(forced + [w.employee_no for w in drawn])
    d.feb_below_all = {no for nos in d.feb_below.values() for no in nos}

    d.cause = {
        d.named["hu_weiliang"]: IDEOLOGY,
        d.named["wang_peisheng"]: FAMILY,
    }
    remaining = dict(FEB_CAUSES)
    remaining[IDEOLOGY] -= 1
    remaining[FAMILY] -= 1
    for shop in WORKSHOPS:
        if shop.feb_causes:
            causes = [c for c, n in shop.feb_causes.items() for _ in range(n)]
            rng.shuffle(causes)
            for no, c in zip(d.feb_below[shop.code], causes, strict=True):
                d.cause[no] = c
                remaining[c] -= 1
    pool = [c for c, n in remaining.items() for _ in range(n)]
    rng.shuffle(pool)
    undealt = [
        no
        for shop in WORKSHOPS
        if not shop.feb_causes
        for no in d.feb_below[shop.code]
        if no not in d.cause
    ]
    for no, c in zip(undealt, pool, strict=True):
        d.cause[no] = c


def _march(d: _Draft) -> None:
    """Who stays below quota in March, and who slips below it."""
    for shop in WORKSHOPS:
        candidates = [
            no for no in d.feb_below[shop.code] if no not in d.fixed_feb_below
        ]
        if shop.code == "jg2":
            # The demonstrations answered technique: the four still below
            # quota in March are the ideological and family cases.
            stuck = [no for no in candidates if d.cause[no] != TECHNIQUE]
            assert len(stuck) == shop.mar_stuck
        else:
            stuck = _weighted_sample(
                d.rng,
                candidates,
                lambda no: _STUCK_WEIGHT[d.cause[no]],
                shop.mar_stuck,
            )
        met_in_feb = [
            w.employee_no
            for w in d.by_shop[shop.code]
            if w.employee_no not in d.feb_below_all | d.never_below
        ]
        d.mar_below.update(stuck, d.rng.sample(met_in_feb, shop.mar_slipped))


def _demonstrators_and_disqualified(d: _Draft) -> None:
    """jg2's best workers of each trade show their experience, advanced every
    month; one advanced worker of the assembly workshop is disqualified."""
    jg2_met_all = [
        w
        for w in d.by_shop["jg2"]
        if w.employee_no not in d.feb_below_all | d.mar_below and not w.is_activist
    ]
    for _, trade, _, _ in DEMONSTRATIONS:
        choices = [
            w.employee_no
            for w in jg2_met_all
            if w.trade == trade and w.employee_no not in d.demonstrators
        ]
        d.demonstrators.append(d.rng.choice(choices))
    d.disqualified = d.rng.choice(
        [
            w.employee_no
            for w in d.by_shop[DISQUALIFIED_WORKSHOP]
            if w.employee_no not in d.feb_below_all | d.mar_below
        ]
    )


def _january(d: _Draft) -> None:
    """Eight not yet taken on; the rest mostly as in February."""
    rng = d.rng
    for code, count in HIRED_IN_FEBRUARY.items():
        technique = [
            no
            for no in d.feb_below[code]
            if d.cause[no] == TECHNIQUE and no not in d.fixed_feb_below
        ]
        d.hired_feb.update(rng.sample(technique, count))
    d.fell_in_feb = set(
        rng.sample(
            sorted(d.feb_below_all - d.hired_feb - d.fixed_feb_below),
            JAN_MET_THEN_FELL,
        )
    )
    feb_met = sorted(
        no
        for no in d.by_no
        if no not in d.feb_below_all | d.never_below | set(d.demonstrators)
    )
    # The second machining workshop was already the steadiest in January.
    d.rose_in_feb = set(
        _weighted_sample(
            rng,
            feb_met,
            lambda no: 0.25 if d.by_no[no].workshop == "jg2" else 1.0,
            JAN_BELOW_THEN_MET,
        )
    )


def _demonstrations(d: _Draft) -> None:
    """Every jg2 worker below quota for technique goes to the demonstration
    for their trade; the rest of the workshop fills the room."""
    jg2 = [w.employee_no for w in d.by_shop["jg2"]]
    attendees: list[list[str]] = [[] for _ in DEMONSTRATIONS]
    for no in d.feb_below["jg2"]:
        if d.cause[no] == TECHNIQUE:
            attendees[DEMO_FOR_TRADE[d.by_no[no].trade]].append(no)
            # Quick clamping fixtures save time at every machine.
            if no not in attendees[FIXTURES]:
                attendees[FIXTURES].append(no)
    for index, (technique, _, date, size) in enumerate(DEMONSTRATIONS):
        demonstrator = d.demonstrators[index]
        others = [no for no in jg2 if no != demonstrator and no not in attendees[index]]
        attendees[index] += d.rng.sample(others, size - len(attendees[index]))
        d.demonstrations.append(
            DemonstrationSpec(
                technique,
                demonstrator,
                date,
                "第二加工车间 " + d.by_no[demonstrator].trade + "工段",
                tuple(sorted(attendees[index])),
            )
        )


def _records(d: _Draft) -> None:
    """Each worker's quota and output, month by month, on the side of the
    quota the steps before decided."""
    rng = d.rng
    named = d.named
    seen = Counter(no for demo in d.demonstrations for no in demo.attendees)
    quota_choices = tuple(Decimal(q) for q in (176, 184, 192, 200, 208))
    special_pct = {
        named["hu_weiliang"]: {JAN: 86.0, FEB: 81.5, MAR: 104.0},
        named["wang_peisheng"]: {JAN: 84.0, FEB: 78.0, MAR: 125.0},
        named["league_secretary"]: {JAN: 116.0, FEB: 121.5, MAR: 124.0},
        named["han_wenlian"]: {JAN: 118.5, FEB: 122.0, MAR: 127.5},
    }
    for worker in d.workers:
        no = worker.employee_no
        quota = rng.choice(quota_choices)
        # A worker's attainment is steady from month to month: one level
        # when they meet quota, one when they fall short, and a little noise.
        level = min(100 + abs(rng.gauss(0, 14)), 160)
        low = max(100 - 4 - abs(rng.gauss(0, 8)), 65)
        for month in MONTHS:
            if month == JAN and no in d.hired_feb:
                continue
            meets = not d.below_in(no, month)
            if no in special_pct:
                pct = special_pct[no][month]
            elif no in d.demonstrators:
                pct = rng.uniform(145, 170)
            elif meets:
                pct = level + rng.gauss(0, 2.5)
                if month == MAR:
                    # What the demonstrations were for: those who saw them
                    # gained more in March than those who did not.
                    pct = min(pct + 4 * seen[no], 170)
            else:
                pct = min(low + rng.gauss(0, 2.5), 99.5)
            d.records[(no, month)] = (quota, _output(quota, round(pct, 1), meets))


def _helpers(d: _Draft) -> None:
    """Members and activists of the same workshop who met quota in February,
    three workers each at most where the workshop has members enough
    (分工包干), the same trade first for technique."""
    named = d.named
    load: dict[str, int] = {}
    d.helpers_of = {
        named["hu_weiliang"]: (named["league_secretary"],),
        named["wang_peisheng"]: (named["han_wenlian"],),
    }
    for helpers in d.helpers_of.values():
        for helper in helpers:
            load[helper] = load.get(helper, 0) + 1
    # The two demo helpers get one more case each, so their page is not a
    # list of one. The League secretary's worker is still below quota in
    # March: that case stays open when the secretary closes every case that
    # reached quota (Hu Weiliang's among them), so the README's story — a
    # home visit logged on it — holds whatever was done first.
    extra_for = {
        named["league_secretary"]: (IDEOLOGY, d.mar_below),
        named["han_wenlian"]: (TECHNIQUE, None),
    }
    for helper, (wanted, among) in extra_for.items():
        shop = d.by_no[helper].workshop
        no = next(
            no
            for no in d.feb_below[shop]
            if d.cause[no] == wanted
            and no not in d.helpers_of
            and (among is None or no in among)
        )
        d.helpers_of[no] = (helper,)
        load[helper] += 1
    for shop in WORKSHOPS:
        eligible = [
            w
            for w in d.by_shop[shop.code]
            if w.is_eligible_helper and w.employee_no not in d.feb_below_all
        ]
        for no in d.feb_below[shop.code]:
            if no in d.helpers_of:
                continue
            worker = d.by_no[no]

            def rank(h, worker=worker, technique=d.cause[no] == TECHNIQUE):
                same_trade = h.trade == worker.trade if technique else True
                member = h.political_status in (PARTY, PROBATIONARY)
                return (load.get(h.employee_no, 0), not same_trade, not member)

            free = [h for h in eligible if load.get(h.employee_no, 0) < 3]
            helper = min(free or eligible, key=lambda h: (rank(h), d.rng.random()))
            d.helpers_of[no] = (helper.employee_no,)
            load[helper.employee_no] = load.get(helper.employee_no, 0) + 1


_MEASURE_FOR = {
    IDEOLOGY: "individual_help",
    FAMILY: "hardship_aid",
    OTHER: "individual_help",
}


def _cases(d: _Draft) -> None:
    """A case for every February shortfall, with its measure, note and the
    helper's follow-ups."""
    named_follow = named_follow_ups()
    for shop in WORKSHOPS:
        for no in d.feb_below[shop.code]:
            c = d.cause[no]
            if c == TECHNIQUE:
                # Outside jg2 half the workers were coached at the bench.
                mentored = shop.code != "jg2" and d.rng.random() < 0.5
                measure = "mentoring" if mentored else "demonstration"
            else:
                measure = _MEASURE_FOR[c]
            key = next((k for k, v in d.named.items() if v == no), None)
            if key in ("hu_weiliang", "wang_peisheng"):
                note = (
                    "常和爱人闹口角，不断请假、迟到，完不成定额"
                    if key == "hu_weiliang"
                    else "家庭生活困难，影响生产情绪"
                )
                follow_ups = named_follow[key]
            else:
                note = d.rng.choice(NOTES[c])
                follow_ups = generic_follow_ups(d.rng, c, measure, no, d.demonstrations)
            d.cases.append(CaseSpec(no, c, measure, d.helpers_of[no], note, follow_ups))


def _classifications(d: _Draft) -> None:
    """Each case's shortfall classified as its cause, with its note, in the
    case's month and, for a January case still below quota, in February too
    (unless set already: the re-diagnosed case's February)."""
    for case in d.cases:
        for month in (JAN, FEB):
            if case.month <= month and d.below_in(case.worker, month):
                d.classifications.setdefault(
                    (case.worker, month), (case.cause, case.note)
                )
