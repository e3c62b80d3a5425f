"""The start page before a factory's first records: the working month is the
latest complete month (DESIGN.md, "The month"), so with no records there is
none; the home says so and invites the first import, and with records but
no month complete yet, the month shown is the one being collected."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tests.factories import ProductionRecordFactory, WorkerFactory
from workers.models import Worker
from workers.months import current_month, month_str

MAR = dt.date(1956, 3, 1)


def test_without_records_the_home_has_no_working_month_and_invites_the_first_import(
    secretary_client, workshop
):
    WorkerFactory(workshop=workshop)  # a roster, but no records yet

    response = secretary_client.get(reverse("home"))

    page = response.content.decode()
    assert response.context["work_queue"] == []
    assert 'id="first-import"' in page
    assert reverse("workers:import_upload", args=["records"]) in page
    assert reverse("workers:import_upload", args=["workers"]) in page
    # No month is put forward: not the calendar's month, nor the next.
    assert "当前工作月 · " not in page and "正在收集的月份 · " not in page
    assert month_str(current_month()) not in page


def test_a_director_without_records_is_told_the_secretary_imports_them(
    manager_client,
):
    page = manager_client.get(reverse("home")).content.decode()

    assert 'id="first-import"' in page
    assert reverse("workers:import_upload", args=["records"]) not in page


def test_with_records_but_no_month_complete_only_the_month_being_collected_shows(
    secretary_client, workshop, other_workshop
):
    # Two workshops on the roster since before March, one has reported
    # March: March is partial.
    waiting = WorkerFactory(workshop=other_workshop)
    Worker.objects.filter(pk=waiting.pk).update(
        created_at=timezone.make_aware(dt.datetime(1956, 2, 1))
    )
    ProductionRecordFactory(
        worker=WorkerFactory(workshop=workshop),
        month=MAR,
        quota=Decimal("100"),
        output=Decimal("90"),
    )

    response = secretary_client.get(reverse("home"))

    sections = response.context["work_queue"]
    assert [s.month for s in sections if s.month] == [MAR]
    page = response.content.decode()
    assert "正在收集的月份 · 1956年3月" in page
    assert "当前工作月 · " not in page
    assert 'id="first-import"' not in page
