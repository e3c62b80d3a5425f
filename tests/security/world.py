"""A small factory full of private matter, for the access matrix and the
leak tests (tests/security/conftest.py builds it for each test,
tests/worlds.py once for a module).

The sentinel is written into every place a private matter can live — a
private follow-up, a classification note, a reason for closing, an aid
entry, an uploaded classification file — so that finding it in a response
proves a leak, whatever the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from assistance.models import CaseOutcome, Demonstration, FollowUpKind, Measure
from assistance.services import (
    add_follow_up,
    classify,
    close_case,
    open_case,
    reopen_case,
)
from factory.figures.campaigns import set_campaign
from factory.roles import HELPER, SECRETARY
from tests.factories import ProductionRecordFactory, UserFactory, WorkerFactory
from tests.people import People
from workers.importing.batches import check_batch
from workers.models import (
    Cause,
    Experience,
    ImportBatch,
    ImportStatus,
    PoliticalStatus,
)
from workers.services import disqualify

SENTINEL = "SENTINEL-PRIVATE-NOTE-7f3a"
# The same, in the case of the other helper: the helper must not read it.
SENTINEL_OTHER = "SENTINEL-OTHER-CASE-9c1e"
MAR = dt.date(1956, 3, 1)
APR = dt.date(1956, 4, 1)

# In the order of the matrix's columns.
PERSONAS = (
    "anonymous",
    "secretary",
    "helper",
    "other_helper",
    "manager",
    "other_manager",
    "inactive",
    "left_helper",
    "demoted",
)
# Which sentinels each persona must never receive: the secretary reads every
# note, a helper those of their own case only, nobody else any.
FORBIDDEN = {
    "anonymous": (SENTINEL, SENTINEL_OTHER),
    "helper": (SENTINEL_OTHER,),
    "other_helper": (SENTINEL,),
    "manager": (SENTINEL, SENTINEL_OTHER),
    "other_manager": (SENTINEL, SENTINEL_OTHER),
    "inactive": (SENTINEL, SENTINEL_OTHER),
    "left_helper": (SENTINEL, SENTINEL_OTHER),
    "demoted": (SENTINEL, SENTINEL_OTHER),
}


def _record(worker, month, output, quota=100):
    return ProductionRecordFactory(
        worker=worker, month=month, quota=Decimal(quota), output=Decimal(output)
    )


def make_left_helper(workshop) -> AbstractBaseUser:
    """A League member who helped on the case and has since left the
    factory: their worker record is inactive, their account still works."""
    user = UserFactory(username="gina", groups=[HELPER])
    WorkerFactory(
        name="调走的团员",
        workshop=workshop,
        political_status=PoliticalStatus.LEAGUE_MEMBER,
        user=user,
        employee_no="J0099",
    )
    return user


def make_demoted() -> AbstractBaseUser:
    """Committee staff who uploaded a file, then lost the secretary's role:
    the account is active and in no group."""
    return UserFactory(username="hank", groups=[SECRETARY])


@transaction.atomic  # one transaction: the summaries kept once
def build_world(
    people: People, *, left_helper: AbstractBaseUser, demoted: AbstractBaseUser
) -> dict:
    """Objects for every URL argument, each with a private matter attached.

    - ``case``: 胡维亮 of jg2 (the manager's workshop), helped by ``helper``;
      its classification note, a private follow-up and an aid entry hold
      SENTINEL.
    - ``closed``: 王培胜 of jg2, helped by ``other_helper``, closed, reopened
      and closed again; its note, follow-up and reasons hold SENTINEL_OTHER.
    - ``other_worker``: a worker of the other manager's workshop (zz).
    - ``batch``: a classifications file uploaded by ``demoted`` while they
      were on the secretary's side, with the sentinel in its note column and
      one bad row (so it has failed rows).

    ``left_helper`` helps on ``case`` too, and then leaves: their worker
    record is made inactive. ``demoted`` loses their groups last.
    """
    secretary, helper, other_helper = (
        people.secretary,
        people.helper,
        people.other_helper,
    )
    workshop, other_workshop = people.workshop, people.other_workshop
    failing = WorkerFactory(name="胡维亮", workshop=workshop, employee_no="J0001")
    _record(failing, MAR, 80)
    classify(
        worker=failing,
        month=MAR,
        cause=Cause.IDEOLOGY,
        note=f"常和爱人闹口角 {SENTINEL}",
        by=secretary,
    )
    case = open_case(
        worker=failing,
        month=MAR,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        helpers=[helper.worker, left_helper.worker],
        opened_by=secretary,
    )
    add_follow_up(
        case=case,
        author=helper,
        kind=FollowUpKind.HOME_VISIT,
        text=f"到家里谈了夫妻关系 {SENTINEL}",
        date=MAR,
    )
    add_follow_up(
        case=case,
        author=helper,
        kind=FollowUpKind.AID_GRANTED,
        text=f"生活补助 {SENTINEL}",
        date=MAR,
        is_private=False,
        aid_amount=Decimal("12.50"),
        aid_kind=f"生活 {SENTINEL}",
        aid_approved_by="工会",
    )
    left = WorkerFactory(name="王培胜", workshop=workshop, employee_no="J0002")
    _record(left, MAR, 70)
    classify(
        worker=left,
        month=MAR,
        cause=Cause.FAMILY,
        note=f"家里困难 {SENTINEL_OTHER}",
        by=secretary,
    )
    closed = open_case(
        worker=left,
        month=MAR,
        cause=Cause.FAMILY,
        measure=Measure.HARDSHIP_AID,
        helpers=[other_helper.worker],
        opened_by=secretary,
    )
    # Closed, reopened and closed again: the case's history (its events)
    # holds the reasons too.
    close_case(
        case=closed,
        by=secretary,
        outcome=CaseOutcome.OTHER,
        reason=f"家里的事 {SENTINEL_OTHER}",
    )
    reopen_case(case=closed, by=secretary, reason=f"又困难了 {SENTINEL_OTHER}")
    add_follow_up(
        case=closed,
        author=other_helper,
        kind=FollowUpKind.TALK,
        text=f"谈心 {SENTINEL_OTHER}",
        date=MAR,
    )
    close_case(
        case=closed,
        by=secretary,
        outcome=CaseOutcome.OTHER,
        reason=f"调走了 {SENTINEL_OTHER}",
    )
    good = WorkerFactory(name="马六孩", workshop=workshop, employee_no="J0003")
    _record(good, MAR, 130)
    other_worker = WorkerFactory(
        name="铸工甲", workshop=other_workshop, employee_no="Z0001"
    )
    _record(other_worker, MAR, 90)
    experience = Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀，高转速"
    )
    demonstration = Demonstration.objects.create(
        experience=experience,
        technique="高速切削",
        demonstrator=good,
        workshop=workshop,
        date=MAR,
        place="第二机工车间",
    )
    demonstration.attendees.add(failing)
    # The committee's decision on the best worker (its note is no private
    # matter, so no sentinel), for the URL of withdrawing it.
    disqualification = disqualify(
        worker=good, month=MAR, reason="quality", note="废品超标", by=secretary
    )
    content = (
        "工号,月份,原因,备注\r\n"
        f"J0001,1956-03,思想问题,{SENTINEL}\r\n"
        f"NOPE,1956-03,思想问题,{SENTINEL}\r\n"
    ).encode()
    # Checked as an upload is: the unknown worker's row fails the file, and
    # its rows with errors (the sentinel among them) are kept for download.
    batch = ImportBatch(
        kind="classifications",
        filename="causes.csv",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=demoted,
    )
    check_batch(batch)
    assert batch.status == ImportStatus.FAILED and batch.failed_rows
    # Campaign targets of the workshop and of the factory, from March: the
    # dashboards draw them and /campaigns/ lists them.
    set_campaign(
        workshop=workshop,
        measure="failing",
        start_month=MAR,
        target_value=Decimal(0),
        target_month=dt.date(1956, 5, 1),
        by=secretary,
    )
    set_campaign(
        workshop=None,
        measure="advanced_share",
        start_month=MAR,
        target_value=Decimal(50),
        target_month=dt.date(1956, 6, 1),
        by=secretary,
    )
    # What happens later: the helper leaves the factory (the roster says
    # so), the uploader's role is taken away.
    left_helper.worker.active = False
    left_helper.worker.save()
    demoted.groups.clear()
    return {
        "case": case,
        "closed": closed,
        "failing": failing,
        "other_worker": other_worker,
        "workshop": workshop,
        "other_workshop": other_workshop,
        "demonstration": demonstration,
        "experience": experience,
        "batch": batch,
        "disqualification": disqualification,
        "month": "1956-03",
    }
