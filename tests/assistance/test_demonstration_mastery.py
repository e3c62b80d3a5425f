"""A demonstration shows an experience of the catalogue (old ones keep their
free text), and one form on it records a level for every attendee."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from assistance.models import Demonstration
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Experience, Mastery, MasteryLevel
from workers.services.mastery import MasteryInput, record_mastery

pytestmark = pytest.mark.django_db

MAR_10 = dt.date(1956, 3, 10)


@pytest.fixture
def cutting():
    return Experience.objects.create(
        name="高速切削法", trades=["车工"], description="硬质合金车刀"
    )


@pytest.fixture
def shown(workshop, cutting):
    """A demonstration of 高速切削法 with three attendees, one a moulder."""
    demonstration = Demonstration.objects.create(
        experience=cutting,
        technique="高速切削法",
        demonstrator=WorkerFactory(workshop=workshop, name="表演者"),
        workshop=workshop,
        date=MAR_10,
    )
    demonstration.attendees.add(
        WorkerFactory(workshop=workshop, employee_no="A1"),
        WorkerFactory(workshop=workshop, employee_no="A2"),
        WorkerFactory(workshop=workshop, employee_no="A3", trade="铸工"),
    )
    return demonstration


def attendee(demonstration, employee_no):
    return demonstration.attendees.get(employee_no=employee_no)


def post_levels(client, demonstration, levels, day="1956-03-10"):
    data = {"levels-checked_on": day}
    for employee_no, level in levels.items():
        worker = attendee(demonstration, employee_no)
        data[f"levels-level-{worker.pk}"] = level
    return client.post(
        reverse("assistance:demonstration_mastery", args=[demonstration.pk]), data
    )


def test_a_demonstration_names_its_experience_and_takes_its_name_as_technique(
    secretary_client, workshop, cutting
):
    response = secretary_client.post(
        reverse("assistance:demonstration_create"),
        {
            "experience": cutting.pk,
            "technique": "",
            "demonstrator": WorkerFactory(workshop=workshop).pk,
            "workshop": workshop.pk,
            "date": "1956-03-12",
        },
    )
    demonstration = Demonstration.objects.get()
    assert response.url == demonstration.get_absolute_url()
    assert (demonstration.experience, demonstration.technique) == (
        cutting,
        "高速切削法",
    )
    page = secretary_client.get(demonstration.get_absolute_url()).content.decode()
    assert cutting.get_absolute_url() in page


def test_a_demonstration_without_experience_needs_its_technique(
    secretary_client, workshop
):
    in_english(secretary_client)
    response = secretary_client.post(
        reverse("assistance:demonstration_create"),
        {
            "technique": "",
            "demonstrator": WorkerFactory(workshop=workshop).pk,
            "workshop": workshop.pk,
            "date": "1956-03-12",
        },
    )
    assert response.status_code == 200
    assert "describe the technique" in response.context["form"].errors["technique"][0]
    assert not Demonstration.objects.exists()


def test_an_old_demonstration_keeps_its_free_text_and_offers_no_levels(
    secretary_client, workshop
):
    old = Demonstration.objects.create(
        technique="多刀多刃切削",
        demonstrator=WorkerFactory(workshop=workshop),
        workshop=workshop,
        date=MAR_10,
    )
    old.attendees.add(WorkerFactory(workshop=workshop))
    response = secretary_client.get(old.get_absolute_url())
    page = response.content.decode()
    assert "多刀多刃切削" in page
    assert 'id="attendee-levels-form"' not in page
    refused = secretary_client.get(
        reverse("assistance:demonstration_mastery", args=[old.pk])
    )
    assert refused.url == old.get_absolute_url()


def test_one_form_records_a_level_for_every_attendee_chosen(
    secretary_client, secretary, shown, cutting
):
    response = post_levels(
        secretary_client, shown, {"A1": "applies", "A2": "learning", "A3": ""}
    )
    assert response.url == shown.get_absolute_url() + "#attendee-levels"
    checks = Mastery.objects.filter(experience=cutting)
    assert dict(checks.values_list("worker__employee_no", "level")) == {
        "A1": MasteryLevel.APPLIES,
        "A2": MasteryLevel.LEARNING,
    }
    assert {c.checked_on for c in checks} == {MAR_10}
    assert {c.checked_by for c in checks} == {secretary}
    # The same form again: nothing new.
    post_levels(secretary_client, shown, {"A1": "applies", "A2": "learning"})
    assert checks.count() == 2
    assert Mastery.history.count() == 2


def test_the_form_shows_each_attendees_level_now_and_who_is_of_another_trade(
    secretary_client, shown, cutting, django_assert_num_queries
):
    in_english(secretary_client)
    a1 = attendee(shown, "A1")
    record_mastery(
        rows=[MasteryInput(a1.pk, cutting.pk, "learning", dt.date(1956, 3, 1))],
        by=None,
    )
    # session, user, permissions (2), the navigation's helper check, the
    # demonstration (with its experience), attendees, the attendees' levels
    # now (one query for all), effect, and the attendance forms' workers and
    # workshops
    with django_assert_num_queries(11):
        response = secretary_client.get(shown.get_absolute_url())
    rows = {
        w.employee_no: w.current_check
        for w, _f in response.context["levels_form"].rows()
    }
    assert rows["A1"].level == "learning" and rows["A2"] is None
    page = response.content.decode()
    assert page.count('data-worker="A3"') == 2  # attendance and levels
    (moulder,) = re.findall(r'<tr data-worker="A3">.*?</tr>', page, re.S)[1:]
    assert "not of its trades" in moulder
    assert page.count("not of its trades") == 1


def test_levels_with_none_chosen_or_a_day_after_today_are_refused(
    secretary_client, shown
):
    in_english(secretary_client)
    nothing = post_levels(secretary_client, shown, {"A1": "", "A2": ""})
    assert nothing.status_code == 200
    assert "at least one attendee" in str(nothing.context["form"].non_field_errors())
    late = post_levels(secretary_client, shown, {"A1": "applies"}, day="2999-01-01")
    assert "after today" in late.context["form"].errors["checked_on"][0]
    assert not Mastery.objects.exists()


def test_a_director_may_read_the_demonstration_but_not_record_levels(
    manager_client, shown
):
    page = manager_client.get(shown.get_absolute_url()).content.decode()
    assert 'id="attendee-levels-form"' not in page
    assert post_levels(manager_client, shown, {"A1": "applies"}).status_code == 403
    assert not Mastery.objects.exists()
