"""The measurements that run inside Django, one phase per process.

bench/run.py starts ``python bench/run.py --phase NAME`` with DATABASE_URL
pointing at the right bench database; each phase returns a JSON-able dict.
Each figure is measured against its baseline in the same process, on the same
data, a moment apart, so the ratio says something even on a busy machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.generate import (
    GENERATOR_VERSION,
    SECRETARY_USERNAME,
    Spec,
    generate,
    manager_username,
)
from workers.models import ProductionRecord, Worker
from workers.months import add_months, month_str

REPEAT = 7


def median_seconds(function: Callable[[], object], repeat: int = REPEAT) -> float:
    """Median wall time of ``repeat`` calls, after one call to warm up."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- prepare ---------------------------------------------------------------


def prepare(spec: Spec) -> dict:
    """Migrate, and generate the factory unless this database already has it."""
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)"
        )
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'spec'")
        row = cursor.fetchone()
    wanted = {
        "workers": spec.workers,
        "months": spec.months,
        "version": GENERATOR_VERSION,
    }
    # Django hands jsonb over as text.
    stored = json.loads(row[0]) if row else None
    if stored == wanted:
        return {"generated": False, "counts": _counts()}
    if stored is not None or ProductionRecord.objects.exists():
        raise SystemExit(
            "the bench database holds other data; run.py drops and recreates it"
        )
    start = time.perf_counter()
    timings = generate(spec, log=lambda line: print(line, flush=True))
    # The generator writes in bulk, announcing nothing: the monthly
    # summaries the pages read are built once, as after a restore.
    summaries_start = time.perf_counter()
    call_command("rebuild_summaries")
    timings["summaries"] = time.perf_counter() - summaries_start
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_meta (key, value) VALUES ('spec', %s)",
            [json.dumps(wanted)],
        )
    return {
        "generated": True,
        "seconds": seconds,
        "timings": timings,
        "counts": _counts(),
    }


def _counts() -> dict:
    from assistance.models import AssistanceCase
    from workers.models import ShortfallClassification, Workshop

    return {
        "workshops": Workshop.objects.count(),
        "workers": Worker.objects.count(),
        "records": ProductionRecord.objects.count(),
        "classifications": ShortfallClassification.objects.count(),
        "cases": AssistanceCase.objects.count(),
    }


# --- import vs COPY --------------------------------------------------------


def records_file(spec: Spec, rows: int) -> tuple[bytes, list[dt.date]]:
    """A records CSV of ``rows`` rows for the months after the generated ones.

    Every worker, month after month, as a year of monthly files would be.
    """
    numbers = list(Worker.objects.order_by("pk").values_list("employee_no", flat=True))
    rng = random.Random(1957)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["employee_no", "month", "quota", "output", "unit"])
    months: list[dt.date] = []
    written = 0
    offset = 1
    while written < rows:
        month = add_months(spec.last_month, offset)
        months.append(month)
        for number in numbers:
            if written == rows:
                break
            quota = rng.choice([100, 120, 150, 200, 250])
            output = Decimal(quota * rng.uniform(0.8, 1.4)).quantize(Decimal("0.01"))
            writer.writerow([number, month_str(month), quota, output, "件"])
            written += 1
        offset += 1
    return out.getvalue().encode("utf-8"), months


