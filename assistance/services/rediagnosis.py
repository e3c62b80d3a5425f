"""Re-diagnosis (重新分析原因): a stuck case's cause or measure was wrong.

docs/ARCHITECTURE.md, "Definitions": a re-diagnosis changes an active case's
cause (and the worker's classification of the case's latest month below
quota) or its measure, in one step; a CaseEvent of kind ``rediagnosed``
keeps the old and the new of both, effective in the working month, so the
months before it read the case as it was (assistance.standing.as_of).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assistance.models import AssistanceCase, CaseEventKind, CaseStatus, Measure
from assistance.services.classification import classify
from assistance.services.common import (
    action_month,
    check_choice,
    check_version,
    field_error,
    lock_case,
    write_event,
)
from workers.models import Cause, ProductionRecord, ShortfallClassification


@transaction.atomic
def rediagnose(
    *,
    case: AssistanceCase,
    cause: str | None = None,
    measure: str | None = None,
    by: AbstractBaseUser | None,
    reason: str = "",
    expected_version: int | None = None,
) -> AssistanceCase:
    """Give ``case`` a new cause and/or a new measure (None or "": keep it).

    Refused for a closed case, and when neither changes. A new cause is
    also the cause of the worker's latest month below quota since the case's
    month, through the classification queue's service (its history and its
    announcement). One transaction: the event, the case and the
    classification, announced once as it ends (workers.changes).
    """
    case = lock_case(case)
    check_version(case, expected_version)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(
            _("A closed case cannot be re-diagnosed; reopen it first."),
            code="closed",
        )
    if cause:
        check_choice(cause, Cause, "cause")
    if measure:
        check_choice(measure, Measure, "measure")
    new_cause, new_measure = cause or case.cause, measure or case.measure
    if (new_cause, new_measure) == (case.cause, case.measure):
        raise field_error(
            "cause",
            _(
                "Choose a new cause or a new measure: the case has the cause "
                "“%(cause)s” and the measure “%(measure)s” already."
            )
            % {
                "cause": case.get_cause_display(),
                "measure": case.get_measure_display(),
            },
            "unchanged",
        )
    write_event(
        case,
        by=by,
        kind=CaseEventKind.REDIAGNOSED,
        to_status=case.status,
        effective_month=action_month(case),
        note=(reason or "").strip(),
        cause=new_cause,
        measure=new_measure,
        old_cause=case.cause,
        old_measure=case.measure,
    )
    if new_cause != case.cause:
        _reclassify(case, new_cause, by=by)
    case.cause, case.measure = new_cause, new_measure
    case.version += 1
    case.save(update_fields=["cause", "measure", "version"])
    return case


def _reclassify(case: AssistanceCase, cause: str, *, by) -> None:
    """The worker's latest month below quota since the case's month gets
    the new cause; its note, if it had one, is kept."""
    month = (
        ProductionRecord.objects.filter(worker=case.worker, month__gte=case.month)
        .below_quota()
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if month is None:
        return
    note = (
        ShortfallClassification.objects.filter(worker=case.worker, month=month)
        .values_list("note", flat=True)
        .first()
    )
    classify(worker=case.worker, month=month, cause=cause, note=note or "", by=by)
