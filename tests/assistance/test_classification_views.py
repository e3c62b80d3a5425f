"""The classification queue and opening cases from it."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from assistance.models import AssistanceCase, CaseStatus, Measure
from assistance.services import classify, open_case
from tests.assistance.conftest import FEB, MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory, WorkshopFactory
from workers.models import Cause, PoliticalStatus, ShortfallClassification

QUEUE = reverse("assistance:classification_queue")


@pytest.fixture
def march(workshop, other_workshop):
    """Three workers below quota in two workshops, one who met quota."""
    low = WorkerFactory(workshop=workshop, name="低")
    middle = WorkerFactory(workshop=workshop, name="中")
    cast = WorkerFactory(workshop=other_workshop, name="铸")
    fine = WorkerFactory(workshop=workshop, name="好")
    record(low, MAR, 60)
    record(middle, MAR, 90)
    record(cast, MAR, 95)
    record(fine, MAR, 120)
    return {"low": low, "middle": middle, "cast": cast, "fine": fine}


def test_queue_groups_by_workshop_and_ranks_by_attainment(
    secretary_client, march, secretary
):
    record(march["low"], FEB, 70)
    classify(worker=march["low"], month=FEB, cause=Cause.FAMILY, note="", by=secretary)
    response = secretary_client.get(QUEUE + "?month=1956-03")
    groups = response.context["groups"]
    assert [g.workshop.code for g in groups] == ["jg2", "zz"]
    assert [row.worker.name for row in groups[0].rows] == ["低", "中"]
    assert groups[0].rows[0].last_cause == Cause.FAMILY
    assert (response.context["classified"], response.context["total"]) == (0, 3)
    assert "好" not in [row.worker.name for g in groups for row in g.rows]


def test_queue_defaults_to_the_latest_month(secretary_client, march):
    response = secretary_client.get(QUEUE)
    assert response.context["month"] == MAR


def test_classify_several_at_once(secretary_client, march):
    low, middle, cast = march["low"], march["middle"], march["cast"]
    response = secretary_client.post(
        QUEUE + "?month=1956-03",
        {
            f"cause-{low.pk}": Cause.TECHNIQUE,
            f"note-{low.pk}": "不会看图",
            f"version-{low.pk}": "0",
            f"cause-{middle.pk}": Cause.IDEOLOGY,
            f"note-{middle.pk}": "",
            f"version-{middle.pk}": "0",
            f"cause-{cast.pk}": "",
            f"note-{cast.pk}": "",
            f"version-{cast.pk}": "0",
        },
    )
    assert response.status_code == 302
    saved = dict(ShortfallClassification.objects.values_list("worker__name", "cause"))
    assert saved == {"低": Cause.TECHNIQUE, "中": Cause.IDEOLOGY}
    page = secretary_client.get(response.url)
    assert (page.context["classified"], page.context["total"]) == (2, 3)


def test_a_stale_row_saves_nothing_and_keeps_what_was_typed(
    secretary_client, march, manager
):
    low, middle = march["low"], march["middle"]
    # Someone else classified "low" after the page was shown.
    classify(worker=low, month=MAR, cause=Cause.FAMILY, note="", by=manager)
    response = in_english(secretary_client).post(
        QUEUE + "?month=1956-03",
        {
            f"cause-{low.pk}": Cause.TECHNIQUE,
            f"note-{low.pk}": "我的判断",
            f"version-{low.pk}": "0",
            f"cause-{middle.pk}": Cause.OTHER,
            f"note-{middle.pk}": "请假多",
            f"version-{middle.pk}": "0",
        },
    )
    assert response.status_code == 200
    rows = {r.worker.pk: r for g in response.context["groups"] for r in g.rows}
    assert rows[low.pk].entry["cause"] == Cause.TECHNIQUE
    assert rows[low.pk].entry["note"] == "我的判断"
    assert rows[low.pk].entry["version"] == 1  # the current one
    assert "Someone else classified" in rows[low.pk].entry["error"]
    assert rows[middle.pk].entry["note"] == "请假多"
    # All or nothing: the other row was not saved either.
    assert dict(
        ShortfallClassification.objects.values_list("worker__name", "cause")
    ) == {"低": Cause.FAMILY}


def test_a_forged_row_for_a_worker_who_met_quota_saves_nothing(secretary_client, march):
    fine = march["fine"]
    # Forged: the queue never offers this worker.
    response = secretary_client.post(
        QUEUE + "?month=1956-03",
        {f"cause-{fine.pk}": Cause.OTHER, f"version-{fine.pk}": "0"},
    )
    # Rows not in the queue are ignored: nothing saved, no 500.
    assert response.status_code == 302
    assert not ShortfallClassification.objects.exists()


@pytest.mark.parametrize(
    ("note", "words"),
    [
        ("不会\x00看图", "contains a NUL character"),
        ("不会\x01看图", "contains the control character U+0001"),
        ("长" * 10_000, "is too long: 10000 characters, at most 1000"),
    ],
    ids=["NUL", "control character", "10,000 characters"],
)
def test_a_note_the_forms_would_refuse_is_refused_on_its_row(
    secretary_client, march, note, words
):
    """The queue's notes are posted without a form: the same rule as the
    forms' (workers.text.check_text), named on the row, and nothing saved,
    not even the other rows."""
    low, middle = march["low"], march["middle"]
    response = in_english(secretary_client).post(
        QUEUE + "?month=1956-03",
        {
            f"cause-{low.pk}": Cause.TECHNIQUE,
            f"note-{low.pk}": note,
            f"version-{low.pk}": "0",
            f"cause-{middle.pk}": Cause.OTHER,
            f"note-{middle.pk}": "请假多",
            f"version-{middle.pk}": "0",
        },
    )
    assert response.status_code == 200
    rows = {r.worker.pk: r for g in response.context["groups"] for r in g.rows}
    assert rows[low.pk].entry["error"].startswith("“Note” " + words)
    assert "error" not in rows[middle.pk].entry
    assert not ShortfallClassification.objects.exists()


def test_bad_month_is_a_message(secretary_client, march):
    response = secretary_client.get(QUEUE + "?month=1956-13")
    assert response.status_code == 200
    assert response.context["month"] == MAR  # fell back to the latest


def test_open_cases_from_the_queue_with_suggested_measures(
    secretary_client, march, secretary, helper_worker, other_helper_worker
):
    low, middle = march["low"], march["middle"]
    classify(worker=low, month=MAR, cause=Cause.TECHNIQUE, note="", by=secretary)
    classify(worker=middle, month=MAR, cause=Cause.FAMILY, note="", by=secretary)
    url = reverse("assistance:cases_open")
    page = secretary_client.get(
        f"{url}?month=1956-03&worker={low.pk}&worker={middle.pk}"
    )
    assert page.status_code == 200
    forms = page.context["formset"].forms
    suggested = {f.initial["worker"]: f.initial["measure"] for f in forms}
    assert suggested == {low.pk: Measure.DEMONSTRATION, middle.pk: Measure.HARDSHIP_AID}
    # The helper's load is shown in the choices.
    labels = [
        label
        for _group, options in forms[0].fields["helpers"].choices
        for _pk, label in options
    ]
    assert any("0" in label and helper_worker.name in label for label in labels)
    response = secretary_client.post(
        url,
        {
            "month": "1956-03",
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-worker": low.pk,
            "form-0-cause": Cause.TECHNIQUE,
            "form-0-measure": Measure.MENTORING,  # changed from the suggestion
            "form-0-helpers": [helper_worker.pk],
            "form-1-worker": middle.pk,
            "form-1-cause": Cause.FAMILY,
            "form-1-measure": Measure.HARDSHIP_AID,
            "form-1-helpers": [other_helper_worker.pk, helper_worker.pk],
            "form-1-target_month": "1956-05",
        },
    )
    assert response.status_code == 302
    cases = {c.worker_id: c for c in AssistanceCase.objects.all()}
    assert cases[low.pk].measure == Measure.MENTORING
    assert cases[middle.pk].helpers.count() == 2
    assert cases[middle.pk].status == CaseStatus.OPEN


def test_one_refused_row_opens_no_case(
    secretary_client, march, workshop, helper_worker
):
    low, middle = march["low"], march["middle"]
    masses = WorkerFactory(workshop=workshop, political_status=PoliticalStatus.MASSES)
    response = secretary_client.post(
        reverse("assistance:cases_open"),
        {
            "month": "1956-03",
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-worker": low.pk,
            "form-0-cause": Cause.TECHNIQUE,
            "form-0-measure": Measure.DEMONSTRATION,
            "form-0-helpers": [helper_worker.pk],
            "form-1-worker": middle.pk,
            "form-1-cause": Cause.OTHER,
            "form-1-measure": Measure.OTHER,
            # Not a choice: the form refuses it before the service does.
            "form-1-helpers": [masses.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[1].errors
    assert not AssistanceCase.objects.exists()


def test_helper_limit_is_enforced_when_opening(
    settings, secretary_client, march, secretary, helper_worker
):
    settings.CASE_HELPER_LIMIT = 1
    open_case(
        worker=march["cast"],
        month=MAR,
        cause=Cause.OTHER,
        measure=Measure.OTHER,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    response = secretary_client.post(
        reverse("assistance:cases_open"),
        {
            "month": "1956-03",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-worker": march["low"].pk,
            "form-0-cause": Cause.TECHNIQUE,
            "form-0-measure": Measure.DEMONSTRATION,
            "form-0-helpers": [helper_worker.pk],
        },
    )
    assert response.status_code == 200
    assert "helpers" in response.context["formset"].forms[0].errors
    assert AssistanceCase.objects.count() == 1


def test_workers_with_a_case_are_left_out_of_the_open_page(
    secretary_client, case, failing_worker
):
    response = secretary_client.get(
        reverse("assistance:cases_open") + f"?month=1956-03&worker={failing_worker.pk}"
    )
    assert response.status_code == 302


def test_classification_history_lists_every_change(
    secretary_client, march, secretary, manager
):
    low = march["low"]
    classify(worker=low, month=MAR, cause=Cause.OTHER, note="a", by=secretary)
    classify(worker=low, month=MAR, cause=Cause.FAMILY, note="b", by=manager)
    response = secretary_client.get(
        reverse("assistance:classification_history", args=[low.pk])
    )
    assert [v.cause for v in response.context["history"]] == [
        Cause.FAMILY,
        Cause.OTHER,
    ]


def test_queue_query_count_does_not_grow(
    secretary_client, workshop, django_assert_num_queries
):
    for index in range(8):
        worker = WorkerFactory(workshop=WorkshopFactory() if index % 2 else workshop)
        record(worker, MAR, 50 + index)
    # session, user, permissions (2), the working month and its completeness
    # (5: months with records, roster, records by workshop, marks, first
    # records), the month's counter, the list's count (pages), the page's
    # records, their classifications, the workshops' counts, the user's
    # worker (navigation); 16 since the quota reviews' marks: the month's
    # trade groups (no group here, so no query for their workers)
    with django_assert_num_queries(16):
        response = secretary_client.get(QUEUE)
    assert response.context["total"] == 8


# --- the counter, the way back, and the cost of a save ----------------------


@pytest.fixture
def as_last_month(workshop, secretary):
    """Two workers below quota in March who had a cause in February, and one
    who had none."""
    workers = {}
    for name, cause in (("tech", Cause.TECHNIQUE), ("family", Cause.FAMILY)):
        worker = WorkerFactory(workshop=workshop, name=name)
        record(worker, FEB, 80)
        record(worker, MAR, 85)
        classify(worker=worker, month=FEB, cause=cause, note="", by=secretary)
        workers[name] = worker
    workers["new"] = WorkerFactory(workshop=workshop, name="new")
    record(workers["new"], MAR, 70)
    return workers


def counter(response) -> tuple[int, int]:
    return response.context["classified"], response.context["total"]


def test_the_counter_counts_what_the_workshop_button_saved(
    secretary_client, as_last_month, workshop
):
    unclassified = QUEUE + "?month=1956-03&show=unclassified"
    assert counter(secretary_client.get(unclassified)) == (0, 3)
    data = {"month": "1956-03", "workshop": workshop.pk, "show": "unclassified"}
    data["worker"] = []
    for name, cause in (("tech", Cause.TECHNIQUE), ("family", Cause.FAMILY)):
        pk = as_last_month[name].pk
        data["worker"].append(pk)
        data |= {f"cause-{pk}": cause, f"version-{pk}": 0}
    response = secretary_client.post(reverse("assistance:classify_as_last_month"), data)
    page = in_english(secretary_client).get(response.url)
    # The list shows only who is left to classify; the counter counts the month.
    assert [row.worker.name for g in page.context["groups"] for row in g.rows] == [
        "new"
    ]
    assert counter(page) == (2, 3)
    assert "2 of 3 classified" in page.content.decode()


def test_the_counter_counts_what_the_queue_saved_in_a_filtered_view(
    secretary_client, march
):
    low = march["low"]
    address = QUEUE + "?month=1956-03&show=unclassified"
    response = secretary_client.post(
        address, {f"cause-{low.pk}": Cause.OTHER, f"version-{low.pk}": "0"}
    )
    assert counter(secretary_client.get(response.url)) == (1, 3)


def test_saving_returns_to_the_same_filtered_view(secretary_client, march):
    low = march["low"]
    address = QUEUE + "?month=1956-03&show=unclassified"
    response = secretary_client.post(
        address, {f"cause-{low.pk}": Cause.OTHER, f"version-{low.pk}": "0"}
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.url).query) == {
        "month": ["1956-03"],
        "show": ["unclassified"],
    }
    assert urlsplit(response.url).path == QUEUE


def test_the_queue_without_a_month_posts_to_its_month_and_filter(
    secretary_client, march
):
    page = secretary_client.get(QUEUE + "?show=uncased")
    action = re.search(r'id="classify-form"', page.content.decode())
    assert action is not None
    assert parse_qs(urlsplit(page.context["here"]).query) == {
        "month": ["1956-03"],
        "show": ["uncased"],
    }
    assert f'action="{escape(page.context["here"])}"' in page.content.decode()


def open_form_data(page, workers, helper):
    data = {
        "month": "1956-03",
        "next": page.context["back"],
        "form-TOTAL_FORMS": str(len(workers)),
        "form-INITIAL_FORMS": str(len(workers)),
    }
    for index, worker in enumerate(workers):
        data |= {
            f"form-{index}-worker": worker.pk,
            f"form-{index}-cause": Cause.TECHNIQUE,
            f"form-{index}-measure": Measure.DEMONSTRATION,
            f"form-{index}-helpers": [helper.pk],
        }
    return data


def test_opening_cases_returns_to_the_filtered_queue(
    secretary_client, march, helper_worker
):
    queue = secretary_client.get(QUEUE + "?month=1956-03&show=uncased")
    here = queue.context["here"]
    # The queue's "open cases" form carries its address to the opening page.
    assert f'name="next" value="{escape(here)}"' in queue.content.decode()
    url = reverse("assistance:cases_open")
    page = secretary_client.get(
        url, {"month": "1956-03", "worker": [march["low"].pk], "next": here}
    )
    assert page.context["back"] == here
    assert f'href="{escape(here)}"' in page.content.decode()  # the way back
    response = secretary_client.post(
        url, open_form_data(page, [march["low"]], helper_worker)
    )
    assert response.status_code == 302
    assert response.url == here
    assert parse_qs(urlsplit(here).query)["show"] == ["uncased"]


@pytest.mark.parametrize(
    "next_address",
    [
        "https://evil.example/cases/classify/?month=1956-03",
        "//evil.example/cases/classify/",
        "/\\evil.example/cases/classify/",
        "/admin/",
        "/cases/classify/history/1/",
        "",
    ],
    ids=["other site", "scheme-relative", "backslash", "other page", "near", "none"],
)
def test_a_foreign_way_back_returns_to_the_months_queue(
    secretary_client, march, helper_worker, next_address
):
    url = reverse("assistance:cases_open")
    page = secretary_client.get(url, {"month": "1956-03", "worker": march["low"].pk})
    data = open_form_data(page, [march["low"]], helper_worker) | {"next": next_address}
    response = secretary_client.post(url, data)
    assert response.status_code == 302
    assert response.url == QUEUE + "?month=1956-03"


@pytest.mark.parametrize("size", [10, 100])
def test_saving_a_page_of_rows_costs_the_same_queries_at_any_size(
    secretary_client, workshop, other_workshop, size, django_assert_num_queries
):
    with transaction.atomic():  # one transaction: the summaries kept once
        workers = []
        for index in range(size):
            shop = workshop if index % 2 else other_workshop
            worker = WorkerFactory(workshop=shop)
            record(worker, MAR, 50 + index % 40)
            workers.append(worker)
    data = {}
    for index, worker in enumerate(workers):
        data[f"cause-{worker.pk}"] = list(Cause.values)[index % 4]
        data[f"note-{worker.pk}"] = f"第{index}行"
        data[f"version-{worker.pk}"] = "0"
    secretary_client.get(QUEUE)  # warm the session
    # session, user, permissions (2), the user's worker, the month's
    # completeness (4), the month's classifications, the queue's records;
    # the save: the view's and the service's savepoints, the shortfalls,
    # the savepoint of the write, the stored classifications (locked), the
    # new ones and their history, two savepoints released; the month's
    # summaries kept once (a savepoint, the workers' workshops, the
    # standards, the rows' workers slipping, kept as they were, the records'
    # and the classifications' counts, the rows replaced (2), released) and
    # the view's savepoint released
    with django_assert_num_queries(30):
        response = secretary_client.post(QUEUE + "?month=1956-03", data)
    assert response.status_code == 302
    saved = ShortfallClassification.objects.filter(month=MAR)
    assert saved.count() == size
    # Each new classification keeps its history row, as simple_history
    # writes it: created, by the secretary, at the time of the save.
    history = ShortfallClassification.history.filter(month=MAR)
    assert sorted(
        history.values_list("id", "history_type", "history_user__username")
    ) == sorted((c.pk, "+", "alice") for c in saved)
    assert len({h.history_date for h in history}) == 1
    assert {(h.cause, h.note) for h in history} == {(c.cause, c.note) for c in saved}


def test_a_long_queue_is_drawn_a_page_at_a_time_and_still_counts_the_month(
    secretary_client, secretary, workshop
):
    """A big factory's month is thousands of rows: the queue draws one page
    of them (the same queries for any size), its counter and its workshops'
    headings count the whole month, and a save on the second page comes
    back to that page."""
    from assistance.views import classification

    size = classification.QUEUE_PAGE_SIZE + 5
    with transaction.atomic():
        workers = [WorkerFactory(workshop=workshop) for _ in range(size)]
        for index, worker in enumerate(workers):
            record(worker, MAR, 40 + index % 50)
    classify(worker=workers[0], month=MAR, cause=Cause.FAMILY, note="", by=secretary)
    first = secretary_client.get(QUEUE, {"month": "1956-03"})
    assert (first.context["classified"], first.context["total"]) == (1, size)
    assert len(first.context["groups"][0].rows) == classification.QUEUE_PAGE_SIZE
    assert first.context["groups"][0].total == size
    assert 'id="queue-pages"' in first.content.decode()
    second = secretary_client.get(QUEUE, {"month": "1956-03", "page": "2"})
    shown = [row.worker.pk for row in second.context["groups"][0].rows]
    assert len(shown) == 5
    data = {f"cause-{shown[0]}": Cause.TECHNIQUE, f"version-{shown[0]}": "0"}
    data[f"note-{shown[0]}"] = ""
    saved = secretary_client.post(QUEUE + "?month=1956-03&page=2", data)
    assert saved.status_code == 302
    assert parse_qs(urlsplit(saved.url).query)["page"] == ["2"]
    assert ShortfallClassification.objects.filter(month=MAR).count() == 2
