"""The catalogue of advanced experiences and the checks of mastery: who keeps
and who reads the catalogue, a worker's level is their latest check, a check
again changes nothing and a correction keeps its history, and the checks
recorded from the experience's page and from the worker's page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Experience, Mastery, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery

pytestmark = pytest.mark.django_db

LIST = reverse("experiences:experience_list")
MAR_20, APR_2 = dt.date(1956, 3, 20), dt.date(1956, 4, 2)


@pytest.fixture
def cutting(workshop):
    first = WorkerFactory(name="王崇伦", employee_no="X001", workshop=workshop)
    return Experience.objects.create(
        name="高速切削法",
        trades=["车工"],
        description="硬质合金车刀，高转速、大进给",
        first_shown_by=first,
    )


@pytest.fixture
def lathe_hands(workshop, other_workshop):
    """Two lathe operators of the manager's workshop, one of the other's."""
    return [
        WorkerFactory(name="甲", employee_no="L001", workshop=workshop),
        WorkerFactory(name="乙", employee_no="L002", workshop=workshop),
        WorkerFactory(name="丙", employee_no="Z001", workshop=other_workshop),
    ]


def check(worker, experience, level, day, by=None):
    return record_mastery(
        rows=[MasteryInput(worker.pk, experience.pk, level, day)], by=by
    )


def levels_on_page(response) -> dict[str, str]:
    return {c.worker.employee_no: c.level for c in response.context["page"]}


# --- the rules -------------------------------------------------------------------


def test_a_workers_level_is_their_latest_check(cutting, lathe_hands):
    worker = lathe_hands[0]
    check(worker, cutting, MasteryLevel.APPLIES, APR_2)
    check(worker, cutting, MasteryLevel.LEARNING, MAR_20)
    (now,) = Mastery.objects.current().filter(worker=worker)
    assert (now.level, now.checked_on) == (MasteryLevel.APPLIES, APR_2)


def test_the_same_check_again_changes_nothing(cutting, lathe_hands, secretary):
    first = check(lathe_hands[0], cutting, MasteryLevel.APPLIES, MAR_20, secretary)
    again = check(lathe_hands[0], cutting, MasteryLevel.APPLIES, MAR_20, secretary)
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    assert Mastery.history.count() == 1


def test_a_correction_of_a_days_check_keeps_the_old_level_in_its_history(
    cutting, lathe_hands, secretary
):
    check(lathe_hands[0], cutting, MasteryLevel.APPLIES, MAR_20)
    result = check(lathe_hands[0], cutting, MasteryLevel.TEACHES, MAR_20, secretary)
    assert result.updated == 1
    row = Mastery.objects.get()
    assert (row.level, row.checked_by) == (MasteryLevel.TEACHES, secretary)
    history = row.history.order_by("history_date")
    assert list(history.values_list("level", flat=True)) == ["applies", "teaches"]
    assert history.last().history_user == secretary


def test_an_experience_applies_to_its_trades_or_to_every_trade(cutting):
    assert cutting.applies_to("车工")
    assert not cutting.applies_to("铸工")
    assert Experience(name="x", description="…").applies_to("铸工")


# --- the catalogue ---------------------------------------------------------------


def test_the_secretary_adds_an_experience_with_its_trades(
    secretary_client, lathe_hands
):
    response = secretary_client.post(
        reverse("experiences:experience_create"),
        {
            "name": "  多刀  多刃切削 ",
            "trades": ["车工"],
            "description": "一次走刀车几个面",
            "first_shown_by": "L002",
        },
    )
    experience = Experience.objects.get()
    assert response.url == experience.get_absolute_url()
    assert experience.name == "多刀 多刃切削"
    assert experience.trades == ["车工"]
    assert experience.first_shown_by == lathe_hands[1]


def test_an_experience_named_twice_or_by_an_unknown_worker_is_refused(
    secretary_client, cutting
):
    in_english(secretary_client)
    response = secretary_client.post(
        reverse("experiences:experience_create"),
        {"name": "高速切削法", "description": "", "first_shown_by": "nobody"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "in the catalogue already" in errors["name"][0]
    assert "nobody" in errors["first_shown_by"][0]
    assert "description" in errors
    assert Experience.objects.count() == 1


def test_editing_keeps_a_first_shower_who_has_left(secretary_client, cutting):
    cutting.first_shown_by.active = False
    cutting.first_shown_by.save()
    url = reverse("experiences:experience_edit", args=[cutting.pk])
    form = secretary_client.get(url).context["form"]
    assert form.initial["first_shown_by"] == "X001"
    response = secretary_client.post(
        url,
        {"name": "高速切削法", "description": "新说明", "first_shown_by": "X001"},
    )
    assert response.status_code == 302
    cutting.refresh_from_db()
    assert (cutting.description, cutting.trades) == ("新说明", [])
    assert cutting.first_shown_by.employee_no == "X001"


def test_a_director_reads_the_catalogue_and_changes_nothing(manager_client, cutting):
    page = manager_client.get(LIST)
    assert page.status_code == 200
    assert 'id="experience-add"' not in page.content.decode()
    assert manager_client.get(cutting.get_absolute_url()).status_code == 200
    for url in (
        reverse("experiences:experience_create"),
        reverse("experiences:experience_edit", args=[cutting.pk]),
        reverse("experiences:experience_check", args=[cutting.pk]),
    ):
        assert manager_client.get(url).status_code == 403
        assert manager_client.post(url, {"name": "x"}).status_code == 403
    assert Experience.objects.get().name == "高速切削法"


def test_a_helper_gets_403_on_the_catalogue(helper_client, cutting):
    assert helper_client.get(LIST).status_code == 403
    assert helper_client.get(cutting.get_absolute_url()).status_code == 403


def test_the_list_counts_workers_at_their_latest_level(
    secretary_client, cutting, lathe_hands, django_assert_num_queries
):
    check(lathe_hands[0], cutting, MasteryLevel.LEARNING, MAR_20)
    check(lathe_hands[0], cutting, MasteryLevel.APPLIES, APR_2)
    check(lathe_hands[1], cutting, MasteryLevel.LEARNING, MAR_20)
    check(lathe_hands[2], cutting, MasteryLevel.TEACHES, MAR_20)
    Experience.objects.create(name="精密磨削", description="…")
    # session, user, permissions (2), the catalogue with who first showed
    # each, the levels counted, the navigation's helper check
    with django_assert_num_queries(7):
        response = secretary_client.get(LIST)
    rows = {e.name: e.levels for e in response.context["experiences"]}
    assert rows["高速切削法"] == [
        ("learning", MasteryLevel.LEARNING.label, 1),
        ("applies", MasteryLevel.APPLIES.label, 1),
        ("teaches", MasteryLevel.TEACHES.label, 1),
    ]
    assert [count for _c, _l, count in rows["精密磨削"]] == [0, 0, 0]


def test_a_director_counts_and_lists_their_own_workshops_workers_only(
    manager_client, cutting, lathe_hands
):
    for worker in lathe_hands:
        check(worker, cutting, MasteryLevel.APPLIES, MAR_20)
    (row,) = manager_client.get(LIST).context["experiences"]
    assert row.levels[1][2] == 2
    page = manager_client.get(cutting.get_absolute_url())
    assert set(levels_on_page(page)) == {"L001", "L002"}


def test_the_experience_page_lists_the_most_able_first_in_few_queries(
    secretary_client, cutting, lathe_hands, django_assert_num_queries
):
    check(lathe_hands[0], cutting, MasteryLevel.LEARNING, MAR_20)
    check(lathe_hands[1], cutting, MasteryLevel.APPLIES, MAR_20)
    check(lathe_hands[2], cutting, MasteryLevel.TEACHES, MAR_20)
    left = WorkerFactory(employee_no="L009", workshop=lathe_hands[0].workshop)
    check(left, cutting, MasteryLevel.TEACHES, MAR_20)
    left.active = False
    left.save()
    # session, user, permissions (2), the experience, the count and the page
    # of levels (workers, workshops and who checked joined), the
    # navigation's helper check, the options of the check form: none per row;
    # the working month, the effect and the teachers (five more here, with
    # no records nor demonstrations: tests/workers/test_experience_effect.py)
    with django_assert_num_queries(13):
        response = secretary_client.get(cutting.get_absolute_url())
    assert list(levels_on_page(response).items()) == [
        ("Z001", "teaches"),
        ("L002", "applies"),
        ("L001", "learning"),
    ]
    assert 'id="experience-check-form"' in response.content.decode()


# --- recording a check -----------------------------------------------------------


def test_a_check_recorded_from_the_experiences_page(
    secretary_client, secretary, cutting, lathe_hands
):
    url = reverse("experiences:experience_check", args=[cutting.pk])
    response = secretary_client.post(
        url, {"employee_no": "L001", "level": "applies", "checked_on": "1956-03-20"}
    )
    assert response.url == cutting.get_absolute_url()
    saved = Mastery.objects.get()
    assert (saved.worker, saved.level, saved.checked_on, saved.checked_by) == (
        lathe_hands[0],
        MasteryLevel.APPLIES,
        MAR_20,
        secretary,
    )


def test_a_check_after_today_is_refused_naming_the_field(
    secretary_client, cutting, lathe_hands
):
    in_english(secretary_client)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = secretary_client.post(
        reverse("experiences:experience_check", args=[cutting.pk]),
        {"employee_no": "L001", "level": "applies", "checked_on": tomorrow},
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["checked_on"]
    assert error.startswith("“Checked on” is after today")
    assert 'id="error-summary"' in response.content.decode()
    assert not Mastery.objects.exists()


def test_a_check_of_an_unknown_worker_is_refused(secretary_client, cutting):
    response = secretary_client.post(
        reverse("experiences:experience_check", args=[cutting.pk]),
        {"employee_no": "NOPE", "level": "applies", "checked_on": "1956-03-20"},
    )
    assert "employee_no" in response.context["form"].errors
    assert not Mastery.objects.exists()


def test_the_workers_page_shows_their_levels_and_records_a_check(
    secretary_client, cutting, lathe_hands
):
    worker = lathe_hands[0]
    check(worker, cutting, MasteryLevel.LEARNING, MAR_20)
    check(worker, cutting, MasteryLevel.APPLIES, APR_2)
    page = secretary_client.get(worker.get_absolute_url()).content.decode()
    assert 'data-experience="高速切削法" data-level="applies"' in page
    assert 'id="worker-mastery-checks"' in page  # both checks, as its history
    assert 'id="worker-check-form"' in page
    other = Experience.objects.create(name="精密磨削", description="…")
    response = secretary_client.post(
        reverse("workers:worker_check", args=[worker.pk]),
        {"experience": other.pk, "level": "learning", "checked_on": "1956-04-03"},
    )
    assert response.url == worker.get_absolute_url() + "#worker-mastery"
    assert Mastery.objects.current().filter(worker=worker).count() == 2


def test_a_director_reads_the_workers_levels_without_the_form(
    manager_client, cutting, lathe_hands
):
    check(lathe_hands[0], cutting, MasteryLevel.APPLIES, MAR_20)
    page = manager_client.get(lathe_hands[0].get_absolute_url()).content.decode()
    assert 'data-level="applies"' in page
    assert 'id="worker-check-form"' not in page
    response = manager_client.post(
        reverse("workers:worker_check", args=[lathe_hands[0].pk]),
        {"experience": cutting.pk, "level": "teaches", "checked_on": "1956-03-20"},
    )
    assert response.status_code == 403
    assert Mastery.objects.get().level == "applies"
