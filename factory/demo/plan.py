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
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from factory.demo.names import NameMaker

SEED = 19560421  # the day the report was printed
JAN = dt.date(1956, 1, 1)
FEB = dt.date(1956, 2, 1)
MAR = dt.date(1956, 3, 1)
MONTHS = (JAN, FEB, MAR)
UNIT = "定额工时"
EMPLOYEE_NO_PREFIX = "TK"  # 太矿: keeps demo workers apart from a real roster

# Political statuses and causes as stored (workers.models; kept as strings so
# the plan needs no Django).
PARTY = "party_member"
PROBATIONARY = "probationary_member"
LEAGUE = "league_member"
MASSES = "masses"
TECHNIQUE, IDEOLOGY, FAMILY, OTHER = "technique", "ideology", "family", "other"
HELPER_STATUSES = (PARTY, PROBATIONARY, LEAGUE)

# February's shortfalls by cause: 70% / 25% / 5% of 251 (the report's "5%"
# is family difficulty "and other reasons").
FEB_CAUSES = {TECHNIQUE: 176, IDEOLOGY: 63, FAMILY: 11, OTHER: 1}
# January has eight fewer workers on quota: they were taken on in February.
HIRED_IN_FEBRUARY = {"jg1": 2, "zz": 3, "zp": 3}
# Workers below quota in February who had met it in January, and the reverse.
JAN_MET_THEN_FELL = 28
JAN_BELOW_THEN_MET = 59
DISQUALIFIED_WORKSHOP = "zp"


@dataclass(frozen=True)
class WorkshopSpec:
    code: str
    name: str
    size: int
    trades: dict[str, int]  # trade → weight
    feb_below: int
    # March below quota = stuck (below in February too) + slipped (met it).
    mar_stuck: int
    mar_slipped: int
    league_share: float
    female_share: float
    feb_causes: dict[str, int] | None = None  # fixed split, else dealt


WORKSHOPS: tuple[WorkshopSpec, ...] = (
    WorkshopSpec(
        "jg1",
        "第一加工车间",
        130,
        {"车工": 45, "铣工": 20, "刨工": 12, "磨工": 10, "钳工": 13},
        feb_below=60,
        mar_stuck=27,
        mar_slipped=5,
        league_share=0.30,
        female_share=0.12,
    ),
    WorkshopSpec(
        "jg2",
        "第二加工车间",
        120,
        {"车工": 45, "铣工": 20, "刨工": 10, "磨工": 10, "钳工": 15},
        feb_below=17,
        mar_stuck=4,
        mar_slipped=0,
        league_share=0.30,
        female_share=0.12,
        feb_causes={TECHNIQUE: 13, IDEOLOGY: 3, FAMILY: 1},
    ),
    WorkshopSpec(
        "zz",
        "铸工车间",
        110,
        {"铸工": 85, "钳工": 10, "车工": 5},
        feb_below=62,
        mar_stuck=31,
        mar_slipped=5,
        league_share=0.18,
        female_share=0.03,
    ),
    WorkshopSpec(
        "dz",
        "锻工车间",
        70,
        {"锻工": 85, "钳工": 15},
        feb_below=35,
        mar_stuck=17,
        mar_slipped=3,
        league_share=0.18,
        female_share=0.0,
    ),
    WorkshopSpec(
        "zp",
        "装配车间",
        110,
        {"装配工": 70, "钳工": 25, "磨工": 5},
        feb_below=52,
        mar_stuck=21,
        mar_slipped=3,
        league_share=0.25,
        female_share=0.08,
    ),
    WorkshopSpec(
        "gj",
        "工具车间",
        60,
        {"钳工": 35, "车工": 25, "铣工": 20, "磨工": 20},
        feb_below=25,
        mar_stuck=10,
        mar_slipped=2,
        league_share=0.25,
        female_share=0.15,
    ),
)

# The people the report names, with the characters of the Chinese original.
HU_WEILIANG = "胡维亮"
WANG_PEISHENG = "王培胜"
HAN_WENLIAN = "韩文廉"
LEAGUE_SECRETARY = "刘振华"  # the report does not name him


