"""A records file past the background threshold (IMPORT_BACKGROUND_ROWS)
through the upload page, in a real browser, with a real task worker
(``manage.py db_worker`` in a subprocess): the request returns at once, the
progress bar moves without the page reloading, and the import completes.

The worker is held at the step the page must show (a trigger waiting on a
lock the test holds), so the outcome does not depend on the file's size or
the machine's speed: a few thousand rows past the threshold prove what
150,000 did (make bench keeps the big file: 100,000 rows).

PostgreSQL only: the task worker is another process and must reach the test
database (CI runs the suite on PostgreSQL).
"""

import time

import pytest

from tests.ops.helpers import (
    held_by_trigger,
    postgresql_only,
    wait_until_blocked_on_a_lock,
)
from tests.spreadsheets import csv_bytes
from tests.tasks import worker_process
from workers.models import ImportBatch, ImportStatus, ProductionRecord, Worker

pytestmark = [
    pytest.mark.e2e,
    postgresql_only,
    pytest.mark.django_db(transaction=True),
]

# Past the threshold of the test settings (the default, 20,000 rows).
ROWS = 25_000


def test_a_file_for_the_task_worker_returns_at_once_shows_progress_and_completes(
    page, login, screenshot, secretary, workshop, tmp_path, capsys, settings
):
    assert settings.IMPORT_BACKGROUND_ROWS < ROWS
    Worker.objects.bulk_create(
        (
            Worker(employee_no=f"B{i:06d}", name=f"工人{i}", workshop=workshop)
            for i in range(ROWS)
        ),
        batch_size=5000,
    )
    path = tmp_path / "1956-03.csv"
    path.write_bytes(
        csv_bytes(
            [["工号", "月份", "定额", "实际完成"]]
            + [[f"B{i:06d}", "1956-03", "100", str(60 + i % 60)] for i in range(ROWS)],
            "gbk",
        )
    )
    held = held_by_trigger(
        ImportBatch._meta.db_table,
        "BEFORE UPDATE",
        row=True,
        condition="NEW.phase = 'checking' AND OLD.phase IS DISTINCT FROM NEW.phase",
    )
    with held as release:
        worker = worker_process()
        try:
            login("alice")
            page.goto(page.url.rstrip("/") + "/workers/import/records/")
            page.set_input_files("#id_file", str(path))
            started = time.monotonic()
            with page.expect_navigation():
                page.click("#import-form button[type=submit]")
            returned = time.monotonic() - started
            # The request handed the file to the task worker: the page that
            # came back is the batch's progress, not the preview (times are
            # printed, not asserted: a busy CI machine would make them flaky).
            assert page.locator("#batch-progress").count() == 1
            # A mark on this page: a reload would wipe it.
            page.evaluate("window.stillTheSamePage = true")
            label = page.locator("#batch-progress-label")
            waiting = label.inner_text()
            # The worker took the file, read it and now waits on the hold,
            # before checking: the page swaps in the reading phase by itself,
            # without a reload.
            wait_until_blocked_on_a_lock(timeout=120)
            page.wait_for_selector(
                '#batch-progress[data-phase="reading"]', timeout=120_000
            )
            assert page.evaluate("window.stillTheSamePage === true")
            # The bar moved: a second reading, the reading phase's.
            reading = label.inner_text()
            assert reading != waiting
            assert "正在读取文件" in reading or "Reading the file" in reading, reading
            release()
            # Let go, it checks the rows and the page reloads itself into
            # the preview.
            page.wait_for_selector("#confirm-form", timeout=300_000)
            checked = time.monotonic() - started
            assert page.locator("#count-created").inner_text() == f"{ROWS}"
            screenshot("import-background-preview")

            confirmed = time.monotonic()
            with page.expect_navigation():
                page.click("#confirm-form button[type=submit]")
            page.wait_for_selector("#batch-applied", timeout=300_000)
            completed = time.monotonic() - confirmed
            screenshot("import-background-done")
            assert page.locator("#count-created").inner_text() == f"{ROWS}"
        finally:
            worker.kill()
            worker.wait()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.APPLIED
    assert ProductionRecord.objects.count() == ROWS
    with capsys.disabled():
        print(
            f"\n{ROWS:,} rows: upload returned in {returned:.2f} s, checked in "
            f"{checked:.1f} s; confirm imported in {completed:.1f} s"
        )
