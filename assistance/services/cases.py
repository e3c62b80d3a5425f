"""Opening, changing, following, closing and reopening help cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import (
    AssistanceCase,
    CaseEventKind,
    CaseOutcome,
    CaseStatus,
    FollowUp,
    FollowUpKind,
    Measure,
)
from assistance.services.common import (
    UNKNOWN,
    StaleEditError,
    action_month,
    check_choice,
    check_experience,
    check_helpers,
    check_month,
    check_target,
    check_version,
    field_error,
    lock_case,
    write_event,
)
from assistance.services.sync import apply_transitions
from workers.completeness import default_month
from workers.models import Cause, Experience, ProductionRecord, Worker
from workers.months import month_label


@transaction.atomic
def open_case(
    *,
    worker: Worker,
    month: dt.date,
    cause: str,
    measure: str,
    helpers: Iterable[Worker],
    opened_by: AbstractBaseUser | None,
    target_month: dt.date | None = None,
    experience: Experience | None = None,
) -> AssistanceCase:
    """Open a help case for ``worker`` from ``month`` with its helpers.

    Refused when the worker already has an active case, when a helper is not
    eligible (docs/ARCHITECTURE.md), is the worker, or already carries the most cases
    CASE_HELPER_LIMIT allows. If a record after ``month`` already meets
    quota, the case reaches quota at once, as a sync would have done.
    A technique case may name the ``experience`` the worker is to learn,
    one of his trade's (assistance.experience_suggestions).
    """
    check_month(month)
    check_choice(cause, Cause, "cause")
    check_choice(measure, Measure, "measure")
    check_target(target_month, month)
    check_experience(experience, cause, worker)
    # The worker's row is the lock that keeps "one active case per worker"
    # true when two people open a case for the same worker at the same time.
    worker = Worker.objects.select_for_update().get(pk=worker.pk)
    if not worker.active:
        raise ValidationError(
            _("%(name)s is no longer on the active roster.") % {"name": worker},
            code="inactive_worker",
        )
    existing = AssistanceCase.objects.filter(worker=worker).active().first()
    if existing is not None:
        raise ValidationError(
            _(
                "%(name)s already has an active help case (opened %(month)s); "
                "a worker has one active case at a time."
            )
            % {"name": worker, "month": month_label(existing.month)},
            code="active_case_exists",
        )
    helper_list = check_helpers(worker=worker, helper_ids={h.pk for h in helpers})
    case = AssistanceCase(
        worker=worker,
        month=month,
        cause=cause,
        measure=measure,
        target_month=target_month,
        opened_by=opened_by,
        experience=experience,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as error:  # the database's own one-active-case check
        raise StaleEditError(None) from error
    case.helpers.set(helper_list)
    write_event(
        case,
        by=opened_by,
        from_status="",
        to_status=CaseStatus.OPEN,
        month=month,
        effective_month=month,
        measure=measure,
    )
    # A record after the case's month at or above quota reaches it at once,
    # as a sync would. A case is usually opened for the latest month, with
    # no later record: one probe of the records' index says so, where the
    # transitions' query costs ten times as much to build.
    if ProductionRecord.objects.filter(worker=worker, month__gt=month).exists():
        apply_transitions(AssistanceCase.objects.filter(pk=case.pk))
    case.refresh_from_db()
    return case


@transaction.atomic
def update_case(
    *,
    case: AssistanceCase,
    by: AbstractBaseUser | None,
    measure: str,
    helpers: Iterable[Worker],
    target_month: dt.date | None = None,
    expected_version: int | None = None,
    effective_month: dt.date | None = None,
    working_month: dt.date | None = None,
) -> AssistanceCase:
    """Change a case's measure, helpers or target month (the secretary's edit).

    The changes are effective in ``effective_month`` (default: the working
    month, read now unless ``working_month`` gives it; see action_month).
    """
    case = lock_case(case)
    check_version(case, expected_version)
    when = action_month(case, effective_month, working_month=working_month)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(
            _("A closed case cannot be changed; reopen it first."), code="closed"
        )
    check_choice(measure, Measure, "measure")
    check_target(target_month, case.month)
    current_ids = set(case.helpers.values_list("pk", flat=True))
    helper_list = check_helpers(
        worker=case.worker,
        helper_ids={h.pk for h in helpers},
        already_assigned=current_ids,
    )
    changed = False

    def log_change(kind: str, **details: str | dt.date | None) -> None:
        """An edit keeps the case's status and takes effect in ``when``."""
        nonlocal changed
        write_event(
            case,
            by=by,
            kind=kind,
            to_status=case.status,
            effective_month=when,
            **details,
        )
        changed = True

    if measure != case.measure:
        log_change(
            CaseEventKind.MEASURE_CHANGED,
            note=f"{case.measure} → {measure}",
            measure=measure,
        )
        case.measure = measure
    new_ids = {h.pk for h in helper_list}
    if new_ids != current_ids:
        case.helpers.set(helper_list)
        log_change(
            CaseEventKind.HELPERS_CHANGED,
            note=", ".join(h.name for h in helper_list),
        )
    if target_month != case.target_month:
        log_change(CaseEventKind.TARGET_CHANGED, month=target_month)
        case.target_month = target_month
    if changed:
        case.version += 1
        case.save(update_fields=["measure", "target_month", "version"])
    return case