@dataclass(frozen=True)
class WorkerSpec:
    employee_no: str
    name: str
    workshop: str
    trade: str
    political_status: str = MASSES
    is_activist: bool = False

    @property
    def is_eligible_helper(self) -> bool:
        return self.political_status in HELPER_STATUSES or self.is_activist


@dataclass(frozen=True)
class FollowUpSpec:
    kind: str  # assistance.models.FollowUpKind
    date: dt.date
    text: str
    is_private: bool = True
    aid_amount: Decimal | None = None
    aid_kind: str = ""
    aid_approved_by: str = ""


@dataclass(frozen=True)
class CaseSpec:
    worker: str  # employee_no
    cause: str
    measure: str
    helpers: tuple[str, ...]
    note: str  # the classification's note
    follow_ups: tuple[FollowUpSpec, ...] = ()


@dataclass(frozen=True)
class DemonstrationSpec:
    technique: str
    demonstrator: str
    date: dt.date
    place: str
    attendees: tuple[str, ...]


@dataclass(frozen=True)
class UserSpec:
    username: str
    password: str
    role: str  # a group of factory.roles, or "admin"
    full_name: str
    worker: str | None = None  # employee_no of the linked worker
    workshops: tuple[str, ...] = ()
    describe: str = ""


@dataclass
class DemoPlan:
    workshops: tuple[WorkshopSpec, ...]
    workers: list[WorkerSpec]
    # (employee_no, month) → (quota, output)
    records: dict[tuple[str, dt.date], tuple[Decimal, Decimal]]
    cases: list[CaseSpec]
    demonstrations: list[DemonstrationSpec]
    disqualified: list[tuple[str, dt.date, str, str]]  # no, month, reason, note
    users: list[UserSpec]
    named: dict[str, str] = field(default_factory=dict)  # role → employee_no

    def worker(self, employee_no: str) -> WorkerSpec:
        return self._by_no[employee_no]

    def __post_init__(self):
        self._by_no = {w.employee_no: w for w in self.workers}


USERS = (
    UserSpec(
        "secretary",
        "demo-secretary-1956",
        "secretary",
        "张明远",
        describe="committee secretary",
    ),
    UserSpec(
        "director",
        "demo-director-1956",
        "manager",
        "李德胜",
        workshops=("jg2",),
        describe="director of the second machining workshop (jg2)",
    ),
    UserSpec(
        "director-jg1",
        "demo-director-1956",
        "manager",
        "赵国栋",
        workshops=("jg1",),
        describe="director of the first machining workshop (jg1)",
    ),
    UserSpec(
        "league-secretary",
        "demo-helper-1956",
        "helper",
        LEAGUE_SECRETARY,
        worker="league_secretary",
        describe="helper: League branch secretary of jg1, helps Hu Weiliang",
    ),
    UserSpec(
        "han-wenlian",
        "demo-helper-1956",
        "helper",
        HAN_WENLIAN,
        worker="han_wenlian",
        describe="helper: Party member Han Wenlian, helps Wang Peisheng",
    ),
    UserSpec(
        "admin",
        "demo-admin-1956",
        "admin",
        "",
        describe="administrator (superuser, Django admin)",
    ),
)


def _weighted_sample(rng: random.Random, items, weight, k: int) -> list:
    """k items without replacement, more likely the heavier (Efraimidis–Spirakis)."""
    keyed = sorted(items, key=lambda item: rng.random() ** (1.0 / weight(item)))
    return keyed[-k:] if k else []


def _output(quota: Decimal, pct: float, meets: bool) -> Decimal:
    output = (quota * Decimal(str(pct)) / 100).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    # Rounding must never move a worker across the line the plan put them on.
    if meets and output < quota:
        return quota
    if not meets and output >= quota:
        return quota - Decimal("0.5")
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

