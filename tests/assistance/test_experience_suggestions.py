"""A technique case names the experience to learn: the
suggestion from the same trade's workers who reached quota, the opening
pages that offer it, and the case page that shows it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from assistance.experience_suggestions import experience_choices
from assistance.models import AssistanceCase, Measure
from assistance.services import classify, open_case
from tests.assistance.conftest import MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause, Experience, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery

OPEN = reverse("assistance:cases_open")
ONE_HELPER = reverse("assistance:cases_open_with_helper")
FEB_1 = dt.date(1956, 2, 1)
MAR_5 = dt.date(1956, 3, 5)


def experience(name, trades=("车工",)) -> Experience:
    return Experience.objects.create(name=name, trades=list(trades), description="…")


def levels(*rows) -> None:
    record_mastery(
        rows=[MasteryInput(w.pk, e.pk, level, day) for w, e, level, day in rows],
        by=None,
    )


@pytest.fixture
def factory(workshop, other_workshop):
    """Lathe operators of two workshops, five of them at quota in March,
    and Hu below quota, who applies 多刀 already.

    - 高速切削: two who reached quota apply it, one teaches it → 3
    - 安全操作 (every trade): one → 1
    - 多刀: one → 1, but Hu has mastered it
    - 刀具刃磨: mastered only by one below quota → 0, not suggested
    - 反光镜对刀: applied by one in February, checked back to learning → 0
    - 铣削法 (millers): a miller at quota applies it → not of the trade
    """
    cutting, safety = experience("高速切削"), experience("安全操作", ())
    multi, grinding = experience("多刀"), experience("刀具刃磨")
    mirror, milling = experience("反光镜对刀"), experience("铣削法", ("铣工",))
    reached = []
    # R4, mastering nothing, keeps jg2's lathe operators below the share
    # that makes a quota review group (its marks would cost queries).
    places = [workshop, workshop, other_workshop, workshop, workshop]
    for number, place in enumerate(places):
        worker = WorkerFactory(employee_no=f"R{number}", workshop=place, trade="车工")
        record(worker, MAR, 110)
        reached.append(worker)
    below = WorkerFactory(employee_no="B0", workshop=workshop, trade="车工")
    record(below, MAR, 90)
    miller = WorkerFactory(employee_no="M0", workshop=workshop, trade="铣工")
    record(miller, MAR, 120)
    hu = WorkerFactory(employee_no="H0", name="胡维亮", workshop=workshop, trade="车工")
    record(hu, MAR, 80)
    applies, teaches = MasteryLevel.APPLIES, MasteryLevel.TEACHES
    levels(
        (reached[0], cutting, applies, MAR_5),
        (reached[1], cutting, applies, MAR_5),
        (reached[2], cutting, teaches, MAR_5),
        (reached[3], cutting, MasteryLevel.LEARNING, MAR_5),
        (reached[1], safety, applies, MAR_5),
        (reached[0], multi, applies, MAR_5),
        (below, grinding, applies, MAR_5),
        (reached[2], mirror, applies, FEB_1),
        (reached[2], mirror, MasteryLevel.LEARNING, MAR_5),
        (miller, milling, applies, MAR_5),
        (hu, multi, applies, FEB_1),
    )
    return {"hu": hu, "reached": reached, "below": below, "cutting": cutting}


def test_the_suggestions_rank_what_the_trades_workers_at_quota_mastered(factory):
    hu = factory["hu"]
    choices = experience_choices([hu], MAR)[hu.pk]
    assert [(s.name, s.masters) for s in choices.suggested] == [
        ("高速切削", 3),
        ("安全操作", 1),
    ]
    # The rest of the trade's, by name; 多刀 is his already, 铣削法 a miller's.
    assert [s.name for s in choices.others] == ["刀具刃磨", "反光镜对刀"]
    with translation.override("en"):
        assert choices.choices[0] == (
            factory["cutting"].pk,
            "高速切削 (mastered by 3 who reached quota)",
        )


def test_a_month_without_masters_suggests_nothing(factory):
    hu = factory["hu"]
    choices = experience_choices([hu], dt.date(1956, 4, 1))[hu.pk]
    assert choices.suggested == ()
    assert len(choices.others) == 4


def test_the_suggestions_take_two_queries_for_any_number_of_workers(
    factory, workshop, django_assert_num_queries
):
    few = [factory["hu"]]
    many = few + [WorkerFactory(workshop=workshop, trade=t) for t in "车铣刨磨" * 3]
    with django_assert_num_queries(0):
        assert experience_choices([], MAR) == {}
    for workers in (few, many):
        with django_assert_num_queries(2):
            experience_choices(workers, MAR)


def test_an_experience_is_named_for_technique_and_the_workers_trade_only(
    factory, secretary, helper
):
    hu, cutting = factory["hu"], factory["cutting"]
    milling = Experience.objects.get(name="铣削法")
    for cause, named, field in (
        (Cause.IDEOLOGY, cutting, "experience"),
        (Cause.TECHNIQUE, milling, "experience"),
    ):
        with pytest.raises(ValidationError) as refused:
            open_case(
                worker=hu,
                month=MAR,
                cause=cause,
                measure=Measure.DEMONSTRATION,
                helpers=[helper.worker],
                opened_by=secretary,
                experience=named,
            )
        assert field in refused.value.error_dict
    assert not AssistanceCase.objects.exists()


def _open_row(worker, helper, **extra):
    return {
        "month": "1956-03",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-worker": worker.pk,
        "form-0-cause": Cause.TECHNIQUE,
        "form-0-measure": Measure.DEMONSTRATION,
        "form-0-helpers": [helper.worker.pk],
        **extra,
    }


def test_the_opening_page_offers_the_suggestions_and_opens_with_one(
    factory, secretary, secretary_client, helper, helper_client
):
    hu, cutting = factory["hu"], factory["cutting"]
    classify(worker=hu, month=MAR, cause=Cause.TECHNIQUE, note="", by=secretary)
    page = in_english(secretary_client).get(OPEN, {"month": "1956-03", "worker": hu.pk})
    (form,) = page.context["formset"].forms
    assert [label for _pk, label in form.fields["experience"].choices][:2] == [
        "— none —",
        "高速切削 (mastered by 3 who reached quota)",
    ]
    assert 'name="form-0-experience"' in page.content.decode()
    response = secretary_client.post(
        OPEN, _open_row(hu, helper, **{"form-0-experience": cutting.pk})
    )
    assert response.status_code == 302
    case = AssistanceCase.objects.get()
    assert case.experience == cutting
    # The case page names it, for the secretary and the helper alike.
    for client in (secretary_client, helper_client):
        body = client.get(case.get_absolute_url()).content.decode()
        assert 'id="case-experience"' in body and "高速切削" in body


def test_a_row_of_another_cause_names_no_experience(factory, secretary_client, helper):
    hu, cutting = factory["hu"], factory["cutting"]
    data = _open_row(hu, helper, **{"form-0-experience": cutting.pk})
    data["form-0-cause"] = Cause.IDEOLOGY
    response = secretary_client.post(OPEN, data)
    assert response.status_code == 200
    (form,) = response.context["formset"].forms
    assert form.has_error("experience", "not_technique")
    assert not AssistanceCase.objects.exists()
    # Without one, the case opens with none.
    del data["form-0-experience"]
    assert secretary_client.post(OPEN, data).status_code == 302
    assert AssistanceCase.objects.get().experience is None


def test_the_one_helper_page_names_an_experience_per_technique_row(
    factory, secretary, secretary_client, helper, workshop
):
    hu, cutting = factory["hu"], factory["cutting"]
    quarrel = WorkerFactory(employee_no="Q0", workshop=workshop, trade="车工")
    record(quarrel, MAR, 70)
    classify(worker=hu, month=MAR, cause=Cause.TECHNIQUE, note="", by=secretary)
    classify(worker=quarrel, month=MAR, cause=Cause.IDEOLOGY, note="", by=secretary)
    query = {"month": "1956-03", "worker": [hu.pk, quarrel.pk]}
    page = secretary_client.get(ONE_HELPER, query)
    body = page.content.decode()
    assert f'name="experience-{hu.pk}"' in body
    assert f'name="experience-{quarrel.pk}"' not in body
    data = {
        "month": "1956-03",
        "helper": helper.worker.pk,
        "worker": [hu.pk, quarrel.pk],
        f"version-{hu.pk}": 1,
        f"version-{quarrel.pk}": 1,
        f"experience-{hu.pk}": cutting.pk,
        # Forged: no experience for another cause's row.
        f"experience-{quarrel.pk}": cutting.pk,
    }
    assert secretary_client.post(ONE_HELPER, data).status_code == 302
    cases = {c.worker: c.experience for c in AssistanceCase.objects.all()}
    assert cases == {hu: cutting, quarrel: None}


@pytest.mark.parametrize("size", [2, 6])
def test_the_opening_page_runs_a_fixed_number_of_queries(
    factory,
    secretary,
    secretary_client,
    other_workshop,
    django_assert_num_queries,
    size,
):
    workers = [factory["hu"]]
    for index in range(size - 1):
        worker = WorkerFactory(
            workshop=other_workshop, trade=("车工", "铣工")[index % 2]
        )
        record(worker, MAR, 60)
        workers.append(worker)
    for worker in workers:
        classify(worker=worker, month=MAR, cause=Cause.TECHNIQUE, note="", by=secretary)
    query = "&".join(f"worker={w.pk}" for w in workers)
    # The page's 12 (tests/assistance/test_helper_picker.py) and the
    # experiences to learn of its technique rows: the catalogue with its
    # masters by trade, and the rows' workers' own levels.
    with django_assert_num_queries(14):
        response = secretary_client.get(f"{OPEN}?month=1956-03&{query}")
    assert len(response.context["formset"].forms) == size
