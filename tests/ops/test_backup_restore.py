"""Backup and restore: pg_dump of a populated database, restored into a new
one, gives the same movement report (the procedure of docs/DEPLOY.md)."""

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from assistance.models import Measure
from assistance.services import open_case
from factory.figures.reports import movement_report
from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.ops.helpers import postgresql_only
from workers.models import Cause, PoliticalStatus, ShortfallClassification
from workers.services import disqualify, set_advanced_standard

ROOT = Path(__file__).resolve().parents[2]
FEB, MAR = dt.date(1956, 2, 1), dt.date(1956, 3, 1)
TABLES = [
    "workers_worker",
    "workers_productionrecord",
    "workers_historicalproductionrecord",
    "workers_shortfallclassification",
    "assistance_assistancecase",
    "assistance_caseevent",
    "auth_user",
]

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def server_args() -> tuple[list[str], dict]:
    """Command-line options and environment for the PostgreSQL client tools."""
    settings = connection.settings_dict
    args = ["--host", settings["HOST"] or "127.0.0.1"]
    args += ["--port", str(settings["PORT"] or 5432)]
    args += ["--username", settings["USER"] or "postgres"]
    env = {**os.environ}
    if settings["PASSWORD"]:
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=120, **kwargs
    )


def report_from_command(database_url: str) -> dict:
    """`manage.py movement_report --format json`, as an operator would run it."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "movement_report",
            "--month",
            "1956-03",
            "--compare",
            "1956-02",
            "--format",
            "json",
        ],
        env=env,
        cwd=ROOT,
    )
    return json.loads(completed.stdout)


def table_counts(database: str) -> dict[str, int]:
    args, env = server_args()
    query = " UNION ALL ".join(
        f"SELECT '{table}', count(*) FROM {table}" for table in TABLES
    )
    completed = run(
        ["psql", *args, "--dbname", database, "-AtF", "\t", "-c", query], env=env
    )
    return {
        name: int(count)
        for name, count in (line.split("\t") for line in completed.stdout.splitlines())
    }


def url_for(database: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{settings['USER'] or 'postgres'}{password}@"
        f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{database}"
    )


@pytest.fixture
def populated_factory(secretary, workshop, other_workshop):
    """Two workshops, two months, every part of the report non-empty."""
    set_advanced_standard(month=FEB, threshold_pct=Decimal("100"), by=secretary)
    helper = WorkerFactory(
        workshop=workshop, political_status=PoliticalStatus.PARTY_MEMBER
    )
    outputs = [80, 95, 100, 104, 112, 120, 70, 99, 130, 101]
    failing = []
    for index, output in enumerate(outputs):
        worker = WorkerFactory(workshop=workshop if index % 2 else other_workshop)
        ProductionRecordFactory(worker=worker, month=FEB, output=Decimal(output - 5))
        ProductionRecordFactory(worker=worker, month=MAR, output=Decimal(output))
        if output < 100:
            failing.append(worker)
    for worker, cause in zip(failing, [Cause.TECHNIQUE, Cause.FAMILY], strict=False):
        ShortfallClassification.objects.create(worker=worker, month=MAR, cause=cause)
    open_case(
        worker=failing[0],
        month=MAR,
        cause=Cause.TECHNIQUE,
        measure=Measure.DEMONSTRATION,
        helpers=[helper],
        opened_by=secretary,
    )
    best = WorkerFactory(workshop=workshop)
    ProductionRecordFactory(worker=best, month=MAR, output=Decimal("150"))
    disqualify(worker=best, month=MAR, reason="safety", note="", by=secretary)


def test_a_restored_dump_gives_the_same_movement_report(populated_factory, tmp_path):
    # The command's JSON is the report with the campaigns of its scope
    # (none here), added where the report is served.
    expected = json.loads(
        json.dumps({**movement_report(month=MAR, compare=FEB), "campaigns": []})
    )
    assert expected["workers_on_quota"] == 11
    assert expected["failing"] and expected["advanced"]
    assert expected["cases"]["open"] == 1

    original = connection.settings_dict["NAME"]
    args, env = server_args()
    dump = tmp_path / "catchup.dump"
    run(
        ["pg_dump", *args, "--format=custom", "--no-owner", "--file", str(dump)]
        + [original],
        env=env,
    )
    restored = f"catchup_restore_{uuid.uuid4().hex[:12]}"
    run(["createdb", *args, restored], env=env)
    try:
        run(
            ["pg_restore", *args, "--no-owner", "--exit-on-error"]
            + ["--dbname", restored, str(dump)],
            env=env,
        )
        assert report_from_command(url_for(restored)) == expected
        assert table_counts(restored) == table_counts(original)
    finally:
        run(["dropdb", *args, "--force", "--if-exists", restored], env=env)