def copy_seconds(data: bytes) -> float:
    """PostgreSQL COPY of the same CSV into a bare table: the floor."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare (employee_no text, month text,"
            " quota numeric(12, 2), output numeric(12, 2), unit text)"
        )

    def copy():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_bare")
            cursor.cursor.copy_expert(
                "COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)",
                io.BytesIO(data),
            )

    seconds = median_seconds(copy, repeat=5)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_bare")
    return seconds


def import_records(data: bytes, user) -> dict:
    """The app's own path: read the file, check every row, save in one go.

    What the import page's confirm step and ``import_records`` run: the
    records importer (read_table → plan → apply → save_records, with history
    and the records_saved signal that syncs the cases).
    """
    from workers.importing import get_importer

    importer = get_importer("records")
    stages = {}
    start = time.perf_counter()
    table = importer.read(data, "records.csv")
    stages["read"] = time.perf_counter() - start
    start = time.perf_counter()
    plan = importer.plan(table, options={})
    stages["plan"] = time.perf_counter() - start
    if not plan.ok:
        raise SystemExit(f"the bench file has errors: {plan.errors[:3]}")
    start = time.perf_counter()
    counts = importer.apply(plan, user=user)
    stages["apply"] = time.perf_counter() - start
    return {
        "seconds": sum(stages.values()),
        "stages": stages,
        "counts": counts,
        "path": "workers.importing records importer: read → plan → apply",
    }


def _worker_ids() -> dict[str, int]:
    return dict(Worker.objects.values_list("employee_no", "pk"))


def floor_seconds(data: bytes, user, months: list[dt.date]) -> dict:
    """The database's floor for the app's result: the same rows COPYed into
    the real tables — records and their history rows, with every index,
    constraint and deferred foreign-key check — and committed.

    What Python does beforehand (untimed): resolve employee numbers to worker
    ids and take record ids from the table's sequence, so that both tables
    are plain COPYs. Timed: BEGIN, COPY records, COPY history, COMMIT, on a
    connection of its own. Undone after each of the three runs (untimed);
    the median is the floor.
    """
    import psycopg2

    ids = _worker_ids()
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    next(reader)
    rows = [
        (ids[no], month + "-01", quota, output, unit)
        for no, month, quota, output, unit in reader
    ]
    record_table = ProductionRecord._meta.db_table
    history_table = ProductionRecord.history.model._meta.db_table
    settings_dict = connection.settings_dict
    runs = []
    for _ in range(3):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                [record_table, len(rows)],
            )
            record_ids = [value for (value,) in cursor.fetchall()]
        now = dt.datetime.now(dt.UTC).isoformat()
        by = user.pk
        records = io.StringIO()
        history = io.StringIO()
        for record_id, (worker, month, quota, output, unit) in zip(
            record_ids, rows, strict=True
        ):
            common = f"{record_id}\t{worker}\t{month}\t{quota}\t{output}\t{unit}"
            records.write(f"{common}\t{by}\t{now}\t{by}\t{now}\n")
            history.write(
                f"{common}\t{by}\t{now}\t{by}\t{now}\t{now}\t{by}\tfloor\t+\n"
            )
        columns = (
            "id, worker_id, month, quota, output, unit, "
            "entered_by_id, entered_at, updated_by_id, updated_at"
        )
        raw = psycopg2.connect(
            host=settings_dict["HOST"] or "127.0.0.1",
            port=settings_dict["PORT"] or 5432,
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"] or None,
            dbname=settings_dict["NAME"],
            options="-c jit=off",
        )
        try:
            records.seek(0)
            history.seek(0)
            with raw.cursor() as cursor:
                start = time.perf_counter()
                cursor.copy_expert(
                    f"COPY {record_table} ({columns}) FROM STDIN", records
                )
                cursor.copy_expert(
                    f"COPY {history_table} ({columns}, history_date, "
                    "history_user_id, history_change_reason, history_type) "
                    "FROM STDIN",
                    history,
                )
                raw.commit()
                runs.append(time.perf_counter() - start)
        finally:
            raw.close()
        _undo_months(months)
    return {"seconds": statistics.median(runs), "runs": runs}


def _undo_months(months: list[dt.date]) -> None:
    """Remove the imported months' records and history, untimed, and tidy up
    so that the next run starts from the same table."""
    history = ProductionRecord.history.model._meta.db_table
    record = ProductionRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {history} WHERE month = ANY(%s)", [months])
        cursor.execute(f"DELETE FROM {record} WHERE month = ANY(%s)", [months])
        cursor.execute(f"VACUUM ANALYZE {history}")
        cursor.execute(f"VACUUM ANALYZE {record}")


def import_phase(spec: Spec, rows: int) -> dict:
    """On a throw-away clone of the bench database (run.py makes it).

    In one process, on the same data: the bare COPY (for reference), the
    floor (COPY into the real tables with history), the app's import (new
    rows, then the same file again), and the peer (django-import-export)
    importing the same new rows once the app's are undone.

    run.py runs this in rounds, each on a fresh clone, so that the floor and
    the app alternate in time (BENCH_IMPORT_PEER=0: the peer, ten seconds of
    a round, runs in the first round only).
    """
    from bench.peer import import_with_peer

    user = get_user_model().objects.get(username=SECRETARY_USERNAME)
    data, months = records_file(spec, rows)
    baseline = copy_seconds(data)
    floor = floor_seconds(data, user, months)
    first = import_records(data, user)
    again = import_records(data, user)
    _undo_months(months)
    peer = (
        import_with_peer(data, user)
        if os.environ.get("BENCH_IMPORT_PEER", "1") != "0"
        else None
    )
    return {
        "rows": rows,
        "months": [month_str(month) for month in months],
        "bytes": len(data),
        "copy_seconds": baseline,
        "floor": floor,
        "import": first,
        "reimport": again,
        "peer": peer,
    }


def memory_phase(spec: Spec, rows: int) -> dict:
    """Peak memory of importing ``rows`` new rows (a fresh clone, a fresh process)."""
    user = get_user_model().objects.get(username=SECRETARY_USERNAME)
    data, _ = records_file(spec, rows)
    settings.DEBUG = False  # no query log growing with every statement
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    result = import_records(data, user)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": rows,
        "bytes": len(data),
        "python_peak_bytes": peak,
        "rss_before_bytes": before_kb * 1024,
        "rss_peak_bytes": after_kb * 1024,
        "counts": result["counts"],
    }


# --- the movement report vs hand-written SQL -------------------------------

HAND_STANDING = """
    WITH standard AS MATERIALIZED (
        SELECT m.month,
               coalesce((SELECT s.threshold_pct FROM workers_advancedstandard s
                         WHERE s.effective_from <= m.month
                         ORDER BY s.effective_from DESC LIMIT 1), 100) AS pct
        FROM (VALUES (%(month)s::date), (%(compare)s::date)) AS m(month)
    )
    SELECT counts.month, ws.code, ws.name, on_quota, advanced, failing
    FROM (
        SELECT r.month, w.workshop_id,
               count(*) AS on_quota,
               count(*) FILTER (WHERE d.id IS NULL
                                AND r.output * 100 >= st.pct * r.quota) AS advanced,
               count(*) FILTER (WHERE r.output < r.quota) AS failing
        FROM workers_productionrecord r
        JOIN standard st ON st.month = r.month
        JOIN workers_worker w ON w.id = r.worker_id
        LEFT JOIN workers_disqualification d
               ON d.worker_id = r.worker_id AND d.month = r.month
        WHERE r.month IN (%(month)s, %(compare)s)
        GROUP BY r.month, w.workshop_id
    ) counts
    JOIN workers_workshop ws ON ws.id = counts.workshop_id
