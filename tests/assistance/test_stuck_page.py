"""The page of stuck cases, /cases/stuck/?month=: who reads it, what it
shows of a case, and that it is the selector's list."""

import datetime as dt
import os
import re
import shutil

import pytest
from django.urls import reverse

from assistance.models import CaseEventKind, CaseOutcome, Measure
from assistance.services import close_case, open_case, rediagnose
from tests.assistance.conftest import APR, FEB, MAR, record
from tests.factories import WorkerFactory
from tests.factory.test_html_valid import VNU, vnu_errors
from workers.models import Cause

URL = reverse("assistance:stuck_cases")


def _stuck(employee_no, workshop, helper_worker, secretary, *, now=82):
    worker = WorkerFactory(
        name=f"工人{employee_no}", employee_no=employee_no, workshop=workshop
    )
    record(worker, FEB, 80)
    record(worker, MAR, 81)
    record(worker, APR, now)
    return open_case(
        worker=worker,
        month=FEB,
        cause=Cause.FAMILY,
        measure=Measure.HARDSHIP_AID,
        helpers=[helper_worker],
        opened_by=secretary,
    )


@pytest.fixture
def stuck(db, workshop, other_workshop, helper_worker, secretary):
    """Two stuck cases in April, one in each workshop, and one that gained."""
    return {
        "jg2": _stuck("S-1", workshop, helper_worker, secretary),
        "zz": _stuck("S-2", other_workshop, helper_worker, secretary),
        "gained": _stuck("S-3", workshop, helper_worker, secretary, now=90),
    }


def _rows(response) -> set[str]:
    return {case.worker.employee_no for case in response.context["cases"]}


def test_the_secretary_reads_every_stuck_case_with_its_cause_and_helpers(
    stuck, secretary_client, helper_worker
):
    response = secretary_client.get(URL, {"month": "1956-04"})
    assert response.status_code == 200
    assert _rows(response) == {"S-1", "S-2"}
    body = response.content.decode()
    assert 'id="stuck-list" data-count="2"' in body
    assert stuck["jg2"].get_absolute_url() in body
    assert str(Cause.FAMILY.label) in body
    assert helper_worker.name in body
    # Attainment then and now.
    cells = re.findall(r'<td class="text-end tabular"[^>]*>([^<]*)</td>', body)
    assert cells == ["80", "82", "80", "82"]
    assert 'class="table table-sm align-middle table-stack"' in body


def test_a_director_reads_their_workshops_names_without_causes_or_case_pages(
    stuck, manager_client
):
    response = manager_client.get(URL, {"month": "1956-04"})
    assert response.status_code == 200
    assert _rows(response) == {"S-1"}
    body = response.content.decode()
    assert str(Cause.FAMILY.label) not in body
    assert str(Measure.HARDSHIP_AID.label) not in body
    assert stuck["jg2"].get_absolute_url() not in body
    assert reverse("workers:worker_detail", args=[stuck["jg2"].worker.pk]) in body


def test_a_helper_may_not_read_the_list(stuck, helper_client):
    assert helper_client.get(URL, {"month": "1956-04"}).status_code == 403


def test_a_month_with_nothing_stuck_says_so(stuck, secretary_client):
    response = secretary_client.get(URL, {"month": "1956-03"})
    assert response.status_code == 200
    assert 'id="no-stuck"' in response.content.decode()


def test_a_bad_month_is_a_message_not_an_error(stuck, secretary_client):
    response = secretary_client.get(URL, {"month": "1956-13"})
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "1956-13" in messages[0]


def test_the_page_reads_a_bounded_number_of_queries(
    stuck,
    secretary_client,
    workshop,
    helper_worker,
    secretary,
    django_assert_max_num_queries,
):
    secretary_client.get(URL, {"month": "1956-04"})  # warm the caches
    with django_assert_max_num_queries(25) as few:
        secretary_client.get(URL, {"month": "1956-04"})
    for index in range(4):
        _stuck(f"S-x{index}", workshop, helper_worker, secretary)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = secretary_client.get(URL, {"month": "1956-04"})
    assert len(response.context["cases"]) == 6
    assert dt.date(1956, 4, 1) == response.context["month"]


