"""The advanced standard in force from a month on, and the committee's
disqualifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from workers.models import (
    AdvancedStandard,
    Disqualification,
    Worker,
)
from workers.services.values import clean_record_month

# --- the standard and disqualifications ---


def _replace_decision(model, *, key: dict, values: dict, by: AbstractBaseUser | None):
    """The decision stored under ``key`` (locked) or a new one, given
    ``values``, validated and saved; its history names ``by`` as who made
    it, and keeps the decision it replaced."""
    decision = model.objects.select_for_update().filter(**key).first() or model(**key)
    for name, value in values.items():
        setattr(decision, name, value)
    decision.full_clean()
    decision._history_user = by
    decision.save()
    return decision


@transaction.atomic
def set_advanced_standard(
    *, month: dt.date, threshold_pct: Decimal, by: AbstractBaseUser | None
) -> AdvancedStandard:
    """Put a standard in force from ``month`` on; earlier months keep theirs.

    Setting it again for the same month replaces the figure (history keeps
    the earlier one, with who and when).
    """
    return _replace_decision(
        AdvancedStandard,
        key={"effective_from": month},
        values={"threshold_pct": threshold_pct, "set_by": by, "set_at": timezone.now()},
        by=by,
    )


@transaction.atomic
def disqualify(
    *,
    worker: Worker,
    month: dt.date,
    reason: str,
    note: str = "",
    by: AbstractBaseUser | None,
) -> Disqualification:
    """Record the committee's decision that ``worker`` is not advanced in ``month``.

    Deciding again for the same worker-month replaces the reason and note.
    """
    clean_record_month(month)
    return _replace_decision(
        Disqualification,
        key={"worker": worker, "month": month},
        values={
            "reason": reason,
            "note": note,
            "decided_by": by,
            "decided_at": timezone.now(),
        },
        by=by,
    )


@transaction.atomic
def requalify(*, worker: Worker, month: dt.date, by: AbstractBaseUser | None) -> bool:
    """Withdraw a disqualification; history keeps it with who withdrew it."""
    decision = (
        Disqualification.objects.select_for_update()
        .filter(worker=worker, month=month)
        .first()
    )
    if decision is None:
        return False
    decision._history_user = by
    decision.delete()
    return True
