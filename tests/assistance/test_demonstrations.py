"""Demonstrations of advanced experience: attendance, effect, suggestions;
and the monthly totals of hardship aid."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from assistance.models import Demonstration, FollowUpKind, Measure
from assistance.selectors import demonstration_effect, suggest_demonstrators
from assistance.services import add_follow_up, open_case
from tests.assistance.conftest import APR, FEB, MAR, record
from tests.factories import WorkerFactory
from workers.models import Cause


def _demonstration(workshop, **kwargs):
    demonstrator = WorkerFactory(workshop=workshop, name="表演者")
    return Demonstration.objects.create(
        technique="多刀多刃切削",
        demonstrator=demonstrator,
        workshop=workshop,
        date=dt.date(1956, 3, 10),
        **kwargs,
    )


def test_create_a_demonstration(secretary_client, workshop):
    demonstrator = WorkerFactory(workshop=workshop)
    response = secretary_client.post(
        reverse("assistance:demonstration_create"),
        {
            "technique": "高速切削",
            "demonstrator": demonstrator.pk,
            "workshop": workshop.pk,
            "date": "1956-03-12",
            "place": "车间东头",
        },
    )
    demonstration = Demonstration.objects.get()
    assert response.url == demonstration.get_absolute_url()
    assert demonstration.demonstrator == demonstrator


def test_add_attendees_one_by_one_by_workshop_and_from_cases(
    secretary_client, secretary, workshop, other_workshop, helper_worker
):
    demonstration = _demonstration(workshop)
    url = reverse("assistance:demonstration_attendance", args=[demonstration.pk])
    lone = WorkerFactory(workshop=other_workshop)
    secretary_client.post(url, {"action": "one", "employee_no": lone.employee_no})
    assert list(demonstration.attendees.all()) == [lone]

    bad = secretary_client.post(url, {"action": "one", "employee_no": "nobody"})
    assert bad.status_code == 302
    assert demonstration.attendees.count() == 1

    secretary_client.post(url, {"action": "workshop", "workshop": workshop.pk})
    in_workshop = set(workshop.workers.filter(active=True).values_list("pk", flat=True))
    in_workshop.discard(demonstration.demonstrator_id)
    assert set(demonstration.attendees.values_list("pk", flat=True)) == (
        in_workshop | {lone.pk}
    )

    # An open technique case in another workshop, added with scope "all".
    far = WorkerFactory(workshop=other_workshop)
    record(far, MAR, 50)
    open_case(
        worker=far,
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper_worker],
        opened_by=secretary,
    )
    secretary_client.post(url, {"action": "cases", "scope": "workshop"})
    assert not demonstration.attendees.filter(pk=far.pk).exists()
    secretary_client.post(url, {"action": "cases", "scope": "all"})
    assert demonstration.attendees.filter(pk=far.pk).exists()

    secretary_client.post(url, {"action": "remove", "worker": far.pk})
    assert not demonstration.attendees.filter(pk=far.pk).exists()


def test_manager_cannot_change_attendance(manager_client, workshop):
    demonstration = _demonstration(workshop)
    response = manager_client.post(
        reverse("assistance:demonstration_attendance", args=[demonstration.pk]),
        {"action": "workshop", "workshop": workshop.pk},
    )
    assert response.status_code == 403
    assert demonstration.attendees.count() == 0


def test_effect_compares_attendees_with_the_rest_of_the_workshop(workshop):
    demonstration = _demonstration(workshop)
    came = [WorkerFactory(workshop=workshop) for _ in range(2)]
    stayed = WorkerFactory(workshop=workshop)
    for worker, feb, mar in ((came[0], 80, 100), (came[1], 90, 110)):
        record(worker, FEB, feb)
        record(worker, MAR, mar)
    record(stayed, FEB, 85)
    record(stayed, MAR, 86)
    demonstration.attendees.add(*came)
    before, during, after = demonstration_effect(demonstration)
    assert (before.month, during.month, after.month) == (FEB, MAR, APR)
    assert before.attendees_average == 85
    assert before.attendees_count == 2
    assert during.attendees_average == 105
    assert (before.others_average, during.others_average) == (85, 86)
    assert after.attendees_count == after.others_count == 0


def test_suggestions_are_advanced_three_months_running_best_first(workshop):
    steady = WorkerFactory(workshop=workshop, trade="车工", name="稳")
    better = WorkerFactory(workshop=workshop, trade="车工", name="强")
    lapsed = WorkerFactory(workshop=workshop, trade="车工", name="断")
    other_trade = WorkerFactory(workshop=workshop, trade="铣工", name="铣")
    for month in (dt.date(1956, 1, 1), FEB, MAR):
        record(steady, month, 110)
        record(better, month, 130)
        record(other_trade, month, 150)
        record(lapsed, month, 95 if month == FEB else 140)
    names = [s["worker"].name for s in suggest_demonstrators("车工")]
    assert names == ["强", "稳"]


def test_suggestions_on_the_planning_page(secretary_client, workshop):
    best = WorkerFactory(workshop=workshop, trade="钳工")
    for month in (dt.date(1956, 1, 1), FEB, MAR):
        record(best, month, 120)
    page = secretary_client.get(
        reverse("assistance:demonstration_create") + "?trade=钳工"
    )
    assert [s["worker"] for s in page.context["suggestions"]] == [best]
    chosen = secretary_client.get(
        reverse("assistance:demonstration_create")
        + f"?trade=钳工&demonstrator={best.pk}"
    )
    assert chosen.context["form"].initial["demonstrator"] == best.pk


def test_attendance_shows_on_the_case_timeline(helper_client, case, failing_worker):
    demonstration = _demonstration(failing_worker.workshop)
    demonstration.attendees.add(failing_worker)
    timeline = helper_client.get(case.get_absolute_url()).context["timeline"]
    assert any(
        item["type"] == "demonstration" and item["obj"] == demonstration
        for item in timeline
    )


def test_demonstration_detail_query_count(
    manager_client, workshop, django_assert_num_queries
):
    demonstration = _demonstration(workshop)
    demonstration.attendees.add(*[WorkerFactory(workshop=workshop) for _ in range(5)])
    # session, user, permissions (2), the demonstration, attendees, effect,
    # the navigation's "is a manager" check
    with django_assert_num_queries(8):
        response = manager_client.get(demonstration.get_absolute_url())
    assert len(response.context["attendees"]) == 5


def test_aid_totals_per_month(secretary_client, case, helper):
    for day, amount in ((5, "10"), (20, "15.50")):
        add_follow_up(
            case=case,
            author=helper,
            kind=FollowUpKind.AID_GRANTED,
            text="补助",
            date=MAR.replace(day=day),
            aid_amount=Decimal(amount),
            aid_kind="生活补助",
            aid_approved_by="工会",
        )
    response = secretary_client.get(
        reverse("assistance:aid_totals") + "?year=1956&month=1956-03"
    )
    (march,) = response.context["months"]
    assert march["total"] == Decimal("25.50")
    assert march["grants"] == 2
    assert response.context["year_total"] == Decimal("25.50")
    assert len(response.context["grants"]) == 2


def test_aid_page_survives_a_bad_year(secretary_client):
    response = secretary_client.get(reverse("assistance:aid_totals") + "?year=abc")
    assert response.status_code == 200
