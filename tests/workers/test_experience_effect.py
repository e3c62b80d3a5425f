"""The effect of an advanced experience on output and a teacher's pupils'
results (workers.experience_effect): the arithmetic on a hand-made case,
too few is not shown, a check or record after the month never moves the
month's figure (nor a published bulletin's), the pupils counted, and the
queries do not grow with the workers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance.models import Demonstration
from factory.figures.bundles import bulletin_bundle
from factory.figures.publishing import UNFINISHED_KINDS, publish_month
from tests.conftest import in_english
from tests.factories import WorkerFactory
from tests.transactions import wrapping_transaction
from workers.experience_effect import (
    Lesson,
    effect_as_of,
    effects_as_of,
    pupil_results,
)
from workers.models import Experience, MasteryLevel, Worker
from workers.services import save_records
from workers.services.mastery import MasteryInput, record_mastery
from workers.services.records import RecordInput

pytestmark = pytest.mark.django_db

JAN, FEB, MAR, APR, MAY, JUN = (dt.date(1956, m, 1) for m in range(1, 7))
MONTHS = {"Jan": JAN, "Feb": FEB, "Mar": MAR, "Apr": APR}
APPLIES, TEACHES, LEARNING = (
    MasteryLevel.APPLIES,
    MasteryLevel.TEACHES,
    MasteryLevel.LEARNING,
)


def records(worker, **attainments) -> None:
    """Quota 100, so the output is the attainment: records(w, Jan=80, Mar=100)."""
    save_records(
        rows=[
            RecordInput(worker.pk, MONTHS[name], Decimal(100), Decimal(str(value)))
            for name, value in attainments.items()
        ],
        by=None,
        source="test",
    )


def check(worker, experience, level, day) -> None:
    record_mastery(rows=[MasteryInput(worker.pk, experience.pk, level, day)], by=None)


@pytest.fixture
def cutting(workshop):
    return Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀"
    )


@pytest.fixture
def hand_made(workshop, cutting):
    """Learners of February (Jan → Mar) and of March (Feb → Apr), others of
    the trade, and workers who are neither."""
    make = WorkerFactory
    # Learners of February: +20, +5, +21.
    for before, after in ((80, 100), (90, 95), (70, 91)):
        worker = make(workshop=workshop)
        records(worker, Jan=before, Mar=after)
        check(worker, cutting, APPLIES, dt.date(1956, 2, 15))
    # Learners of March, one who can teach it at once: +15, +10.
    for (before, after), level in (((85, 100), TEACHES), ((60, 70), APPLIES)):
        worker = make(workshop=workshop)
        records(worker, Feb=before, Apr=after)
        check(worker, cutting, LEARNING, dt.date(1956, 2, 1))
        check(worker, cutting, level, dt.date(1956, 3, 10))
    # Others: February's change (Jan → Mar), March's (Feb → Apr).
    for jan, feb, mar, apr in ((90, 92, 91, 93), (100, 100, 102, 99), (80, 81, 80, 85)):
        records(make(workshop=workshop), Jan=jan, Feb=feb, Mar=mar, Apr=apr)
    # Reached it in April: one of February's others (+7), not of March's.
    late = make(workshop=workshop)
    records(late, Jan=70, Feb=75, Mar=77, Apr=90)
    check(late, cutting, APPLIES, dt.date(1956, 4, 10))
    # Learning only: an other of February (+0.5); no records for March's.
    learning = make(workshop=workshop)
    records(learning, Jan=95, Mar=95.5)
    check(learning, cutting, LEARNING, dt.date(1956, 2, 20))
    # Neither: another trade, left the roster, one record only.
    records(make(workshop=workshop, trade="铸工"), Jan=50, Mar=100, Feb=50, Apr=100)
    records(make(workshop=workshop, active=False), Jan=50, Mar=100)
    records(make(workshop=workshop), Jan=50)
    return cutting


# --- the arithmetic --------------------------------------------------------------


def test_the_effect_of_a_hand_made_case_is_exact(hand_made):
    effect = effect_as_of(hand_made, APR)
    february_others = Fraction(1 + 2 + 0 + 7) + Fraction(1, 2)  # five of them
    march_others = Fraction(1 - 1 + 4)  # three: the late one had reached it
    differences = [change - february_others / 5 for change in (20, 5, 21)] + [
        change - march_others / 3 for change in (15, 10)
    ]
    assert effect.exact == sum(differences) / 5 == Fraction(1861, 150)
    assert (effect.learners, effect.others) == (5, 5)
    assert effect.months == (FEB, MAR)
    assert effect.shown
    assert effect.points == Decimal("12.4")
    assert effect.as_data() == {
        "learners": 5,
        "others": 5,
        "points": "+12.4",
        "months": ["1956-02", "1956-03"],
    }


def test_a_learner_whose_month_has_no_others_is_not_counted(workshop, cutting):
    alone = WorkerFactory(workshop=workshop)
    records(alone, Jan=80, Mar=100)
    check(alone, cutting, APPLIES, dt.date(1956, 2, 1))
    assert effect_as_of(cutting, APR).learners == 0


def test_an_experience_for_every_trade_compares_every_trade(workshop):
    anyone = Experience.objects.create(name="工具管理", description="…")
    learner = WorkerFactory(workshop=workshop, trade="铸工")
    records(learner, Jan=80, Mar=90)
    check(learner, anyone, APPLIES, dt.date(1956, 2, 1))
    other = WorkerFactory(workshop=workshop, trade="锻工")
    records(other, Jan=80, Mar=84)
    effect = effect_as_of(anyone, MAR)
    assert (effect.learners, effect.others, effect.exact) == (1, 1, 6)


# --- too few ---------------------------------------------------------------------


def test_fewer_than_five_learners_is_not_shown(hand_made):
    # As of March only February's three learners are compared.
    effect = effect_as_of(hand_made, MAR)
    assert (effect.learners, effect.others) == (3, 5)
    assert not effect.shown
    assert effect.points is None
    assert effect.as_data()["points"] is None


def test_fewer_than_five_others_is_not_shown(workshop, cutting):
    for index in range(5):
        learner = WorkerFactory(workshop=workshop)
        records(learner, Jan=80, Mar=90 + index)
        check(learner, cutting, APPLIES, dt.date(1956, 2, 1))
    for _ in range(4):
        records(WorkerFactory(workshop=workshop), Jan=80, Mar=81)
    effect = effect_as_of(cutting, MAR)
    assert (effect.learners, effect.others, effect.shown) == (5, 4, False)
    records(WorkerFactory(workshop=workshop), Jan=80, Mar=81)
    assert effect_as_of(cutting, MAR).points == Decimal("11.0")


# --- the experience's page -------------------------------------------------------


def test_the_page_shows_the_effect_with_its_counts_and_months(
    hand_made, secretary_client
):
    in_english(secretary_client)
    response = secretary_client.get(hand_made.get_absolute_url())
    content = response.content.decode()
    assert response.context["effect_month"] == APR
    assert 'data-learners="5" data-others="5" data-points="+12.4"' in content
    assert (
        "+12.4 points against workers who had not learned it (5 learners, 5 others)"
    ) in content
    assert "from February 1956 to March 1956" in content


def test_the_page_reads_in_chinese_by_default(hand_made, secretary_client):
    content = secretary_client.get(hand_made.get_absolute_url()).content.decode()
    assert "与未掌握的工人相比 +12.4 个百分点（掌握者 5 人，对照 5 人）" in content
    assert "于1956年2月至1956年3月掌握" in content
    # One of March's learners can teach it, with no pupils yet.
    assert "人数太少，尚难判断（两个月都有记录的学员 0 名）" in content


# --- teachers and their pupils ---------------------------------------------------


def demonstration(experience, teacher, day, pupils) -> Demonstration:
    shown = Demonstration.objects.create(
        experience=experience,
        technique=experience.name,
        demonstrator=teacher,
        workshop=teacher.workshop,
        date=day,
    )
    shown.attendees.add(*pupils)
    return shown


@pytest.fixture
def taught(workshop, other_workshop, cutting):
    """张师傅's pupils P1-P7 (two demonstrations), 李师傅's one pupil in the
    other workshop; a pupil of 张师傅 in another experience only."""
    zhang = WorkerFactory(workshop=workshop, name="张师傅", employee_no="T1")
    li = WorkerFactory(workshop=other_workshop, name="李师傅", employee_no="T2")
    for teacher in (zhang, li):
        check(teacher, cutting, TEACHES, dt.date(1956, 1, 2))
    pupils = [WorkerFactory(workshop=workshop, employee_no=f"P{n}") for n in range(8)]
    demonstration(cutting, zhang, dt.date(1956, 2, 10), pupils[1:7])
    demonstration(cutting, zhang, dt.date(1956, 3, 5), pupils[6:8])
    demonstration(cutting, li, dt.date(1956, 3, 5), [pupils[0]])
    grinding = Experience.objects.create(name="精密磨削", description="…")
    demonstration(grinding, zhang, dt.date(1956, 2, 10), [WorkerFactory()])
    # Changes from January to March: +10, +20, +30, +5, +5; P6 has none;
    # P7's first lesson is in March: February to April, +6.
    for pupil, change in zip(pupils[1:6], (10, 20, 30, 5, 5), strict=True):
        records(pupil, Jan=80, Mar=80 + change)
    records(pupils[7], Feb=90, Apr=96)
    # Reached it since their first lesson: P1, P2, P3 (can teach it), P7;
    # P4 applied it before; P5 is learning; P6's check is after April.
    for pupil, level, day in (
        (1, APPLIES, dt.date(1956, 2, 20)),
        (2, APPLIES, dt.date(1956, 3, 1)),
        (3, TEACHES, dt.date(1956, 3, 15)),
        (4, APPLIES, dt.date(1956, 1, 5)),
        (5, LEARNING, dt.date(1956, 2, 20)),
        (6, APPLIES, dt.date(1956, 5, 3)),
        (7, APPLIES, dt.date(1956, 3, 20)),
    ):
        check(pupils[pupil], cutting, level, day)
    return {"zhang": zhang, "li": li, "pupils": pupils}


def test_a_teachers_pupils_are_counted_as_of_the_month(taught, cutting):
    zhang, li = taught["zhang"], taught["li"]
    lessons = [
        Lesson(demo.demonstrator_id, pupil.pk, demo.date)
        for demo in Demonstration.objects.filter(experience=cutting)
        for pupil in demo.attendees.all()
    ]
    results = pupil_results(experience_id=cutting.pk, lessons=lessons, month=APR)
    mine = results[zhang.pk]
    assert (mine.pupils, mine.reached, mine.measured) == (7, 4, 6)
    assert mine.exact == Fraction(10 + 20 + 30 + 5 + 5 + 6, 6)
    assert mine.points_text == "+12.7"
    assert (results[li.pk].pupils, results[li.pk].measured) == (1, 0)
    # As of February: the March lesson is not read, nor any record after it.
    early = pupil_results(experience_id=cutting.pk, lessons=lessons, month=FEB)
    assert (early[zhang.pk].pupils, early[zhang.pk].reached) == (6, 1)
    assert (early[zhang.pk].measured, early[zhang.pk].points) == (0, None)
    assert li.pk not in early


def test_the_page_lists_the_teachers_with_their_pupils(
    taught, cutting, secretary_client
):
    in_english(secretary_client)
    response = secretary_client.get(cutting.get_absolute_url())
    content = response.content.decode()
    # P3 can teach it too, with no pupils yet.
    teachers = [t.worker.employee_no for t in response.context["teachers"]]
    assert sorted(teachers) == ["P3", "T1", "T2"]
    assert (
        'data-teacher="T1" data-pupils="7" data-reached="4" data-measured="6" '
        'data-points="+12.7"'
    ) in content
    assert "+12.7 points (6 pupils)" in content
    assert 'data-teacher="T2" data-pupils="1" data-reached="0"' in content
    assert "too few to tell (0 pupils with both records)" in content


def test_a_director_reads_their_own_workshops_teachers(taught, cutting, manager_client):
    response = manager_client.get(cutting.get_absolute_url())
    teachers = [t.worker.employee_no for t in response.context["teachers"]]
    assert teachers == ["P3", "T1"]


def test_an_experience_nobody_teaches_says_so(cutting, secretary_client):
    in_english(secretary_client)
    content = secretary_client.get(cutting.get_absolute_url()).content.decode()
    assert 'id="experience-teachers-empty"' in content
    assert "Too few to tell yet: no worker has reached it" in content


# --- the bulletin ----------------------------------------------------------------

BULLETIN = "/reports/1956-04/"


@pytest.fixture
def shown_in_april(hand_made, workshop):
    """The hand-made case, demonstrated in March (the bulletin of April
    covers March and April)."""
    demonstration(hand_made, WorkerFactory(workshop=workshop), dt.date(1956, 3, 5), [])
    return hand_made


def april_effects() -> list[dict]:
    measures = bulletin_bundle(month=APR, compare=MAR)["measures"]
    return measures["demonstrations"]["experiences"]


def test_the_bulletin_names_a_demonstrated_experiences_effect(
    shown_in_april, workshop, secretary_client
):
    # Demonstrated in April too: named once; too few to tell: not named.
    demonstration(
        shown_in_april, WorkerFactory(workshop=workshop), dt.date(1956, 4, 5), []
    )
    quiet = Experience.objects.create(name="多刀切削", description="…")
    demonstration(quiet, WorkerFactory(workshop=workshop), dt.date(1956, 4, 9), [])
    assert april_effects() == [
        {
            "name": "多刀切削",
            "learners": 0,
            "others": 0,
            "points": None,
            "months": [],
        },
        {
            "name": "高速切削法",
            "learners": 5,
            "others": 5,
            "points": "+12.4",
            "months": ["1956-02", "1956-03"],
        },
    ]
    chinese = secretary_client.get(BULLETIN).content.decode()
    assert (
        "高速切削法：与未掌握的工人相比 +12.4 个百分点（掌握者 5 人，对照 5 人）。"
        in chinese
    )
    in_english(secretary_client)
    content = secretary_client.get(BULLETIN).content.decode()
    assert (
        '<li data-experience="高速切削法" data-points="+12.4" data-learners="5" '
        'data-others="5">高速切削法: +12.4 points against workers who had not '
        "learned it (5 learners, 5 others).</li>"
    ) in content
    assert 'data-experience="多刀切削"' not in content


def test_the_bulletin_of_a_month_without_demonstrations_names_none(hand_made):
    assert april_effects() == []


def test_the_bulletins_effects_take_three_queries_whatever_the_workers(
    shown_in_april, workshop, django_assert_num_queries
):
    from factory.figures.lists import demonstrated_effects

    # The experiences demonstrated, the first checks, the records.
    with django_assert_num_queries(3):
        demonstrated_effects(start=MAR, end=MAY, month=APR)
    more_workers(shown_in_april, workshop)
    with django_assert_num_queries(3):
        rows = demonstrated_effects(start=MAR, end=MAY, month=APR)
    assert rows["experiences"][0]["learners"] == 10


def test_a_published_bulletin_keeps_the_effect_it_froze(
    shown_in_april, secretary, secretary_client, django_capture_on_commit_callbacks
):
    in_english(secretary_client)
    publish_month(month=APR, by=secretary, acknowledged=set(UNFINISHED_KINDS))
    # A correction of March: a learner of February now rose by +25, not +20.
    learner = shown_in_april.masteries.filter(level=APPLIES).order_by("pk")[0]
    with django_capture_on_commit_callbacks(execute=True):
        records(learner.worker, Mar=105)
    assert april_effects()[0]["points"] == "+13.4"
    published = secretary_client.get(BULLETIN).content.decode()
    assert 'data-experience="高速切削法" data-points="+12.4"' in published
    live = secretary_client.get(BULLETIN + "?live=1").content.decode()
    assert 'data-experience="高速切削法" data-points="+13.4"' in live


def more_workers(experience, workshop) -> None:
    """Five more learners of February and five more others."""
    for _ in range(5):
        learner = WorkerFactory(workshop=workshop)
        records(learner, Jan=80, Mar=90)
        check(learner, experience, APPLIES, dt.date(1956, 2, 3))
        records(WorkerFactory(workshop=workshop), Jan=80, Feb=80, Mar=80, Apr=80)


# --- as of the month -------------------------------------------------------------

LATER_DAYS = st.dates(min_value=dt.date(1956, 5, 1), max_value=dt.date(1956, 6, 30))
LATER_WRITES = st.one_of(
    st.tuples(
        st.just("record"),
        st.integers(min_value=0, max_value=99),
        st.sampled_from([MAY, JUN]),
        st.integers(min_value=0, max_value=200),
    ),
    st.tuples(
        st.just("check"),
        st.integers(min_value=0, max_value=99),
        st.sampled_from([LEARNING, APPLIES, TEACHES]),
        LATER_DAYS,
    ),
)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(LATER_WRITES, min_size=1, max_size=6))
def test_a_check_or_record_after_the_month_never_moves_its_effect(
    shown_in_april, writes
):
    experience = shown_in_april
    everyone = sorted(Worker.objects.values_list("pk", flat=True))
    before = (effect_as_of(experience, APR), april_effects())
    with wrapping_transaction():
        for kind, index, what, value in writes:
            worker_id = everyone[index % len(everyone)]
            if kind == "record":
                save_records(
                    rows=[RecordInput(worker_id, what, Decimal(100), Decimal(value))],
                    by=None,
                    source="test",
                )
            else:
                record_mastery(
                    rows=[MasteryInput(worker_id, experience.pk, what, value)],
                    by=None,
                )
        cache.clear()
        assert (effect_as_of(experience, APR), april_effects()) == before
        transaction.set_rollback(True)


# --- queries ---------------------------------------------------------------------


def test_the_page_reads_in_as_many_queries_whatever_the_workers(
    hand_made, taught, workshop, secretary_client, django_assert_num_queries
):
    # The page's eight (tests/workers/test_experiences.py), the working
    # month (the months with records, then its completeness: five), the
    # effect (two), the teachers, their demonstrations and their pupils'
    # results (two): none per worker.
    with django_assert_num_queries(19):
        before = secretary_client.get(hand_made.get_absolute_url())
    more_workers(hand_made, workshop)
    zhang = taught["zhang"]
    more_pupils = [WorkerFactory(workshop=workshop) for _ in range(5)]
    demonstration(hand_made, zhang, dt.date(1956, 2, 12), more_pupils)
    for pupil in more_pupils:
        records(pupil, Jan=80, Mar=90)
    with django_assert_num_queries(19):
        response = secretary_client.get(hand_made.get_absolute_url())
    learners = before.context["effect"].learners
    assert response.context["effect"].learners == learners + 5
    assert 'data-teacher="T1" data-pupils="12"' in response.content.decode()


def test_the_effects_of_many_experiences_take_two_queries(
    hand_made, workshop, django_assert_num_queries
):
    anyone = Experience.objects.create(name="工具管理", description="…")
    # The first checks of every experience, then the records they need.
    with django_assert_num_queries(2):
        effects = effects_as_of([hand_made, anyone], APR)
    assert (effects[hand_made.pk].learners, effects[anyone.pk].learners) == (5, 0)
    more_workers(hand_made, workshop)
    with django_assert_num_queries(2):
        assert effects_as_of([hand_made, anyone], APR)[hand_made.pk].learners == 10
