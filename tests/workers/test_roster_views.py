"""Roster and workshop pages, for each persona."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import PoliticalStatus, Worker, Workshop

pytestmark = pytest.mark.django_db

LIST = reverse("workers:worker_list")


@pytest.fixture
def own_worker(workshop):
    return WorkerFactory(employee_no="A001", name="王福贵", workshop=workshop)


@pytest.fixture
def other_worker(other_workshop):
    return WorkerFactory(employee_no="B001", name="李秀英", workshop=other_workshop)


def listed(response):
    return [worker.employee_no for worker in response.context["page"]]


# --- access --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        reverse("workers:worker_create"),
        reverse("workers:worker_detail", args=[1]),
        reverse("workers:worker_edit", args=[1]),
        reverse("workers:workshop_list"),
        reverse("workers:workshop_create"),
        reverse("workers:workshop_edit", args=[1]),
    ],
)
def test_anonymous_is_sent_to_login(anonymous_client, url):
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_helpers_do_not_see_the_roster(helper_client, helper):
    worker = helper.worker
    for url in [
        LIST,
        reverse("workers:worker_detail", args=[worker.pk]),
        reverse("workers:worker_edit", args=[worker.pk]),
        reverse("workers:worker_create"),
        reverse("workers:workshop_list"),
    ]:
        assert helper_client.get(url).status_code == 403, url


def test_the_secretary_sees_every_workshop(secretary_client, own_worker, other_worker):
    response = secretary_client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == ["A001", "B001"]
    assert b'id="worker-add"' in response.content
    assert b'id="roster-import"' in response.content


def test_a_manager_sees_only_own_workshops_read_only(
    manager_client, own_worker, other_worker
):
    response = manager_client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == ["A001"]
    assert b'id="worker-add"' not in response.content
    assert b'id="roster-read-only"' in response.content
    # The workshop filter offers only their own workshop.
    choices = list(response.context["form"].fields["workshop"].queryset)
    assert choices == [own_worker.workshop]


def test_a_manager_may_read_but_not_edit_own_workers(manager_client, own_worker):
    detail = manager_client.get(reverse("workers:worker_detail", args=[own_worker.pk]))
    assert detail.status_code == 200
    assert b'id="worker-edit"' not in detail.content
    edit = reverse("workers:worker_edit", args=[own_worker.pk])
    assert manager_client.get(edit).status_code == 403
    assert manager_client.post(edit, {"name": "x"}).status_code == 403
    assert manager_client.get(reverse("workers:worker_create")).status_code == 403


def test_another_workshops_worker_is_404_for_a_manager(manager_client, other_worker):
    for name in ("workers:worker_detail", "workers:worker_edit"):
        url = reverse(name, args=[other_worker.pk])
        assert manager_client.get(url).status_code == 404


def test_an_unknown_worker_is_404(secretary_client):
    url = reverse("workers:worker_detail", args=[999999])
    assert secretary_client.get(url).status_code == 404


# --- the list --------------------------------------------------------------------


def test_filters_and_search(secretary_client, workshop, other_workshop):
    WorkerFactory(
        employee_no="A1",
        name="王福贵",
        workshop=workshop,
        political_status=PoliticalStatus.PARTY_MEMBER,
    )
    WorkerFactory(employee_no="A2", name="王秀兰", workshop=workshop, is_activist=True)
    WorkerFactory(
        employee_no="B1",
        name="李四",
        workshop=other_workshop,
        political_status=PoliticalStatus.LEAGUE_MEMBER,
    )
    WorkerFactory(employee_no="B2", name="赵五", workshop=other_workshop, active=False)

    def get(**params):
        return listed(secretary_client.get(LIST, params))

    assert get() == ["A1", "A2", "B1"]  # active only by default
    assert get(active="no") == ["B2"]
    assert get(active="all") == ["A1", "A2", "B1", "B2"]
    assert get(workshop=other_workshop.pk) == ["B1"]
    assert get(political_status="party_member") == ["A1"]
    assert get(activist="yes") == ["A2"]
    assert get(activist="no") == ["A1", "B1"]
    assert get(q="王") == ["A1", "A2"]
    assert get(q="b1") == ["B1"]
    assert get(q="王", workshop=other_workshop.pk) == []
    assert get(sort="workshop") == ["A1", "A2", "B1"]  # jg2 before zz
    # An invalid filter value is ignored, not an error.
    assert get(workshop="nonsense", political_status="king") == ["A1", "A2", "B1"]


def test_a_manager_cannot_filter_into_another_workshop(
    manager_client, own_worker, other_worker
):
    response = manager_client.get(LIST, {"workshop": other_worker.workshop.pk})
    assert response.status_code == 200
    assert "B001" not in listed(response)


def test_sorting_by_name_and_number(secretary_client, workshop):
    WorkerFactory(employee_no="A3", name="Adams", workshop=workshop)
    WorkerFactory(employee_no="A1", name="Chen", workshop=workshop)
    WorkerFactory(employee_no="A2", name="Baker", workshop=workshop)
    by_name = listed(secretary_client.get(LIST, {"sort": "name"}))
    assert by_name == ["A3", "A2", "A1"]
    assert listed(secretary_client.get(LIST)) == ["A1", "A2", "A3"]


def test_sorting_by_recent_change(secretary_client, workshop):
    old = WorkerFactory(employee_no="A1", workshop=workshop)
    WorkerFactory(employee_no="A2", workshop=workshop)
    Worker.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() + dt.timedelta(minutes=5)
    )
    assert listed(secretary_client.get(LIST, {"sort": "-updated_at"})) == ["A1", "A2"]


def test_pagination_keeps_the_filters(secretary_client, workshop, other_workshop):
    for i in range(60):
        WorkerFactory(employee_no=f"A{i:03d}", workshop=workshop)
    WorkerFactory(employee_no="B000", workshop=other_workshop)
    first = secretary_client.get(LIST, {"workshop": workshop.pk})
    assert len(listed(first)) == 50
    assert first.context["page"].paginator.count == 60
    assert f"workshop={workshop.pk}&amp;page=2".encode() in first.content
    second = secretary_client.get(LIST, {"workshop": workshop.pk, "page": 2})
    assert listed(second) == [f"A{i:03d}" for i in range(50, 60)]
    # Out-of-range and junk pages fall back instead of failing.
    assert secretary_client.get(LIST, {"page": 99}).status_code == 200
    assert secretary_client.get(LIST, {"page": "x"}).status_code == 200


def test_the_list_makes_a_fixed_number_of_queries(
    secretary_client, workshop, django_assert_num_queries
):
    for i in range(30):
        WorkerFactory(employee_no=f"A{i:03d}", workshop=workshop)
    # session, user, the user's permissions (2), count, the page of workers
    # (workshop joined), the workshops of the filter's select, and the
    # navigation's helper check (the user's worker).
    with django_assert_num_queries(8):
        response = secretary_client.get(LIST)
    assert len(listed(response)) == 30


def test_the_list_renders_in_both_languages(secretary_client, own_worker):
    assert "工号" in secretary_client.get(LIST).content.decode()
    in_english(secretary_client)
    assert "employee number" in secretary_client.get(LIST).content.decode()


# --- create and edit ----------------------------------------------------------------


def worker_data(workshop, **changes):
    data = {
        "employee_no": "N001",
        "name": "新工人",
        "workshop": workshop.pk,
        "trade": "钳工",
        "political_status": "masses",
        "is_activist": "",
        "active": "on",
        "user": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_secretary_adds_a_worker(secretary_client, secretary, workshop):
    page = secretary_client.get(reverse("workers:worker_create"))
    assert page.status_code == 200
    response = secretary_client.post(
        reverse("workers:worker_create"), worker_data(workshop, employee_no=" N001 ")
    )
    worker = Worker.objects.get(employee_no="N001")
    assert response.status_code == 302
    assert response.url == worker.get_absolute_url()
    assert worker.active and not worker.is_activist
    assert worker.history.get().history_user == secretary


def test_a_duplicate_employee_no_is_a_form_error(secretary_client, own_worker):
    response = secretary_client.post(
        reverse("workers:worker_create"),
        worker_data(own_worker.workshop, employee_no="A001", name="重名"),
    )
    assert response.status_code == 200
    assert "employee_no" in response.context["form"].errors
    assert response.context["form"]["name"].value() == "重名"


def test_the_secretary_edits_a_worker(secretary_client, own_worker, other_workshop):
    url = reverse("workers:worker_edit", args=[own_worker.pk])
    page = secretary_client.get(url)
    version = page.context["form"]["version"].value()
    assert version == own_worker.updated_at.isoformat()
    response = secretary_client.post(
        url,
        worker_data(
            other_workshop,
            employee_no="A001",
            name="王福贵",
            political_status="league_member",
            version=version,
        ),
    )
    assert response.status_code == 302
    own_worker.refresh_from_db()
    assert own_worker.workshop == other_workshop
    assert own_worker.political_status == "league_member"
    assert own_worker.history.count() == 2


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(secretary_client, own_worker):
    in_english(secretary_client)
    url = reverse("workers:worker_edit", args=[own_worker.pk])
    version = secretary_client.get(url).context["form"]["version"].value()
    # Someone else saves meanwhile.
    other = Worker.objects.get(pk=own_worker.pk)
    other.trade = "磨工"
    other.save()
    response = secretary_client.post(
        url,
        worker_data(
            own_worker.workshop,
            employee_no="A001",
            name="我改的名字",
            version=version,
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "changed this worker" in " ".join(form.non_field_errors())
    assert form["name"].value() == "我改的名字"
    own_worker.refresh_from_db()
    assert own_worker.name == "王福贵"
    assert own_worker.trade == "磨工"


def test_the_detail_page_shows_history_to_the_secretary(secretary_client, own_worker):
    response = secretary_client.get(
        reverse("workers:worker_detail", args=[own_worker.pk])
    )
    assert response.status_code == 200
    assert b'id="worker-edit"' in response.content
    assert b'id="worker-history"' in response.content
    assert response.context["worker"] == own_worker


def test_a_user_account_can_be_linked_once(secretary_client, own_worker, helper):
    # helper's account is linked to another worker already: not offered.
    url = reverse("workers:worker_edit", args=[own_worker.pk])
    choices = secretary_client.get(url).context["form"].fields["user"].queryset
    assert helper not in choices


# --- workshops --------------------------------------------------------------------


def test_workshop_list_per_persona(
    secretary_client, manager_client, workshop, other_workshop, own_worker
):
    everything = secretary_client.get(reverse("workers:workshop_list"))
    assert [w.code for w in everything.context["workshops"]] == ["jg2", "zz"]
    assert everything.context["workshops"][0].active_workers == 1
    assert b'id="workshop-add"' in everything.content
    own = manager_client.get(reverse("workers:workshop_list"))
    assert [w.code for w in own.context["workshops"]] == ["jg2"]
    assert b'id="workshop-add"' not in own.content


def test_the_secretary_creates_and_edits_a_workshop(secretary_client, manager):
    response = secretary_client.post(
        reverse("workers:workshop_create"),
        {"code": "dz", "name": "锻造车间", "managers": [manager.pk]},
    )
    assert response.status_code == 302
    forge = Workshop.objects.get(code="dz")
    assert list(forge.managers.all()) == [manager]
    url = reverse("workers:workshop_edit", args=[forge.pk])
    assert secretary_client.get(url).status_code == 200
    secretary_client.post(url, {"code": "dz", "name": "锻工车间", "managers": []})
    forge.refresh_from_db()
    assert forge.name == "锻工车间"
    assert not forge.managers.exists()


def test_only_directors_are_offered_as_managers(secretary_client, manager, helper):
    form = secretary_client.get(reverse("workers:workshop_create")).context["form"]
    offered = set(form.fields["managers"].queryset)
    assert manager in offered
    assert helper not in offered


def test_managers_cannot_change_workshops(manager_client, workshop, other_workshop):
    assert manager_client.get(reverse("workers:workshop_create")).status_code == 403
    own = reverse("workers:workshop_edit", args=[workshop.pk])
    assert manager_client.get(own).status_code == 403
    other = reverse("workers:workshop_edit", args=[other_workshop.pk])
    assert manager_client.get(other).status_code == 404


def test_a_duplicate_workshop_code_is_a_form_error(secretary_client, workshop):
    response = secretary_client.post(
        reverse("workers:workshop_create"), {"code": "jg2", "name": "另一个"}
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert Workshop.objects.count() == 1
