"""Write the demo plan into the database through the apps' own services.

Records go through workers.services.save_records and cases through
assistance.services (a re-diagnosis as its service writes it, in its own
month), so the demo has the history, case events and status sync a real
factory would have. Every step looks for what is already there first:
running the seed again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assistance import services as case_services
from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Demonstration,
    FollowUp,
)
from factory.demo.build_experiences import (
    case_experience,
    seed_catalogue,
    seed_experience_story,
    wipe_experiences,
)
from factory.demo.plan import build_plan
from factory.demo.specs import (
    CAMPAIGNS,
    FEB,
    JAN,
    MAR,
    MONTHS,
    UNIT,
    DemoPlan,
    UserSpec,
)
from factory.figures.campaigns import set_campaign
from factory.models import Campaign
from workers.changes import Change, announce_change
from workers.classification import (
    ClassificationInput,
    save_classifications,
    shortfall_problems,
)
from workers.models import (
    Disqualification,
    ProductionRecord,
    ShortfallClassification,
    Worker,
    Workshop,
)
from workers.months import add_months
from workers.services import RecordInput, disqualify, save_records

SOURCE = "demo"


@dataclass
class SeedResult:
    logins: list[UserSpec]
    created: dict[str, int] = field(default_factory=dict)


def _count(result: SeedResult, what: str, number: int = 1) -> None:
    result.created[what] = result.created.get(what, 0) + number


@transaction.atomic
def seed_demo(*, reset: bool = False) -> SeedResult:
    """Load the demo factory (in one transaction: all of it or nothing)."""
    plan = build_plan()
    if reset:
        wipe_demo(plan)
    result = SeedResult(logins=plan.users)
    users = _users(plan, result, restore_passwords=reset)
    secretary = users["secretary"]
    workshops = _workshops(plan, users, result)
    workers = _workers(plan, workshops, result)
    _link_helpers(plan, users, workers)
    # The advanced experiences first: a February technique case names one.
    catalogue = seed_catalogue(workers, result)
    # Month by month, as the committee worked: each month's records move
    # the cases whose worker met quota on to "reached quota" (assistance's
    # receiver of records_saved), and what the committee did once a month's
    # figures were in is effective in that month, the working month then.
    _records(plan, workers, (JAN,), secretary, result)
    _classifications(plan, workers, JAN, secretary, result)
    _cases(plan, workers, users, JAN, secretary, result, catalogue)
    _records(plan, workers, (FEB,), secretary, result)
    _classifications(plan, workers, FEB, secretary, result)
    _rediagnoses(plan, workers, secretary, result)
    _closings(plan, workers, FEB, secretary, result)
    _cases(plan, workers, users, FEB, secretary, result, catalogue)
    # February's and March's demonstrations, the levels and the checks at
    # the machine (factory.demo.experiences).
    seed_experience_story(workers, workshops, catalogue, secretary, result)
    _records(plan, workers, (MAR,), secretary, result)
    _closings(plan, workers, MAR, secretary, result)
    _disqualifications(plan, workers, secretary, result)
    _date_case_events(workers)
    # Last: a campaign's start value is read from the monthly summaries,
    # which are brought up to date once, for every write above.
    _campaigns(workshops, secretary, result)
    return result


def _date_case_events(workers: dict) -> None:
    """Give the cases' events the 1956 days they stand for, so that a case's
    timeline reads in order beside its 1956 follow-ups: whatever is
    effective in a month happened once its figures were in, on the first
    of the next (a February case opened on 1 March, reached quota on
    1 April). Loading the demo happens today; what it replays happened
    then. Their effective months are set by the services already, and
    within a day the events keep the order they were written in."""
    events = CaseEvent.objects.filter(case__worker__in=workers.values())
    for month in MONTHS:
        events.filter(effective_month=month).update(at=_demo_time(add_months(month, 1)))
    # QuerySet.update sends no model signals: the events' order within a
    # month is part of a case's standing, so the change is announced.
    announce_change(Change.CASE_EVENTS, months=MONTHS)


def _demo_time(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


# --- users, workshops, workers ---


def _users(plan: DemoPlan, result: SeedResult, *, restore_passwords: bool) -> dict:
    User = get_user_model()
    existing = set(
        User.objects.filter(
            username__in=[spec.username for spec in plan.users]
        ).values_list("username", flat=True)
    )
    # Hashing is slow on purpose (a third of a second each): hash each demo
    # password once, and never again on later runs, which keep the password
    # as it is. --reset restores the printed one, also for a user it could
    # not delete (one who published a month).
    hashes = _password_hashes(
        {
            spec.password
            for spec in plan.users
            if restore_passwords or spec.username not in existing
        }
    )
    users = {}
    for spec in plan.users:
        user, created = User.objects.get_or_create(username=spec.username)
        changed = created
        if created or restore_passwords:
            user.password = hashes[spec.password]
            changed = True
        if spec.role == "admin" and not (user.is_superuser and user.is_staff):
            user.is_superuser = user.is_staff = True
            changed = True
        if user.first_name != spec.full_name:
            user.first_name = spec.full_name
            changed = True
        if not user.is_active:
            user.is_active = True
            changed = True
        if changed:
            user.save()
            _count(result, "users")
        if spec.role != "admin":
            user.groups.add(Group.objects.get(name=spec.role))
        users[spec.username] = user
    return users


def _password_hashes(passwords: set[str]) -> dict[str, str]:
    """Each password's hash, made side by side: PBKDF2 runs in OpenSSL
    without Python's lock, so the demo's four take the time of two on two
    cores."""
    with ThreadPoolExecutor(max_workers=max(1, len(passwords))) as pool:
        return dict(zip(passwords, pool.map(make_password, passwords), strict=True))


def _workshops(plan: DemoPlan, users: dict, result: SeedResult) -> dict:
    workshops = {}
    for spec in plan.workshops:
        workshop, created = Workshop.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name}
        )
        if created:
            _count(result, "workshops")
        elif workshop.name != spec.name:
            workshop.name = spec.name
            workshop.save(update_fields=["name"])
        workshops[spec.code] = workshop
    for spec in plan.users:
        for code in spec.workshops:
            workshops[code].managers.add(users[spec.username])
    return workshops


def _workers(plan: DemoPlan, workshops: dict, result: SeedResult) -> dict:
    existing = {
        w.employee_no: w
        for w in Worker.objects.filter(
            employee_no__in=[s.employee_no for s in plan.workers]
        )
    }
    to_create = []
    for spec in plan.workers:
        values = {
            "name": spec.name,
            "workshop_id": workshops[spec.workshop].pk,
            "trade": spec.trade,
            "political_status": spec.political_status,
            "is_activist": spec.is_activist,
            "active": True,
        }
        worker = existing.get(spec.employee_no)
        if worker is None:
            to_create.append(Worker(employee_no=spec.employee_no, **values))
            continue
        changed = [
            name for name, value in values.items() if getattr(worker, name) != value
        ]
        if changed:
            for name in changed:
                setattr(worker, name, values[name])
            worker.save()
    if to_create:
        bulk_create_with_history(to_create, Worker, default_change_reason=SOURCE)
        _count(result, "workers", len(to_create))
    return {
        w.employee_no: w
        for w in Worker.objects.filter(
            employee_no__in=[s.employee_no for s in plan.workers]
        )
    }


def _link_helpers(plan: DemoPlan, users: dict, workers: dict) -> None:
    for spec in plan.users:
        if not spec.worker:
            continue
        worker = workers[plan.named[spec.worker]]
        user = users[spec.username]
        if worker.user_id != user.pk:
            worker.user = user
            worker.save()


# --- records, classifications, cases, demonstrations ---


def _records(plan, workers, months, by, result: SeedResult) -> None:
    rows = [
        RecordInput(
            worker_id=workers[no].pk,
            month=month,
            quota=quota,
            output=output,
            unit=UNIT,
        )
        for (no, month), (quota, output) in plan.records.items()
        if month in months
    ]
    saved = save_records(rows=rows, by=by, source=SOURCE)
    if saved.created or saved.updated:
        _count(result, "records", saved.created + saved.updated)


def _classifications(plan, workers, month, secretary, result: SeedResult) -> None:
    """A month's causes, through the classification rules
    (workers.classification) in one call: every row checked, each kept in
    the history, as the classifications import writes them. A shortfall
    classified already is left as it is: a re-diagnosis may have changed
    it since."""
    existing = set(
        ShortfallClassification.objects.filter(month=month).values_list(
            "worker_id", flat=True
        )
    )
    rows = [
        ClassificationInput(
            worker_id=workers[no].pk, month=month, cause=cause, note=note
        )
        for (no, when), (cause, note) in plan.classifications.items()
        if when == month and workers[no].pk not in existing
    ]
    problems = shortfall_problems((row.worker_id, row.month) for row in rows)
    if problems:
        raise ValueError(f"the demo classifies no shortfall: {sorted(problems)}")
    if rows:
        saved = save_classifications(rows=rows, by=secretary, source=SOURCE)
        _count(result, "classifications", saved.created + saved.updated)


def _cases(
    plan, workers, users, month, secretary, result: SeedResult, catalogue: dict
) -> None:
    """The cases of ``month``, opened with their helpers' follow-ups (a
    February technique case naming the experience to learn)."""
    author_of = {
        plan.named[spec.worker]: users[spec.username]
        for spec in plan.users
        if spec.worker
    }
    opened = set(
        AssistanceCase.objects.filter(
            month=month, worker__in=workers.values()
        ).values_list("worker__employee_no", flat=True)
    )
    for spec in plan.cases:
        if spec.month != month or spec.worker in opened:
            continue
        case = case_services.open_case(
            worker=workers[spec.worker],
            month=month,
            cause=spec.cause,
            measure=spec.measure,
            helpers=[workers[no] for no in spec.helpers],
            opened_by=secretary,
            experience=case_experience(spec.worker, catalogue),
        )
        author = author_of.get(spec.helpers[0], secretary)
        for follow_up in spec.follow_ups:
            extra = {}
            if follow_up.aid_amount is not None:
                extra = {
                    "aid_amount": follow_up.aid_amount,
                    "aid_kind": follow_up.aid_kind,
                    "aid_approved_by": follow_up.aid_approved_by,
                }
            case_services.add_follow_up(
                case=case,
                author=author,
                kind=follow_up.kind,
                text=follow_up.text,
                date=follow_up.date,
                is_private=follow_up.is_private,
                **extra,
            )
            _count(result, "follow-ups")
        _count(result, "cases")


def _case_of(worker) -> AssistanceCase:
    """The worker's latest case: the one the plan's action is about."""
    return AssistanceCase.objects.filter(worker=worker).latest("month", "pk")


def _rediagnoses(plan, workers, secretary, result: SeedResult) -> None:
    """Written as assistance.services.rediagnose writes them — the event
    keeping the old and the new cause and measure (announced as it is
    saved), the classification of the worker's latest month below quota
    (through the queue's service), the case — but effective in the plan's
    month: the service takes the working month, and reading it here would
    bring the summaries up to date once more in the seed's transaction
    (workers.changes.settle)."""
    for spec in plan.rediagnoses:
        worker = workers[spec.worker]
        case = _case_of(worker)
        if case.events.filter(kind=CaseEventKind.REDIAGNOSED).exists():
            continue
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.REDIAGNOSED,
            by=secretary,
            from_status=case.status,
            to_status=case.status,
            effective_month=spec.month,
            note=spec.reason,
            cause=spec.cause,
            measure=spec.measure,
            old_cause=case.cause,
            old_measure=case.measure,
        )
        # The month re-diagnosed is the latest below quota: the plan's
        # month, the working month when the committee looked again.
        note = ShortfallClassification.objects.get(worker=worker, month=spec.month).note
        case_services.classify(
            worker=worker, month=spec.month, cause=spec.cause, note=note, by=secretary
        )
        case.cause, case.measure = spec.cause, spec.measure
        case.version += 1
        case.save(update_fields=["cause", "measure", "version"])
        _count(result, "re-diagnoses")


def _closings(plan, workers, month, secretary, result: SeedResult) -> None:
    """The secretary closes the plan's cases of ``month``, effective then
    (close_case's rules: reached quota only once the records say so)."""
    for spec in plan.closings:
        if spec.month != month:
            continue
        case = _case_of(workers[spec.worker])
        if case.status == CaseStatus.CLOSED:
            continue
        case_services.close_case(
            case=case,
            by=secretary,
            outcome=spec.outcome,
            reason=spec.reason,
            effective_month=spec.month,
        )
        _count(result, "closed cases")


def _campaigns(workshops: dict, secretary, result: SeedResult) -> None:
    for spec in CAMPAIGNS:
        workshop = workshops[spec.workshop]
        if Campaign.objects.filter(
            workshop=workshop, measure=spec.measure, start_month=spec.start_month
        ).exists():
            continue
        set_campaign(
            workshop=workshop,
            measure=spec.measure,
            start_month=spec.start_month,
            target_value=spec.target_value,
            target_month=spec.target_month,
            by=secretary,
        )
        _count(result, "campaign targets")


def _disqualifications(plan, workers, secretary, result: SeedResult) -> None:
    for no, month, reason, note in plan.disqualified:
        worker = workers[no]
        if Disqualification.objects.filter(
            worker=worker, month=month, reason=reason, note=note
        ).exists():
            continue
        disqualify(worker=worker, month=month, reason=reason, note=note, by=secretary)
        _count(result, "disqualifications")


# --- reset ---


@transaction.atomic
def wipe_demo(plan: DemoPlan | None = None) -> None:
    """Delete the demo's workers and all that hangs on them, and its users
    (in one transaction: all of it or nothing).

    Only what the demo created (its employee numbers, its usernames, its
    workshops once empty) so a reset never takes a real roster with it. The
    history of the deleted rows goes too: a reset starts from nothing.
    """
    plan = plan or build_plan()
    numbers = [spec.employee_no for spec in plan.workers]
    workers = Worker.objects.filter(employee_no__in=numbers)
    worker_ids = list(workers.values_list("pk", flat=True))
    # The campaign targets the demo's users set (their first versions).
    Campaign.objects.filter(
        versions__version=1,
        versions__set_by__username__in=[spec.username for spec in plan.users],
    ).delete()
    AssistanceCase.objects.filter(worker_id__in=worker_ids).delete()
    Demonstration.objects.filter(demonstrator_id__in=worker_ids).delete()
    wipe_experiences(worker_ids)
    FollowUp.objects.filter(case__worker_id__in=worker_ids).delete()
    ProductionRecord.objects.filter(worker_id__in=worker_ids).delete()
    ShortfallClassification.objects.filter(worker_id__in=worker_ids).delete()
    Disqualification.objects.filter(worker_id__in=worker_ids).delete()
    workers.delete()
    for model in (ProductionRecord, ShortfallClassification, Disqualification):
        model.history.filter(worker_id__in=worker_ids).delete()
    Worker.history.filter(employee_no__in=numbers).delete()
    Workshop.objects.filter(
        code__in=[spec.code for spec in plan.workshops], workers__isnull=True
    ).exclude(pk__in=Demonstration.objects.values("workshop")).delete()
    User = get_user_model()
    for spec in plan.users:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            continue
        try:
            # A savepoint: a user who opened real cases is kept, the rest goes.
            with transaction.atomic():
                user.delete()
        except ProtectedError:
            pass
