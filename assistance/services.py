"""Writes that change help cases and classifications.

These functions are the only way cases change: views, management commands,
the records_saved receiver and the tests all call them. Each runs in one
transaction and leaves a CaseEvent for every change of a case, so the case
page can always tell who changed what and when.

Rule violations raise ValidationError with a translated message (a view puts
it on its form, keeping what was typed); an edit based on an old version of a
case or classification raises StaleEditError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import (
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseOutcome,
    CaseStatus,
    FollowUp,
    FollowUpKind,
    Measure,
)
from workers.models import (
    MEETS_QUOTA,
    Cause,
    ProductionRecord,
    ShortfallClassification,
    Worker,
)
from workers.months import month_str

ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.REACHED_QUOTA)


class StaleEditError(Exception):
    """Someone saved the object after the form was shown; nothing was saved.

    ``current`` is the object as it is now, so the view can show what changed
    while keeping what the user typed.
    """

    def __init__(self, current: models.Model | None):
        self.current = current
        super().__init__(str(self.message))

    @property
    def message(self) -> str:
        return _(
            "Someone else changed this while you were editing it. Nothing was "
            "saved: check the current values below, then save again."
        )


# --- checks shared by several services ---


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """An error a form can show beside ``field``, with a code tests can check."""
    return ValidationError({field: ValidationError(message, code=code)})


def _check_month(month: dt.date, field: str = "month") -> None:
    if not isinstance(month, dt.date) or month.day != 1:
        raise _field_error(
            field, _("A month must be given as its first day."), "bad_month"
        )


def _check_choice(value: str, choices: type[models.TextChoices], field: str) -> None:
    if value not in choices.values:
        raise _field_error(
            field,
            _("“%(value)s” is not a valid choice.") % {"value": value},
            "invalid_choice",
        )


def _check_version(obj: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleEditError(obj)


def _lock_case(case: AssistanceCase) -> AssistanceCase:
    """The case's row, locked until the transaction ends, as it is now."""
    return AssistanceCase.objects.select_for_update().get(pk=case.pk)


def _event(
    case: AssistanceCase,
    *,
    by: AbstractBaseUser | None,
    to_status: str,
    from_status: str | None = None,
    kind: str = CaseEventKind.STATUS,
    month: dt.date | None = None,
    note: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        by=by,
        from_status=case.status if from_status is None else from_status,
        to_status=to_status,
        month=month,
        note=note,
    )


