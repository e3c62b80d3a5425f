"""The worker's page (/workers/<pk>/) lists the worker's help cases and the
causes of their shortfalls, as far as the reader may see them."""

import re

import pytest
from django.urls import reverse

from assistance.models import CaseOutcome, Measure
from assistance.services import classify, close_case, open_case
from tests.assistance.conftest import APR, MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause


@pytest.fixture
def helped(failing_worker, helper_worker, secretary):
    """胡维亮: an ideological problem in March (a case, closed), backward
    technique in April (a case, open)."""
    classify(
        worker=failing_worker, month=MAR, cause=Cause.IDEOLOGY, note="", by=secretary
    )
    march = open_case(
        worker=failing_worker,
        month=MAR,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    close_case(case=march, by=secretary, outcome=CaseOutcome.OTHER, reason="调岗")
    record(failing_worker, APR, 70)
    classify(
        worker=failing_worker, month=APR, cause=Cause.TECHNIQUE, note="", by=secretary
    )
    april = open_case(
        worker=failing_worker,
        month=APR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    return {"march": march, "april": april}


@pytest.fixture
def someone_else(workshop, helper_worker, secretary):
    """Another worker's case, which the page must not list."""
    worker = WorkerFactory(name="李四", workshop=workshop)
    record(worker, MAR, 50)
    return open_case(
        worker=worker,
        month=MAR,
        cause=Cause.FAMILY,
        measure=Measure.HARDSHIP_AID,
        helpers=[helper_worker],
        opened_by=secretary,
    )


def page_of(client, worker) -> str:
    response = in_english(client).get(
        reverse("workers:worker_detail", args=[worker.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    found = re.search(rf'<table[^>]*id="{element_id}".*?</table>', html, re.S)
    return found.group(0) if found else ""


def test_the_secretary_reads_the_workers_cases_with_links(
    secretary_client, failing_worker, helped, someone_else
):
    html = page_of(secretary_client, failing_worker)
    table = section(html, "worker-cases")
    rows = re.findall(r'<tr data-case="(\d+)".*?</tr>', table, re.S)
    # Newest first, and only this worker's.
    assert rows == [str(helped["april"].pk), str(helped["march"].pk)]
    april, march = re.findall(r'<tr data-case="\d+".*?</tr>', table, re.S)
    assert "April 1956" in april and "March 1956" in march
    assert "backward technique" in april and "visit to a demonstration" in april
    assert "ideological problem" in march and "individual help" in march
    assert "open" in april and "closed" in march
    for case in helped.values():
        assert f'href="{case.get_absolute_url()}"' in table
    assert someone_else.get_absolute_url() not in html


def test_the_secretary_reads_the_causes_by_month(
    secretary_client, failing_worker, helped
):
    html = page_of(secretary_client, failing_worker)
    table = section(html, "worker-classifications")
    months = re.findall(r'<tr data-month="([\d-]+)">(.*?)</tr>', table, re.S)
    assert [month for month, _row in months] == ["1956-04", "1956-03"]
    assert "April 1956" in months[0][1] and "backward technique" in months[0][1]
    assert "March 1956" in months[1][1] and "ideological problem" in months[1][1]
    history = reverse("assistance:classification_history", args=[failing_worker.pk])
    assert f'href="{history}"' in html


def test_a_director_reads_the_months_and_statuses_but_no_cause(
    manager_client, failing_worker, helped
):
    """A director sees case counts and statuses, never a named worker's cause
    nor the measure that answers it, and the case page is not theirs."""
    html = page_of(manager_client, failing_worker)
    table = section(html, "worker-cases")
    assert len(re.findall(r'<tr data-case="\d+"', table)) == 2
    assert "April 1956" in table and "closed" in table
    for word in (
        "backward technique",
        "ideological problem",
        "visit to a demonstration",
        "individual help",
    ):
        assert word not in html, word
    for case in helped.values():
        assert case.get_absolute_url() not in html
    assert 'id="worker-classifications"' not in html
    history = reverse("assistance:classification_history", args=[failing_worker.pk])
    assert history not in html


def test_a_worker_without_cases_says_so(secretary_client, workshop):
    worker = WorkerFactory(workshop=workshop)
    html = page_of(secretary_client, worker)
    assert 'id="worker-cases-none"' in html
    assert 'id="worker-classifications-none"' in html


def test_the_workers_page_reads_cases_and_causes_in_two_queries(
    secretary_client, failing_worker, helped, django_assert_num_queries
):
    url = reverse("workers:worker_detail", args=[failing_worker.pk])
    # session, user, permissions (2), the worker with workshop and account,
    # the user's worker (navigation), the change history, the standards and
    # the records of the attainment section, the worker's levels in the
    # advanced experiences, their checks and the check form's experiences,
    # the worker's cases, the worker's classifications: none per case or
    # per month
    with django_assert_num_queries(14):
        response = secretary_client.get(url)
    assert response.status_code == 200
