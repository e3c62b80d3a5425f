"""The bulk actions' one helper (open cases with one helper, move a helper's
cases) is chosen with the helper picker of the case forms, and the
one-helper page speaks the reader's language."""

import re

import pytest
from django.urls import reverse

from assistance.models import Measure
from assistance.services import classify, open_case
from tests.assistance.conftest import MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause

ONE_HELPER = reverse("assistance:cases_open_with_helper")


@pytest.fixture
def classified(workshop, secretary):
    workers = []
    for name, cause in (("技", Cause.TECHNIQUE), ("家", Cause.FAMILY)):
        worker = WorkerFactory(name=name, workshop=workshop)
        record(worker, MAR, 80)
        classify(worker=worker, month=MAR, cause=cause, note="", by=secretary)
        workers.append(worker)
    return workers


@pytest.fixture
def one_helper_page(secretary_client, classified):
    def get(language="en"):
        secretary_client.cookies.load({"django_language": language})
        client = secretary_client
        query = {"month": "1956-03", "worker": [w.pk for w in classified]}
        response = client.get(ONE_HELPER, query)
        assert response.status_code == 200
        return response.content.decode()

    return get


@pytest.fixture
def move_page(
    secretary_client, secretary, workshop, helper_worker, other_helper_worker
):
    worker = WorkerFactory(workshop=workshop)
    record(worker, MAR, 60)
    open_case(
        worker=worker,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    url = reverse("assistance:helper_move_cases", args=[helper_worker.pk])
    response = in_english(secretary_client).get(url)
    assert response.status_code == 200
    return response.content.decode()


def select_named(html: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)


def assert_the_helper_picker(html: str, name: str, helper) -> None:
    """What the picker of /cases/open/ puts on its page (assistance.picker,
    static/js/helper_picker.js): the select marked for it, each option with
    what it shows and searches, and the picker's files."""
    select = select_named(html, name)
    assert "data-helper-picker" in select.split(">", 1)[0]
    assert "data-placeholder=" in select.split(">", 1)[0]
    option = re.search(rf'<option value="{helper.pk}"[^>]*>', select).group(0)
    assert f'data-name="{helper.name}"' in option
    assert f'data-number="{helper.employee_no}"' in option
    assert f'data-workshop="{helper.workshop.name}"' in option
    assert "data-standing=" in option and "data-load-text=" in option
    assert "vendor/tom-select/tom-select.complete.min.js" in html
    assert "js/helper_picker.js" in html
    assert "css/helper_picker.css" in html


def test_the_one_helper_is_chosen_with_the_helper_picker(
    one_helper_page, helper_worker
):
    html = one_helper_page()
    assert_the_helper_picker(html, "helper", helper_worker)
    # One helper: a single choice, not a list of several.
    assert "multiple" not in select_named(html, "helper").split(">", 1)[0]


def test_the_new_helper_of_a_move_is_chosen_with_the_helper_picker(
    move_page, other_helper_worker
):
    assert_the_helper_picker(move_page, "to_helper", other_helper_worker)
    assert "multiple" not in select_named(move_page, "to_helper").split(">", 1)[0]


def test_the_one_helper_page_names_its_month_in_the_readers_language(
    one_helper_page,
):
    english = one_helper_page("en")
    title = re.search(r"<h1.*?</h1>", english, re.S).group(0)
    assert "March 1956" in title and "1956-03" not in title
    chinese = one_helper_page("zh-hans")
    title = re.search(r"<h1.*?</h1>", chinese, re.S).group(0)
    assert "1956年3月" in title and "1956-03" not in title
    # What is posted and linked keeps the month's written form.
    assert '<input type="hidden" name="month" value="1956-03">' in english


def test_the_one_helper_help_says_the_workers_are_listed_above(one_helper_page):
    html = one_helper_page("en")
    help_text = re.search(r'id="id_helper_helptext"[^>]*>(.*?)</', html, re.S)
    assert "above" in help_text.group(1) and "below" not in help_text.group(1)
    chinese = one_helper_page("zh-hans")
    help_text = re.search(r'id="id_helper_helptext"[^>]*>(.*?)</', chinese, re.S)
    assert "上面" in help_text.group(1) and "下列" not in help_text.group(1)