def helper_loads(helper_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Active (not closed) cases per helper, by the helper's Worker pk."""
    through = AssistanceCase.helpers.through
    rows = through.objects.filter(assistancecase__status__in=ACTIVE_STATUSES)
    if helper_ids is not None:
        rows = rows.filter(worker_id__in=list(helper_ids))
    counts = rows.values("worker_id").annotate(n=models.Count("pk")).order_by()
    return {row["worker_id"]: row["n"] for row in counts}


def helper_limit() -> int:
    """Most active cases one helper may carry; 0 means no limit."""
    return int(getattr(settings, "CASE_HELPER_LIMIT", 0) or 0)


def _check_helpers(
    *,
    worker: Worker,
    helper_ids: set[int],
    already_assigned: Collection[int] = (),
) -> list[Worker]:
    """Lock and return the helpers; refuse the ones DESIGN.md does not allow."""
    if not helper_ids:
        raise _field_error("helpers", _("Choose at least one helper."), "no_helpers")
    if worker.pk in helper_ids:
        raise _field_error(
            "helpers",
            _("%(name)s cannot be their own helper.") % {"name": worker},
            "own_helper",
        )
    # Locked so that two secretaries assigning the same helper at once cannot
    # both pass the load limit.
    helpers = list(
        Worker.objects.select_for_update().filter(pk__in=helper_ids).order_by("pk")
    )
    if len(helpers) != len(helper_ids):
        raise _field_error(
            "helpers",
            _("A chosen helper is no longer on the roster."),
            "unknown_helper",
        )
    not_eligible = [h for h in helpers if not h.is_eligible_helper]
    if not_eligible:
        raise _field_error(
            "helpers",
            _(
                "%(names)s cannot be helpers: helpers are active Party or "
                "League members or activists."
            )
            % {"names": ", ".join(str(h) for h in not_eligible)},
            "not_eligible",
        )
    limit = helper_limit()
    new_ids = helper_ids - set(already_assigned)
    if limit and new_ids:
        loads = helper_loads(new_ids)
        full = [h for h in helpers if h.pk in new_ids and loads.get(h.pk, 0) >= limit]
        if full:
            raise _field_error(
                "helpers",
                _(
                    "%(names)s already carry %(limit)d active cases, the "
                    "most one helper may have."
                )
                % {"names": ", ".join(str(h) for h in full), "limit": limit},
                "helper_full",
            )
    return helpers


def _check_target(target_month: dt.date | None, month: dt.date) -> None:
    if target_month is None:
        return
    _check_month(target_month, "target_month")
    if target_month <= month:
        raise _field_error(
            "target_month",
            _(
                "The target month must come after the month the case is "
                "opened (%(month)s)."
            )
            % {"month": month_str(month)},
            "target_not_later",
        )


# --- opening, following and closing cases ---


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
) -> AssistanceCase:
    """Open a help case for ``worker`` from ``month`` with its helpers.

    Refused when the worker already has an active case, when a helper is not
    eligible (DESIGN.md), is the worker, or already carries the most cases
    CASE_HELPER_LIMIT allows. If a record after ``month`` already meets
    quota, the case reaches quota at once, as a sync would have done.
    """
    _check_month(month)
    _check_choice(cause, Cause, "cause")
    _check_choice(measure, Measure, "measure")
    _check_target(target_month, month)
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
            % {"name": worker, "month": month_str(existing.month)},
            code="active_case_exists",
        )
    helper_list = _check_helpers(worker=worker, helper_ids={h.pk for h in helpers})
    case = AssistanceCase(
        worker=worker,
        month=month,
        cause=cause,
        measure=measure,
        target_month=target_month,
        opened_by=opened_by,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as error:  # the database's own one-active-case check
        raise StaleEditError(None) from error
    case.helpers.set(helper_list)
    _event(case, by=opened_by, from_status="", to_status=CaseStatus.OPEN, month=month)
    _apply_transitions(AssistanceCase.objects.filter(pk=case.pk))
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
) -> AssistanceCase:
    """Change a case's measure, helpers or target month (the secretary's edit)."""
    case = _lock_case(case)
    _check_version(case, expected_version)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(
            _("A closed case cannot be changed; reopen it first."), code="closed"
        )
    _check_choice(measure, Measure, "measure")
    _check_target(target_month, case.month)
    current_ids = set(case.helpers.values_list("pk", flat=True))
    helper_list = _check_helpers(
        worker=case.worker,
        helper_ids={h.pk for h in helpers},
        already_assigned=current_ids,
    )
    changed = False
    if measure != case.measure:
        _event(
            case,
            by=by,
            kind=CaseEventKind.MEASURE_CHANGED,
            to_status=case.status,
            note=f"{case.measure} → {measure}",
        )
        case.measure = measure
        changed = True
    new_ids = {h.pk for h in helper_list}
    if new_ids != current_ids:
        case.helpers.set(helper_list)
        _event(
            case,
            by=by,
            kind=CaseEventKind.HELPERS_CHANGED,
            to_status=case.status,
            note=", ".join(h.name for h in helper_list),
        )
        changed = True
    if target_month != case.target_month:
        _event(
            case,
            by=by,
            kind=CaseEventKind.TARGET_CHANGED,
            to_status=case.status,
            month=target_month,
        )
        case.target_month = target_month
        changed = True
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
    _check_choice(kind, FollowUpKind, "kind")
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
            "month": month_str(case.month)
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
    case = _lock_case(case)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is already closed."), code="closed")
    if case.closure_proposed_at is not None:
        return case
    case.closure_proposed_at = timezone.now()
    case.closure_proposed_by = by
    case.version += 1
    case.save(update_fields=["closure_proposed_at", "closure_proposed_by", "version"])
    _event(case, by=by, kind=CaseEventKind.CLOSURE_PROPOSED, to_status=case.status)
    return case


@transaction.atomic
def close_case(
    *,
    case: AssistanceCase,
    by: AbstractBaseUser | None,
    outcome: str,
    reason: str = "",
    expected_version: int | None = None,
) -> AssistanceCase:
    """The secretary closes a case.

    Closing as "reached quota" needs the measured result (status reached
    quota, set by a record); any other outcome needs a reason.
    """
    case = _lock_case(case)
    _check_version(case, expected_version)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is already closed."), code="closed")
    _check_choice(outcome, CaseOutcome, "outcome")
    reason = (reason or "").strip()
    if outcome == CaseOutcome.REACHED_QUOTA:
        if case.status != CaseStatus.REACHED_QUOTA:
            raise _field_error(
                "outcome",
                _(
                    "Only a case that reached quota (a later record at or "
                    "above quota) can be closed as reached quota."
                ),
                "not_reached",
            )
    elif not reason:
        raise _field_error(
            "reason",
            _("Give the reason for closing without success."),
            "reason_required",
        )
    from_status = case.status
    case.status = CaseStatus.CLOSED
    case.outcome = outcome
    case.close_reason = reason
    case.closed_by = by
    case.closed_at = timezone.now()
    case.version += 1
    case.save()
    _event(
        case, by=by, from_status=from_status, to_status=CaseStatus.CLOSED, note=reason
    )
    return case


