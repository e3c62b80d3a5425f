"""Bulk actions (批量): all or nothing, a trace per row, one announcement."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    CaseStatus,
    Measure,
)
from assistance.services import classify, open_case
from assistance.services.bulk import (
    BulkRefused,
    Seen,
    classify_as_last_month,
    close_reached_quota,
    move_cases,
    open_with_one_helper,
)
from factory.figures import summaries
from factory.figures.cache import bump
from tests.assistance.conftest import APR, FEB, MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.completeness import default_month
from workers.models import Cause, PoliticalStatus, ShortfallClassification

CASES = reverse("assistance:case_list")
QUEUE = reverse("assistance:classification_queue")


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def figure_bumps(queries) -> int:
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "factory_figuresgeneration"')
    )


@pytest.fixture
def reached(workshop, helper_worker, secretary):
    """Three cases opened in February whose workers met quota in March."""
    with transaction.atomic():  # one transaction: the summaries kept once
        return _three_reached(workshop, helper_worker, secretary)


def _three_reached(workshop, helper_worker, secretary):
    cases = []
    for name in ("甲", "乙", "丙"):
        worker = WorkerFactory(name=name, workshop=workshop)
        record(worker, FEB, 80)
        record(worker, MAR, 120)
        cases.append(
            open_case(
                worker=worker,
                month=FEB,
                cause=Cause.TECHNIQUE,
                measure=Measure.DEMONSTRATION,
                helpers=[helper_worker],
                opened_by=secretary,
            )
        )
    assert {c.status for c in cases} == {CaseStatus.REACHED_QUOTA}
    return cases


def seen(cases) -> list[Seen]:
    return [Seen(c.pk, c.version) for c in cases]


# --- b. closing every ticked case that reached quota -------------------------


def test_close_reached_quota_closes_each_with_its_trace_and_bumps_once(
    reached, secretary, django_capture_on_commit_callbacks
):
    bump([MAR])  # the month's token row exists: a bump is one UPDATE
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        closed = close_reached_quota(cases=seen(reached), by=secretary)
    assert len(closed) == 3
    assert figure_bumps(queries) == 1
    for case in reached:
        case.refresh_from_db()
        assert (case.status, case.outcome) == (
            CaseStatus.CLOSED,
            CaseOutcome.REACHED_QUOTA,
        )
        event = CaseEvent.objects.filter(case=case).latest("pk")
        assert (event.to_status, event.outcome, event.by) == (
            CaseStatus.CLOSED,
            CaseOutcome.REACHED_QUOTA,
            secretary,
        )
        assert event.effective_month == MAR


def test_closing_costs_a_fixed_number_of_queries_per_case(
    reached, secretary, django_assert_num_queries
):
    # A savepoint around them all (2), the working month (5), the cases'
    # latest closings and reopenings (1), the cases locked (1), all read once
    # for every case; per case, its two writes: the case and its event (2).
    # The monthly summaries are brought up to date once, as the transaction
    # ends, whatever the number of cases (15: workers.changes gathers the
    # cases' announcements; in a savepoint (2), the workshops of their
    # workers (1), the data's months and where the rows end (5), the first
    # months their cases were stuck (1), the cases, their events and their
    # workers' records (4), those workshops' rows rewritten (2)).
    with django_assert_num_queries(2 + 5 + 1 + 1 + 2 * 2 + 15):
        close_reached_quota(cases=seen(reached[:2]), by=secretary)


@transaction.atomic  # one transaction: the summaries kept once
def many_reached(count, workshop, helper_worker, secretary) -> list[Seen]:
    cases = []
    for _i in range(count):
        worker = WorkerFactory(workshop=workshop)
        record(worker, FEB, 80)
        record(worker, MAR, 120)
        cases.append(
            open_case(
                worker=worker,
                month=FEB,
                cause=Cause.TECHNIQUE,
                measure=Measure.DEMONSTRATION,
                helpers=[helper_worker],
                opened_by=secretary,
            )
        )
    return seen(cases)


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def test_a_bulk_close_grows_by_the_two_writes_of_each_case(
    workshop, helper_worker, secretary
):
    # What is the same for every case (the working month, the cases and
    # their latest closings read and locked at once, the summaries' update)
    # is paid once; each further case costs only its own two writes.
    rows = many_reached(25, workshop, helper_worker, secretary)
    five = queries_of(lambda: close_reached_quota(cases=rows[:5], by=secretary))
    twenty = queries_of(lambda: close_reached_quota(cases=rows[5:], by=secretary))
    assert twenty - five == 15 * 2


def test_a_bulk_close_keeps_the_summaries_once_not_once_a_case(reached, secretary):
    before = summaries.upkeep.runs
    close_reached_quota(cases=seen(reached), by=secretary)
    assert summaries.upkeep.runs == before + 1
    assert summaries.differences() == []


def test_a_move_grows_by_the_queries_of_one_update_per_case(
    workshop, helper_worker, other_helper_worker, secretary
):
    # The cases' helpers are read with the cases (one query for all) and
    # the working month once; per case, update_case: a savepoint and its
    # release (2), the locked row (1), its latest closing or reopening (1),
    # its worker and current helpers (2), the locked helpers (1), the
    # helpers replaced (4), the event and the update (2).
    rows = many_reached(25, workshop, helper_worker, secretary)

    def move(rows):
        return lambda: move_cases(
            cases=rows,
            from_helper=helper_worker,
            to_helper=other_helper_worker,
            by=secretary,
        )

    five = queries_of(move(rows[:5]))
    twenty = queries_of(move(rows[5:]))
    assert twenty - five == 15 * 13


def test_one_stale_case_refuses_them_all_naming_the_worker(reached, secretary):
    rows = seen(reached)
    stale = reached[1]
    AssistanceCase.objects.filter(pk=stale.pk).update(version=stale.version + 1)
    with pytest.raises(BulkRefused) as refused:
        close_reached_quota(cases=rows, by=secretary)
    assert any("乙" in m for m in refused.value.messages)
    assert [e.code for e in refused.value.error_list] == ["stale"]
    assert not AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()
    assert not CaseEvent.objects.filter(to_status=CaseStatus.CLOSED).exists()


def test_a_ticked_case_gone_meanwhile_is_named_in_the_order_of_the_ticks(
    reached, helper_worker, other_helper_worker, secretary
):
    gone = Seen(max(c.pk for c in reached) + 1000, 1)
    stale = Seen(reached[1].pk, reached[1].version + 1)
    rows = [stale, gone, *seen(reached[2:])]
    with pytest.raises(BulkRefused) as refused:
        close_reached_quota(cases=rows, by=secretary)
    assert [e.code for e in refused.value.error_list] == ["stale", "gone"]
    with pytest.raises(BulkRefused) as refused:
        move_cases(
            cases=[gone, stale],
            from_helper=helper_worker,
            to_helper=other_helper_worker,
            by=secretary,
        )
    assert [e.code for e in refused.value.error_list] == ["gone", "stale"]
    assert not AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()
    assert not AssistanceCase.objects.filter(helpers=other_helper_worker).exists()


def test_a_case_still_open_is_refused_by_name(reached, case, secretary):
    with pytest.raises(BulkRefused) as refused:
        close_reached_quota(cases=seen([*reached, case]), by=secretary)
    assert any(case.worker.name in m for m in refused.value.messages)
    assert not AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()


def test_the_reached_quota_list_offers_ticks_and_select_all(
    secretary_client, reached, case
):
    page = secretary_client.get(CASES, {"status": "reached_quota"})
    assert page.context["bulk_close"]
    assert page.context["ticked"] == set()
    body = page.content.decode()
    assert body.count('name="case"') == 3
    assert 'id="bulk-close-submit"' in body
    every = secretary_client.get(CASES, {"status": "reached_quota", "select": "all"})
    assert every.context["ticked"] == {c.pk for c in reached}
    assert every.content.decode().count(" checked") >= 3
    # Not on the other lists.
    assert not secretary_client.get(CASES).context["bulk_close"]


def ticks(cases) -> dict:
    data = {"case": [c.pk for c in cases]}
    return data | {f"version-{c.pk}": c.version for c in cases}


def test_the_first_press_asks_once_naming_how_many_and_closes_nothing(
    secretary_client, reached
):
    url = CASES + "?status=reached_quota"
    response = in_english(secretary_client).post(url, ticks(reached))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Close 3 cases as reached quota, effective March 1956?" in body
    assert 'name="confirm" value="3"' in body
    assert response.context["ticked"] == {c.pk for c in reached}  # kept
    assert not AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()


def test_posting_the_ticks_closes_them_in_one_action(secretary_client, reached):
    url = CASES + "?status=reached_quota"
    response = in_english(secretary_client).post(url, ticks(reached) | {"confirm": 3})
    assert response.status_code == 302
    assert response.url == url
    assert "3 cases closed as reached quota." in texts(response)
    assert AssistanceCase.objects.filter(status=CaseStatus.CLOSED).count() == 3


def test_a_confirmation_for_another_number_of_cases_asks_again(
    secretary_client, reached
):
    url = CASES + "?status=reached_quota"
    response = in_english(secretary_client).post(
        url, ticks(reached[:2]) | {"confirm": 3}
    )
    assert response.status_code == 200
    assert 'name="confirm" value="2"' in response.content.decode()
    assert not AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()


@pytest.fixture
def reached_in_april(reached, workshop, other_workshop, helper_worker, secretary):
    """One more case, whose worker met quota only in April: April has that
    workshop's records only, so March stays the working month."""
    record(WorkerFactory(workshop=other_workshop), MAR, 100)
    worker = WorkerFactory(name="丁", workshop=workshop)
    record(worker, FEB, 80)
    record(worker, MAR, 80)
    record(worker, APR, 120)
    case = open_case(
        worker=worker,
        month=FEB,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    assert case.status == CaseStatus.REACHED_QUOTA and case.reached_quota_month == APR
    assert default_month() == MAR
    return case


def test_a_case_that_reached_quota_only_in_an_incomplete_month_waits(
    secretary_client, reached, reached_in_april
):
    page = in_english(secretary_client).get(
        CASES, {"status": "reached_quota", "select": "all"}
    )
    body = page.content.decode()
    assert body.count('name="case"') == 3  # no tick for April's
    assert "reached in April 1956, not complete yet" in body
    assert "3 cases reached quota and wait to be closed." in body
    assert page.context["ticked"] == {c.pk for c in reached}
    # Forged into the ticks, it refuses them all, by name.
    response = in_english(secretary_client).post(
        CASES + "?status=reached_quota",
        ticks([*reached, reached_in_april]) | {"confirm": 4},
    )
    assert any(
        m.startswith("丁 (") and "only in April 1956, which is not complete" in m
        for m in texts(response)
    )
    assert not AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()


def test_a_stale_tick_keeps_the_ticks_and_names_the_worker(secretary_client, reached):
    data = {"case": [c.pk for c in reached]}
    data |= {f"version-{c.pk}": c.version for c in reached}
    data[f"version-{reached[0].pk}"] = reached[0].version - 1
    response = in_english(secretary_client).post(CASES + "?status=reached_quota", data)
    assert response.status_code == 200
    assert response.context["ticked"] == {c.pk for c in reached}
    assert any(
        m.startswith("甲 (") and "someone else changed this" in m
        for m in texts(response)
    )
    assert not AssistanceCase.objects.filter(status=CaseStatus.CLOSED).exists()


def test_nothing_ticked_is_refused(secretary_client, reached):
    response = in_english(secretary_client).post(CASES + "?status=reached_quota", {})
    assert response.status_code == 200
    assert "Tick at least one case." in texts(response)


# --- a. classifying a workshop as last month ---------------------------------


@pytest.fixture
def last_month(workshop, other_workshop, secretary):
    """Two of jg2 and one of zz below quota in February and March, each
    classified in February; one of jg2 with no cause last month."""
    workers = {}
    for key, ws, cause in (
        ("tech", workshop, Cause.TECHNIQUE),
        ("family", workshop, Cause.FAMILY),
        ("new", workshop, None),
        ("cast", other_workshop, Cause.IDEOLOGY),
    ):
        worker = WorkerFactory(name=key, workshop=ws)
        record(worker, FEB, 80)
        record(worker, MAR, 85)
        if cause:
            classify(worker=worker, month=FEB, cause=cause, note="", by=secretary)
        workers[key] = worker
    return workers


def accept_data(workers, workshop, **override):
    data = {"month": "1956-03", "workshop": workshop.pk, "worker": []}
    for worker, cause in workers:
        data["worker"].append(worker.pk)
        data[f"cause-{worker.pk}"] = cause
        data[f"version-{worker.pk}"] = 0
    return data | override


def test_the_queue_fills_in_last_months_cause(secretary_client, last_month, workshop):
    page = secretary_client.get(QUEUE, {"month": "1956-03"})
    rows = {row.worker.name: row for g in page.context["groups"] for row in g.rows}
    assert rows["tech"].entry["cause"] == Cause.TECHNIQUE
    assert rows["tech"].entry["prefilled"]
    assert rows["new"].entry["cause"] == ""
    group = page.context["groups"][0]
    assert {r.worker.name for r in group.prefilled} == {"tech", "family"}
    body = page.content.decode()
    assert f'id="accept-{workshop.code}"' in body
    assert 'data-count="2"' in body


def test_accepting_a_workshop_classifies_its_prefilled_rows_only(
    secretary_client, last_month, workshop, secretary
):
    data = accept_data(
        [(last_month["tech"], Cause.TECHNIQUE), (last_month["family"], Cause.FAMILY)],
        workshop,
    )
    response = in_english(secretary_client).post(
        reverse("assistance:classify_as_last_month"), data
    )
    assert response.status_code == 302
    assert "2 workers of 第二机工车间 classified as last month." in texts(response)
    march = ShortfallClassification.objects.filter(month=MAR)
    assert dict(march.values_list("worker__name", "cause")) == {
        "tech": Cause.TECHNIQUE,
        "family": Cause.FAMILY,
    }
    # Each keeps its history, by the secretary.
    history = ShortfallClassification.history.filter(month=MAR)
    assert history.count() == 2
    assert {h.history_user for h in history} == {secretary}


def test_a_worker_classified_meanwhile_refuses_the_workshop(
    secretary_client, last_month, workshop, secretary
):
    classify(
        worker=last_month["family"], month=MAR, cause=Cause.OTHER, note="", by=secretary
    )
    data = accept_data(
        [(last_month["tech"], Cause.TECHNIQUE), (last_month["family"], Cause.FAMILY)],
        workshop,
    )
    response = in_english(secretary_client).post(
        reverse("assistance:classify_as_last_month"), data
    )
    assert any(
        m.startswith("family (") and "someone else changed" in m
        for m in texts(response)
    )
    assert dict(
        ShortfallClassification.objects.filter(month=MAR).values_list(
            "worker__name", "cause"
        )
    ) == {"family": Cause.OTHER}


@pytest.mark.parametrize(
    "show",
    [
        "uncased&month=1999-01",
        "uncased&next=//evil.example",
        "uncased#top",
        "uncased\r\nX-Injected: 1",
        "somewhere",
    ],
)
def test_a_forged_show_adds_nothing_to_the_queues_address(
    secretary_client, last_month, workshop, show
):
    data = accept_data([(last_month["tech"], Cause.TECHNIQUE)], workshop, show=show)
    response = secretary_client.post(reverse("assistance:classify_as_last_month"), data)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == QUEUE
    assert parse_qs(location.query) == {"month": ["1956-03"]}
    assert location.fragment == f"group-{workshop.code}"


def test_a_known_show_is_kept_on_the_queues_address(
    secretary_client, last_month, workshop
):
    rows = [(last_month["tech"], Cause.TECHNIQUE)]
    data = accept_data(rows, workshop, show="uncased")
    response = secretary_client.post(reverse("assistance:classify_as_last_month"), data)
    location = urlsplit(response["Location"])
    assert parse_qs(location.query) == {"month": ["1956-03"], "show": ["uncased"]}


def test_a_changed_last_month_cause_is_stale(last_month, secretary):
    rows = [(Seen(last_month["tech"].pk, 0), Cause.IDEOLOGY)]
    with pytest.raises(BulkRefused) as refused:
        classify_as_last_month(month=MAR, rows=rows, by=secretary)
    assert "tech" in refused.value.messages[0]
    assert not ShortfallClassification.objects.filter(month=MAR).exists()


# --- c. several workers, one helper -----------------------------------------


@pytest.fixture
def classified(workshop, secretary):
    workers = []
    for name, cause in (("技", Cause.TECHNIQUE), ("家", Cause.FAMILY)):
        worker = WorkerFactory(name=name, workshop=workshop)
        record(worker, MAR, 80)
        classify(worker=worker, month=MAR, cause=cause, note="", by=secretary)
        workers.append(worker)
    return workers


def test_open_with_one_helper_uses_the_suggested_measure(
    classified, helper_worker, secretary
):
    rows = [Seen(w.pk, 1) for w in classified]
    opened = open_with_one_helper(
        month=MAR, workers=rows, helper=helper_worker, opened_by=secretary
    )
    assert {(c.worker.name, c.measure) for c in opened} == {
        ("技", Measure.DEMONSTRATION),
        ("家", Measure.HARDSHIP_AID),
    }
    for case in opened:
        assert list(case.helpers.all()) == [helper_worker]
        assert CaseEvent.objects.filter(case=case, from_status="").count() == 1


def test_a_reclassified_worker_refuses_the_opening(
    classified, helper_worker, secretary
):
    classify(worker=classified[1], month=MAR, cause=Cause.OTHER, note="", by=secretary)
    rows = [Seen(w.pk, 1) for w in classified]
    with pytest.raises(BulkRefused) as refused:
        open_with_one_helper(
            month=MAR, workers=rows, helper=helper_worker, opened_by=secretary
        )
    assert [e.code for e in refused.value.error_list] == ["stale"]
    assert "家" in refused.value.messages[0]
    assert not AssistanceCase.objects.exists()


def test_the_one_helper_page_and_its_post(
    secretary_client, classified, helper_worker, case
):
    url = reverse("assistance:cases_open_with_helper")
    query = {"month": "1956-03", "worker": [w.pk for w in classified]}
    page = in_english(secretary_client).get(url, query)
    assert page.context["ready"] == 2
    # Too few closed cases: the usual measure, and the page says so.
    assert "visit to a demonstration, the usual measure" in page.content.decode()
    # The workers themselves are never offered as the helper.
    offered = [
        pk
        for _g, options in page.context["form"].fields["helper"].choices[1:]
        for pk, _label in options
    ]
    assert not set(offered) & {w.pk for w in classified}
    data = {"month": "1956-03", "helper": helper_worker.pk, "worker": []}
    for worker in classified:
        data["worker"].append(worker.pk)
        data[f"version-{worker.pk}"] = 1
    response = in_english(secretary_client).post(url, data)
    assert response.status_code == 302
    assert AssistanceCase.objects.filter(helpers=helper_worker).count() == 3


def test_the_one_helper_page_returns_to_the_queues_filtered_view(
    secretary_client, classified, helper_worker
):
    """Reached from the queue's "without a case" view, the page and its
    post come back to that view, not to the month's whole queue; an address
    elsewhere is ignored."""
    url = reverse("assistance:cases_open_with_helper")
    queue = reverse("assistance:classification_queue")
    back = f"{queue}?month=1956-03&show=uncased"
    page = secretary_client.get(
        url, {"month": "1956-03", "worker": [w.pk for w in classified], "next": back}
    )
    assert page.context["back"] == back
    assert f'name="next" value="{back}"'.replace("&", "&amp;") in page.content.decode()
    data = {"month": "1956-03", "helper": helper_worker.pk, "next": back}
    data["worker"] = [worker.pk for worker in classified]
    data |= {f"version-{worker.pk}": 1 for worker in classified}
    response = secretary_client.post(url, data)
    assert response.status_code == 302
    assert response.url == back
    elsewhere = secretary_client.get(
        url, {"month": "1956-03", "worker": [classified[0].pk], "next": "//evil.test/"}
    )
    assert elsewhere.context["back"] == f"{queue}?month=1956-03"


# --- d. a leaving helper's cases ---------------------------------------------


def test_move_cases_replaces_the_helper_and_logs_it(
    reached, helper_worker, other_helper_worker, secretary
):
    moved = move_cases(
        cases=seen(reached[:2]),
        from_helper=helper_worker,
        to_helper=other_helper_worker,
        by=secretary,
    )
    assert len(moved) == 2
    for case in reached[:2]:
        assert list(case.helpers.all()) == [other_helper_worker]
        assert CaseEvent.objects.filter(
            case=case, kind=CaseEventKind.HELPERS_CHANGED
        ).exists()
    assert list(reached[2].helpers.all()) == [helper_worker]


def test_a_stale_case_refuses_the_move(
    reached, helper_worker, other_helper_worker, secretary
):
    rows = seen(reached)
    AssistanceCase.objects.filter(pk=reached[2].pk).update(version=99)
    with pytest.raises(BulkRefused) as refused:
        move_cases(
            cases=rows,
            from_helper=helper_worker,
            to_helper=other_helper_worker,
            by=secretary,
        )
    assert "丙" in refused.value.messages[0]
    assert AssistanceCase.objects.filter(helpers=other_helper_worker).count() == 0


def test_the_move_page_lists_a_gone_helpers_cases(
    secretary_client, reached, helper_worker, other_helper_worker
):
    helper_worker.active = False
    helper_worker.save()
    loads = secretary_client.get(reverse("assistance:helper_loads"))
    assert [h.pk for h in loads.context["helpers_gone"]] == [helper_worker.pk]
    url = reverse("assistance:helper_move_cases", args=[helper_worker.pk])
    assert url in loads.content.decode()
    page = secretary_client.get(url)
    assert page.context["chosen"] == {c.pk for c in reached}
    data = {"to_helper": other_helper_worker.pk, "case": [c.pk for c in reached]}
    data |= {f"version-{c.pk}": c.version for c in reached}
    response = in_english(secretary_client).post(url, data)
    assert response.status_code == 302
    assert AssistanceCase.objects.filter(helpers=other_helper_worker).count() == 3
    assert not AssistanceCase.objects.filter(helpers=helper_worker).exists()


def test_moving_to_a_worker_who_is_not_a_helper_is_refused(
    secretary_client, reached, helper_worker, workshop
):
    nobody = WorkerFactory(workshop=workshop, political_status=PoliticalStatus.MASSES)
    url = reverse("assistance:helper_move_cases", args=[helper_worker.pk])
    data = {"to_helper": nobody.pk, "case": [reached[0].pk]}
    response = secretary_client.post(url, data | {f"version-{reached[0].pk}": 1})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AssistanceCase.objects.exclude(helpers=helper_worker).exists()
