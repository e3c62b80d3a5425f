"""A real task worker (``manage.py db_worker`` in a subprocess) killed with
SIGKILL while it writes a large import: nothing of the file is saved, the
batch is marked failed with a retry button, and the retry imports it whole.

PostgreSQL only: the worker must reach the test database from another
process, and its death is told by PostgreSQL releasing its advisory lock.
"""

import os
import signal
import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.ops.helpers import (
    held_by_trigger,
    postgresql_only,
    second_cursor,
    wait_until_blocked_on_a_lock,
)
from tests.spreadsheets import csv_bytes
from tests.tasks import worker_process
from workers import tasks
from workers.importing import batches
from workers.models import ImportBatch, ImportStatus, ProductionRecord, Worker

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

# The worker is stopped by a trigger, not caught by luck, so the size proves
# nothing more past a few thousand rows (make bench imports 100,000).
ROWS = 3_000


def wait_for(condition, timeout=120.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def writing_backend(cursor):
    """The pid of a backend inside a transaction, writing the records."""
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
        "AND state = 'active' AND query ~* %s",
        [rf"^\s*(COPY|INSERT INTO) {ProductionRecord._meta.db_table}\M"],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def test_a_worker_killed_while_writing_leaves_nothing_and_the_retry_imports_whole(
    secretary, workshop
):
    Worker.objects.bulk_create(
        Worker(employee_no=f"K{i:06d}", name=f"工人{i}", workshop=workshop)
        for i in range(ROWS)
    )
    rows = [["工号", "月份", "定额", "实际完成"]] + [
        [f"K{i:06d}", "1956-03", "100", str(80 + i % 40)] for i in range(ROWS)
    ]
    batch = ImportBatch.objects.create(
        kind="records",
        filename="big.csv",
        content=csv_bytes(rows),
        sha256="0" * 64,
        uploaded_by=secretary,
        background=True,
        status=ImportStatus.IMPORTING,
        progress_total=ROWS,
    )
    tasks.apply_import.enqueue(batch.pk, secretary.pk, "en")

    # The worker is stopped in the middle of writing the rows, in its
    # transaction (a trigger after the records' first write waits on a lock
    # the test holds), and killed there: not hoped to be caught writing.
    held = held_by_trigger(ProductionRecord._meta.db_table, "AFTER INSERT", row=False)
    with held, second_cursor() as cursor:
        worker = worker_process()
        try:
            wait_until_blocked_on_a_lock(timeout=120)
            assert writing_backend(cursor), "the blocked worker is not writing"
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        # Let go, its session finds the client gone and rolls back.
    assert worker.returncode == -signal.SIGKILL

    # Its database session ends with it (the transaction rolled back, the
    # hold on the batch released): the batch page then finds it dead.
    wait_for(
        lambda: batches.reap_if_dead(ImportBatch.objects.get(pk=batch.pk)),
        what="the batch to be found dead",
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and batch.retry == "apply"
    assert ProductionRecord.objects.count() == 0
    assert ProductionRecord.history.count() == 0

    client = Client()
    client.force_login(secretary)
    html = client.get(reverse("workers:import_batch", args=[batch.pk])).content
    assert b'id="retry-form"' in html
    client.post(reverse("workers:import_retry", args=[batch.pk]))

    retry = worker_process("--batch")
    output, _ = retry.communicate(timeout=300)
    assert retry.returncode == 0, output.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED, batch.error
    assert batch.counts == {"created": ROWS, "updated": 0, "unchanged": 0}
    assert ProductionRecord.objects.count() == ROWS
