"""The secretary's month, page by page: time and queries at the bench's size.

Every page a committee secretary opens in a month — the home, the
classification queue, the case list, the ranking, one workshop's entry
grid, an import's preview and the publish page — as the secretary, with
every cache emptied before each request (the worst case, the one that grows
with the data). run.py runs this phase at 1× and at 10× and compares them
(bench/report_secretary.py): the goals are each page within
GOAL_PAGE_MS at 1×, within 3× of that at 10×, and the same queries at
both sizes.

The import preview is the upload of one workshop's month of records (the
file a workshop's statistician brings): the request reads the file, checks
every row against the roster and renders the preview. Its batch is deleted
after each run, so every run meets the same data; nothing else here writes.
"""

from __future__ import annotations

import csv
import io
import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.generate import SECRETARY_USERNAME, Spec
from workers.models import ImportBatch, ProductionRecord, Workshop
from workers.months import month_str

RUNS = 5
WORKSHOP = "ws001"


def pages(spec: Spec) -> dict[str, str]:
    """The GET pages of the month, by name, for the bench's last month."""
    month = month_str(spec.last_month)
    return {
        "home": "/",
        "classification queue": f"/cases/classify/?month={month}",
        "case list": "/cases/",
        "ranking": f"/workers/ranking/?month={month}&workshop={WORKSHOP}",
        "entry grid": f"/workers/records/entry/?workshop={WORKSHOP}&month={month}",
        "publish": f"/reports/{month}/publish/",
    }


def _preview_file(spec: Spec) -> bytes:
    """One workshop's records of the last month, as its statistician sends
    them (the same rows again: the preview reads them as corrections)."""
    workshop = Workshop.objects.get(code=WORKSHOP)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["employee_no", "month", "quota", "output", "unit"])
    for number, quota, output, unit in (
        ProductionRecord.objects.filter(
            worker__workshop=workshop, month=spec.last_month
        )
        .order_by("worker__employee_no")
        .values_list("worker__employee_no", "quota", "output", "unit")
    ):
        writer.writerow([number, month_str(spec.last_month), quota, output, unit])
    return out.getvalue().encode("utf-8")


def _timed(request: Callable[[], object], after: Callable[[], object]) -> dict:
    """Median seconds of RUNS uncached requests (after one to warm up) and
    the queries of one; ``after`` undoes what a request left behind."""

    def run():
        cache.clear()
        response = request()
        after()
        return response

    first = run()
    status = getattr(first, "status_code", 200)
    if status != 200:
        return {"status": status}
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        request()
    # Counted now: the next request's request_started empties the log.
    queries = len(captured)
    after()
    times = []
    for _ in range(RUNS):
        cache.clear()
        start = time.perf_counter()
        request()
        times.append(time.perf_counter() - start)
        after()
    return {
        "status": 200,
        "queries": queries,
        "seconds": statistics.median(times),
    }


def secretary_phase(spec: Spec) -> dict:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=SECRETARY_USERNAME))
    results = {}
    for name, url in pages(spec).items():
        results[name] = {"url": url, **_timed(lambda url=url: client.get(url), _none)}

    data = _preview_file(spec)
    before = set(ImportBatch.objects.values_list("pk", flat=True))

    def upload():
        upload = SimpleUploadedFile("records.csv", data, content_type="text/csv")
        return client.post("/workers/import/records/", {"file": upload})

    def forget_batches():
        ImportBatch.objects.exclude(pk__in=before).delete()

    preview = _timed(upload, forget_batches)
    results["import preview"] = {
        "url": "POST /workers/import/records/",
        "rows": data.count(b"\n") - 1,
        **preview,
    }
    return results


def _none() -> None:
    return None
