"""Large files: checked and imported by the task worker, with progress; a dead
worker's batch is retried whole; previews nobody confirmed expire."""

import contextlib
import datetime as dt
import io
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.conftest import in_english
from tests.factories import WorkerFactory
from tests.spreadsheets import csv_bytes
from tests.tasks import run_queued_tasks
from workers.importing import batches
from workers.models import ImportBatch, ImportStatus, ProductionRecord

pytestmark = pytest.mark.django_db

MARCH = dt.date(1956, 3, 1)


@pytest.fixture(autouse=True)
def small_background_threshold(settings):
    # Files over 3 rows go to the worker, so the tests' files stay small.
    settings.IMPORT_BACKGROUND_ROWS = 3


@pytest.fixture
def crew(workshop):
    return [
        WorkerFactory(employee_no=f"T{i:03d}", name=f"工人{i}", workshop=workshop)
        for i in range(1, 6)
    ]


def records_file(crew, header=("工号", "月份", "定额", "实际完成")):
    rows = [list(header)] + [
        [worker.employee_no, "1956-03", "100", str(90 + i)]
        for i, worker in enumerate(crew)
    ]
    return csv_bytes(rows, "gbk")


def upload(client, data, name="march.csv"):
    return client.post(
        reverse("workers:import_upload", args=["records"]),
        {"file": SimpleUploadedFile(name, data)},
    )


@contextlib.contextmanager
def held_by_a_live_worker(batch):
    """The hold a live worker keeps on a batch (PostgreSQL: its advisory
    lock, taken here from a connection of its own; elsewhere the heartbeat
    alone tells)."""
    if connection.vendor != "postgresql":
        yield
        return
    from tests.ops.helpers import second_cursor

    with second_cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_lock(%s, %s)",
            [batches.BATCH_LOCK_NAMESPACE, batch.pk],
        )
        yield


def page(client, batch):
    return client.get(reverse("workers:import_batch", args=[batch.pk]))


def test_a_large_file_returns_at_once_and_is_checked_by_the_worker(
    secretary_client, crew
):
    in_english(secretary_client)
    response = upload(secretary_client, records_file(crew))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("workers:import_batch", args=[batch.pk])
    assert batch.status == ImportStatus.CHECKING and batch.background
    # The estimate counts data rows: not the header, not the last line break.
    assert batch.progress_total == 5
    assert DBTaskResult.objects.ready().count() == 1
    html = page(secretary_client, batch).content.decode()
    # The bar polls without reloading; no worker has the file yet.
    assert 'hx-get="' + reverse("workers:import_progress", args=[batch.pk]) in html
    assert "Waiting for the task worker" in html
    assert "vendor/htmx/htmx.min.js" in html

    assert run_queued_tasks() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch.counts["created"] == 5
    progress = secretary_client.get(reverse("workers:import_progress", args=[batch.pk]))
    assert progress["HX-Refresh"] == "true"  # done: the page reloads itself
    html = page(secretary_client, batch).content.decode()
    assert 'id="confirm-form"' in html and "工人1" in html
    assert not ProductionRecord.objects.exists()

    response = secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTING
    # A second click finds it taken.
    secretary_client.post(reverse("workers:import_confirm", args=[batch.pk]))
    assert DBTaskResult.objects.ready().count() == 1
    run_queued_tasks()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert batch.counts == {"created": 5, "updated": 0, "unchanged": 0}
    assert ProductionRecord.objects.filter(month=MARCH).count() == 5
    html = page(secretary_client, batch).content.decode()
    assert "5 created, 0 updated, 0 unchanged" in html


def test_progress_is_shown_while_the_worker_reads(secretary_client, crew):
    upload(secretary_client, records_file(crew))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now(), phase="reading", progress_done=3
    )
    with held_by_a_live_worker(batch):
        response = secretary_client.get(
            reverse("workers:import_progress", args=[batch.pk])
        )
    html = response.content.decode()
    assert '<progress class="w-100" id="batch-progress-bar" max="5" value="3">' in html
    assert "HX-Refresh" not in response


def test_columns_are_matched_for_a_large_file_too(secretary_client, crew):
    upload(secretary_client, records_file(crew, ("编号", "月份", "计划定额", "实做")))
    batch = ImportBatch.objects.get()
    run_queued_tasks()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MAPPING
    secretary_client.post(
        reverse("workers:import_columns", args=[batch.pk]),
        {"employee_no": "编号", "quota": "计划定额", "output": "实做"},
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKING
    run_queued_tasks()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch.counts["created"] == 5


def test_a_large_file_that_cannot_be_read_fails_with_its_message(
    secretary_client, crew
):
    in_english(secretary_client)
    data = "\n".join(["工号,月份,定额,实际完成"] + ["合计,,100,90"] * 10).encode("gbk")
    upload(secretary_client, data)
    run_queued_tasks()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    assert "no data rows" in batch.error


def dead_batch(secretary, crew, status=ImportStatus.IMPORTING):
    """A batch a worker took (heartbeat written) and then died holding."""
    data = records_file(crew)
    return ImportBatch.objects.create(
        kind="records",
        filename="march.csv",
        content=data,
        sha256="0" * 64,
        uploaded_by=secretary,
        background=True,
        status=status,
        phase="saving",
        progress_total=7,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=20),
    )


