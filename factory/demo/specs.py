"""The demo factory's shapes and fixed facts: the workshops, the people the
report names, the logins, and the specs a plan is made of (plain data; the
plan is drawn in factory.demo.plan)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from workers.models import Cause, PoliticalStatus, Worker

SEED = 19560421  # the day the report was printed
# The demo's FACTORY_NAME (settings): make demo runs under it, and seed_demo
# says how to when it runs without it.
FACTORY_NAME = "太原矿山机器厂（演示）"
JAN = dt.date(1956, 1, 1)
FEB = dt.date(1956, 2, 1)
MAR = dt.date(1956, 3, 1)
MONTHS = (JAN, FEB, MAR)
UNIT = "定额工时"
EMPLOYEE_NO_PREFIX = "TK"  # 太矿: keeps demo workers apart from a real roster
# Political statuses and causes as stored (workers.models).
PARTY = PoliticalStatus.PARTY_MEMBER.value
PROBATIONARY = PoliticalStatus.PROBATIONARY_MEMBER.value
LEAGUE = PoliticalStatus.LEAGUE_MEMBER.value
MASSES = PoliticalStatus.MASSES.value
TECHNIQUE, IDEOLOGY, FAMILY, OTHER = (
    Cause.TECHNIQUE.value,
    Cause.IDEOLOGY.value,
    Cause.FAMILY.value,
    Cause.OTHER.value,
)

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
class CampaignSpec:
    """A campaign target the committee set (factory.figures.campaigns)."""

    workshop: str
    measure: str
    start_month: dt.date
    target_value: Decimal
    target_month: dt.date


# The report's "from 17 to 4" in the second machining workshop, as the
# committee's target: February's 17 below quota down to 4 by April. March
# reaches it (4 below quota), a month early.
CAMPAIGNS = (CampaignSpec("jg2", "failing", FEB, Decimal(4), dt.date(1956, 4, 1)),)


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
        """The roster's rule (workers.models.Worker.is_eligible_helper), for
        a worker not saved yet."""
        return Worker(
            political_status=self.political_status, is_activist=self.is_activist
        ).is_eligible_helper


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
    month: dt.date = FEB  # the case's month: opened once its figures were in


@dataclass(frozen=True)
class RediagnosisSpec:
    """A case's new cause and measure (assistance.services.rediagnose),
    effective in ``month``."""

    worker: str  # employee_no: the worker's case
    cause: str
    measure: str
    reason: str
    month: dt.date


@dataclass(frozen=True)
class ClosingSpec:
    """The secretary closes a worker's case (assistance.services.close_case),
    effective in ``month``."""

    worker: str  # employee_no: the worker's case
    outcome: str  # assistance.models.CaseOutcome
    reason: str
    month: dt.date


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
    # (employee_no, month) → (cause, note), as first classified.
    classifications: dict[tuple[str, dt.date], tuple[str, str]] = field(
        default_factory=dict
    )
    rediagnoses: list[RediagnosisSpec] = field(default_factory=list)
    closings: list[ClosingSpec] = field(default_factory=list)

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
