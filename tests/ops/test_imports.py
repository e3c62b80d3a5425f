"""Imports under faults: a connection killed half-way, the same file twice,
and twice at the same time."""

import datetime as dt
import threading
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse

from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.ops.helpers import (
    in_thread,
    postgresql_only,
    terminate_backend,
    wait_until_blocked_on_a_lock,
)
from workers.importing import get_importer
from workers.models import ImportBatch, ImportStatus, ProductionRecord
from workers.signals import records_saved

APR = dt.date(1956, 4, 1)
WORKERS = 40


@pytest.fixture
def workers(workshop):
    return [WorkerFactory(workshop=workshop) for _ in range(WORKERS)]


@pytest.fixture
def records_file(workers, tmp_path):
    """April's records for every worker; one of them already has March's."""
    ProductionRecordFactory(worker=workers[0], month=dt.date(1956, 3, 1))
    lines = ["工号,月份,定额,实际完成,单位"]
    lines += [
        f"{worker.employee_no},1956-04,100,{80 + index},件"
        for index, worker in enumerate(workers)
    ]
    path = tmp_path / "1956-04.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def april_records() -> int:
    return ProductionRecord.objects.filter(month=APR).count()


def april_history() -> int:
    return ProductionRecord.history.filter(month=APR).count()


@contextmanager
def connection_killed_once_records_are_written():
    """pg_terminate_backend on the importing connection, records written but
    not committed (records_saved is sent inside the import's transaction)."""
    victims = []

    def kill(sender, **kwargs):
        if not victims:
            victims.append(connection.connection.get_backend_pid())
            terminate_backend(victims[0])

    records_saved.connect(kill, dispatch_uid="tests.ops.kill")
    try:
        yield victims
    finally:
        records_saved.disconnect(dispatch_uid="tests.ops.kill")


def import_output(path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_records", str(path), stdout=out)
    return out.getvalue()


def test_the_same_file_twice_changes_nothing_the_second_time(records_file):
    first = import_output(records_file)
    assert f"{WORKERS} created" in first
    history = april_history()
    again = import_output(records_file)
    assert "0 created, 0 updated" in again and f"{WORKERS} unchanged" in again
    assert april_records() == WORKERS
    assert april_history() == history == WORKERS


def import_twice_at_once(records_file, user) -> tuple[dict, dict]:
    """The same file imported by two people at once; their two outcomes.

    The first import is held after writing its rows (not yet committed)
    until the second is seen waiting for a lock, so the two really overlap.
    """
    data = records_file.read_bytes()
    first_written, release = threading.Event(), threading.Event()
    first_thread = []

    def hold_the_first(sender, **kwargs):
        if threading.current_thread() in first_thread:
            first_written.set()
            release.wait(30)

    def run_import():
        importer = get_importer("records")
        plan = importer.plan(importer.read(data, "1956-04.csv"), options={})
        return importer.apply(plan, user=user)

    records_saved.connect(hold_the_first, dispatch_uid="tests.ops.hold")
    try:
        first, first_outcome = in_thread(run_import)
        first_thread.append(first)
        assert first_written.wait(30)
        second, second_outcome = in_thread(run_import)
        wait_until_blocked_on_a_lock()  # the second waits for the first...
        release.set()  # ...which commits now
        first.join(30)
        second.join(30)
    finally:
        records_saved.disconnect(dispatch_uid="tests.ops.hold")
    return first_outcome, second_outcome


ALL_CREATED = {"created": WORKERS, "updated": 0, "unchanged": 0}
ALL_UNCHANGED = {"created": 0, "updated": 0, "unchanged": WORKERS}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_same_file_twice_at_the_same_time_stores_no_duplicate(
    records_file, secretary
):
    first, second = import_twice_at_once(records_file, secretary)
    assert first.get("value") == ALL_CREATED
    assert second.get("value") == ALL_UNCHANGED, second.get("error")
    assert april_records() == WORKERS
    assert april_history() == WORKERS


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_same_file_twice_at_the_same_time_second_finds_it_unchanged(
    records_file, secretary
):
    first, second = import_twice_at_once(records_file, secretary)
    assert first.get("value") == ALL_CREATED
    assert second.get("value") == ALL_UNCHANGED, second.get("error")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_connection_killed_during_import_command(records_file):
    with (
        connection_killed_once_records_are_written() as victims,
        pytest.raises(DatabaseError),
    ):
        import_output(records_file)
    assert victims, "the import never reached the point of writing"
    assert april_records() == 0 and april_history() == 0  # nothing of the file
    assert f"{WORKERS} created" in import_output(records_file)  # a re-run works
    assert april_records() == WORKERS


def upload(client, records_file) -> ImportBatch:
    response = client.post(
        reverse("workers:import_upload", args=["records"]),
        {"file": SimpleUploadedFile("1956-04.csv", records_file.read_bytes())},
    )
    assert response.status_code == 200
    return ImportBatch.objects.latest("pk")


def confirm_killed_half_way(records_file, user) -> tuple[Client, ImportBatch, int]:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    batch = upload(client, records_file)
    assert batch.status == ImportStatus.PREVIEWED
    with connection_killed_once_records_are_written() as victims:
        response = client.post(reverse("workers:import_confirm", args=[batch.pk]))
    assert victims, "the import never reached the point of writing"
    batch.refresh_from_db()
    return client, batch, response.status_code


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_connection_killed_during_import_on_the_web(records_file, secretary):
    client, batch, status = confirm_killed_half_way(records_file, secretary)
    assert status in (302, 503)  # a message or the friendly page, never a 500
    assert april_records() == 0 and april_history() == 0  # nothing of the file
    assert batch.status != ImportStatus.APPLIED
    assert (
        client.get(reverse("workers:import_batch", args=[batch.pk])).status_code == 200
    )

    # A re-run imports the file: the same batch if it may still be confirmed,
    # else the same file uploaded again.
    if batch.status != ImportStatus.PREVIEWED:
        batch = upload(client, records_file)
    client.post(reverse("workers:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert batch.counts["created"] == WORKERS
    assert april_records() == WORKERS


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_connection_killed_during_import_shows_the_batch_failed(
    records_file, secretary
):
    client, batch, status = confirm_killed_half_way(records_file, secretary)
    assert status == 302  # the message on the batch page, not the 503 page
    assert batch.status == ImportStatus.FAILED
    assert batch.error
    page = client.get(reverse("workers:import_batch", args=[batch.pk]))
    assert page.status_code == 200
    assert page.context["batch"].status == ImportStatus.FAILED
    assert not page.context["may_confirm"]


def test_amounts_in_the_file_are_the_ones_stored(records_file):
    import_output(records_file)
    stored = sorted(
        ProductionRecord.objects.filter(month=APR).values_list("output", flat=True)
    )
    assert stored == [Decimal(80 + index) for index in range(WORKERS)]