@transaction.atomic
def add_follow_up(
    *,
    case: AssistanceCase,
    author: AbstractBaseUser,
    kind: str,
    text: str,
    date: dt.date | None = None,
    is_private: bool = True,
    aid_amount: Decimal | None = None,
    aid_kind: str = "",
    aid_approved_by: str = "",
) -> FollowUp:
    """Log what a helper did for the worker; aid granted needs its amount."""
    check_choice(kind, FollowUpKind, "kind")
    today = timezone.localdate()
    date = date or today
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Write what happened.")
    if date > today:
        errors["date"] = _("A follow-up cannot be dated in the future.")
    elif date < case.month:
        errors["date"] = _("The date is before the case was opened (%(month)s).") % {
            "month": month_label(case.month)
        }
    if kind == FollowUpKind.AID_GRANTED:
        if aid_amount is None or aid_amount <= 0:
            errors["aid_amount"] = _("Give the amount of aid granted, in yuan.")
    elif aid_amount is not None or aid_kind or aid_approved_by:
        errors["aid_amount"] = _(
            "An amount of aid belongs to a follow-up of the kind “aid granted”."
        )
    if errors:
        raise ValidationError(errors, code="invalid")
    if AssistanceCase.objects.filter(pk=case.pk, status=CaseStatus.CLOSED).exists():
        raise ValidationError(
            _("This case is closed; follow-ups can no longer be added."),
            code="closed",
        )
    return FollowUp.objects.create(
        case=case,
        author=author,
        kind=kind,
        date=date,
        text=text,
        is_private=is_private,
        aid_amount=aid_amount,
        aid_kind=(aid_kind or "").strip(),
        aid_approved_by=(aid_approved_by or "").strip(),
    )


@transaction.atomic
def propose_closure(*, case: AssistanceCase, by: AbstractBaseUser) -> AssistanceCase:
    """A helper asks the secretary to close the case; proposing twice is a no-op."""
    case = lock_case(case)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is already closed."), code="closed")
    if case.closure_proposed_at is not None:
        return case
    case.closure_proposed_at = timezone.now()
    case.closure_proposed_by = by
    case.version += 1
    case.save(update_fields=["closure_proposed_at", "closure_proposed_by", "version"])
    write_event(
        case,
        by=by,
        kind=CaseEventKind.CLOSURE_PROPOSED,
        to_status=case.status,
        effective_month=action_month(case),
    )
    return case


@transaction.atomic
def close_case(
    *,
    case: AssistanceCase,
    by: AbstractBaseUser | None,
    outcome: str,
    reason: str = "",
    expected_version: int | None = None,
    effective_month: dt.date | None = None,
    working_month: dt.date | None = None,
) -> AssistanceCase:
    """The secretary closes a case, effective in ``effective_month``.

    Closing as "reached quota" needs the measured result (status reached
    quota, set by a record), and is effective no earlier than the month the
    worker reached quota; any other outcome needs a reason. The default
    month is the working month (action_month), read now unless
    ``working_month`` gives it.
    """
    case = lock_case(case)
    check_version(case, expected_version)
    when = closing_month(
        case,
        outcome=outcome,
        reason=reason,
        effective_month=effective_month,
        working_month=working_month,
    )
    return write_closing(case, by=by, outcome=outcome, reason=reason, when=when)