@transaction.atomic
def reopen_case(
    *,
    case: AssistanceCase,
    by: AbstractBaseUser | None,
    reason: str,
    expected_version: int | None = None,
) -> AssistanceCase:
    """Reopen a closed case (closed by mistake, the worker came back…).

    The status then follows the records again, so a worker whose latest
    record meets quota is at "reached quota" straight away.
    """
    case = _lock_case(case)
    _check_version(case, expected_version)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("Only a closed case can be reopened."), code="open")
    reason = (reason or "").strip()
    if not reason:
        raise _field_error(
            "reason",
            _("Give the reason for reopening the case."),
            "reason_required",
        )
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
    _event(
        case,
        by=by,
        from_status=CaseStatus.CLOSED,
        to_status=CaseStatus.OPEN,
        note=reason,
    )
    _apply_transitions(AssistanceCase.objects.filter(pk=case.pk))
    case.refresh_from_db()
    return case


# --- following the records ---


@dataclass(frozen=True)
class SyncResult:
    reached_quota: int = 0
    reopened: int = 0


@transaction.atomic
def sync_cases_with_records(
    month: dt.date, *, worker_ids: Collection[int] | None = None
) -> SyncResult:
    """Move cases to reached quota / back to open from the records.

    A case's status follows the worker's latest record for a month after the
    case's month: at or above quota → reached quota, below → open (a relapse
    before the secretary closed it). Only cases opened before ``month`` can
    be affected by that month's records. The status is derived from the
    records rather than from the order of saves, so running it again (or for
    several months in any order) changes nothing: it is idempotent. It runs a
    fixed number of queries however many cases change.
    """
    cases = AssistanceCase.objects.filter(month__lt=month)
    if worker_ids is not None:
        cases = cases.filter(worker_id__in=list(worker_ids))
    return _apply_transitions(cases)


def _latest_later_record() -> models.QuerySet:
    """The worker's latest record after the case's month (for a Subquery)."""
    return ProductionRecord.objects.filter(
        worker=OuterRef("worker"), month__gt=OuterRef("month")
    ).order_by("-month")


def _apply_transitions(cases: models.QuerySet) -> SyncResult:
    latest = _latest_later_record()
    judged = cases.order_by().alias(
        latest_meets=Subquery(
            latest.annotate(
                meets=ExpressionWrapper(MEETS_QUOTA, output_field=BooleanField())
            ).values("meets")[:1]
        )
    )
    # Lock the rows that will change before writing, so a secretary closing
    # one of them at the same moment waits, and the events match the updates.
    changing = list(
        judged.filter(
            Q(status=CaseStatus.OPEN, latest_meets=True)
            | Q(status=CaseStatus.REACHED_QUOTA, latest_meets=False)
        )
        .select_for_update()
        .values_list("pk", "status")
    )
    to_reach = [pk for pk, status in changing if status == CaseStatus.OPEN]
    to_reopen = [pk for pk, status in changing if status == CaseStatus.REACHED_QUOTA]
    latest_month = Subquery(latest.values("month")[:1])
    now = timezone.now()
    if to_reach:
        _log_status_changes(
            to_reach,
            from_status=CaseStatus.OPEN,
            to_status=CaseStatus.REACHED_QUOTA,
            now=now,
        )
        AssistanceCase.objects.filter(pk__in=to_reach).update(
            status=CaseStatus.REACHED_QUOTA,
            reached_quota_month=latest_month,
            version=F("version") + 1,
        )
    if to_reopen:
        _log_status_changes(
            to_reopen,
            from_status=CaseStatus.REACHED_QUOTA,
            to_status=CaseStatus.OPEN,
            now=now,
        )
        AssistanceCase.objects.filter(pk__in=to_reopen).update(
            status=CaseStatus.OPEN,
            reached_quota_month=None,
            version=F("version") + 1,
        )
    return SyncResult(reached_quota=len(to_reach), reopened=len(to_reopen))


def _log_status_changes(
    case_ids: list[int], *, from_status: str, to_status: str, now: dt.datetime
) -> None:
    """One CaseEvent per case, written by a single INSERT … SELECT.

    bulk_create would split the rows into batches on SQLite (999 parameters
    per statement), so the number of queries would grow with the number of
    cases; copying them from a SELECT keeps it at one on every database. The
    event's month is the record's month that decided the change.
    """
    columns = ["case", "kind", "at", "by", "from_status", "to_status", "month", "note"]
    source = (
        AssistanceCase.objects.filter(pk__in=case_ids)
        .order_by()
        .annotate(
            e_kind=Value(CaseEventKind.STATUS.value),
            e_at=Value(now, output_field=DateTimeField()),
            e_by=Value(None, output_field=IntegerField()),
            e_from=Value(from_status),
            e_to=Value(to_status),
            e_month=Subquery(_latest_later_record().values("month")[:1]),
            e_note=Value(""),
        )
        .values_list(
            "pk", "e_kind", "e_at", "e_by", "e_from", "e_to", "e_month", "e_note"
        )
    )
    select_sql, params = source.query.sql_with_params()
    quote = connection.ops.quote_name
    meta = CaseEvent._meta
    column_sql = ", ".join(quote(meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({column_sql}) {select_sql}", params
        )


# --- classification (分类排队) ---


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
