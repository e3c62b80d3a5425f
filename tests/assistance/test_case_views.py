"""The case pages: follow-ups, proposals, closing, editing, lists and exports."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import (
    AssistanceCase,
    CaseOutcome,
    CaseStatus,
    FollowUp,
    FollowUpKind,
    Measure,
)
from assistance.services import (
    add_follow_up,
    open_case,
    sync_cases_with_records,
    update_case,
)
from tests.assistance.conftest import APR, FEB, MAR, record
from tests.conftest import in_english
from tests.factories import WorkerFactory
from workers.models import Cause


def test_helper_logs_a_home_visit_from_my_cases(helper_client, case):
    page = helper_client.get(reverse("assistance:my_cases"))
    assert page.status_code == 200
    assert [c.pk for c in page.context["cases"]] == [case.pk]
    url = reverse("assistance:followup_add", args=[case.pk])
    form = helper_client.get(url + "?next=mine")
    assert form.context["form"]["date"].value() == timezone.localdate()
    assert form.context["form"]["is_private"].value() is True
    response = helper_client.post(
        url,
        {
            "next": "mine",
            "kind": FollowUpKind.HOME_VISIT,
            "date": timezone.localdate().isoformat(),
            "text": "到家里谈心",
            "is_private": "on",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("assistance:my_cases")
    follow_up = FollowUp.objects.get()
    assert follow_up.kind == FollowUpKind.HOME_VISIT
    assert follow_up.is_private
    cards = helper_client.get(reverse("assistance:my_cases")).context["cases"]
    assert cards[0].days_quiet == 0


def test_follow_up_form_keeps_what_was_typed(helper_client, case):
    response = in_english(helper_client).post(
        reverse("assistance:followup_add", args=[case.pk]),
        {
            "kind": FollowUpKind.AID_GRANTED,
            "date": timezone.localdate().isoformat(),
            "text": "补助了十元",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "aid_amount" in form.errors
    assert form["text"].value() == "补助了十元"
    assert not FollowUp.objects.exists()


def test_my_cases_shows_trend_and_quiet_days(helper_client, case, failing_worker):
    record(failing_worker, FEB, 70)
    record(failing_worker, APR, 90)
    sync_cases_with_records(APR)
    card = helper_client.get(reverse("assistance:my_cases")).context["cases"][0]
    assert card.latest_month == APR
    assert card.latest_attainment == 90
    assert card.previous_attainment == 80
    assert (
        card.days_quiet
        == (timezone.localdate() - timezone.localdate(case.opened_at)).days
    )


def test_my_cases_query_count_does_not_grow(
    helper_client, helper_worker, secretary, workshop, django_assert_num_queries
):
    for _ in range(5):
        worker = WorkerFactory(workshop=workshop)
        record(worker, MAR, 50)
        open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper_worker],
            opened_by=secretary,
        )
    # session, user, permissions (user's and groups'), the cases with their
    # records and last follow-up (subqueries), the user's worker, and the
    # navigation's "is a manager" check; then their own results
    # (assistance.helper_effect): the working month (five) and their cases
    # closed by then (the factory's are read only from five closed cases on);
    # the overdue checks at the machine of their cases' workers (one)
    with django_assert_num_queries(14):
        response = helper_client.get(reverse("assistance:my_cases"))
    assert len(response.context["cases"]) == 5


def test_helper_proposes_closure_and_secretary_sees_it(
    helper_client, secretary_client, case
):
    response = helper_client.post(
        reverse("assistance:case_propose_closure", args=[case.pk]), {"next": "mine"}
    )
    assert response.url == reverse("assistance:my_cases")
    case.refresh_from_db()
    assert case.closure_proposed_at is not None
    listed = secretary_client.get(reverse("assistance:case_list") + "?proposed=on")
    assert [c.pk for c in listed.context["page"]] == [case.pk]


def test_other_helper_cannot_propose_or_log(other_helper_client, case):
    propose = other_helper_client.post(
        reverse("assistance:case_propose_closure", args=[case.pk])
    )
    log = other_helper_client.post(
        reverse("assistance:followup_add", args=[case.pk]),
        {"kind": "talk", "date": timezone.localdate().isoformat(), "text": "x"},
    )
    assert propose.status_code == log.status_code == 404
    case.refresh_from_db()
    assert case.closure_proposed_at is None
    assert not FollowUp.objects.exists()


def test_secretary_closes_a_case_that_reached_quota(
    secretary_client, case, failing_worker
):
    record(failing_worker, APR, 101)
    sync_cases_with_records(APR)
    case.refresh_from_db()
    url = reverse("assistance:case_close", args=[case.pk])
    assert secretary_client.get(url).context["form"]["outcome"].value() == (
        CaseOutcome.REACHED_QUOTA
    )
    response = secretary_client.post(
        url, {"outcome": CaseOutcome.REACHED_QUOTA, "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_closing_without_reason_keeps_the_form(secretary_client, case):
    response = secretary_client.post(
        reverse("assistance:case_close", args=[case.pk]),
        {"outcome": CaseOutcome.TRANSFERRED, "reason": "", "version": case.version},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_stale_close_is_refused_with_a_message(secretary_client, secretary, case):
    seen_version = case.version
    update_case(
        case=case,
        by=secretary,
        measure=Measure.MENTORING,
        helpers=list(case.helpers.all()),
    )
    response = in_english(secretary_client).post(
        reverse("assistance:case_close", args=[case.pk]),
        {"outcome": CaseOutcome.OTHER, "reason": "调走", "version": seen_version},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "Someone else changed this" in " ".join(form.non_field_errors())
    assert form["reason"].value() == "调走"
    # The refreshed form carries the current version: saving again is deliberate.
    assert int(form["version"].value()) == seen_version + 1
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_stale_edit_keeps_typed_values(
    secretary_client, secretary, case, helper_worker, other_helper_worker
):
    url = reverse("assistance:case_edit", args=[case.pk])
    seen = secretary_client.get(url).context["form"]["version"].value()
    update_case(case=case, by=secretary, measure=Measure.OTHER, helpers=[helper_worker])
    response = secretary_client.post(
        url,
        {
            "measure": Measure.MENTORING,
            "helpers": [other_helper_worker.pk],
            "target_month": "1956-06",
            "version": seen,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert form["measure"].value() == Measure.MENTORING
    assert form["target_month"].value() == "1956-06"
    case.refresh_from_db()
    assert case.measure == Measure.OTHER
    assert list(case.helpers.all()) == [helper_worker]


def test_edit_refuses_an_ineligible_helper_on_the_form(
    secretary_client, case, workshop
):
    response = secretary_client.post(
        reverse("assistance:case_edit", args=[case.pk]),
        {"measure": Measure.MENTORING, "helpers": [99999], "version": case.version},
    )
    assert response.status_code == 200
    assert "helpers" in response.context["form"].errors


def test_reopen_through_the_page(secretary_client, secretary, case):
    from assistance.services import close_case

    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="误结")
    case.refresh_from_db()
    response = secretary_client.post(
        reverse("assistance:case_reopen", args=[case.pk]),
        {"reason": "结错了", "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_case_page_timeline_has_every_kind(
    secretary_client, case, failing_worker, helper
):
    from assistance.models import Demonstration

    record(failing_worker, APR, 104)
    sync_cases_with_records(APR)
    add_follow_up(
        case=case, author=helper, kind=FollowUpKind.TALK, text="谈心", date=MAR
    )
    demonstration = Demonstration.objects.create(
        technique="高速切削",
        demonstrator=WorkerFactory(workshop=failing_worker.workshop),
        workshop=failing_worker.workshop,
        date=MAR.replace(day=15),
    )
    demonstration.attendees.add(failing_worker)
    response = secretary_client.get(case.get_absolute_url())
    types = {item["type"] for item in response.context["timeline"]}
    assert types == {"follow_up", "record", "event", "demonstration"}


def _csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_case_list_filters_and_csv_export(
    secretary_client, secretary, case, helper_worker, workshop
):
    other = WorkerFactory(workshop=workshop, name="李技术")
    record(other, MAR, 60)
    open_case(
        worker=other,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    listed = secretary_client.get(reverse("assistance:case_list") + "?cause=technique")
    assert [c.worker.name for c in listed.context["page"]] == ["李技术"]
    rows = _csv(
        secretary_client.get(
            reverse("assistance:case_export") + "?cause=ideology&month=1956-03"
        )
    )
    assert len(rows) == 2
    assert rows[1][1] == "胡维亮"


def test_bad_filter_month_is_reported_not_a_500(secretary_client, case):
    response = secretary_client.get(reverse("assistance:case_list") + "?month=三月")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_case_list_query_count_does_not_grow(
    secretary_client, secretary, helper_worker, workshop, django_assert_num_queries
):
    for _ in range(6):
        worker = WorkerFactory(workshop=workshop)
        record(worker, MAR, 50)
        open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper_worker],
            opened_by=secretary,
        )
    # session, user, permissions (2), the page count, the status counts, the
    # cases waiting for a new helper, the user's worker (navigation), the
    # workshop filter's choices (count and rows), the page of cases with
    # their progress, their helpers (prefetch)
    with django_assert_num_queries(12):
        response = secretary_client.get(reverse("assistance:case_list"))
    assert len(response.context["page"]) == 6


def test_overview_counts_by_workshop(manager_client, case, secretary, workshop):
    from assistance.services import close_case

    close_case(case=case, by=secretary, outcome=CaseOutcome.OTHER, reason="x")
    response = manager_client.get(reverse("assistance:overview"))
    (row,) = response.context["workshops"]
    assert row.workshop == workshop
    assert row.counts == {"open": 0, "reached_quota": 0, "closed": 1}


@pytest.mark.parametrize("persona", ["helper_client", "manager_client"])
def test_case_list_is_the_secretary_s(request, persona, case):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("assistance:case_list")).status_code == 403
    assert AssistanceCase.objects.count() == 1


def test_admin_shows_cases_read_only(case, db):
    from django.test import Client

    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:assistance_assistancecase_changelist"))
    assert listing.status_code == 200
    page = client.get(reverse("admin:assistance_assistancecase_change", args=[case.pk]))
    assert page.status_code == 200
    assert b'name="measure"' not in page.content
    add = client.get(reverse("admin:assistance_assistancecase_add"))
    assert add.status_code == 403


def test_a_helpers_card_colours_attainment_by_the_definition_of_meets_quota(
    helper_client, case
):
    """9,999.60 of 10,000 is shown as 100% but is below quota: the card
    asks the record (MEETS_QUOTA), it does not compare the rounded figure."""
    record(case.worker, APR, "9999.60", quota="10000")
    page = helper_client.get(reverse("assistance:my_cases")).content.decode()
    assert '<span class="band-below">100%</span>' in page
    record(case.worker, dt.date(1956, 5, 1), "10000", quota="10000")
    page = helper_client.get(reverse("assistance:my_cases")).content.decode()
    assert '<span class="band-meets">100%</span>' in page


def test_the_case_list_shows_the_cases_that_reached_quota_in_a_month(
    secretary_client, secretary, case, failing_worker, helper_worker, workshop
):
    """?reached_in=M: open at the end of the month before, and the worker's
    record for M meets quota (standing.reached_in) — the bulletin's list."""

    def opened(name, march_output):
        worker = WorkerFactory(workshop=workshop, name=name)
        record(worker, MAR, march_output)
        open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper_worker],
            opened_by=secretary,
        )
        return worker

    record(failing_worker, APR, 110)  # reached quota in April
    record(opened("李未达", 60), APR, 80)  # still below in April
    late = WorkerFactory(workshop=workshop, name="王四月")
    record(late, APR, 50)
    open_case(  # opened in April: not open at the end of March
        worker=late,
        month=APR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    record(failing_worker, dt.date(1956, 5, 1), 120)  # no longer open in May

    def listed(month):
        response = secretary_client.get(
            reverse("assistance:case_list") + f"?reached_in={month}"
        )
        return [c.worker.name for c in response.context["page"]]

    assert listed("1956-04") == ["胡维亮"]
    assert listed("1956-03") == []
    assert listed("1956-05") == []
    rows = _csv(
        secretary_client.get(reverse("assistance:case_export") + "?reached_in=1956-04")
    )
    assert [row[1] for row in rows[1:]] == ["胡维亮"]


def test_the_bulletin_links_the_secretary_to_every_case_that_reached_quota(
    secretary_client, manager_client, secretary, helper_worker, workshop
):
    """The bulletin names a few of them; the link lists them all."""
    from factory.views.reports import REACHED_NAMED

    names = [f"工人{index:02d}" for index in range(REACHED_NAMED + 2)]
    for name in names:
        worker = WorkerFactory(workshop=workshop, name=name)
        record(worker, MAR, 70)
        open_case(
            worker=worker,
            month=MAR,
            cause=Cause.TECHNIQUE,
            measure=Measure.DEMONSTRATION,
            helpers=[helper_worker],
            opened_by=secretary,
        )
        record(worker, APR, 105)
    record(helper_worker, MAR, 120)
    record(helper_worker, APR, 120)
    bulletin = secretary_client.get("/reports/1956-04/")
    assert bulletin.context["reached_total"] == len(names)
    assert bulletin.context["reached_more"] == 2
    link = bulletin.context["reached_list_url"]
    assert f'href="{link}"' in bulletin.content.decode()
    listed = secretary_client.get(link)
    assert sorted(c.worker.name for c in listed.context["page"]) == names
    # Whoever may not list the cases gets no link.
    assert manager_client.get("/reports/1956-04/").context["reached_list_url"] is None
