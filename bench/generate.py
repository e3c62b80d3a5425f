"""A factory of N workers × M months, written straight into PostgreSQL.

The bench (bench/run.py) needs 5,400 × 36 = 194,400 monthly records, and ten
times that at ``--scale 10``; through the ORM that would take minutes, so the
records, classifications and disqualifications are made by the database
itself (INSERT … SELECT over generate_series). The small tables (users,
workshops, workers, cases) go through bulk_create so that model defaults
apply. Everything is deterministic: the pseudo-random figures are hashes of
the employee number and month, so two runs give the same factory.

The shape follows the Taiyuan report: the share of advanced producers rises
month by month (about 40% → 80%), workers below quota fall (about 20% → 5%),
the shortfalls of the last six months are classified by cause, and the
workers below quota three months before the end have help cases.

Use from a process whose Django settings point at the bench database::

    from bench.generate import Spec, generate
    generate(Spec(workers=5400, months=36))
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction

from assistance.models import SUGGESTED_MEASURE, AssistanceCase, CaseStatus
from factory.roles import MANAGER, SECRETARY
from workers.models import AdvancedStandard, Cause, PoliticalStatus, Worker, Workshop
from workers.months import add_months

# Bump when the generated data changes, so run.py regenerates old databases.
GENERATOR_VERSION = 1
FIRST_MONTH = dt.date(1954, 1, 1)
WORKERS_PER_WORKSHOP = 450
TRADES = ["车工", "铣工", "钳工", "铸工", "锻工", "装配工", "磨工", "刨工"]
SECRETARY_USERNAME = "bench_secretary"


@dataclasses.dataclass(frozen=True)
class Spec:
    workers: int = 5400
    months: int = 36

    @property
    def workshops(self) -> int:
        return max(1, round(self.workers / WORKERS_PER_WORKSHOP))

    @property
    def last_month(self) -> dt.date:
        return add_months(FIRST_MONTH, self.months - 1)

    @property
    def first_month(self) -> dt.date:
        return FIRST_MONTH


def manager_username(index: int) -> str:
    return f"bench_manager_{index:03d}"


def generate(spec: Spec, *, log: Callable[[str], None] = print) -> dict[str, float]:
    """Fill an empty, migrated database; returns seconds per step."""
    timings: dict[str, float] = {}

    def step(name: str, function: Callable[[], object]) -> None:
        start = time.perf_counter()
        function()
        timings[name] = time.perf_counter() - start
        log(f"  {name}: {timings[name]:.1f} s")

    with transaction.atomic():
        step("users and workshops", lambda: _users_and_workshops(spec))
        step("workers", lambda: _workers(spec))
        step("standards", lambda: _standards(spec))
        step("records", lambda: _records(spec))
        step("classifications", lambda: _classifications(spec))
        step("disqualifications", lambda: _disqualifications(spec))
        step("cases", lambda: _cases(spec))
    step("analyze", _analyze)
    return timings


def _users_and_workshops(spec: Spec) -> None:
    user_model = get_user_model()
    groups = {group.name: group for group in Group.objects.all()}
    secretary = user_model.objects.create_user(SECRETARY_USERNAME, password=None)
    secretary.groups.add(groups[SECRETARY])
    workshops = Workshop.objects.bulk_create(
        Workshop(code=f"ws{index:03d}", name=f"第{index}车间")
        for index in range(1, spec.workshops + 1)
    )
    managers = user_model.objects.bulk_create(
        user_model(username=manager_username(index), password="!")
        for index in range(1, spec.workshops + 1)
    )
    groups[MANAGER].user_set.add(*managers)
    through = Workshop.managers.through
    through.objects.bulk_create(
        through(workshop_id=workshop.pk, user_id=manager.pk)
        for workshop, manager in zip(workshops, managers, strict=True)
    )


def _workers(spec: Spec) -> None:
    rng = random.Random(1956)
    workshop_ids = list(Workshop.objects.order_by("code").values_list("pk", flat=True))
    workers = []
    for index in range(spec.workers):
        draw = rng.random()
        if draw < 0.10:
            status = PoliticalStatus.PARTY_MEMBER
        elif draw < 0.12:
            status = PoliticalStatus.PROBATIONARY_MEMBER
        elif draw < 0.27:
            status = PoliticalStatus.LEAGUE_MEMBER
        else:
            status = PoliticalStatus.MASSES
        workers.append(
            Worker(
                employee_no=f"B{index + 1:06d}",
                name=f"工人{index + 1}",
                workshop_id=workshop_ids[index * len(workshop_ids) // spec.workers],
                trade=TRADES[index % len(TRADES)],
                political_status=status,
                is_activist=status == PoliticalStatus.MASSES and rng.random() < 0.07,
            )
        )
    Worker.objects.bulk_create(workers, batch_size=5000)


def _standards(spec: Spec) -> None:
    # 100% from the start, raised to 105% for the last year: the report must
    # take each month's own standard.
    AdvancedStandard.objects.create(effective_from=FIRST_MONTH, threshold_pct=100)
    if spec.months > 12:
        AdvancedStandard.objects.create(
            effective_from=add_months(spec.last_month, -11), threshold_pct=105
        )


def _unit(salt: str) -> str:
    """SQL for a pseudo-random number in [0, 1) from the row's worker and month."""
    key = f"w.employee_no || '/' || m.i || '/{salt}'"
    return f"(abs(hashtext({key})) %% 100000) / 100000.0"


