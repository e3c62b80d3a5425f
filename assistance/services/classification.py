"""Classification (分类排队): the primary cause of a month's shortfall."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assistance.services.common import StaleEditError, _check_choice, _check_month
from workers.models import Cause, ProductionRecord, ShortfallClassification, Worker
from workers.months import month_str


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
    _check_month(month)
    _check_choice(cause, Cause, "cause")
    note = (note or "").strip()
    record = ProductionRecord.objects.filter(worker=worker, month=month).first()
    if record is None:
        raise ValidationError(
            _(
                "%(name)s has no record for %(month)s, so there is no "
                "shortfall to classify."
            )
            % {"name": worker, "month": month_str(month)},
            code="no_record",
        )
    if record.meets_quota:
        raise ValidationError(
            _("%(name)s met quota in %(month)s: only shortfalls are classified.")
            % {"name": worker, "month": month_str(month)},
            code="met_quota",
        )
    current = (
        ShortfallClassification.objects.select_for_update()
        .filter(worker=worker, month=month)
        .first()
    )
    if expected_version is not None:
        seen = current.version if current is not None else 0
        if seen != expected_version:
            raise StaleEditError(current)
    if current is None:
        current = ShortfallClassification(worker=worker, month=month, version=0)
    elif current.cause == cause and current.note == note:
        return current
    current.cause = cause
    current.note = note
    current.classified_by = by
    current.version += 1
    current._history_user = by
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as error:  # created by someone else just now
        raise StaleEditError(
            ShortfallClassification.objects.filter(worker=worker, month=month).first()
        ) from error
    return current
