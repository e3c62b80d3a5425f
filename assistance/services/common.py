"""What the case services share: the stale-edit error, field errors, the
checks of months, choices and helpers, and writing a CaseEvent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from assistance.models import (
    ACTIVE_STATUSES,
    AssistanceCase,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
)
from workers.completeness import default_month
from workers.models import Cause, Experience, Worker
from workers.months import month_label


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


def field_error(field: str, message: str, code: str) -> ValidationError:
    """An error a form can show beside ``field``, with a code tests can check."""
    return ValidationError({field: ValidationError(message, code=code)})


def check_month(month: dt.date, field: str = "month") -> None:
    if not isinstance(month, dt.date) or month.day != 1:
        raise field_error(
            field, _("A month must be given as its first day."), "bad_month"
        )


def check_choice(value: str, choices: type[models.TextChoices], field: str) -> None:
    if value not in choices.values:
        raise field_error(
            field,
            _("“%(value)s” is not a valid choice.") % {"value": value},
            "invalid_choice",
        )


def check_version(obj: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleEditError(obj)


def lock_case(case: AssistanceCase) -> AssistanceCase:
    """The case's row, locked until the transaction ends, as it is now."""
    return AssistanceCase.objects.select_for_update().get(pk=case.pk)


def write_event(
    case: AssistanceCase,
    *,
    by: AbstractBaseUser | None,
    to_status: str,
    effective_month: dt.date,
    from_status: str | None = None,
    kind: str = CaseEventKind.STATUS,
    month: dt.date | None = None,
    note: str = "",
    measure: str = "",
    outcome: str = "",
    cause: str = "",
    old_cause: str = "",
    old_measure: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        by=by,
        from_status=case.status if from_status is None else from_status,
        to_status=to_status,
        month=month,
        effective_month=effective_month,
        note=note,
        measure=measure,
        outcome=outcome,
        cause=cause,
        old_cause=old_cause,
        old_measure=old_measure,
    )


# "Not read yet", where None is an answer (no closing or reopening yet).
UNKNOWN = object()


def latest_status_actions(case_ids: Iterable[int]) -> dict[int, dt.date]:
    """Each case's latest closing or reopening month (cases without one are
    left out), for many cases in one query."""
    return dict(
        _status_actions()
        .filter(case_id__in=list(case_ids))
        .values("case_id")
        .annotate(latest=Max("effective_month"))
        .order_by()
        .values_list("case_id", "latest")
    )


def _status_actions():
    return CaseEvent.objects.filter(kind=CaseEventKind.STATUS).filter(
        Q(to_status=CaseStatus.CLOSED) | Q(from_status=CaseStatus.CLOSED)
    )


def action_month(
    case: AssistanceCase,
    chosen: dt.date | None = None,
    *,
    working_month: dt.date | None = None,
    last_action: dt.date | None | object = UNKNOWN,
) -> dt.date:
    """The month a person's action on ``case`` is effective in (docs/ARCHITECTURE.md).

    The working month when it is done, unless the person chose another;
    never before the case's month, nor before the case's latest closing or
    reopening (the status of a month is read from the latest of those, so
    they must follow each other). A chosen month earlier than that is
    refused with a message for the form's ``effective_month`` field.

    ``working_month``: workers.completeness.default_month(), when the caller
    has it already. A bulk action reads it once for all its cases (it is
    about five queries, and no case of the action changes it), and
    ``last_action``, the case's latest closing or reopening month
    (latest_status_actions), for all of them in one query.
    """
    if last_action is UNKNOWN:
        last_action = (
            _status_actions()
            .filter(case=case)
            .order_by("-effective_month")
            .values_list("effective_month", flat=True)
            .first()
        )
    latest = last_action
    floor = max(case.month, latest) if latest else case.month
    if chosen is None:
        if working_month is None:
            working_month = default_month()
        return max(working_month, floor)
    check_month(chosen, "effective_month")
    if chosen < floor:
        raise field_error(
            "effective_month",
            _("The month cannot be before %(month)s.") % {"month": month_label(floor)},
            "effective_too_early",
        )
    return chosen


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


def check_helpers(
    *,
    worker: Worker,
    helper_ids: set[int],
    already_assigned: Collection[int] = (),
) -> list[Worker]:
    """Lock and return the helpers; refuse the ones the rules do not allow
    (docs/ARCHITECTURE.md, "Definitions")."""
    if not helper_ids:
        raise field_error("helpers", _("Choose at least one helper."), "no_helpers")
    if worker.pk in helper_ids:
        raise field_error(
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
        raise field_error(
            "helpers",
            _("A chosen helper is no longer on the roster."),
            "unknown_helper",
        )
    not_eligible = [h for h in helpers if not h.is_eligible_helper]
    if not_eligible:
        raise field_error(
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
            raise field_error(
                "helpers",
                _(
                    "%(names)s already carry %(limit)d active cases, the "
                    "most one helper may have."
                )
                % {"names": ", ".join(str(h) for h in full), "limit": limit},
                "helper_full",
            )
    return helpers


def check_target(target_month: dt.date | None, month: dt.date) -> None:
    if target_month is None:
        return
    check_month(target_month, "target_month")
    if target_month <= month:
        raise field_error(
            "target_month",
            _(
                "The target month must come after the month the case is "
                "opened (%(month)s)."
            )
            % {"month": month_label(month)},
            "target_not_later",
        )


def check_experience(experience: Experience | None, cause: str, worker: Worker) -> None:
    """The experience to learn is a technique case's, of the worker's trade
    (opening a case, and changing its experience afterwards)."""
    if experience is None:
        return
    if cause != Cause.TECHNIQUE:
        raise field_error(
            "experience",
            _("Name an experience to learn for backward technique only."),
            "not_technique",
        )
    if not experience.applies_to(worker.trade):
        raise field_error(
            "experience",
            _("%(experience)s is not an experience of %(name)s's trade.")
            % {"experience": experience.name, "name": worker.name},
            "not_of_trade",
        )