def test_a_dead_workers_batch_is_failed_and_retried_whole(
    secretary_client, secretary, crew, settings
):
    in_english(secretary_client)
    settings.IMPORT_TASK_STALE_SECONDS = 60
    batch = dead_batch(secretary, crew)
    html = page(secretary_client, batch).content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.retry == "apply"
    assert "nothing of the file was saved" in html
    assert 'id="retry-form"' in html
    secretary_client.post(reverse("workers:import_retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTING and batch.heartbeat_at is None
    run_queued_tasks()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert ProductionRecord.objects.filter(month=MARCH).count() == 5
    # Retrying again does nothing.
    secretary_client.post(reverse("workers:import_retry", args=[batch.pk]))
    assert not DBTaskResult.objects.ready().exists()


def test_a_worker_that_is_alive_is_left_alone(secretary, crew, settings):
    settings.IMPORT_TASK_STALE_SECONDS = 60
    batch = dead_batch(secretary, crew)
    batch.heartbeat_at = timezone.now()
    batch.save()
    with held_by_a_live_worker(batch):
        assert not batches.reap_if_dead(batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTING


without_postgresql = pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="on PostgreSQL the worker's advisory lock tells at once "
    "(test_a_dead_workers_batch_is_failed_and_retried_whole, "
    "test_import_worker_kill.py)",
)


@without_postgresql
def test_a_killed_worker_is_noticed_at_once_by_its_process_not_its_silence(
    secretary_client, secretary, crew
):
    in_english(secretary_client)
    # A real process stands for the task worker: the batch names it.
    worker = subprocess.Popen(["sleep", "600"])
    try:
        batch = dead_batch(secretary, crew)  # silent for 20 minutes
        ImportBatch.objects.filter(pk=batch.pk).update(
            worker_process=batches.process_name(worker.pid)
        )
        batch.refresh_from_db()
        # It runs: left alone, however long it has been silent.
        assert not batches.reap_if_dead(batch)
        batch.refresh_from_db()
        assert batch.status == ImportStatus.IMPORTING
    finally:
        worker.kill()
        worker.wait()
    # Gone: the next look at the page says so, with the retry.
    html = page(secretary_client, batch).content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and batch.retry == "apply"
    assert 'id="retry-form"' in html


@without_postgresql
def test_a_worker_just_started_and_then_killed_is_noticed_before_any_timeout(
    secretary, crew, settings
):
    settings.IMPORT_TASK_STALE_SECONDS = 600
    worker = subprocess.Popen(["sleep", "600"])
    name = batches.process_name(worker.pid)
    worker.kill()
    worker.wait()
    batch = dead_batch(secretary, crew)
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now(), worker_process=name
    )
    batch.refresh_from_db()
    assert batches.reap_if_dead(batch)
    assert batch.status == ImportStatus.FAILED


def test_the_task_worker_names_its_process_on_the_batch_it_takes(
    secretary_client, crew
):
    upload(secretary_client, records_file(crew))
    run_queued_tasks()
    batch = ImportBatch.objects.get()
    assert batch.worker_process == batches.this_process()


def test_a_batch_no_worker_has_taken_is_waiting_not_dead(secretary, crew):
    batch = dead_batch(secretary, crew)
    batch.heartbeat_at = None
    batch.save()
    assert not batches.reap_if_dead(batch)


@pytest.mark.parametrize("persona", ["manager_client", "helper_client"])
def test_others_may_not_retry_or_poll(request, secretary, crew, persona):
    batch = dead_batch(secretary, crew, status=ImportStatus.FAILED)
    ImportBatch.objects.filter(pk=batch.pk).update(retry="apply")
    client = request.getfixturevalue(persona)
    assert client.post(
        reverse("workers:import_retry", args=[batch.pk])
    ).status_code == (404)
    progress = reverse("workers:import_progress", args=[batch.pk])
    assert client.get(progress).status_code == 404
    assert not DBTaskResult.objects.exists()


# --- previews expire -----------------------------------------------------------------


def test_previews_not_confirmed_within_a_day_are_removed_by_the_daily_command(
    secretary_client, crew, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 1000
    upload(secretary_client, records_file(crew))
    old = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - dt.timedelta(hours=25)
    )
    upload(secretary_client, records_file(crew))
    recent = ImportBatch.objects.latest("uploaded_at")
    # An expired preview cannot be confirmed, even before the command runs.
    secretary_client.post(reverse("workers:import_confirm", args=[old.pk]))
    assert not ProductionRecord.objects.exists()
    assert b'id="batch-expired"' in page(secretary_client, old).content

    out = io.StringIO()
    call_command("send_case_reminders", stdout=out)
    assert "removed 1 expired import preview" in out.getvalue()
    assert list(ImportBatch.objects.values_list("pk", flat=True)) == [recent.pk]