def _records(spec: Spec) -> None:
    # attainment = a worker's own level + a trend over the months + noise,
    # so shares move the way the report describes.
    skill = "((abs(hashtext(w.employee_no)) %% 1000) / 1000.0 - 0.5) * 24"
    sql = f"""
        INSERT INTO workers_productionrecord
            (worker_id, month, quota, output, unit, entered_at, updated_at)
        SELECT w.id, m.month, q.quota,
               round(q.quota * (86 + {skill} + 22.0 * m.i / %(months)s
                                + ({_unit("n")} - 0.5) * 16) / 100, 2),
               q.unit, now(), now()
        FROM workers_worker w
        CROSS JOIN LATERAL (
            SELECT i, (%(first)s::date + make_interval(months => i))::date AS month
            FROM generate_series(0, %(months)s - 1) AS i
        ) m
        CROSS JOIN LATERAL (
            SELECT (ARRAY[100, 120, 150, 200, 250])[1 + abs(hashtext(w.employee_no))
                                                      %% 5]::numeric AS quota,
                   CASE WHEN abs(hashtext(w.trade)) %% 2 = 0 THEN '件'
                        ELSE '定额工时' END AS unit
        ) q
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"months": spec.months, "first": FIRST_MONTH})


def _classifications(spec: Spec) -> None:
    since = add_months(spec.last_month, -5)
    secretary_id = get_user_model().objects.get(username=SECRETARY_USERNAME).pk
    sql = """
        INSERT INTO workers_shortfallclassification
            (worker_id, month, cause, note, classified_by_id, classified_at, version)
        SELECT r.worker_id, r.month,
               CASE WHEN h < 45 THEN 'technique' WHEN h < 70 THEN 'ideology'
                    WHEN h < 90 THEN 'family' ELSE 'other' END,
               '', %(by)s, now(), 1
        FROM (
            SELECT worker_id, month,
                   abs(hashtext(worker_id || '/' || month)) %% 100 AS h,
                   abs(hashtext(month || '/' || worker_id)) %% 100 AS keep
            FROM workers_productionrecord
            WHERE month >= %(since)s AND output < quota
        ) r
        WHERE r.keep < 85
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"since": since, "by": secretary_id})


def _disqualifications(spec: Spec) -> None:
    since = add_months(spec.last_month, -5)
    sql = """
        INSERT INTO workers_disqualification
            (worker_id, month, reason, note, decided_at)
        SELECT worker_id, month,
               (ARRAY['quality', 'safety', 'discipline'])[1 + worker_id %% 3],
               '', now()
        FROM workers_productionrecord
        WHERE month >= %(since)s AND output >= quota * 1.05
          AND abs(hashtext(worker_id || '#' || month)) %% 200 = 0
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"since": since})


def _cases(spec: Spec) -> None:
    """A case for each classified shortfall three months before the end."""
    month = add_months(spec.last_month, -3)
    secretary = get_user_model().objects.get(username=SECRETARY_USERNAME)
    helpers_by_workshop: dict[int, list[int]] = {}
    for worker_id, workshop_id in Worker.objects.eligible_helpers().values_list(
        "pk", "workshop_id"
    ):
        helpers_by_workshop.setdefault(workshop_id, []).append(worker_id)
    shortfalls = (
        Worker.objects.filter(classifications__month=month, records__month=month)
        .values_list("pk", "workshop_id", "classifications__cause")
        .order_by("pk")
    )
    cases, helper_ids = [], []
    for worker_id, workshop_id, cause in shortfalls:
        candidates = helpers_by_workshop.get(workshop_id) or [None]
        helper_id = candidates[worker_id % len(candidates)]
        if helper_id is None or helper_id == worker_id:
            continue
        draw = worker_id % 10
        if draw < 4:
            status, outcome = CaseStatus.CLOSED, "reached_quota"
        elif draw < 7:
            status, outcome = CaseStatus.REACHED_QUOTA, ""
        else:
            status, outcome = CaseStatus.OPEN, ""
        cases.append(
            AssistanceCase(
                worker_id=worker_id,
                month=month,
                cause=cause,
                measure=SUGGESTED_MEASURE[Cause(cause)],
                status=status,
                outcome=outcome,
                opened_by=secretary,
                closed_by=secretary if status == CaseStatus.CLOSED else None,
            )
        )
        helper_ids.append(helper_id)
    created = AssistanceCase.objects.bulk_create(cases, batch_size=2000)
    through = AssistanceCase.helpers.through
    through.objects.bulk_create(
        (
            through(assistancecase_id=case.pk, worker_id=helper_id)
            for case, helper_id in zip(created, helper_ids, strict=True)
        ),
        batch_size=5000,
    )


def _analyze() -> None:
    # Fresh statistics, as autovacuum would have them in a real database.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
