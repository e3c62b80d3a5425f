"""Recording the check at the worker's own machine (上机检查) after a
demonstration: the worker applies the experience, or not yet, and why
(DESIGN.md, "Advanced experience"; which checks are due: assistance.checks).

One check per demonstration and attendee. Recording it again corrects it
(the history keeps the earlier result) if the person saw the check as it
is now: a form drawn before someone else recorded it is refused
(StaleEditError), as every versioned form of the project is.

A result ``applies`` is also the worker's level ``applies`` in the
experience on the day of the check, written in the same transaction through
workers.services.mastery.record_mastery (the one writer of mastery), so the
matrix and the experience's page show it; an ``applies`` corrected to "not
yet" corrects that day's level to ``learning`` the same way, when it is
still the check's ``applies``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from assistance.checks import Attendance, may_record_check
from assistance.models import CheckResult, Demonstration, MachineCheck
from assistance.services.common import StaleEditError, check_choice, field_error
from workers.changes import Change, announce_change
from workers.models import Mastery, MasteryLevel, Worker
from workers.services.mastery import MasteryInput, checked_on_problem, record_mastery

# The history's reason for the levels a check writes (at most 100 characters).
SOURCE = "check at the machine"


@transaction.atomic
def record_machine_check(
    *,
    demonstration: Demonstration,
    worker: Worker,
    result: str,
    reason: str = "",
    checked_on: dt.date,
    seen_version: int,
    by: AbstractBaseUser,
) -> MachineCheck:
    """Record what the check of ``worker`` after ``demonstration`` found.

    ``seen_version`` is the version of the check the form showed (0: none
    yet). Refused with a ValidationError naming the field: a demonstration
    of no experience of the catalogue, a worker who did not attend it, a
    result "not yet" without a reason, a day before the demonstration or
    after today. ``by`` must be on the secretary's side or a helper of the
    worker's active case (PermissionDenied otherwise).
    """
    if not may_record_check(by, worker):
        raise PermissionDenied
    check_choice(result, CheckResult, "result")
    reason = (reason or "").strip()
    _check_what_was_checked(demonstration, worker, result, reason, checked_on)
    current = (
        MachineCheck.objects.select_for_update()
        .filter(demonstration=demonstration, worker=worker)
        .first()
    )
    if (current.version if current else 0) != seen_version:
        raise StaleEditError(current)
    check = current or MachineCheck(demonstration=demonstration, worker=worker)
    earlier = (check.result, check.checked_on) if current else None
    check.result = result
    check.reason = reason if result == CheckResult.NOT_YET else ""
    check.checked_on = checked_on
    check.checked_by = by
    check.recorded_at = timezone.now()
    check.version = current.version + 1 if current else 1
    check._history_user = by
    try:
        # Two first recordings at once both saw none: the database's unique
        # pair refuses the second, which is stale.
        with transaction.atomic():
            check.save()
    except IntegrityError:
        raise StaleEditError(
            MachineCheck.objects.filter(
                demonstration=demonstration, worker=worker
            ).first()
        ) from None
    _keep_mastery(check, earlier, by)
    announce_change(Change.MASTERY, months={checked_on}, workers={worker.pk})
    return check


def _check_what_was_checked(
    demonstration: Demonstration,
    worker: Worker,
    result: str,
    reason: str,
    checked_on: dt.date,
) -> None:
    if demonstration.experience_id is None:
        raise ValidationError(
            _(
                "This demonstration names no experience of the catalogue: "
                "there is nothing to check at the machine."
            ),
            code="no_experience",
        )
    attended = Attendance.objects.filter(
        demonstration=demonstration, worker=worker
    ).exists()
    if not attended:
        raise ValidationError(
            _("%(name)s did not attend this demonstration.") % {"name": worker},
            code="not_an_attendee",
        )
    if result == CheckResult.NOT_YET and not reason:
        raise field_error(
            "reason",
            _("Say why the worker does not apply it yet."),
            "reason_required",
        )
    problem = checked_on_problem(checked_on)
    if problem is None and checked_on < demonstration.date:
        problem = _("is before the demonstration (%(date)s)") % {
            "date": demonstration.date.isoformat()
        }
    if problem is not None:
        raise field_error(
            "checked_on",
            _("“%(field)s” %(problem)s.")
            % {"field": capfirst(_("checked on")), "problem": problem},
            "bad_day",
        )


def _keep_mastery(
    check: MachineCheck, earlier: tuple[str, dt.date] | None, by: AbstractBaseUser
) -> None:
    """The worker's level says what the check found: ``applies`` on the
    day of an ``applies``; a withdrawn ``applies`` back to ``learning`` on
    its day, unless that day's level is no longer the check's."""
    experience_id = check.demonstration.experience_id
    rows = []
    if earlier is not None and earlier[0] == CheckResult.APPLIES:
        withdrawn = check.result != CheckResult.APPLIES or earlier[1] != (
            check.checked_on
        )
        still_ours = Mastery.objects.filter(
            worker=check.worker,
            experience_id=experience_id,
            checked_on=earlier[1],
            level=MasteryLevel.APPLIES,
        ).exists()
        if withdrawn and still_ours:
            rows.append(
                MasteryInput(
                    check.worker_id, experience_id, MasteryLevel.LEARNING, earlier[1]
                )
            )
    if check.result == CheckResult.APPLIES:
        rows.append(
            MasteryInput(
                check.worker_id,
                experience_id,
                MasteryLevel.APPLIES,
                check.checked_on,
            )
        )
    if rows:
        record_mastery(rows=rows, by=by, source=SOURCE)
