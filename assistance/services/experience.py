"""The experience a technique case's worker is to learn (DESIGN.md,
"Advanced experience"), named, changed or cleared after the case was
opened: the case page's form, under the same rules as the opening."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assistance.models import (
    EXPERIENCE_NOTE_ARROW,
    AssistanceCase,
    CaseEventKind,
    CaseStatus,
)
from assistance.services.common import (
    action_month,
    check_experience,
    check_version,
    lock_case,
    write_event,
)
from workers.models import Experience


@transaction.atomic
def change_experience(
    *,
    case: AssistanceCase,
    experience: Experience | None,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    working_month: dt.date | None = None,
) -> AssistanceCase:
    """Give ``case`` the experience to learn ``experience`` (None: none).

    Refused for a closed case, and for an experience that is not of the
    worker's trade or a case that is not of backward technique (the
    opening's rule, check_experience); clearing is always allowed. The same
    experience again changes nothing. A change is a CaseEvent effective in
    the working month (action_month), which announces it as every case
    event is (assistance.apps: workers.changes).
    """
    case = lock_case(case)
    check_version(case, expected_version)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(
            _("A closed case cannot be changed; reopen it first."), code="closed"
        )
    check_experience(experience, case.cause, case.worker)
    if (experience.pk if experience else None) == case.experience_id:
        return case
    old = case.experience.name if case.experience_id else ""
    write_event(
        case,
        by=by,
        kind=CaseEventKind.EXPERIENCE_CHANGED,
        to_status=case.status,
        effective_month=action_month(case, working_month=working_month),
        note=f"{old}{EXPERIENCE_NOTE_ARROW}{experience.name if experience else ''}",
    )
    case.experience = experience
    case.version += 1
    case.save(update_fields=["experience", "version"])
    return case