TECHNIQUE_NOTES = (
    "看图能力差，加工尺寸常超差",
    "不会使用新式刀具，切削用量偏小",
    "操作不熟练，辅助时间长",
    "刚调入本工种，技术生疏",
    "不会自己刃磨刀具，换刀次数多",
    "装夹找正费时，废品较多",
    "新产品工艺不熟悉",
)
IDEOLOGY_NOTES = (
    "工作不安心，想调换工种",
    "对新定额有抵触情绪",
    "经常迟到早退，劳动纪律差",
    "自由散漫，工作时间闲谈",
    "认为定额高，干劲不足",
    "与班组长闹意见，情绪低落",
)
FAMILY_NOTES = (
    "家中老人久病，负担重",
    "子女多，生活困难",
    "爱人失业，家庭收入少",
    "家乡遭灾，需接济亲属",
)
OTHER_NOTES = ("身体不好，病假较多",)
NOTES = {
    TECHNIQUE: TECHNIQUE_NOTES,
    IDEOLOGY: IDEOLOGY_NOTES,
    FAMILY: FAMILY_NOTES,
    OTHER: OTHER_NOTES,
}

# The second machining workshop's five kinds of advanced experience.
DEMONSTRATIONS = (
    ("高速切削法", "车工", dt.date(1956, 3, 3), 48),
    ("强力切削车刀（科列索夫车刀）", "车工", dt.date(1956, 3, 6), 45),
    ("多刀多刃铣削", "铣工", dt.date(1956, 3, 9), 42),
    ("快速装卡夹具", "钳工", dt.date(1956, 3, 13), 40),
    ("刀具合理刃磨", "磨工", dt.date(1956, 3, 16), 38),
)
# Which demonstration a worker of each trade below quota goes to; all of
# them also go to the one on fixtures.
_DEMO_FOR_TRADE = {"车工": 0, "铣工": 2, "钳工": 3, "刨工": 3, "磨工": 4}
FIXTURES = 3


def _named_follow_ups() -> dict[str, tuple[FollowUpSpec, ...]]:
    return {
        "hu_weiliang": (
            FollowUpSpec(
                "talk",
                dt.date(1956, 3, 5),
                "下班后找他谈心。他承认常和爱人闹口角，心里烦，"
                "所以不断请假、迟到，二月只完成定额八成。",
            ),
            FollowUpSpec(
                "home_visit",
                dt.date(1956, 3, 8),
                "到他家里家访，分别和夫妻二人谈心，讲清道理，"
                "两人答应互相体谅，夫妻间的隔阂消除了。",
            ),
            FollowUpSpec(
                "talk",
                dt.date(1956, 3, 22),
                "回访：本月没有再请假或迟到，干劲足了，月底可以完成定额。",
                is_private=False,
            ),
        ),
        "wang_peisheng": (
            FollowUpSpec(
                "talk",
                dt.date(1956, 3, 4),
                "谈心：家里七口人靠他一人工资，母亲常年生病，生活困难，上班心神不定。",
            ),
            FollowUpSpec(
                "home_visit",
                dt.date(1956, 3, 7),
                "家访核实家庭困难情况，向车间和工会反映。",
            ),
            FollowUpSpec(
                "aid_granted",
                dt.date(1956, 3, 10),
                "工会发放生活困难补助，解决了家里的燃眉之急。",
                aid_amount=Decimal("30.00"),
                aid_kind="生活困难补助",
                aid_approved_by="厂工会",
            ),
            FollowUpSpec(
                "other",
                dt.date(1956, 4, 5),
                "劳动态度转变，三月完成定额百分之一百二十五，获得超额奖金。",
                is_private=False,
            ),
        ),
    }


