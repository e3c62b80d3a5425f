"""The month you can trust, on the demo factory: a few April records do not
move the pages off March, nor March's figures; an April relapse shows in April only; a
classification file shows at once; publishing asks, and a correction is
revision 2."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assistance.models import AssistanceCase, CaseStatus
from factory.models import MonthSnapshot
from tests.spreadsheets import csv_bytes
from workers.models import ImportBatch, ProductionRecord, Workshop
from workers.services import RecordInput, save_records

MAR, APR = dt.date(1956, 3, 1), dt.date(1956, 4, 1)


def pages(client, month: str | None) -> dict:
    query = {"month": month} if month else {}
    out = io.StringIO()
    call_command("movement_report", format="json", stdout=out, **query)
    dashboard = client.get(reverse("reports:dashboard"), query)
    return {
        "month": dashboard.context["month"],
        "dashboard": dashboard.context["report"],
        "json": client.get(reverse("reports:movement_json"), query).json(),
        "command": json.loads(out.getvalue()),
        "bulletin": client.get(
            reverse("reports:bulletin", args=[month or dashboard.context["month"]])
        ).context["report"],
        "queue month": client.get(reverse("assistance:classification_queue"))
        .context["month"]
        .isoformat()[:7],
        "ranking month": client.get(reverse("workers:ranking"))
        .context["month"]
        .isoformat()[:7],
    }


@pytest.fixture
def secretary_client(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="secretary"))
    return client


def save(rows, by=None):
    save_records(rows=rows, by=by, source="test")


def test_five_april_records_leave_every_page_on_march(
    demo, secretary_client, django_capture_on_commit_callbacks
):
    before = pages(secretary_client, None)
    assert before["month"] == before["queue month"] == before["ranking month"]
    assert before["month"] == "1956-03"
    jg2 = Workshop.objects.get(code="jg2")
    five = list(
        ProductionRecord.objects.filter(month=MAR, worker__workshop=jg2)
        .select_related("worker")
        .order_by("worker__employee_no")[:5]
    )
    with django_capture_on_commit_callbacks(execute=True):
        save(
            [
                RecordInput(
                    worker_id=r.worker_id, month=APR, quota=r.quota, output=r.output
                )
                for r in five
            ]
        )
    after = pages(secretary_client, None)
    assert after == before  # the default is still March, and March is unchanged
    april = secretary_client.get(reverse("reports:dashboard"), {"month": "1956-04"})
    assert april.context["month_partial"]
    missing = {w["code"] for w in april.context["completeness"]["missing"]}
    assert len(missing) == 5 and "jg2" not in missing
    assert april.context["completeness"]["workers_with_records"] == 5
    body = april.content.decode()
    assert 'id="month-partial"' in body


def test_an_april_relapse_is_a_reopened_case_in_april_only(
    demo, secretary_client, django_capture_on_commit_callbacks
):
    case = AssistanceCase.objects.filter(status=CaseStatus.REACHED_QUOTA).first()
    march = pages(secretary_client, "1956-03")
    with django_capture_on_commit_callbacks(execute=True):
        save(
            [
                RecordInput(
                    worker_id=case.worker_id,
                    month=APR,
                    quota=Decimal("100"),
                    output=Decimal("60"),
                )
            ]
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # relapsed, as the records say
    assert pages(secretary_client, "1956-03") == march  # March keeps its counts
    april = secretary_client.get(reverse("reports:movement_json"), {"month": "1956-04"})
    cases = april.json()["cases"]
    assert cases["open"] == march["json"]["cases"]["open"] + 1
    assert cases["reached_quota"] == march["json"]["cases"]["reached_quota"] - 1
    event = case.events.latest("pk")
    assert (event.from_status, event.to_status) == ("reached_quota", "open")
    assert event.effective_month == APR


def test_a_classification_file_shows_at_once_on_the_dashboard_and_json(
    demo, secretary_client, django_capture_on_commit_callbacks
):
    url = reverse("reports:dashboard")
    before = secretary_client.get(url, {"month": "1956-03"}).context["report"]
    unclassified = list(
        ProductionRecord.objects.for_month(MAR)
        .below_quota()
        .exclude(worker__classifications__month=MAR)
        .values_list("worker__employee_no", flat=True)[:10]
    )
    assert len(unclassified) == 10
    rows = [["工号", "月份", "原因", "备注"]] + [
        [number, "1956-03", "家庭经济困难", ""] for number in unclassified
    ]
    with django_capture_on_commit_callbacks(execute=True):
        secretary_client.post(
            reverse("workers:import_upload", args=["classifications"]),
            {"file": SimpleUploadedFile("causes.csv", csv_bytes(rows))},
        )
        batch = ImportBatch.objects.latest("pk")
        secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    after = secretary_client.get(url, {"month": "1956-03"}).context["report"]
    json_after = secretary_client.get(
        reverse("reports:movement_json"), {"month": "1956-03"}
    ).json()
    family = before["causes"]["family"]["count"] + 10
    assert after["causes"]["family"]["count"] == family
    assert json_after["causes"]["family"]["count"] == family
    assert (
        after["causes"]["unclassified"]["count"]
        == before["causes"]["unclassified"]["count"] - 10
    )


def test_publishing_march_asks_and_a_correction_is_revision_2(
    demo, secretary_client, django_capture_on_commit_callbacks
):
    publish = reverse("reports:publish", args=["1956-03"])
    page = secretary_client.get(publish)
    unclassified = page.context["unfinished"].unclassified
    assert unclassified  # the demo leaves March's shortfalls to classify
    assert f'data-unclassified="{unclassified[0][0]}"' in page.content.decode()
    # ... and the foundry's lathe operators, whose quota is under review.
    assert page.context["unfinished"].quota_reviews == [("铸工车间", "车工")]
    assert secretary_client.post(publish).status_code == 400
    acknowledged = {"ack_unclassified": "on", "ack_quota_reviews": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        assert secretary_client.post(publish, acknowledged).status_code == 302
    record = ProductionRecord.objects.for_month(MAR).below_quota().first()
    with django_capture_on_commit_callbacks(execute=True):
        save(
            [
                RecordInput(
                    worker_id=record.worker_id,
                    month=MAR,
                    quota=record.quota,
                    output=record.quota,
                )
            ]
        )
        response = secretary_client.post(
            publish, {**acknowledged, "reason": "车间补报一张工票"}
        )
    assert response.status_code == 302
    assert list(
        MonthSnapshot.objects.filter(month=MAR).values_list("revision", "reason")
    ) == [(2, "车间补报一张工票"), (1, "")]
    bulletin = secretary_client.get(reverse("reports:bulletin", args=["1956-03"]))
    assert bulletin.context["shown_revision"] == 2
    assert [r["revision"] for r in bulletin.context["revision_rows"]] == [2, 1]
    first = secretary_client.get(
        reverse("reports:bulletin_revision", args=["1956-03", 1])
    )
    assert (
        first.context["report"]["failing"] == bulletin.context["report"]["failing"] + 1
    )
