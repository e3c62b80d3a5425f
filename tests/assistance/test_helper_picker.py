"""The helper picker of the case forms (assistance/picker.py): who is offered,
in which order, with what, and in how many queries."""

import re

import pytest
from django.urls import reverse

from assistance.models import AssistanceCase, Measure
from assistance.services import open_case
from tests.assistance.conftest import MAR, record
from tests.factories import WorkerFactory, WorkshopFactory
from workers.models import Cause, PoliticalStatus

OPEN = reverse("assistance:cases_open")


@pytest.fixture
def member_below_quota(workshop):
    """A Party member below quota: an eligible helper who needs help himself."""
    worker = WorkerFactory(
        name="党员甲", workshop=workshop, political_status=PoliticalStatus.PARTY_MEMBER
    )
    record(worker, MAR, 70)
    return worker


def _offered(form) -> list[tuple[str, list[int]]]:
    return [
        (group, [pk for pk, _label in options])
        for group, options in form.fields["helpers"].choices
    ]


def _post_row(worker, helpers):
    return {
        "month": "1956-03",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-worker": worker.pk,
        "form-0-cause": Cause.TECHNIQUE,
        "form-0-measure": Measure.MENTORING,
        "form-0-helpers": [h.pk for h in helpers],
    }


def test_the_worker_himself_is_not_offered(
    secretary_client, member_below_quota, helper_worker
):
    response = secretary_client.get(
        f"{OPEN}?month=1956-03&worker={member_below_quota.pk}"
    )
    form = response.context["formset"].forms[0]
    offered = [pk for _group, pks in _offered(form) for pk in pks]
    assert helper_worker.pk in offered
    assert member_below_quota.pk not in offered
    # Not in the page at all, not merely hidden.
    select = re.search(
        r'<select name="form-0-helpers".*?</select>', response.content.decode(), re.S
    ).group(0)
    assert f'value="{member_below_quota.pk}"' not in select
    assert f'value="{helper_worker.pk}"' in select


def test_a_forged_post_naming_the_worker_is_refused_by_name(
    secretary_client, member_below_quota, helper_worker
):
    response = secretary_client.post(
        OPEN, _post_row(member_below_quota, [member_below_quota, helper_worker])
    )
    assert response.status_code == 200
    form = response.context["formset"].forms[0]
    [error] = form.errors.as_data()["helpers"]
    # The service's own message, not "select a valid choice".
    assert error.code == "own_helper"
    assert member_below_quota.name in form.errors["helpers"][0]
    assert not AssistanceCase.objects.exists()


def test_the_workers_own_workshop_comes_first(
    secretary_client, workshop, helper_worker
):
    early = WorkshopFactory(code="aa", name="甲车间")  # sorts before jg2
    early_helper = WorkerFactory(
        workshop=early, political_status=PoliticalStatus.LEAGUE_MEMBER
    )
    low = WorkerFactory(workshop=workshop)
    record(low, MAR, 60)
    response = secretary_client.get(f"{OPEN}?month=1956-03&worker={low.pk}")
    groups = _offered(response.context["formset"].forms[0])
    assert [pks for _group, pks in groups][0] == [helper_worker.pk]
    assert workshop.name in groups[0][0] and groups[0][0] != workshop.name
    assert groups[1] == (early.name, [early_helper.pk])


def test_each_option_carries_status_load_and_what_is_searched(
    secretary_client, case, helper_worker, workshop
):
    low = WorkerFactory(workshop=workshop)
    record(low, MAR, 60)
    response = secretary_client.get(f"{OPEN}?month=1956-03&worker={low.pk}")
    html = response.content.decode()
    option = re.search(rf'<option value="{helper_worker.pk}"[^>]*>', html).group(0)
    assert f'data-name="{helper_worker.name}"' in option
    assert f'data-number="{helper_worker.employee_no}"' in option
    assert f'data-workshop="{workshop.name}"' in option
    assert 'data-standing="共青团员"' in option  # the page is in Chinese
    assert 'data-load="1"' in option  # the case of the fixture
    assert "data-load-text=" in option
    assert "data-helper-picker" in html
    # The picker's files are on the page; the no-JavaScript hint stays in it.
    assert "vendor/tom-select/tom-select.complete.min.js" in html
    assert "js/helper_picker.js" in html
    assert "Ctrl" in html


def test_the_case_edit_form_leaves_the_worker_out(
    secretary_client, secretary, member_below_quota, helper_worker
):
    case = open_case(
        worker=member_below_quota,
        month=MAR,
        cause=Cause.IDEOLOGY,
        measure=Measure.INDIVIDUAL_HELP,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    response = secretary_client.get(reverse("assistance:case_edit", args=[case.pk]))
    offered = [pk for _g, pks in _offered(response.context["form"]) for pk in pks]
    assert helper_worker.pk in offered
    assert member_below_quota.pk not in offered


def test_the_open_page_query_count_does_not_grow_with_rows_or_helpers(
    secretary_client, workshop, other_workshop, django_assert_num_queries
):
    rows = []
    for index in range(6):
        place = workshop if index % 2 else other_workshop
        worker = WorkerFactory(workshop=place)
        record(worker, MAR, 50 + index)
        rows.append(worker)
        WorkerFactory(workshop=place, political_status=PoliticalStatus.PARTY_MEMBER)
    query = "&".join(f"worker={w.pk}" for w in rows)
    # session, user; the rows' workers, their active cases, their
    # classifications; permissions (2); the helpers with their workshops,
    # their loads (one query for every row's options); the factory's record
    # of closed cases by cause and measure (the suggested measures); the
    # workers whose trade group's quota is under review (the rows' notices);
    # the user's worker (navigation)
    with django_assert_num_queries(12):
        response = secretary_client.get(f"{OPEN}?month=1956-03&{query}")
    assert len(response.context["formset"].forms) == 6


def test_a_worker_not_classified_is_not_opened_with_a_cause_nobody_chose(
    secretary_client, workshop, helper_worker
):
    """The cause list starts blank for a worker without a classification
    (a browser would otherwise submit its first choice, 技术落后), and a
    row sent without a cause is refused beside the field."""
    low = WorkerFactory(workshop=workshop)
    record(low, MAR, 60)
    response = secretary_client.get(f"{OPEN}?month=1956-03&worker={low.pk}")
    select = re.search(
        r'<select name="form-0-cause".*?</select>', response.content.decode(), re.S
    ).group(0)
    assert re.search(r'<option value="" selected>', select)
    data = _post_row(low, [helper_worker])
    data["form-0-cause"] = ""
    response = secretary_client.post(OPEN, data)
    assert response.status_code == 200
    assert "cause" in response.context["formset"].forms[0].errors
    assert not AssistanceCase.objects.exists()
