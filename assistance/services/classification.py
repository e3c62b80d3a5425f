"""Classification (分类排队): the primary cause of a month's shortfall.

The rules themselves live in workers.classification, shared with the
classifications import; this is the queue form's way in, one worker at a
time, with the form's stale-edit check.
"""

from __future__ import annotations

import datetime as dt

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
)
from workers.models import Cause, ShortfallClassification, Worker
from workers.months import month_label


@transaction.atomic
def classify(
    *,
    worker: Worker,
    month: dt.date,
    cause: str,
    note: str,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> ShortfallClassification:
    """Set the primary cause of ``worker``'s shortfall in ``month``.

    Refused for a worker with no record that month or who met quota.
    ``expected_version`` is the version the form showed (0: none existed);
    a classification saved meanwhile by someone else raises StaleEditError.
    Saving the same cause and note again changes nothing.
    """
    check_month(month)
    check_choice(cause, Cause, "cause")
    note = (note or "").strip()
    problem = shortfall_problems([(worker.pk, month)]).get((worker.pk, month))
    if problem == NO_RECORD:
        raise ValidationError(
            _(
                "%(name)s has no record for %(month)s, so there is no "
                "shortfall to classify."
            )
            % {"name": worker, "month": month_label(month)},
            code="no_record",
        )
    if problem is not None:
        raise ValidationError(
            _("%(name)s met quota in %(month)s: only shortfalls are classified.")
            % {"name": worker, "month": month_label(month)},
            code="met_quota",
        )
    row = ClassificationInput(
        worker_id=worker.pk,
        month=month,
        cause=cause,
        note=note,
        expected_version=expected_version,
    )
    try:
        with transaction.atomic():
            result = save_classifications(rows=[row], by=by)
    except IntegrityError as error:  # created by someone else just now
        raise StaleEditError(
            ShortfallClassification.objects.filter(worker=worker, month=month).first()
        ) from error
    if result.stale:
        raise StaleEditError(result.stale[(worker.pk, month)])
    return ShortfallClassification.objects.get(worker=worker, month=month)
