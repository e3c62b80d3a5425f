"""Every form refuses control characters the way the imports refuse a cell.

A name pasted from a spreadsheet may carry a \\x01 or a vertical tab; the
imports refuse such a cell with its row and column
(workers.text.check_text), and the forms now refuse it too,
beside the field, naming it. Tab and line breaks stay allowed: they are text.

The rule is applied by the project's form base classes
(workers.forms.base); test_every_form_of_the_project_uses_the_base makes
sure no form is written without it.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from assistance.models import Demonstration, FollowUp
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import MonthCompletion, Worker
from workers.months import checked_month

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

ROOT = Path(__file__).resolve().parents[2]
APPS = ("workers", "assistance", "factory")


def _project_forms() -> list[type]:
    """Every form class defined in our apps' modules (imported first)."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if "Form" in text:
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                importlib.import_module(module)
    found, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in APPS:
                found.add(sub)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def test_every_form_of_the_project_uses_the_base():
    from workers.forms.base import RefusesControlCharacters

    classes = _project_forms()
    assert len(classes) > 15  # the walk itself works
    without = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in classes
        if not issubclass(cls, RefusesControlCharacters)
    ]
    assert not without, f"forms without the control-character rule: {without}"


def _worker_data(workshop, **changes):
    data = {
        "employee_no": "N001",
        "name": "新工人",
        "workshop": workshop.pk,
        "trade": "车工",
        "political_status": "masses",
        "active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("bad", ["\x01=HYPERLINK(1)", "王\x0b培胜", "胡维亮\x7f"])
def test_the_worker_form_refuses_a_control_character_in_the_name(
    secretary_client, workshop, bad
):
    response = secretary_client.post(
        reverse("workers:worker_create"), _worker_data(workshop, name=bad)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["name"]
    # The message names the field and the character, in the reader's language.
    assert "姓名" in errors["name"][0] and "U+00" in errors["name"][0]
    assert not Worker.objects.filter(employee_no="N001").exists()


def test_tabs_and_line_breaks_are_text(secretary_client, workshop):
    response = secretary_client.post(
        reverse("workers:worker_create"), _worker_data(workshop, trade="车工\t钳工")
    )
    assert response.status_code == 302
    assert Worker.objects.get(employee_no="N001").trade == "车工\t钳工"


def test_a_follow_up_with_a_control_character_is_refused(world, helper_client):
    response = helper_client.post(
        reverse("assistance:followup_add", args=[world["case"].pk]),
        {"kind": "talk", "date": "1956-03-20", "text": "谈心\x1b[2J"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["text"]
    assert not FollowUp.objects.filter(text__startswith="谈心\x1b").exists()


def test_a_demonstration_with_a_control_character_is_refused(world, secretary_client):
    demonstrator = WorkerFactory(workshop=world["workshop"])
    response = secretary_client.post(
        reverse("assistance:demonstration_create"),
        {
            "technique": "\x01@SUM(A1)",
            "demonstrator": demonstrator.pk,
            "workshop": world["workshop"].pk,
            "date": dt.date(1956, 3, 5).isoformat(),
            "place": "车间",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["technique"]
    assert not Demonstration.objects.filter(technique__contains="SUM").exists()


def test_a_search_with_a_control_character_is_no_error(secretary_client, workshop):
    """A filter form bound to the query string: the bad filter is ignored."""
    response = secretary_client.get(reverse("workers:worker_list") + "?q=%01")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_admin_forms_refuse_control_characters_too(client, workshop):
    from tests.factories import UserFactory

    admin = UserFactory(username="it", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:workers_worker_add"), _worker_data(workshop, name="\x01=1+1")
    )
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert not Worker.objects.filter(employee_no="N001").exists()


@pytest.mark.parametrize("note", ["完整\x00", "完整\x01", "长" * 10_000])
def test_the_month_completion_note_is_refused_as_every_form_refuses_it(note):
    from factory.forms import MonthCompletionForm

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        MonthCompletionForm({"note": note}).checked_note()
    assert any(m.startswith("“Note” ") for m in refused.value.messages)


def test_a_nul_in_the_month_completion_note_marks_nothing(world, secretary_client):
    month = world["month"]
    MonthCompletion.objects.filter(month=checked_month(month)).delete()
    response = in_english(secretary_client).post(
        reverse("reports:month_completion", args=[month]),
        {"note": "完整\x00"},
    )
    assert response.status_code == 302
    assert not MonthCompletion.objects.filter(month=checked_month(month)).exists()
    assert any(
        str(m).startswith("“Note” contains a NUL")
        for m in get_messages(response.wsgi_request)
    )