@cache
def build_plan() -> DemoPlan:
    """The whole demo factory; cached because it never changes."""
    rng = random.Random(SEED)
    workers, named = _roster(rng)
    by_no = {w.employee_no: w for w in workers}
    by_shop: dict[str, list[WorkerSpec]] = {}
    for worker in workers:
        by_shop.setdefault(worker.workshop, []).append(worker)

    fixed_feb_below = {named["hu_weiliang"], named["wang_peisheng"]}
    never_below = {named["league_secretary"], named["han_wenlian"]}

    # February: who is below quota, and why.
    feb_below: dict[str, list[str]] = {}
    for shop in WORKSHOPS:
        forced = [
            w.employee_no
            for w in by_shop[shop.code]
            if w.employee_no in fixed_feb_below
        ]
        pool = [
            w
            for w in by_shop[shop.code]
            if w.employee_no not in fixed_feb_below | never_below
        ]
        drawn = _weighted_sample(
            rng,
            pool,
            lambda w: (
                _BELOW_WEIGHT[w.political_status] * (0.6 if w.is_activist else 1.0)
            ),
            shop.feb_below - len(forced),
        )
        feb_below[shop.code] = sorted(forced + [w.employee_no for w in drawn])

    cause: dict[str, str] = {
        named["hu_weiliang"]: IDEOLOGY,
        named["wang_peisheng"]: FAMILY,
    }
    remaining = dict(FEB_CAUSES)
    remaining[IDEOLOGY] -= 1
    remaining[FAMILY] -= 1
    for shop in WORKSHOPS:
        if shop.feb_causes:
            causes = [c for c, n in shop.feb_causes.items() for _ in range(n)]
            rng.shuffle(causes)
            for no, c in zip(feb_below[shop.code], causes, strict=True):
                cause[no] = c
                remaining[c] -= 1
    pool = [c for c, n in remaining.items() for _ in range(n)]
    rng.shuffle(pool)
    undealt = [
        no
        for shop in WORKSHOPS
        if not shop.feb_causes
        for no in feb_below[shop.code]
        if no not in cause
    ]
    for no, c in zip(undealt, pool, strict=True):
        cause[no] = c

    # March: who stays below quota, who slips below it, who is disqualified.
    mar_below: set[str] = set()
    feb_below_all = {no for nos in feb_below.values() for no in nos}
    for shop in WORKSHOPS:
        candidates = [no for no in feb_below[shop.code] if no not in fixed_feb_below]
        if shop.code == "jg2":
            # The demonstrations answered technique: the four still below
            # quota in March are the ideological and family cases.
            stuck = [no for no in candidates if cause[no] != TECHNIQUE]
            assert len(stuck) == shop.mar_stuck
        else:
            stuck = _weighted_sample(
                rng, candidates, lambda no: _STUCK_WEIGHT[cause[no]], shop.mar_stuck
            )
        met_in_feb = [
            w.employee_no
            for w in by_shop[shop.code]
            if w.employee_no not in feb_below_all | never_below
        ]
        mar_below.update(stuck, rng.sample(met_in_feb, shop.mar_slipped))

    # Demonstrators: jg2's best workers of the trade, advanced every month.
    jg2_met_all = [
        w
        for w in by_shop["jg2"]
        if w.employee_no not in feb_below_all | mar_below and not w.is_activist
    ]
    demonstrators: list[str] = []
    for _, trade, _, _ in DEMONSTRATIONS:
        choices = [
            w.employee_no
            for w in jg2_met_all
            if w.trade == trade and w.employee_no not in demonstrators
        ]
        demonstrators.append(rng.choice(choices))

    disqualified_no = rng.choice(
        [
            w.employee_no
            for w in by_shop[DISQUALIFIED_WORKSHOP]
            if w.employee_no not in feb_below_all | mar_below
        ]
    )

    # January: eight not yet taken on; the rest mostly as in February.
    hired_feb: set[str] = set()
    for code, count in HIRED_IN_FEBRUARY.items():
        technique = [
            no
            for no in feb_below[code]
            if cause[no] == TECHNIQUE and no not in fixed_feb_below
        ]
        hired_feb.update(rng.sample(technique, count))
    fell_in_feb = set(
        rng.sample(
            sorted(feb_below_all - hired_feb - fixed_feb_below), JAN_MET_THEN_FELL
        )
    )
    feb_met = sorted(
        no for no in by_no if no not in feb_below_all | never_below | set(demonstrators)
    )
    # The second machining workshop was already the steadiest in January.
    rose_in_feb = set(
        _weighted_sample(
            rng,
            feb_met,
            lambda no: 0.25 if by_no[no].workshop == "jg2" else 1.0,
            JAN_BELOW_THEN_MET,
        )
    )

    def below_in(no: str, month: dt.date) -> bool:
        if month == MAR:
            return no in mar_below
        if month == FEB:
            return no in feb_below_all
        if no in feb_below_all:
            return no not in fell_in_feb
        return no in rose_in_feb

    # Demonstrations: every jg2 worker below quota for technique goes to the
    # one for their trade; the rest of the workshop fills the room.
    jg2 = [w.employee_no for w in by_shop["jg2"]]
    attendees: list[list[str]] = [[] for _ in DEMONSTRATIONS]
    for no in feb_below["jg2"]:
        if cause[no] == TECHNIQUE:
            attendees[_DEMO_FOR_TRADE[by_no[no].trade]].append(no)
            # Quick clamping fixtures save time at every machine.
            if no not in attendees[FIXTURES]:
                attendees[FIXTURES].append(no)
    demonstrations = []
    for index, (technique, _, date, size) in enumerate(DEMONSTRATIONS):
        demonstrator = demonstrators[index]
        others = [no for no in jg2 if no != demonstrator and no not in attendees[index]]
        attendees[index] += rng.sample(others, size - len(attendees[index]))
        demonstrations.append(
            DemonstrationSpec(
                technique,
                demonstrator,
                date,
                "第二加工车间 " + by_no[demonstrator].trade + "工段",
                tuple(sorted(attendees[index])),
            )
        )

    seen = Counter(no for d in demonstrations for no in d.attendees)

    quotas = (Decimal(q) for q in (176, 184, 192, 200, 208))
    quota_choices = tuple(quotas)
    special_pct = {
        named["hu_weiliang"]: {JAN: 86.0, FEB: 81.5, MAR: 104.0},
        named["wang_peisheng"]: {JAN: 84.0, FEB: 78.0, MAR: 125.0},
        named["league_secretary"]: {JAN: 116.0, FEB: 121.5, MAR: 124.0},
        named["han_wenlian"]: {JAN: 118.5, FEB: 122.0, MAR: 127.5},
    }
    records: dict[tuple[str, dt.date], tuple[Decimal, Decimal]] = {}
    for worker in workers:
        no = worker.employee_no
        quota = rng.choice(quota_choices)
        # A worker's attainment is steady from month to month: one level
        # when they meet quota, one when they fall short, and a little noise.
        level = min(100 + abs(rng.gauss(0, 14)), 160)
        low = max(100 - 4 - abs(rng.gauss(0, 8)), 65)
        for month in MONTHS:
            if month == JAN and no in hired_feb:
                continue
            meets = not below_in(no, month)
            if no in special_pct:
                pct = special_pct[no][month]
            elif no in demonstrators:
                pct = rng.uniform(145, 170)
            elif meets:
                pct = level + rng.gauss(0, 2.5)
                if month == MAR:
                    # What the demonstrations were for: those who saw them
                    # gained more in March than those who did not.
                    pct = min(pct + 4 * seen[no], 170)
            else:
                pct = min(low + rng.gauss(0, 2.5), 99.5)
            records[(no, month)] = (quota, _output(quota, round(pct, 1), meets))

    # Helpers: members and activists of the same workshop who met quota in
    # February, three workers each at most where the workshop has members
    # enough (分工包干), the same trade first for technique.
    load: dict[str, int] = {}
    helpers_of: dict[str, tuple[str, ...]] = {
        named["hu_weiliang"]: (named["league_secretary"],),
        named["wang_peisheng"]: (named["han_wenlian"],),
    }
    for helpers in helpers_of.values():
        for helper in helpers:
            load[helper] = load.get(helper, 0) + 1
    # The two demo helpers get one more case each, so their page is not a list of one.
    extra_for = {
        named["league_secretary"]: IDEOLOGY,
        named["han_wenlian"]: TECHNIQUE,
    }
    for helper, wanted in extra_for.items():
        shop = by_no[helper].workshop
        no = next(
            no for no in feb_below[shop] if cause[no] == wanted and no not in helpers_of
        )
        helpers_of[no] = (helper,)
        load[helper] += 1
    for shop in WORKSHOPS:
        eligible = [
            w
            for w in by_shop[shop.code]
            if w.is_eligible_helper and w.employee_no not in feb_below_all
        ]
        for no in feb_below[shop.code]:
            if no in helpers_of:
                continue
            worker = by_no[no]

            def rank(h, worker=worker, technique=cause[no] == TECHNIQUE):
                same_trade = h.trade == worker.trade if technique else True
                member = h.political_status in (PARTY, PROBATIONARY)
                return (load.get(h.employee_no, 0), not same_trade, not member)

            free = [h for h in eligible if load.get(h.employee_no, 0) < 3]
            helper = min(free or eligible, key=lambda h: (rank(h), rng.random()))
            helpers_of[no] = (helper.employee_no,)
            load[helper.employee_no] = load.get(helper.employee_no, 0) + 1

    named_follow_ups = _named_follow_ups()
    measure_for = {
        IDEOLOGY: "individual_help",
        FAMILY: "hardship_aid",
        OTHER: "individual_help",
    }
    cases: list[CaseSpec] = []
    for shop in WORKSHOPS:
        for no in feb_below[shop.code]:
            c = cause[no]
            if c == TECHNIQUE:
                # Outside jg2 half the workers were coached at the bench.
                mentored = shop.code != "jg2" and rng.random() < 0.5
                measure = "mentoring" if mentored else "demonstration"
            else:
                measure = measure_for[c]
            key = next((k for k, v in named.items() if v == no), None)
            if key in ("hu_weiliang", "wang_peisheng"):
                note = (
                    "常和爱人闹口角，不断请假、迟到，完不成定额"
                    if key == "hu_weiliang"
                    else "家庭生活困难，影响生产情绪"
                )
                follow_ups = named_follow_ups[key]
            else:
                note = rng.choice(NOTES[c])
                follow_ups = _generic_follow_ups(rng, c, measure, no, demonstrations)
            cases.append(CaseSpec(no, c, measure, helpers_of[no], note, follow_ups))

    return DemoPlan(
        workshops=WORKSHOPS,
        workers=workers,
        records=records,
        cases=cases,
        demonstrations=demonstrations,
        disqualified=[
            (
                disqualified_no,
                MAR,
                "quality",
                "三月份废品超过规定，经党委研究，本月不评为先进生产者",
            )
        ],
        users=list(USERS),
        named={
            **named,
            **{f"demonstrator_{i}": no for i, no in enumerate(demonstrators)},
        },
    )


