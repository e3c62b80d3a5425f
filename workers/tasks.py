"""Background tasks of the workers app, run by the task worker
(``manage.py db_worker``; django-tasks with its database backend).

A large import is checked and applied here instead of in the request (see
workers/importing/batches.py for the steps and how a dead worker is told).
Arguments are ids and the uploader's language, so messages stored on the
batch read in the language of the person who will see them.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django_tasks import task

from workers.importing import batches
from workers.models import ImportBatch, ImportStatus

logger = logging.getLogger("catchup.imports")


def _take(batch_id: int, status: str) -> ImportBatch | None:
    """The batch if it still waits for this step; the worker's hold starts."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=status).first()
    if batch is None:
        logger.info("import batch %s: no longer %s, nothing to do", batch_id, status)
        return None
    # Heartbeat only once the hold is taken: a heartbeat says "a worker has
    # it", which reap_if_dead checks against the hold.
    batch.heartbeat_at = timezone.now()
    batch.phase = "reading"
    batch.worker_process = batches.this_process()
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=batch.heartbeat_at,
        phase="reading",
        progress_done=0,
        worker_process=batch.worker_process,
    )
    return batch


@task()
def check_import(batch_id: int, language: str) -> str:
    with translation.override(language), batches.worker_holds(batch_id):
        batch = _take(batch_id, ImportStatus.CHECKING)
        if batch is None:
            return "skipped"
        try:
            batches.check_batch(batch, progress=batches.Progress(batch))
        except Exception:
            logger.exception("import batch %s: checking failed", batch_id)
            batches.fail(batch, batches.worker_died_message(), retry="check")
            raise
        return batch.status


@task()
def apply_import(batch_id: int, user_id: int | None, language: str) -> str:
    with translation.override(language), batches.worker_holds(batch_id):
        batch = _take(batch_id, ImportStatus.IMPORTING)
        if batch is None:
            return "skipped"
        user = get_user_model().objects.filter(pk=user_id).first()
        try:
            batches.apply_batch(batch, user=user, progress=batches.Progress(batch))
        except Exception:
            logger.exception("import batch %s: importing failed", batch_id)
            batches.fail(batch, batches.worker_died_message(), retry="apply")
            raise
        return batch.status