def closing_month(
    case: AssistanceCase,
    *,
    outcome: str,
    reason: str = "",
    effective_month: dt.date | None = None,
    working_month: dt.date | None = None,
    last_action: dt.date | None | object = UNKNOWN,
) -> dt.date:
    """The month a closing of ``case`` (locked, as it is now) is effective
    in, or the error that refuses it (close_case's rules, for one case or a
    bulk action's every case before any is written). ``last_action``: the
    case's latest closing or reopening month, when the caller read it."""
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is already closed."), code="closed")
    check_choice(outcome, CaseOutcome, "outcome")
    if outcome == CaseOutcome.REACHED_QUOTA:
        if case.status != CaseStatus.REACHED_QUOTA:
            raise field_error(
                "outcome",
                _(
                    "Only a case that reached quota (a later record at or "
                    "above quota) can be closed as reached quota."
                ),
                "not_reached",
            )
    elif not (reason or "").strip():
        raise field_error(
            "reason",
            _("Give the reason for closing without success."),
            "reason_required",
        )
    when = action_month(
        case, effective_month, working_month=working_month, last_action=last_action
    )
    if outcome == CaseOutcome.REACHED_QUOTA and case.reached_quota_month:
        if effective_month is None:
            if working_month is None:
                working_month = default_month()
            if case.reached_quota_month > working_month:
                # Reached in a month not complete yet (one workshop's April
                # imported, March the working month): closing it now would
                # take the case away from a month still being counted.
                raise field_error(
                    "outcome",
                    _(
                        "The worker reached quota only in %(month)s, which is "
                        "not complete yet: close the case once it is."
                    )
                    % {"month": month_label(case.reached_quota_month)},
                    "reached_after_working_month",
                )
            when = max(when, case.reached_quota_month)
        elif when < case.reached_quota_month:
            raise field_error(
                "effective_month",
                _("The worker reached quota in %(month)s; close it then or later.")
                % {"month": month_label(case.reached_quota_month)},
                "effective_before_reached",
            )
    return when


def write_closing(
    case: AssistanceCase,
    *,
    by: AbstractBaseUser | None,
    outcome: str,
    reason: str,
    when: dt.date,
) -> AssistanceCase:
    """Close ``case`` (locked, its closing decided by closing_month) and
    leave its trace: the case's row and its event, two statements."""
    reason = (reason or "").strip()
    from_status = case.status
    case.status = CaseStatus.CLOSED
    case.outcome = outcome
    case.close_reason = reason
    case.closed_by = by
    case.closed_at = timezone.now()
    case.version += 1
    case.save()
    write_event(
        case,
        by=by,
        from_status=from_status,
        to_status=CaseStatus.CLOSED,
        note=reason,
        outcome=outcome,
        effective_month=when,
    )
    return case


@transaction.atomic
def reopen_case(
    *,
    case: AssistanceCase,
    by: AbstractBaseUser | None,
    reason: str,
    expected_version: int | None = None,
    effective_month: dt.date | None = None,
) -> AssistanceCase:
    """Reopen a closed case (closed by mistake, the worker came back…),
    effective in ``effective_month`` (default: the working month).

    The status then follows the records again, so a worker whose latest
    record meets quota is at "reached quota" straight away.
    """
    case = lock_case(case)
    check_version(case, expected_version)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("Only a closed case can be reopened."), code="open")
    reason = (reason or "").strip()
    if not reason:
        raise field_error(
            "reason",
            _("Give the reason for reopening the case."),
            "reason_required",
        )
    when = action_month(case, effective_month)
    Worker.objects.select_for_update().filter(pk=case.worker_id).first()
    if AssistanceCase.objects.filter(worker_id=case.worker_id).active().exists():
        raise ValidationError(
            _("%(name)s already has another active help case.") % {"name": case.worker},
            code="active_case_exists",
        )
    case.status = CaseStatus.OPEN
    case.outcome = ""
    case.close_reason = ""
    case.closed_by = None
    case.closed_at = None
    case.reached_quota_month = None
    case.closure_proposed_at = None
    case.closure_proposed_by = None
    case.version += 1
    case.save()
    write_event(
        case,
        by=by,
        from_status=CaseStatus.CLOSED,
        to_status=CaseStatus.OPEN,
        note=reason,
        effective_month=when,
    )
    apply_transitions(AssistanceCase.objects.filter(pk=case.pk))
    case.refresh_from_db()
    return case