def _generic_follow_ups(
    rng: random.Random,
    cause: str,
    measure: str,
    no: str,
    demonstrations: list[DemonstrationSpec],
) -> tuple[FollowUpSpec, ...]:
    day = dt.date(1956, 3, rng.randint(4, 20))
    if measure == "demonstration":
        attended = [d for d in demonstrations if no in d.attendees]
        if attended:
            # The visit itself is on the case's timeline through the
            # attendance; the helper logs what came after it.
            first = attended[0]
            return (
                FollowUpSpec(
                    "training",
                    first.date + dt.timedelta(days=2),
                    f"参观{first.technique}表演后，在他的机床上一起试用，"
                    "帮他调整操作方法。",
                    is_private=False,
                ),
            )
        return (
            FollowUpSpec(
                "training",
                day,
                "组织看先进生产者操作，讲解操作要领。",
                is_private=False,
            ),
        )
    if measure == "mentoring":
        return (
            FollowUpSpec(
                "training",
                day,
                "在机床旁手把手指导，纠正操作方法。",
                is_private=False,
            ),
        )
    if cause == FAMILY:
        return (
            FollowUpSpec("home_visit", day, "家访，了解家庭困难情况。"),
            FollowUpSpec(
                "aid_granted",
                day + dt.timedelta(days=3),
                "发放生活困难补助。",
                aid_amount=Decimal(rng.choice((15, 20, 25, 30))),
                aid_kind="生活困难补助",
                aid_approved_by="厂工会",
            ),
        )
    return (FollowUpSpec("talk", day, "找他谈心，了解思想情况，讲清道理。"),)
