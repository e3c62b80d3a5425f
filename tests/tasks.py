"""Running the background tasks in tests, for real.

``run_queued_tasks`` runs every task waiting in the database queue through
django-tasks-db's own worker code (``Worker.run_task``: the task is loaded
from its row, called, and its result stored), in this process and this test's
transaction. The worker's loop (``db_worker``) is left out only because it
closes old connections between tasks, which would end the test's
transaction; ``worker_process`` runs the real command in a subprocess, for
the tests that need a process to kill (PostgreSQL, transactional tests).
"""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

ROOT = Path(__file__).resolve().parents[1]


def run_queued_tasks() -> int:
    """Run the queued tasks (and any they enqueue); how many ran."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while result := DBTaskResult.objects.ready().order_by("enqueued_at").first():
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def database_url() -> str:
    """The test database's URL, for a subprocess (PostgreSQL only)."""
    params = connection.settings_dict
    user = params["USER"] or "postgres"
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    host = params["HOST"] or "127.0.0.1"
    port = params["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


def worker_process(*args: str, **env: str) -> subprocess.Popen:
    """``manage.py db_worker`` in a subprocess, on the test database."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "factory.test_settings",
        "DEBUG": "0",
        **env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.1",
            *args,
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
