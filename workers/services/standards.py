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


def _save_checked(
    decision: AdvancedStandard | Disqualification, *, by: AbstractBaseUser | None
) -> None:
    """Validate and save a decision; its history names ``by`` as who made it."""
    decision.full_clean()
    decision._history_user = by
    decision.save()


@transaction.atomic
def set_advanced_standard(
    *, month: dt.date, threshold_pct: Decimal, by: AbstractBaseUser | None
) -> AdvancedStandard:
    """Put a standard in force from ``month`` on; earlier months keep theirs.

    Setting it again for the same month replaces the figure (history keeps
    the earlier one, with who and when).
    """
    standard = (
        AdvancedStandard.objects.select_for_update()
        .filter(effective_from=month)
        .first()
    ) or AdvancedStandard(effective_from=month)
    standard.threshold_pct = threshold_pct
    standard.set_by = by
    standard.set_at = timezone.now()
    _save_checked(standard, by=by)
    return standard


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
    decision = (
        Disqualification.objects.select_for_update()
        .filter(worker=worker, month=month)
        .first()
    ) or Disqualification(worker=worker, month=month)
    decision.reason = reason
    decision.note = note
    decision.decided_by = by
    decision.decided_at = timezone.now()
    _save_checked(decision, by=by)
    return decision


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
