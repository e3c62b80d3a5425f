"""The case list's search box: a worker's cases by name or employee number."""

import pytest
from django.urls import reverse

from assistance.forms import CaseFilterForm
from assistance.models import AssistanceCase, Measure
from assistance.services import open_case
from tests.assistance.conftest import MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause

CASES = reverse("assistance:case_list")
EXPORT = reverse("assistance:case_export")


@pytest.fixture
def cases(secretary, workshop, other_workshop, helper_worker, other_helper_worker):
    """Five cases: 王福贵 A1001 (technique, the helper's), 王秀兰 A1002
    (family, the other helper's), 李四 A2001 (technique), and in the other
    workshop 王铸 Z1001 and 赵五 Z2001."""
    opened = {}
    for employee_no, name, place, cause, helper in (
        ("A1001", "王福贵", workshop, Cause.TECHNIQUE, helper_worker),
        ("A1002", "王秀兰", workshop, Cause.FAMILY, other_helper_worker),
        ("A2001", "李四", workshop, Cause.TECHNIQUE, helper_worker),
        ("Z1001", "王铸", other_workshop, Cause.TECHNIQUE, other_helper_worker),
        ("Z2001", "赵五", other_workshop, Cause.OTHER, other_helper_worker),
    ):
        worker = WorkerFactory(employee_no=employee_no, name=name, workshop=place)
        record(worker, MAR, 60)
        opened[employee_no] = open_case(
            worker=worker,
            month=MAR,
            cause=cause,
            measure=Measure.OTHER,
            helpers=[helper],
            opened_by=secretary,
        )
    return opened


def numbers(cases) -> list[str]:
    return sorted(case.worker.employee_no for case in cases)


def found(client, **params) -> list[str]:
    response = client.get(CASES, params)
    assert response.status_code == 200
    return numbers(response.context["page"])


def test_a_part_of_the_name_finds_the_workers_cases(secretary_client, cases):
    assert found(secretary_client, q="秀") == ["A1002"]
    assert found(secretary_client, q="王") == ["A1001", "A1002", "Z1001"]
    assert found(secretary_client, q=" 福贵 ") == ["A1001"]


def test_an_employee_number_finds_by_itself_or_as_a_prefix(secretary_client, cases):
    assert found(secretary_client, q="A1001") == ["A1001"]
    assert found(secretary_client, q="a100") == ["A1001", "A1002"]
    # A prefix, not any part: "1001" begins no employee number.
    assert found(secretary_client, q="1001") == []


def test_the_search_narrows_the_other_filters(secretary_client, cases, workshop):
    assert found(secretary_client, q="王", cause="technique") == ["A1001", "Z1001"]
    assert found(secretary_client, q="王", workshop=workshop.code) == [
        "A1001",
        "A1002",
    ]
    assert found(secretary_client, q="王", workshop="zz", status="closed") == []


def test_the_list_says_how_many_cases_were_found(secretary_client, cases):
    page = in_english(secretary_client).get(CASES, {"q": "王"}).content.decode()
    assert "3 cases found" in page
    one = in_english(secretary_client).get(CASES, {"q": "A1001"}).content.decode()
    assert "1 case found" in one
    # The search box shows what was searched.
    assert 'type="search"' in one and 'value="A1001"' in one


def test_the_pages_keep_the_search(secretary_client, cases, monkeypatch):
    monkeypatch.setattr("assistance.views.cases.CASE_PAGE_SIZE", 2)
    first = secretary_client.get(CASES, {"q": "王"})
    assert first.context["page"].paginator.num_pages == 2
    html = first.content.decode()
    assert 'href="?q=%E7%8E%8B&amp;page=2"' in html
    second = secretary_client.get(CASES, {"q": "王", "page": 2})
    assert numbers(second.context["page"]) == ["Z1001"]


def test_the_csv_export_keeps_the_search(secretary_client, cases):
    page = secretary_client.get(CASES, {"q": "A100"}).content.decode()
    assert f'href="{EXPORT}?q=A100"' in page
    rows = secretary_client.get(EXPORT, {"q": "A100"}).content.decode("utf-8-sig")
    assert [line.split(",")[0] for line in rows.splitlines()[1:]] == [
        "A1001",
        "A1002",
    ]


def test_a_search_costs_no_more_queries_than_the_plain_list(
    secretary_client, cases, django_assert_num_queries
):
    for index in range(6):
        worker = WorkerFactory(
            name=f"王{index}", workshop=cases["A1001"].worker.workshop
        )
        record(worker, MAR, 50)
        open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=list(cases["A1001"].helpers.all()),
            opened_by=cases["A1001"].opened_by,
        )
    # session, user, permissions (2), the page count, the status counts, the
    # cases waiting for a new helper, the user's worker (navigation), the
    # workshop filter's choices (count and rows), the page of cases with
    # their progress, their helpers (prefetch): the same as without a search
    with django_assert_num_queries(12):
        response = secretary_client.get(CASES, {"q": "王"})
    assert len(response.context["page"]) == 9


def test_a_search_of_bad_text_is_refused_beside_the_field(secretary_client, cases):
    response = in_english(secretary_client).get(CASES, {"q": "王\x01"})
    assert response.status_code == 200
    assert "q" in response.context["form"].errors
    assert list(response.context["page"]) == []
    # Not typed back into the page: no page may carry a control character.
    assert "\x01" not in response.content.decode()
    too_long = secretary_client.get(CASES, {"q": "王" * 101})
    assert "q" in too_long.context["form"].errors


@pytest.mark.parametrize("persona", ["helper_client", "manager_client"])
def test_a_search_opens_the_list_to_nobody_else(request, persona, cases):
    client = request.getfixturevalue(persona)
    assert client.get(CASES, {"q": "王"}).status_code == 403
    assert client.get(EXPORT, {"q": "A"}).status_code == 403


def test_searching_never_widens_what_someone_may_see(
    cases, manager, helper, other_helper
):
    """The search narrows the cases the reader may see (visible_to), never
    reaches past them: a director's own workshops, a helper's own cases."""

    def searched(user, q):
        form = CaseFilterForm({"q": q})
        return numbers(form.filter(AssistanceCase.objects.visible_to(user)))

    assert searched(manager, "王") == ["A1001", "A1002"]
    assert searched(manager, "Z") == []
    assert searched(helper, "王") == ["A1001"]
    assert searched(helper, "A") == ["A1001", "A2001"]
    assert searched(other_helper, "赵") == ["Z2001"]
    assert searched(other_helper, "李") == []
