"""Never stale: every write path shows at once on the next page.

Each write path of the product — the three imports through the page and
through the command, the entry grid, the admin, the roster forms, the
standard, disqualifications, classification, every case change, follow-ups,
demonstrations, marking a month complete, publishing — runs once against
warm caches; then the dashboards, the workshop page, the JSON, the bulletin
and an export, read through the cache, must equal the same pages computed
from scratch (the cache emptied), and must show the write.

When you add a write path, add it to WRITES (docs/ARCHITECTURE.md, "Never
stale").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assistance import services as cases
from assistance.models import AssistanceCase, Demonstration, FollowUpKind, Measure
from factory.figures import summaries
from factory.figures.campaigns import set_campaign
from factory.figures.publishing import mark_month_complete, publish_month
from factory.models import Campaign
from tests.factories import UserFactory, WorkerFactory
from tests.factory.test_report_data import FEB, MAR
from tests.spreadsheets import csv_bytes
from tests.workers.test_records_entry import post_data
from workers.models import (
    AdvancedStandard,
    Cause,
    Disqualification,
    ImportBatch,
    ProductionRecord,
    ShortfallClassification,
)
from workers.quota_review import review_groups
from workers.services import (
    RecordInput,
    disqualify,
    requalify,
    save_records,
    set_advanced_standard,
)

MONTH = "1956-03"


# The personas and the small factory are built once for the module
# (tests/conftest.py); each write is rolled back after its test.
pytestmark = pytest.mark.world_per_module


@pytest.fixture
def world(small, secretary):
    small.secretary = secretary
    return small


def observe(client) -> dict:
    """What the pages show of March (live figures where a month is
    published, so that every write shows)."""
    query = {"month": MONTH, "live": "1"}
    dashboard = client.get(reverse("reports:dashboard"), query)
    jg2 = client.get(reverse("reports:workshop_dashboard", args=["jg2"]), query)
    bulletin = client.get(reverse("reports:bulletin", args=[MONTH]), query)
    return {
        "dashboard": dashboard.context["data"],
        "completeness": dashboard.context["completeness"],
        "jg2": jg2.context["data"],
        "jg2 people": [jg2.context["ranking"], jg2.context["demonstrations"]],
        "bulletin": bulletin.context["data"],
        "json": client.get(reverse("reports:movement_json"), query).json(),
        "json as published": client.get(
            reverse("reports:movement_json"), {"month": MONTH}
        ).json(),
        "cases.csv": client.get(
            reverse("reports:export", args=["cases", "csv"]), query
        ).content,
    }


def upload_and_confirm(client, kind: str, rows: list[list[str]]) -> None:
    upload = reverse("workers:import_upload", args=[kind])
    response = client.post(
        upload, {"file": SimpleUploadedFile(f"{kind}.csv", csv_bytes(rows))}
    )
    assert response.status_code in {200, 302}  # the preview
    batch = ImportBatch.objects.latest("pk")
    confirmed = client.post(reverse("workers:import_confirm", args=[batch.pk]))
    assert confirmed.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "applied", batch.error


def command_file(tmp_path, rows) -> str:
    path = tmp_path / "file.csv"
    path.write_bytes(csv_bytes(rows))
    return str(path)


# --- the write paths -----------------------------------------------------------


def roster_import_page(w, client, tmp_path):
    upload_and_confirm(
        client,
        "workers",
        [["工号", "姓名", "车间", "工种", "政治面貌", "积极分子"]]
        + [["T-b1", "新名字", "jg2", "车工", "群众", "否"]],
    )


def roster_import_command(w, client, tmp_path):
    call_command(
        "import_workers",
        command_file(
            tmp_path,
            [["工号", "姓名", "车间", "工种", "政治面貌", "积极分子"]]
            + [["T-b2", "命令改名", "jg2", "车工", "群众", "否"]],
        ),
    )


def records_import_page(w, client, tmp_path):
    upload_and_confirm(
        client,
        "records",
        [["工号", "月份", "定额", "实际完成"], ["T-b4", MONTH, "100", "130"]],
    )


def records_import_command(w, client, tmp_path):
    call_command(
        "import_records",
        command_file(
            tmp_path,
            [["工号", "月份", "定额", "实际完成"], ["T-b4", MONTH, "100", "140"]],
        ),
    )


def classifications_import_page(w, client, tmp_path):
    upload_and_confirm(
        client,
        "classifications",
        [["工号", "月份", "原因", "备注"], ["T-b4", MONTH, "家庭经济困难", ""]],
    )


def classifications_import_command(w, client, tmp_path):
    call_command(
        "import_classifications",
        command_file(
            tmp_path,
            [["工号", "月份", "原因", "备注"], ["T-b4", MONTH, "思想问题", ""]],
        ),
    )


def entry_grid(w, client, tmp_path):
    url = reverse("workers:records_entry") + f"?workshop=jg2&month={MONTH}"
    data = post_data(client.get(url), **{"T-b4": {"output": "150"}})
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:800]


def admin_record(w, client, tmp_path):
    admin = UserFactory(username="it-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    record = ProductionRecord.objects.get(worker=w.workers["b4"], month=MAR)
    url = reverse("admin:workers_productionrecord_change", args=[record.pk])
    page = client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update(
        {
            "worker": record.worker_id,
            "month": "1956-03-01",
            "quota": "100",
            "output": "160",
            "unit": "",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:800]
    client.force_login(w.secretary)


def admin_bulk_delete(w, client, tmp_path):
    """The admin's bulk action: one transaction, the summaries kept once."""
    admin = UserFactory(username="it-admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    picked = [w.workers[key] for key in ("a4", "b1", "b2")]
    records = ProductionRecord.objects.filter(month=MAR, worker__in=picked)
    before = summaries.upkeep.runs
    response = client.post(
        reverse("admin:workers_productionrecord_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [record.pk for record in records],
            "post": "yes",
        },
    )
    assert response.status_code == 302, response.content[:800]
    assert summaries.upkeep.runs == before + 1
    assert not ProductionRecord.objects.filter(month=MAR, worker__in=picked).exists()
    client.force_login(w.secretary)


def roster_form(w, client, tmp_path):
    worker = w.workers["b3"]
    page = client.get(reverse("workers:worker_edit", args=[worker.pk]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["name"] = "表单改名"
    if "is_activist" in data and data["is_activist"] is False:
        del data["is_activist"]
    if "active" in data and data["active"] is False:
        del data["active"]
    response = client.post(reverse("workers:worker_edit", args=[worker.pk]), data)
    assert response.status_code == 302, response.content[:800]


def roster_move(w, client, tmp_path):
    # b3 moves from jg2 to jg1: their records and cases count there now.
    worker = w.workers["b3"]
    page = client.get(reverse("workers:worker_edit", args=[worker.pk]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["workshop"] = w.workshops["jg1"].pk
    if "is_activist" in data and data["is_activist"] is False:
        del data["is_activist"]
    if "active" in data and data["active"] is False:
        del data["active"]
    response = client.post(reverse("workers:worker_edit", args=[worker.pk]), data)
    assert response.status_code == 302, response.content[:800]


def roster_trade(w, client, tmp_path):
    # b3 becomes a moulder: their records count for that trade now (the
    # summaries' counts per trade, which the quota review reads).
    worker = w.workers["b3"]
    page = client.get(reverse("workers:worker_edit", args=[worker.pk]))
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["trade"] = "铸工" if data.get("trade") != "铸工" else "车工"
    if "is_activist" in data and data["is_activist"] is False:
        del data["is_activist"]
    if "active" in data and data["active"] is False:
        del data["active"]
    response = client.post(reverse("workers:worker_edit", args=[worker.pk]), data)
    assert response.status_code == 302, response.content[:800]


def record_deleted(w, client, tmp_path):
    ProductionRecord.objects.get(worker=w.workers["a4"], month=MAR).delete()


def case_deleted(w, client, tmp_path):
    AssistanceCase.objects.get(pk=w.cases["a4"].pk).delete()


def standard(w, client, tmp_path):
    set_advanced_standard(month=MAR, threshold_pct=Decimal("110"), by=w.secretary)


def standard_page(w, client, tmp_path):
    response = client.post(
        reverse("workers:standard"), {"month": MONTH, "threshold_pct": "120"}
    )
    assert response.status_code == 302
    assert AdvancedStandard.objects.filter(threshold_pct=120).exists()


def disqualification(w, client, tmp_path):
    disqualify(
        worker=w.workers["a1"],
        month=MAR,
        reason="safety",
        note="",
        by=w.secretary,
    )


def requalification(w, client, tmp_path):
    assert Disqualification.objects.filter(worker=w.workers["a2"]).exists()
    requalify(worker=w.workers["a2"], month=MAR, by=w.secretary)


def classification_queue(w, client, tmp_path):
    b4 = w.workers["b4"]
    response = client.post(
        reverse("assistance:classification_queue") + f"?month={MONTH}",
        {f"cause-{b4.pk}": Cause.OTHER, f"note-{b4.pk}": "", f"version-{b4.pk}": "0"},
    )
    assert response.status_code == 302


def open_case(w, client, tmp_path):
    cases.open_case(
        worker=w.workers["b2"],
        month=FEB,
        cause=Cause.TECHNIQUE,
        measure=Measure.MENTORING,
        helpers=[w.cases["b1"].helpers.get()],
        opened_by=w.secretary,
    )


def close_case(w, client, tmp_path):
    cases.close_case(
        case=w.cases["a3"],
        by=w.secretary,
        outcome="reached_quota",
        effective_month=MAR,
    )


def reopen_case(w, client, tmp_path):
    cases.reopen_case(
        case=w.cases["b1"], by=w.secretary, reason="又掉下来", effective_month=MAR
    )


def change_measure(w, client, tmp_path):
    case = w.cases["a4"]
    cases.update_case(
        case=case,
        by=w.secretary,
        measure=Measure.MENTORING,
        helpers=list(case.helpers.all()),
        effective_month=MAR,
    )


def rediagnosis(w, client, tmp_path):
    # a4's cause and measure, from the stuck list's form: the case, an
    # event and March's classification (a4's latest month below quota).
    case = w.cases["a4"]
    response = client.post(
        reverse("assistance:case_rediagnose", args=[case.pk]),
        {
            "cause": Cause.FAMILY,
            "measure": Measure.MENTORING,
            "reason": "家里老人病了",
            "version": case.version,
        },
    )
    assert response.status_code == 302, response.content[:800]
    classified = ShortfallClassification.objects.get(worker=case.worker, month=MAR)
    assert classified.cause == Cause.FAMILY


def bulk_close(w, client, tmp_path):
    # a3 reached quota in March, which this factory has not completed: the
    # secretary's word that it is makes it the working month, whose cases
    # that reached quota may then be closed together.
    mark_month_complete(month=MAR, by=w.secretary)
    case = w.cases["a3"]
    url = reverse("assistance:case_list") + "?status=reached_quota"
    ticked = {"case": [case.pk], f"version-{case.pk}": 1}
    response = client.post(url, ticked | {"confirm": 1})
    assert response.status_code == 302, response.content[:800]


def bulk_classify_as_last_month(w, client, tmp_path):
    b4 = w.workers["b4"]
    # A cause last month (stored as the import would) to accept in March.
    ShortfallClassification.objects.create(worker=b4, month=FEB, cause=Cause.FAMILY)
    response = client.post(
        reverse("assistance:classify_as_last_month"),
        {
            "month": MONTH,
            "workshop": b4.workshop_id,
            "worker": [b4.pk],
            f"cause-{b4.pk}": Cause.FAMILY,
            f"version-{b4.pk}": 0,
        },
    )
    assert response.status_code == 302
    assert ShortfallClassification.objects.filter(worker=b4, month=MAR).exists()


def bulk_open_with_one_helper(w, client, tmp_path):
    b2 = w.workers["b2"]
    cases.classify(worker=b2, month=FEB, cause=Cause.TECHNIQUE, note="", by=w.secretary)
    response = client.post(
        reverse("assistance:cases_open_with_helper"),
        {
            "month": "1956-02",
            "worker": [b2.pk],
            f"version-{b2.pk}": 1,
            "helper": w.cases["b1"].helpers.get().pk,
        },
    )
    assert response.status_code == 302, response.content[:800]


def bulk_move_cases(w, client, tmp_path):
    league = w.cases["a4"].helpers.get()
    moving = [w.cases["a3"], w.cases["a4"]]
    data = {
        "to_helper": w.cases["b1"].helpers.get().pk,
        "case": [c.pk for c in moving],
    }
    data |= {f"version-{c.pk}": 1 for c in moving}
    response = client.post(
        reverse("assistance:helper_move_cases", args=[league.pk]), data
    )
    assert response.status_code == 302, response.content[:800]


def aid_granted(w, client, tmp_path):
    cases.add_follow_up(
        case=w.cases["a4"],
        author=w.secretary,
        kind=FollowUpKind.AID_GRANTED,
        text="补助",
        date=dt.date(1956, 3, 20),
        aid_amount=Decimal("12.00"),
    )


def demonstration(w, client, tmp_path):
    Demonstration.objects.create(
        technique="刃磨",
        demonstrator=w.workers["b3"],
        workshop=w.workshops["jg2"],
        date=dt.date(1956, 3, 10),
    )


def attendance(w, client, tmp_path):
    w.demonstration.attendees.add(w.workers["b3"])


def sync_from_a_record(w, client, tmp_path):
    # a4's case: March 95 → 100 reaches quota through the records' sync.
    from workers.services import RecordInput, save_records

    save_records(
        rows=[
            RecordInput(
                worker_id=w.workers["a4"].pk,
                month=MAR,
                quota=Decimal("100"),
                output=Decimal("100"),
            )
        ],
        by=w.secretary,
        source="test",
    )


def mark_complete(w, client, tmp_path):
    mark_month_complete(month=MAR, by=w.secretary)


def publish(w, client, tmp_path):
    publish_month(
        month=MAR,
        by=w.secretary,
        acknowledged={
            "missing_workshops",
            "unclassified",
            "proposed_closures",
            "quota_reviews",
        },
    )


def publish_page(w, client, tmp_path):
    response = client.post(
        reverse("reports:publish", args=[MONTH]),
        {
            "ack_missing_workshops": "on",
            "ack_unclassified": "on",
            "ack_quota_reviews": "on",
        },
    )
    assert response.status_code == 302


def campaign_set(w, client, tmp_path):
    # jg2's campaign from February: March's pages show it as of March.
    set_campaign(
        workshop=w.workshops["jg2"],
        measure="failing",
        start_month=FEB,
        target_value=Decimal("0"),
        target_month=dt.date(1956, 4, 1),
        by=w.secretary,
    )


def campaign_page(w, client, tmp_path):
    response = client.post(
        reverse("reports:campaigns"),
        {
            "action": "set",
            "workshop": "",
            "measure": "advanced_share",
            "start_month": "1956-02",
            "target_value": "90",
            "target_month": "1956-05",
        },
    )
    assert response.status_code == 302, response.content[:800]


def quota_review_group(w) -> None:
    """Five moulders of zz, all below quota in March: a trade group whose
    quota may be wrong (workers.quota_review), for a decision to be taken."""
    moulders = [
        WorkerFactory(workshop=w.workshops["zz"], trade="铸工") for _ in range(5)
    ]
    save_records(
        rows=[RecordInput(m.pk, MAR, Decimal("100"), Decimal("70")) for m in moulders],
        by=w.secretary,
        source="test",
    )


def quota_review_page(w, client, tmp_path):
    prefix = next(g for g in review_groups(MAR) if g.trade == "铸工").anchor
    response = client.post(
        reverse("workers:quota_reviews") + f"?month={MONTH}",
        {
            "group": prefix,
            f"{prefix}-version": 0,
            f"{prefix}-decision": "kept",
            f"{prefix}-revise_from": "",
            f"{prefix}-reason": "砂型合格，定额合理",
        },
    )
    assert response.status_code == 302, response.content[:800]


# Written (and committed) before the caches are warmed: the data a write
# needs first.
quota_review_page.prepare = quota_review_group


# --- the catalogue of advanced experiences and mastery -------------------------


def experience_for(w):
    """高速切削法, shown at the small factory's demonstration to its
    attendees (b1, b2, b4)."""
    from workers.models import Experience

    experience, created = Experience.objects.get_or_create(
        name="高速切削法", defaults={"trades": ["车工"], "description": "硬质合金车刀"}
    )
    if created:
        Demonstration.objects.filter(pk=w.demonstration.pk).update(
            experience=experience
        )
    return experience


def demonstration_page(w, client, tmp_path):
    """A demonstration of an experience of the catalogue, from its form."""
    from workers.models import Experience

    experience = Experience.objects.create(name="多刀多刃切削", description="…")
    response = client.post(
        reverse("assistance:demonstration_create"),
        {
            "experience": experience.pk,
            "demonstrator": w.workers["b3"].pk,
            "workshop": w.workshops["jg2"].pk,
            "date": "1956-03-12",
        },
    )
    assert response.status_code == 302, response.content[:800]


def experience_page(w, client, tmp_path):
    response = client.post(
        reverse("experiences:experience_create"),
        {"name": "精密磨削", "description": "…", "first_shown_by": "T-b3"},
    )
    assert response.status_code == 302, response.content[:800]


def mastery_from_the_experience_page(w, client, tmp_path):
    experience = experience_for(w)
    response = client.post(
        reverse("experiences:experience_check", args=[experience.pk]),
        {"employee_no": "T-b1", "level": "applies", "checked_on": "1956-03-20"},
    )
    assert response.status_code == 302, response.content[:800]


def mastery_from_the_workers_page(w, client, tmp_path):
    experience = experience_for(w)
    response = client.post(
        reverse("workers:worker_check", args=[w.workers["b2"].pk]),
        {"experience": experience.pk, "level": "learning", "checked_on": "1956-03-20"},
    )
    assert response.status_code == 302, response.content[:800]


def mastery_of_the_attendees(w, client, tmp_path):
    experience_for(w)
    attendees = w.demonstration.attendees.all()
    data = {"levels-checked_on": "1956-03-20"}
    data.update({f"levels-level-{a.pk}": "applies" for a in attendees})
    response = client.post(
        reverse("assistance:demonstration_mastery", args=[w.demonstration.pk]), data
    )
    assert response.status_code == 302, response.content[:800]


MASTERY_ROWS = [
    ["工号", "先进经验", "程度", "检查日期"],
    ["T-b4", "高速切削法", "能传授", "1956-03-20"],
]


def mastery_import_page(w, client, tmp_path):
    experience_for(w)
    upload_and_confirm(client, "mastery", MASTERY_ROWS)


def mastery_import_command(w, client, tmp_path):
    experience_for(w)
    call_command("import_mastery", command_file(tmp_path, MASTERY_ROWS))


def _check_at_the_machine(w, client, worker_key: str, **data) -> None:
    experience_for(w)
    worker = w.workers[worker_key]
    response = client.post(
        reverse("assistance:machine_check", args=[w.demonstration.pk, worker.pk]),
        {"checked_on": "1956-03-05", "version": 0, **data},
    )
    assert response.status_code == 302, response.content[:800]


def machine_check_applies(w, client, tmp_path):
    """The check at the machine: applies it (the worker's level too)."""
    _check_at_the_machine(w, client, "b2", result="applies")


def machine_check_not_yet(w, client, tmp_path):
    _check_at_the_machine(w, client, "b4", result="not_yet", reason="刀具未到")


def experience_to_learn(w, client, tmp_path):
    """The case page's form: a4's technique case names 高速切削法, a case
    event effective in the working month (February: March is not complete
    in the small factory)."""
    experience = experience_for(w)
    case = w.cases["a4"]
    response = client.post(
        reverse("assistance:case_experience", args=[case.pk]),
        {"experience": experience.pk, "version": case.version},
    )
    assert response.status_code == 302, response.content[:800]
    assert AssistanceCase.objects.get(pk=case.pk).experience == experience


WRITES = [
    roster_import_page,
    roster_import_command,
    records_import_page,
    records_import_command,
    classifications_import_page,
    classifications_import_command,
    entry_grid,
    admin_record,
    admin_bulk_delete,
    roster_form,
    roster_move,
    roster_trade,
    record_deleted,
    case_deleted,
    standard,
    standard_page,
    disqualification,
    requalification,
    classification_queue,
    open_case,
    close_case,
    reopen_case,
    change_measure,
    rediagnosis,
    bulk_close,
    bulk_classify_as_last_month,
    bulk_open_with_one_helper,
    bulk_move_cases,
    aid_granted,
    demonstration,
    demonstration_page,
    attendance,
    sync_from_a_record,
    mark_complete,
    publish,
    publish_page,
    campaign_set,
    campaign_page,
    quota_review_page,
]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__ for w in WRITES])
def test_every_write_shows_at_once_through_the_cache(
    write, world, secretary_client, django_capture_on_commit_callbacks, tmp_path
):
    prepare = getattr(write, "prepare", None)
    if prepare is not None:
        with django_capture_on_commit_callbacks(execute=True):
            prepare(world)
    before = observe(secretary_client)  # warms every cache entry
    with django_capture_on_commit_callbacks(execute=True):
        write(world, secretary_client, tmp_path)
    through_cache = observe(secretary_client)
    cache.clear()
    from_scratch = observe(secretary_client)
    assert through_cache == from_scratch, "a cached page is stale after the write"
    assert from_scratch != before, "the write changed nothing the pages show"
    # The monthly summaries the pages read were kept in the write's own
    # transaction: they equal a computation from the records and cases.
    assert summaries.differences() == []


def test_a_revised_campaign_target_shows_at_once_through_the_cache(
    world, secretary_client, django_capture_on_commit_callbacks
):
    """The revision page's write: shown from the working month (February
    here), so March's cached pages are drawn again."""
    campaign_set(world, secretary_client, None)
    campaign = Campaign.objects.get()
    before = observe(secretary_client)
    prefix = f"c{campaign.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary_client.post(
            reverse("reports:campaigns"),
            {
                "action": "revise",
                "campaign": campaign.pk,
                f"{prefix}-target_value": "1",
                f"{prefix}-target_month": "1956-05",
            },
        )
    assert response.status_code == 302, response.content[:800]
    through_cache = observe(secretary_client)
    cache.clear()
    assert through_cache == observe(secretary_client)
    assert through_cache != before
    assert through_cache["json"]["campaigns"][0]["target_value"] == 1


def test_a_write_of_a_later_month_leaves_the_months_cache_alone(
    world,
    secretary_client,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    """April's records refresh April on, and March's pages stay cached."""
    observe(secretary_client)
    with django_capture_on_commit_callbacks(execute=True):
        ProductionRecord.objects.create(
            worker=world.workers["a1"],
            month=dt.date(1956, 4, 1),
            quota=Decimal("100"),
            output=Decimal("90"),
        )
    # session, user, permissions (2), the tokens, the months with records
    # and their completeness (every month's list changed: 5), the user's
    # worker for the navigation; the figures of March come from the cache.
    with django_assert_num_queries(11):
        secretary_client.get(reverse("reports:dashboard"), {"month": MONTH})


# Writes that no report page shows yet (the catalogue, mastery, checks at the
# machine, announced as mastery of the check's day; a case's experience to
# learn, announced as its case event): announced all the same, with the
# months they reach, so that a page that shows them is never stale either
# (docs/ARCHITECTURE.md, "Advanced experience").
ANNOUNCED_ONLY = [
    (experience_page, None),
    (mastery_from_the_experience_page, MAR),
    (mastery_from_the_workers_page, MAR),
    (mastery_of_the_attendees, MAR),
    (mastery_import_page, MAR),
    (mastery_import_command, MAR),
    (machine_check_applies, MAR),
    (machine_check_not_yet, MAR),
    (experience_to_learn, FEB),
]


@pytest.mark.parametrize(
    ("write", "month"), ANNOUNCED_ONLY, ids=[w.__name__ for w, _m in ANNOUNCED_ONLY]
)
def test_every_write_of_the_catalogue_and_mastery_replaces_its_tokens(
    write, month, world, secretary_client, django_capture_on_commit_callbacks, tmp_path
):
    from factory.figures.cache import read_tokens
    from factory.models import EVERY_MONTH

    experience_for(world)  # the catalogue as it is before the write
    observe(secretary_client)  # warms every cache entry
    before = dict(read_tokens())
    with django_capture_on_commit_callbacks(execute=True):
        write(world, secretary_client, tmp_path)
    replaced = {m for m, token in read_tokens() if before.get(m) != token}
    # A check of March reaches March and later (the pages of February stay
    # cached); the catalogue's names, every month.
    assert replaced == ({EVERY_MONTH} if month is None else {month})
    through_cache = observe(secretary_client)
    cache.clear()
    assert through_cache == observe(secretary_client)
    assert summaries.differences() == []