"""
HAND_CAUSES = """
    SELECT coalesce(c.cause, 'unclassified'), count(*)
    FROM workers_productionrecord r
    LEFT JOIN workers_shortfallclassification c
           ON c.worker_id = r.worker_id AND c.month = r.month
    WHERE r.month = %(month)s AND r.output < r.quota
    GROUP BY 1
"""
# A case's status at the end of the month (assistance.standing): closed if
# the latest closing or reopening effective by then is a closing, else
# reached quota if the worker's latest record after the case's month and up
# to the month meets quota, else open.
HAND_CASES = """
    SELECT CASE WHEN people.to_status = 'closed' THEN 'closed'
                WHEN latest.meets THEN 'reached_quota'
                ELSE 'open' END AS status_then,
           count(*)
    FROM assistance_assistancecase c
    LEFT JOIN LATERAL (
        SELECT e.to_status FROM assistance_caseevent e
        WHERE e.case_id = c.id AND e.kind = 'status'
          AND e.effective_month <= %(month)s
          AND (e.to_status = 'closed' OR e.from_status = 'closed')
        ORDER BY e.effective_month DESC, e.at DESC, e.id DESC LIMIT 1
    ) people ON true
    LEFT JOIN LATERAL (
        SELECT r.output >= r.quota AS meets FROM workers_productionrecord r
        WHERE r.worker_id = c.worker_id AND r.month > c.month
          AND r.month <= %(month)s
        ORDER BY r.month DESC LIMIT 1
    ) latest ON true
    WHERE c.month <= %(month)s
    GROUP BY 1
