"""The Django admin of the workers app."""

import pytest
from django.urls import reverse

from tests.factories import (
    MARCH_1956,
    ProductionRecordFactory,
    UserFactory,
    WorkerFactory,
)
from workers.models import ImportBatch, ProductionRecord
from workers.signals import records_saved

pytestmark = pytest.mark.django_db

MODELS = [
    "workshop",
    "worker",
    "advancedstandard",
    "disqualification",
    "productionrecord",
    "shortfallclassification",
    "importbatch",
]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_searchable_filterable_changelist(admin_client, model):
    WorkerFactory(name="王福贵")
    url = reverse(f"admin:workers_{model}_changelist")
    response = admin_client.get(url, {"q": "王"})
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.search_fields
    assert changelist.has_filters


def test_a_record_saved_in_the_admin_goes_through_the_records_service(
    admin_client,
):
    worker = WorkerFactory()
    received = []

    def receiver(sender, months, worker_ids, **kwargs):
        received.append((months, worker_ids))

    records_saved.connect(receiver)
    try:
        response = admin_client.post(
            reverse("admin:workers_productionrecord_add"),
            {
                "worker": worker.pk,
                "month": "1956-03-01",
                "quota": "100",
                "output": "120",
                "unit": "件",
            },
        )
    finally:
        records_saved.disconnect(receiver)
    assert response.status_code == 302, response.context["adminform"].errors
    record = ProductionRecord.objects.get()
    assert record.output == 120
    assert received == [({MARCH_1956}, {worker.pk})]
    assert record.history.get().history_change_reason == "admin"


def test_changing_a_record_in_the_admin_keeps_history(admin_client):
    record = ProductionRecordFactory(output=80)
    url = reverse("admin:workers_productionrecord_change", args=[record.pk])
    response = admin_client.post(url, {"quota": "100", "output": "105", "unit": "件"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.output == 105
    assert ProductionRecord.objects.count() == 1
    assert record.history.count() == 2


def test_import_batches_are_read_only(admin_client, secretary):
    batch = ImportBatch.objects.create(
        kind="workers",
        filename="r.csv",
        content=b"x",
        sha256="0" * 64,
        uploaded_by=secretary,
    )
    assert admin_client.get(reverse("admin:workers_importbatch_add")).status_code == 403
    page = admin_client.get(
        reverse("admin:workers_importbatch_change", args=[batch.pk])
    )
    assert page.status_code == 200
    assert b'name="filename"' not in page.content
