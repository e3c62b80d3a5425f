"""seed_demo: the demo factory reproduces the 1956 report's figures.

The figures are counted with the QuerySet definitions of workers.models, the
same ones the dashboards and the movement report use, so a demo that drifts
from the report fails here.
"""

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db.models import Avg, Sum
from django.urls import reverse

from assistance import standing
from assistance.models import (
    ACTIVE_STATUSES,
    AssistanceCase,
    CaseEvent,
    CaseStatus,
    Demonstration,
    FollowUp,
    FollowUpKind,
)
from factory.demo.plan import build_plan
from factory.demo.specs import FACTORY_NAME as DEMO_FACTORY_NAME
from factory.demo.specs import (
    HAN_WENLIAN,
    HU_WEILIANG,
    LEAGUE_SECRETARY,
    WANG_PEISHENG,
)
from factory.figures import summaries
from factory.models import MonthSummary
from factory.roles import HELPER, MANAGER, SECRETARY
from workers.models import (
    Disqualification,
    PoliticalStatus,
    ProductionRecord,
    ShortfallClassification,
    Worker,
    Workshop,
)
from workers.months import add_months
from workers.quota_review import review_groups
from workers.services import RecordInput, save_records

JAN, FEB, MAR = dt.date(1956, 1, 1), dt.date(1956, 2, 1), dt.date(1956, 3, 1)
User = get_user_model()


def share(part: int, whole: int) -> float:
    return part / whole * 100


def figures(month: dt.date) -> dict:
    records = ProductionRecord.objects.for_month(month)
    return {
        "on_quota": records.count(),
        "advanced": records.advanced().count(),
        "below": records.below_quota().count(),
    }


def snapshot() -> dict:
    """Everything the seed writes, counted, plus the values that could drift."""
    models = [
        User,
        Workshop,
        Worker,
        Worker.history.model,
        ProductionRecord,
        ProductionRecord.history.model,
        ShortfallClassification,
        ShortfallClassification.history.model,
        Disqualification,
        AssistanceCase,
        CaseEvent,
        FollowUp,
        Demonstration,
        Demonstration.attendees.through,
        AssistanceCase.helpers.through,
    ]
    counts = {model._meta.label: model.objects.count() for model in models}
    records = sorted(
        ProductionRecord.objects.values_list(
            "worker__employee_no", "month", "quota", "output", "updated_at"
        )
    )
    cases = sorted(
        AssistanceCase.objects.values_list(
            "worker__employee_no", "status", "version", "measure"
        )
    )
    passwords = sorted(User.objects.values_list("username", "password"))
    return {"counts": counts, "records": records, "cases": cases, "pw": passwords}


# --- the report's figures ---


def test_march_advanced_share_is_78_5_percent_up_35_percent_on_february(demo):
    march, february = figures(MAR), figures(FEB)

    assert march["on_quota"] == february["on_quota"] == 600
    assert share(march["advanced"], march["on_quota"]) == pytest.approx(78.5, abs=0.5)
    change_pct = (march["advanced"] - february["advanced"]) / february["advanced"] * 100
    assert change_pct == pytest.approx(35, abs=1)
    # The percentage points, reported beside it: 58.17% → 78.50%.
    pp = share(march["advanced"], march["on_quota"]) - share(
        february["advanced"], february["on_quota"]
    )
    assert pp == pytest.approx(20.33, abs=0.01)


def test_january_is_plausible_with_fewer_workers_on_quota(demo):
    january, february = figures(JAN), figures(FEB)

    # Eight workers were taken on in February: no January record, so they
    # are in no January share.
    assert january["on_quota"] == 592
    assert 50 < share(january["advanced"], january["on_quota"]) < 58.17
    assert january["advanced"] < february["advanced"]


def test_second_machining_workshop_below_quota_from_17_to_4(demo):
    def below(month):
        return (
            ProductionRecord.objects.for_month(month)
            .filter(worker__workshop__code="jg2")
            .below_quota()
            .count()
        )

    assert Workshop.objects.get(code="jg2").name == "第二加工车间"
    assert (below(FEB), below(MAR)) == (17, 4)


def test_a_disqualified_worker_meets_quota_but_is_not_advanced(demo):
    decision = Disqualification.objects.get()
    record = ProductionRecord.objects.get(worker=decision.worker, month=decision.month)

    assert record.meets_quota
    assert not ProductionRecord.objects.filter(pk=record.pk).advanced().exists()


