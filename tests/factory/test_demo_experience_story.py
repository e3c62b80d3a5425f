"""The demo shows advanced experience at work: five experiences of
the machining trades, shown at February's and March's demonstrations; the
second machining workshop's matrix with each one's coverage; the checks at
the machine recorded but two, overdue; technique cases naming the
experience to learn; and each experience's effect as of March, shown with
its counts — while every figure of the report stays
(tests/factory/test_seed_demo.py)."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assistance.checks import checks_overdue, checks_pending
from assistance.models import (
    AssistanceCase,
    CheckResult,
    Demonstration,
    MachineCheck,
)
from factory.demo.experiences import build_experience_plan
from factory.demo.plan import build_plan
from factory.figures import summaries
from tests.factory.test_readme_demo_story import README, told
from workers.experience_effect import MIN_GROUP, effect_as_of, effects_as_of
from workers.experience_matrix import experience_matrix
from workers.models import Experience, Mastery, MasteryLevel, Workshop

JAN, FEB, MAR = dt.date(1956, 1, 1), dt.date(1956, 2, 1), dt.date(1956, 3, 1)
MACHINING = {"车工", "铣工", "刨工", "磨工", "钳工"}
User = get_user_model()


@pytest.fixture
def secretary(demo, client):
    client.force_login(User.objects.get(username="secretary"))
    return client


@pytest.fixture(scope="module")
def story() -> str:
    """The README's demo story (as tests/factory/test_readme_demo_story.py
    reads it: the paragraph after the table of demo logins)."""
    section = README.read_text().split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split("\n\n")[-1].split())


def work_queue_item(client, key: str):
    home = client.get(reverse("home"))
    return next(
        item
        for section in home.context["work_queue"]
        for item in section.items
        if item.key == key
    )


def test_five_experiences_of_the_machining_trades_first_shown_in_jg2(demo):
    experiences = list(Experience.objects.select_related("first_shown_by__workshop"))

    assert len(experiences) == 5
    covered = set()
    for experience in experiences:
        assert experience.trades and set(experience.trades) <= MACHINING
        assert experience.description
        shown_by = experience.first_shown_by
        assert shown_by.workshop.code == "jg2"
        assert shown_by.trade in experience.trades
        # Its demonstrator, who can teach it, shows it in February and in
        # March: the second machining workshop's demonstration of it.
        shown = Demonstration.objects.filter(experience=experience)
        assert set(shown.values_list("demonstrator", flat=True)) == {shown_by.pk}
        assert {d.date.replace(day=1) for d in shown} == {FEB, MAR}
        assert shown.filter(workshop__code="jg2", date__month=3).count() == 1
        assert Mastery.objects.current().get(
            worker=shown_by, experience=experience
        ).level == (MasteryLevel.TEACHES)
        covered |= set(experience.trades)
    assert covered == MACHINING
    # Every demonstration of the demo names its experience.
    assert not Demonstration.objects.filter(experience__isnull=True).exists()


def test_the_jg2_matrix_shows_the_five_with_their_coverage(secretary):
    matrix = experience_matrix(Workshop.objects.get(code="jg2"))

    assert len(matrix.columns) == 5
    for column in matrix.columns:
        assert 0 < column.coverage.mastered < column.coverage.workers, column
    page = secretary.get(reverse("experiences:experience_matrix"), {"workshop": "jg2"})
    assert page.status_code == 200
    html = page.content.decode()
    for column in page.context["matrix"].columns:
        assert column.experience.name in html
        assert column.coverage.text in html


def test_two_checks_at_the_machine_stay_overdue_all_of_a_march_demonstration(
    secretary,
):
    today = timezone.localdate()
    overdue = list(checks_overdue(today))

    assert work_queue_item(secretary, "checks_overdue").count == len(overdue) == 2
    # 1956 is long past: nothing is merely due, every check not made is late.
    assert checks_pending(today).count() == 2
    assert {row.demonstration_id for row in overdue} == {
        Demonstration.objects.filter(workshop__code="jg2").latest("date").pk
    }
    # Every other attendee owing a check has it, February's all of them.
    assert MachineCheck.objects.filter(demonstration__date__month=2).exists()
    assert not any(row.demonstration.date < MAR for row in overdue)
    page = secretary.get(reverse("assistance:machine_checks"), {"overdue": "on"})
    assert page.status_code == 200
    assert all(row.worker.name in page.content.decode() for row in overdue)


def test_an_applies_check_is_the_workers_level_on_its_day(demo):
    checks = MachineCheck.objects.select_related("demonstration")

    assert (
        checks.filter(result=CheckResult.APPLIES).count()
        > checks.filter(result=CheckResult.NOT_YET).count()
    )
    assert all(c.reason for c in checks.filter(result=CheckResult.NOT_YET))
    levels = {
        (m.worker_id, m.experience_id, m.checked_on): m.level
        for m in Mastery.objects.all()
    }
    for check in checks:
        assert check.checked_on >= check.demonstration.date
        assert (check.checked_on - check.demonstration.date).days <= 14
        level = levels.get(
            (check.worker_id, check.demonstration.experience_id, check.checked_on)
        )
        if check.result == CheckResult.APPLIES:
            assert level == MasteryLevel.APPLIES
        else:
            assert level is None, check
    # Each attendee owing a check was learning it from the demonstration on.
    assert Mastery.objects.filter(level=MasteryLevel.LEARNING).count() == (
        MachineCheck.objects.count() + 2
    )


def test_technique_cases_name_the_experience_to_learn(demo):
    cases = AssistanceCase.objects.filter(experience__isnull=False).select_related(
        "worker", "experience"
    )

    assert cases.exists()
    for case in cases:
        assert case.cause == "technique" and case.month == FEB
        assert case.experience.applies_to(case.worker.trade)
    # In jg2, every technique case names the experience of the March
    # demonstration the worker saw.
    jg2 = AssistanceCase.objects.filter(
        month=FEB, cause="technique", worker__workshop__code="jg2"
    )
    assert jg2.count() == 13 == jg2.filter(experience__isnull=False).count()
    for case in jg2:
        assert Demonstration.objects.filter(
            experience=case.experience_id, attendees=case.worker_id, date__gte=MAR
        ).exists()


def test_each_experiences_effect_as_of_march_is_shown_and_positive(demo):
    experiences = list(Experience.objects.all())
    effects = effects_as_of(experiences, MAR)

    for experience in experiences:
        effect = effects[experience.pk]
        assert effect.shown, experience.name
        assert effect.learners >= MIN_GROUP and effect.others >= MIN_GROUP
        assert effect.points > 0, experience.name
        # The learners are February's: January and March on record.
        assert effect.months == (FEB,)
    # February on its own cannot tell yet: March's records are not read.
    assert not any(effect_as_of(e, FEB).shown for e in experiences)


def test_the_readme_names_the_effect_and_the_overdue_checks(secretary, story):
    said = told(
        story,
        r"matrix \(`(/experiences/matrix/\?workshop=jg2)`\) shows who applies each "
        r"of the (\d+) advanced experiences",
    )
    page = secretary.get(said[1])
    assert page.status_code == 200
    assert len(page.context["matrix"].columns) == int(said[2])

    said = told(
        story,
        r"the (\d+) workers who learned [\w-]+ [\w-]+ \((\w+)\) in February gained "
        r"([\d.]+) points more from January to March than the (\d+) of the same "
        r"trades",
    )
    experience = Experience.objects.get(name=said[2])
    effect = secretary.get(experience.get_absolute_url()).context["effect"]
    assert (effect.learners, effect.points_text, effect.others) == (
        int(said[1]),
        f"+{said[3]}",
        int(said[4]),
    )

    said = told(
        story,
        r"The home page counts (\d+) checks at the machine overdue \(`([^`]+)`\)",
    )
    item = work_queue_item(secretary, "checks_overdue")
    assert item.count == int(said[1])
    assert item.url.split("?")[0] == said[2]


def test_the_plan_of_the_experiences_leaves_the_drawn_plan_alone():
    planned = build_experience_plan()
    drawn = build_plan()
    build_plan.cache_clear()
    build_experience_plan.cache_clear()

    # Planned after the draws, without the generator: the drawn plan is
    # the same as one drawn afresh, its March demonstrations named as they
    # were, and the story the same on every run.
    fresh = build_plan()
    assert (fresh.records, fresh.cases, fresh.demonstrations) == (
        drawn.records,
        drawn.cases,
        drawn.demonstrations,
    )
    assert [s.spec for s in planned.showings[-5:]] == fresh.demonstrations
    assert build_experience_plan() == planned


def story_counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (
            Experience,
            Experience.history.model,
            Demonstration,
            Demonstration.attendees.through,
            Mastery,
            Mastery.history.model,
            MachineCheck,
            MachineCheck.history.model,
        )
    )


def test_seeding_again_writes_no_level_or_check_and_keeps_summaries(demo):
    before = story_counts()

    call_command("seed_demo", stdout=StringIO())

    assert story_counts() == before
    assert summaries.differences() == []


def test_a_reset_takes_the_story_away_and_writes_it_again(demo):
    before = story_counts()
    upkeeps = summaries.upkeep.runs

    call_command("seed_demo", "--reset", stdout=StringIO())

    assert story_counts() == before
    assert summaries.upkeep.runs == upkeeps + 1
    assert checks_overdue(timezone.localdate()).count() == 2