def test_re_diagnosing_a_stuck_case_changes_its_cause_and_leaves_an_event(
    stuck, secretary_client
):
    case = stuck["jg2"]
    listed = secretary_client.get(URL, {"month": "1956-04"}).content.decode()
    form_url = reverse("assistance:case_rediagnose", args=[case.pk])
    assert f'href="{form_url}?month=1956-04"' in listed
    page = secretary_client.get(form_url, {"month": "1956-04"})
    assert page.status_code == 200
    response = secretary_client.post(
        f"{form_url}?month=1956-04",
        {
            "cause": Cause.TECHNIQUE,
            "measure": "",
            "reason": "其实是不会看图纸",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?month=1956-04"
    case.refresh_from_db()
    assert (case.cause, case.measure) == (Cause.TECHNIQUE, Measure.HARDSHIP_AID)
    event = case.events.get(kind=CaseEventKind.REDIAGNOSED)
    assert (event.old_cause, event.cause) == (Cause.FAMILY, Cause.TECHNIQUE)
    assert event.note == "其实是不会看图纸"
    timeline = secretary_client.get(case.get_absolute_url()).content.decode()
    assert "其实是不会看图纸" in timeline
    assert f"{Cause.FAMILY.label} → {Cause.TECHNIQUE.label}" in timeline


def test_a_re_diagnosis_that_changes_nothing_is_refused_on_the_form(
    stuck, secretary_client
):
    case = stuck["jg2"]
    response = secretary_client.post(
        reverse("assistance:case_rediagnose", args=[case.pk]),
        {"cause": "", "measure": "", "reason": "看看", "version": case.version},
    )
    assert response.status_code == 200
    assert "cause" in response.context["form"].errors
    assert not case.events.filter(kind=CaseEventKind.REDIAGNOSED).exists()


def test_a_re_diagnosis_needs_a_reason(stuck, secretary_client):
    case = stuck["jg2"]
    response = secretary_client.post(
        reverse("assistance:case_rediagnose", args=[case.pk]),
        {"cause": Cause.OTHER, "measure": "", "reason": " ", "version": case.version},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors


def test_a_stale_re_diagnosis_is_refused_and_keeps_what_was_typed(
    stuck, secretary_client, secretary
):
    case = stuck["jg2"]
    rediagnose(case=case, measure=Measure.MENTORING, by=secretary)
    response = secretary_client.post(
        reverse("assistance:case_rediagnose", args=[case.pk]),
        {
            "cause": Cause.OTHER,
            "measure": "",
            "reason": "再看看",
            "version": case.version,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert form["reason"].value() == "再看看"
    case.refresh_from_db()
    assert case.cause == Cause.FAMILY


def test_a_closed_case_is_sent_back_to_its_page(stuck, secretary_client, secretary):
    case = stuck["jg2"]
    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="调走")
    response = secretary_client.get(
        reverse("assistance:case_rediagnose", args=[case.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()


def test_a_director_has_no_re_diagnosis_link(stuck, manager_client):
    body = manager_client.get(URL, {"month": "1956-04"}).content.decode()
    assert "data-rediagnose" not in body


@pytest.mark.skipif(
    not (VNU.exists() and shutil.which("java")) and not os.environ.get("CI"),
    reason="the Nu Html Checker is not installed: make var/vnu/vnu.jar (needs java)",
)
def test_the_list_and_the_form_pass_the_nu_html_checker(
    stuck, secretary_client, manager_client, tmp_path
):
    """The access matrix's world has no stuck case: its sweep sees the empty
    list only. Here, rows for both readers and the form with its errors."""
    form_url = reverse("assistance:case_rediagnose", args=[stuck["jg2"].pk])
    pages = {
        "list": secretary_client.get(URL, {"month": "1956-04"}),
        "list, director": manager_client.get(URL, {"month": "1956-04"}),
        "form": secretary_client.get(form_url, {"month": "1956-04"}),
        "form, refused": secretary_client.post(form_url, {"version": "x"}),
    }
    files = []
    for number, response in enumerate(pages.values()):
        assert response.status_code == 200
        path = tmp_path / f"page-{number}.html"
        path.write_text(response.content.decode(), encoding="utf-8")
        files.append(path)
    assert vnu_errors(files) == []