def test_february_causes_are_70_25_5(demo):
    below = ProductionRecord.objects.for_month(FEB).below_quota()
    classified = ShortfallClassification.objects.filter(month=FEB)
    total = below.count()

    # Every worker below quota is classified, and nobody else.
    assert set(classified.values_list("worker", flat=True)) == set(
        below.values_list("worker", flat=True)
    )
    count = {
        cause: classified.filter(cause=cause).count()
        for cause in ("technique", "ideology", "family", "other")
    }
    assert share(count["technique"], total) == pytest.approx(70, abs=1)
    assert share(count["ideology"], total) == pytest.approx(25, abs=1)
    # The report's 5% is "family difficulty and other reasons".
    assert share(count["family"] + count["other"], total) == pytest.approx(5, abs=1)
    assert share(count["family"], total) == pytest.approx(5, abs=1)
    assert classified.exclude(note="").count() == total
    assert not classified.filter(classified_by__isnull=True).exists()


# --- the report's cases ---


def test_hu_weiliang_is_helped_by_the_league_branch_secretary_and_reaches_quota(
    demo,
):
    hu = Worker.objects.get(name=HU_WEILIANG)
    case = AssistanceCase.objects.get(worker=hu)
    secretary_of_league = Worker.objects.get(name=LEAGUE_SECRETARY)

    assert hu.workshop.code == "jg1"
    assert (case.cause, case.measure) == ("ideology", "individual_help")
    assert list(case.helpers.all()) == [secretary_of_league]
    assert secretary_of_league.political_status == PoliticalStatus.LEAGUE_MEMBER
    assert secretary_of_league.workshop == hu.workshop
    kinds = list(case.follow_ups.order_by("date").values_list("kind", flat=True))
    assert kinds[:2] == [FollowUpKind.TALK, FollowUpKind.HOME_VISIT]
    assert case.follow_ups.filter(author=secretary_of_league.user).count() == len(kinds)
    note = ShortfallClassification.objects.get(worker=hu, month=FEB).note
    assert "口角" in note and "请假" in note and "迟到" in note
    assert not ProductionRecord.objects.get(worker=hu, month=FEB).meets_quota
    assert ProductionRecord.objects.get(worker=hu, month=MAR).meets_quota
    assert (case.status, case.reached_quota_month) == (CaseStatus.REACHED_QUOTA, MAR)


def test_wang_peisheng_gets_aid_from_han_wenlian_and_earns_a_bonus(demo):
    wang = Worker.objects.get(name=WANG_PEISHENG)
    han = Worker.objects.get(name=HAN_WENLIAN)
    case = AssistanceCase.objects.get(worker=wang)

    assert (case.cause, case.measure) == ("family", "hardship_aid")
    assert list(case.helpers.all()) == [han]
    assert han.political_status == PoliticalStatus.PARTY_MEMBER
    aid = case.follow_ups.get(kind=FollowUpKind.AID_GRANTED)
    assert aid.aid_amount > 0
    # Well over quota in March: the over-quota bonus of the report.
    march = ProductionRecord.objects.get(worker=wang, month=MAR)
    assert march.attainment >= Decimal("120")
    assert case.follow_ups.filter(text__contains="超额奖金").exists()
    assert case.status == CaseStatus.REACHED_QUOTA


def test_every_february_shortfall_has_a_case_with_eligible_helpers(demo):
    # Opened in February, or in January and still active at February's end.
    active = standing.as_of(AssistanceCase.objects.all(), FEB).filter(
        status_then__in=ACTIVE_STATUSES
    )
    cases = AssistanceCase.objects.filter(month=FEB)
    below = ProductionRecord.objects.for_month(FEB).below_quota()

    assert set(active.values_list("worker", flat=True)) == set(
        below.values_list("worker", flat=True)
    )
    for case in AssistanceCase.objects.prefetch_related("helpers"):
        helpers = list(case.helpers.all())
        assert helpers, case
        assert all(h.is_eligible_helper and h != case.worker for h in helpers)
        assert all(h.workshop_id == case.worker.workshop_id for h in helpers)
    # Technique is answered with demonstrations or coaching at the bench.
    assert set(cases.filter(cause="technique").values_list("measure", flat=True)) == {
        "demonstration",
        "mentoring",
    }


def test_cases_whose_worker_met_quota_in_march_reached_quota(demo):
    met = set(
        ProductionRecord.objects.for_month(MAR)
        .meets_quota()
        .values_list("worker", flat=True)
    )
    cases = list(AssistanceCase.objects.filter(month=FEB))

    reached = [c for c in cases if c.status == CaseStatus.REACHED_QUOTA]
    still_open = [c for c in cases if c.status == CaseStatus.OPEN]
    assert {c.worker_id for c in reached} == {c.worker_id for c in cases} & met
    assert {c.worker_id for c in still_open} == {c.worker_id for c in cases} - met
    # February's 251 shortfalls, less the six helped since January.
    assert len(reached) + len(still_open) == len(cases) == 245
    # The sync left its trace: one status event per case that reached quota.
    assert CaseEvent.objects.filter(
        case__month=FEB, to_status=CaseStatus.REACHED_QUOTA
    ).count() == len(reached)