"""


def hand_report(month: dt.date, compare: dt.date) -> dict:
    """The report's counts, by hand: three statements, a few dict updates."""
    params = {"month": month, "compare": compare}
    totals = {month: [0, 0, 0], compare: [0, 0, 0]}
    workshops: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(HAND_STANDING, params)
        for row_month, code, _name, on_quota, advanced, failing in cursor.fetchall():
            for index, value in enumerate((on_quota, advanced, failing)):
                totals[row_month][index] += value
            if row_month == month:
                workshops[code] = [on_quota, advanced, failing]
        cursor.execute(HAND_CAUSES, params)
        causes = dict(cursor.fetchall())
        cursor.execute(HAND_CASES, params)
        cases = dict(cursor.fetchall())
    return {
        "now": totals[month],
        "compare": totals[compare],
        "workshops": workshops,
        "causes": causes,
        "cases": cases,
    }


def _same_figures(report: dict, hand: dict) -> list[str]:
    """Where the selector and the hand-written SQL disagree (should be nowhere)."""
    problems = []
    now = [report["workers_on_quota"], report["advanced"], report["failing"]]
    if now != hand["now"]:
        problems.append(f"month totals {now} ≠ {hand['now']}")
    before = report["compare"]
    before = [before["workers_on_quota"], before["advanced"], before["failing"]]
    if before != hand["compare"]:
        problems.append(f"compared totals {before} ≠ {hand['compare']}")
    for key, value in report["causes"].items():
        if value["count"] != hand["causes"].get(key, 0):
            problems.append(f"cause {key}")
    for key, value in report["cases"].items():
        if value != hand["cases"].get(key, 0):
            problems.append(f"cases {key}")
    for entry in report["workshops"]:
        figures = [entry["workers_on_quota"], entry["advanced"], entry["failing"]]
        if figures != hand["workshops"].get(entry["code"], [0, 0, 0]):
            problems.append(f"workshop {entry['code']}")
    return problems


def report_phase(spec: Spec) -> dict:
    from factory.figures.reports import movement_report

    month, compare = spec.last_month, add_months(spec.last_month, -1)
    report = movement_report(month=month, compare=compare)
    hand = hand_report(month, compare)
    with CaptureQueriesContext(connection) as queries:
        movement_report(month=month, compare=compare)
    return {
        "month": month_str(month),
        "selector_seconds": median_seconds(
            lambda: movement_report(month=month, compare=compare)
        ),
        "hand_seconds": median_seconds(lambda: hand_report(month, compare)),
        "selector_queries": len(queries),
        "disagreements": _same_figures(report, hand),
    }


# --- dashboard pages: queries and time -------------------------------------


def pages(spec: Spec) -> dict[str, str]:
    month, compare = (
        month_str(spec.last_month),
        month_str(add_months(spec.last_month, -1)),
    )
    return {
        "factory dashboard": f"/dashboard/?month={month}&compare={compare}",
        "workshop dashboard": f"/dashboard/workshops/ws001/?month={month}",
        "monthly bulletin": f"/reports/{month}/",
        "movement.json": f"/reports/movement.json?month={month}&compare={compare}",
    }


def pages_phase(spec: Spec) -> dict:
    """Each page as the secretary, the cache emptied before every request.

    Uncached is the worst case and the one that grows with the data; the
    cached figure is measured too, as the load test sees it.
    """
    # A page that fails is reported as its status, not as the bench's crash.
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=SECRETARY_USERNAME))
    results = {}
    for name, url in pages(spec).items():
        cache.clear()
        response = client.get(url)
        if response.status_code != 200:
            results[name] = {"url": url, "status": response.status_code}
            continue

        def cold(url=url):
            cache.clear()
            return client.get(url)

        cache.clear()
        with CaptureQueriesContext(connection) as cold_queries:
            client.get(url)
        with CaptureQueriesContext(connection) as warm_queries:
            client.get(url)
        results[name] = {
            "url": url,
            "status": 200,
            "queries": len(cold_queries),
            "cached_queries": len(warm_queries),
            "seconds": median_seconds(cold, repeat=5),
            "cached_seconds": median_seconds(lambda url=url: client.get(url), 5),
        }
    return results


# --- sessions for the load test --------------------------------------------


def sessions_phase(spec: Spec, count: int) -> dict:
    """Logged-in session cookies: the secretary and workshop directors."""
    user_model = get_user_model()
    names = [SECRETARY_USERNAME] + [
        manager_username(index) for index in range(1, spec.workshops + 1)
    ]
    cookies = []
    for name in names[:count]:
        client = Client()
        client.force_login(user_model.objects.get(username=name))
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "cookies": cookies,
        "dashboard": pages(spec)["factory dashboard"],
        "json": pages(spec)["movement.json"],
    }
