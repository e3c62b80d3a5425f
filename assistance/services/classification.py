"""Classification (分类排队): the primary cause of a month's shortfall.

The rules themselves live in workers.classification, shared with the
classifications import; this is the queue's way in, with the form's
stale-edit check: a page of rows at once (``classify_workers``, a bounded
number of queries whatever the number of rows), or one worker (``classify``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assistance.services.common import StaleEditError, check_choice, check_month
from workers.classification import (
    NO_RECORD,
    ClassificationInput,
    save_classifications,
    shortfall_problems,
    stored_classifications,
)
from workers.models import Cause, ShortfallClassification, Worker
from workers.months import month_label


@dataclass(frozen=True)
class ClassifyRow:
    """One worker's cause as the page posted it; ``expected_version`` is the
    version the page showed (0: none existed; None: not checked)."""

    worker: Worker
    cause: str
    note: str
    expected_version: int | None = None


class ClassificationsRefused(Exception):
    """Nothing was saved. ``problems`` maps a worker's id to why their row
    was refused: a ValidationError, or a StaleEditError holding the
    classification as it is now."""

    def __init__(self, problems: dict[int, ValidationError | StaleEditError]):
        self.problems = problems
        super().__init__(f"{len(problems)} rows refused")


@transaction.atomic
def classify_workers(
    *,
    month: dt.date,
    rows: Sequence[ClassifyRow],
    by: AbstractBaseUser | None,
) -> int:
    """Set the primary cause of each row's shortfall in ``month``: all of
    them, or none (ClassificationsRefused names every refused row).

    A worker with no record that month, or who met quota, is refused; a row
    whose classification was saved meanwhile by someone else is stale.
    Saving the same cause and note again changes nothing. Returns how many
    were created or changed. The queries do not grow with the rows: the
    shortfalls are read at once and the rows written in bulk, announced once
    (workers.classification).
    """
    check_month(month)
    rows = [_stripped(row) for row in rows]
    problems = _problems(month, rows)
    if problems:
        raise ClassificationsRefused(problems)
    try:
        with transaction.atomic():
            result = save_classifications(
                rows=[
                    ClassificationInput(
                        worker_id=row.worker.pk,
                        month=month,
                        cause=row.cause,
                        note=row.note,
                        expected_version=row.expected_version,
                    )
                    for row in rows
                ],
                by=by,
            )
    except IntegrityError:  # created by someone else just now
        stale = _created_meanwhile(month, rows)
        if not stale:
            raise
        raise ClassificationsRefused(stale) from None
    if result.stale:
        raise ClassificationsRefused(
            {
                worker_id: StaleEditError(current)
                for (worker_id, _month), current in result.stale.items()
            }
        )
    return result.created + result.updated


def classify(
    *,
    worker: Worker,
    month: dt.date,
    cause: str,
    note: str,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> ShortfallClassification:
    """``classify_workers`` for one worker: its refusal raised as it is (a
    ValidationError, or StaleEditError when saved meanwhile by someone else)."""
    row = ClassifyRow(worker, cause, note, expected_version)
    try:
        classify_workers(month=month, rows=[row], by=by)
    except ClassificationsRefused as refused:
        raise refused.problems[worker.pk] from None
    return ShortfallClassification.objects.get(worker=worker, month=month)


def _stripped(row: ClassifyRow) -> ClassifyRow:
    return ClassifyRow(
        row.worker, row.cause, (row.note or "").strip(), row.expected_version
    )


def _problems(month: dt.date, rows: Sequence[ClassifyRow]) -> dict:
    """Every row that cannot be saved, with why (one query)."""
    problems: dict[int, ValidationError] = {}
    for row in rows:
        try:
            check_choice(row.cause, Cause, "cause")
        except ValidationError as error:
            problems[row.worker.pk] = error
    found = shortfall_problems([(row.worker.pk, month) for row in rows])
    for row in rows:
        problem = found.get((row.worker.pk, month))
        if problem is None or row.worker.pk in problems:
            continue
        values = {"name": row.worker, "month": month_label(month)}
        if problem == NO_RECORD:
            message = _(
                "%(name)s has no record for %(month)s, so there is no "
                "shortfall to classify."
            )
        else:
            message = _(
                "%(name)s met quota in %(month)s: only shortfalls are classified."
            )
        problems[row.worker.pk] = ValidationError(message % values, code=problem)
    return problems


def _created_meanwhile(month: dt.date, rows: Sequence[ClassifyRow]) -> dict:
    """The rows whose classification someone else created while these were
    written (the unique constraint refused them), as stale."""
    stored = stored_classifications((row.worker.pk, month) for row in rows)
    stale = {}
    for row in rows:
        current = stored.get((row.worker.pk, month))
        if current is not None and current.version != row.expected_version:
            stale[row.worker.pk] = StaleEditError(current)
    return stale