def test_second_machining_workshop_held_five_demonstrations_for_over_200(demo):
    demonstrations = Demonstration.objects.filter(workshop__code="jg2")

    assert demonstrations.count() == 5
    assert demonstrations.values("technique").distinct().count() == 5
    assert (
        Demonstration.attendees.through.objects.filter(
            demonstration__in=demonstrations
        ).count()
        > 200
    )
    for demonstration in demonstrations:
        # An advanced producer shows it: over quota in every month.
        assert (
            not ProductionRecord.objects.filter(worker=demonstration.demonstrator)
            .below_quota()
            .exists()
        )
        assert demonstration.demonstrator not in demonstration.attendees.all()
    # Every jg2 worker below quota for technique in February saw one.
    technique = AssistanceCase.objects.filter(
        month=FEB, cause="technique", worker__workshop__code="jg2"
    )
    attended = set(
        Demonstration.attendees.through.objects.values_list("worker", flat=True)
    )
    assert technique.count() == 13
    assert set(technique.values_list("worker", flat=True)) <= attended


# --- the roster ---


def test_roster_has_six_workshops_and_a_few_hundred_realistic_workers(demo):
    workers = Worker.objects.filter(employee_no__startswith="TK")
    codes = set(Workshop.objects.values_list("code", flat=True))

    assert {"jg1", "jg2", "zz", "dz", "zp", "gj"} <= codes
    assert 400 <= workers.count() <= 600
    names = list(workers.values_list("name", flat=True))
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) for name in names)
    assert len(set(names)) == len(names)
    assert set(workers.values_list("trade", flat=True)) == {
        "车工",
        "铣工",
        "钳工",
        "铸工",
        "锻工",
        "装配工",
        "磨工",
        "刨工",
    }
    assert set(workers.filter(workshop__code="zz").values_list("trade", flat=True)) >= {
        "铸工"
    }
    status = {
        s: workers.filter(political_status=s).count() for s in PoliticalStatus.values
    }
    total = workers.count()
    assert status["masses"] > total / 2
    assert status["league_member"] > status["party_member"]
    assert status["party_member"] > status["probationary_member"] > 0
    assert 0 < workers.filter(is_activist=True).count() < total / 5


def test_the_plan_is_the_same_on_every_run():
    first = build_plan()
    build_plan.cache_clear()
    second = build_plan()

    assert first is not second
    assert first.workers == second.workers
    assert first.records == second.records
    assert first.cases == second.cases
    assert first.demonstrations == second.demonstrations


# --- users and what they see ---


def test_one_demo_user_per_role_in_the_right_group(demo):
    def groups(username):
        return set(
            User.objects.get(username=username).groups.values_list("name", flat=True)
        )

    assert groups("secretary") == {SECRETARY}
    assert groups("director") == groups("director-jg1") == {MANAGER}
    assert groups("league-secretary") == groups("han-wenlian") == {HELPER}
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert list(
        Workshop.objects.filter(managers__username="director").values_list(
            "code", flat=True
        )
    ) == ["jg2"]
    assert User.objects.get(username="league-secretary").worker.name == (
        LEAGUE_SECRETARY
    )
    assert User.objects.get(username="han-wenlian").worker.name == HAN_WENLIAN


def test_printed_demo_passwords_log_in_and_pass_the_validators(demo):
    for spec in build_plan().users:
        user = User.objects.get(username=spec.username)
        assert user.check_password(spec.password), spec.username
        validate_password(spec.password, user)
        assert spec.username in demo and spec.password in demo


def test_demo_helpers_see_their_own_cases_only(demo):
    league = User.objects.get(username="league-secretary")
    han = User.objects.get(username="han-wenlian")

    for user, name in ((league, HU_WEILIANG), (han, WANG_PEISHENG)):
        visible = AssistanceCase.objects.visible_to(user)
        assert visible.filter(worker__name=name).exists()
        assert 2 <= visible.count() <= 3
        assert not visible.exclude(helpers__user=user).exists()


def test_director_sees_the_cases_of_jg2_only(demo):
    director = User.objects.get(username="director")
    visible = AssistanceCase.objects.visible_to(director)

    assert visible.count() == 17
    assert set(visible.values_list("worker__workshop__code", flat=True)) == {"jg2"}


# --- running it again ---


def test_second_run_changes_nothing(demo):
    before = snapshot()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert snapshot() == before
    assert "nothing changed" in out.getvalue()


def test_the_demo_ends_with_its_monthly_summaries_current(demo):
    assert summaries.differences() == []
    assert MonthSummary.objects.filter(month=MAR).aggregate(n=Sum("on_quota")) == {
        "n": 600
    }


def test_reset_wipes_the_demo_and_loads_it_again(demo):
    before = snapshot()["counts"]
    hu = Worker.objects.get(name=HU_WEILIANG)
    # Someone played with the demo: a changed record, a new password.
    save_records(
        rows=[
            RecordInput(worker_id=hu.pk, month=MAR, quota=Decimal(1), output=Decimal(0))
        ],
        by=None,
        source="test",
    )
    secretary = User.objects.get(username="secretary")
    secretary.set_password("something else entirely")
    secretary.save()

    upkeeps = summaries.upkeep.runs
    call_command("seed_demo", "--reset", stdout=StringIO())

    # The wipe and the seed are one transaction: the summaries are kept
    # once for all their rows, not once a row.
    assert summaries.upkeep.runs == upkeeps + 1
    assert snapshot()["counts"] == before
    assert figures(MAR) == {"on_quota": 600, "advanced": 471, "below": 128}
    assert summaries.differences() == []
    assert User.objects.get(username="secretary").check_password("demo-secretary-1956")
    assert AssistanceCase.objects.get(worker__name=HU_WEILIANG).status == (
        CaseStatus.REACHED_QUOTA
    )


def test_reset_leaves_workers_that_are_not_the_demo_alone(demo):
    jg2 = Workshop.objects.get(code="jg2")
    real = Worker.objects.create(employee_no="10001", name="张三", workshop=jg2)

    call_command("seed_demo", "--reset", stdout=StringIO())

    assert Worker.objects.filter(pk=real.pk).exists()
    assert Worker.objects.filter(employee_no__startswith="TK").count() == 600


def test_demo_helpers_find_their_cases_on_my_cases(demo, client):
    for username, name in (
        ("league-secretary", HU_WEILIANG),
        ("han-wenlian", WANG_PEISHENG),
    ):
        client.force_login(User.objects.get(username=username))

        response = client.get(reverse("assistance:my_cases"))

        assert response.status_code == 200
        assert name in response.content.decode()


def test_attendees_of_each_demonstration_gained_more_than_the_rest_of_jg2(demo):
    def gain(workers):
        def average(month):
            return ProductionRecord.objects.filter(
                worker__in=workers, month=month
            ).aggregate(a=Avg("attainment"))["a"]

        return average(MAR) - average(FEB)

    for demonstration in Demonstration.objects.filter(workshop__code="jg2"):
        attendees = demonstration.attendees.all()
        others = Worker.objects.filter(workshop__code="jg2").exclude(
            pk__in=[
                *attendees.values_list("pk", flat=True),
                demonstration.demonstrator_id,
            ]
        )
        assert gain(attendees) > gain(others), demonstration.technique


def test_the_demos_case_events_are_dated_in_1956_and_effective_in_their_months(
    demo,
):
    """A case's timeline reads in order beside its 1956 follow-ups."""
    events = CaseEvent.objects.filter(case__worker__employee_no__isnull=False)
    assert events.exists()
    assert {event.at.year for event in events} == {1956}
    openings = events.filter(from_status="")
    assert set(openings.values_list("effective_month", flat=True)) == {JAN, FEB}
    reached = events.filter(to_status=CaseStatus.REACHED_QUOTA)
    assert set(reached.values_list("effective_month", flat=True)) == {FEB, MAR}
    # What is effective in a month happened once its figures were in.
    assert all(e.at.date() == add_months(e.effective_month, 1) for e in events)


def test_the_seed_names_the_demo_factory_and_says_how_its_pages_show_it(demo, settings):
    assert f"Demo logins for {DEMO_FACTORY_NAME}:" in demo
    # Run without the demo's name (not through make demo): it says how.
    settings.FACTORY_NAME = ""
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert f"FACTORY_NAME={DEMO_FACTORY_NAME}" in out.getvalue()


def test_march_has_one_trade_group_whose_quota_is_under_review(demo, client):
    groups = review_groups(MAR)
    assert [(g.workshop_code, g.trade, g.workers, g.failing) for g in groups] == [
        ("zz", "车工", 6, 4)
    ]
    assert groups[0].decision is None
    # The secretary's home counts it in the working month, linked to its page.
    client.force_login(User.objects.get(username="secretary"))
    home = client.get(reverse("home"))
    items = {i.key: i for i in home.context["work_queue"][0].items}
    assert items["quota_reviews"].count == 1
    page = client.get(items["quota_reviews"].url)
    assert [s["group"].trade for s in page.context["sections"]] == ["车工"]
