"""Who may open which case or demonstration: one helper per object type.

Built on the visible_to() QuerySets: an object the user may not see is a 404
(its existence is not revealed); one they may see but not act on is a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from assistance.models import AssistanceCase, Demonstration


def is_case_helper(user, case: AssistanceCase) -> bool:
    """A helper of the case now (AssistanceCase.objects.helped_by)."""
    return AssistanceCase.objects.helped_by(user).filter(pk=case.pk).exists()


def can_read_notes(user, case: AssistanceCase) -> bool:
    """Notes, causes' notes and follow-ups: the secretary and the case's helpers."""
    if user.has_perm("assistance.view_private_notes"):
        return True
    return user.has_perm("assistance.view_assistancecase") and is_case_helper(
        user, case
    )


def notes_readable(user, cases: list[AssistanceCase]) -> set[int]:
    """The pks of ``cases`` that ``user`` may read as can_read_notes says
    (their page, their cause and measure beside the name), for a list at
    once: one query at most."""
    if user.has_perm("assistance.view_private_notes"):
        return {case.pk for case in cases}
    if not cases or not user.has_perm("assistance.view_assistancecase"):
        return set()
    return set(
        AssistanceCase.objects.helped_by(user)
        .filter(pk__in=[case.pk for case in cases])
        .values_list("pk", flat=True)
    )


def get_case_for_user(user, pk: int) -> AssistanceCase:
    """The case page: the secretary and the case's helpers.

    Another helper's case is a 404; a workshop director sees the case's status
    in the overview but never its notes, so its page is a 403.
    """
    case = get_object_or_404(
        AssistanceCase.objects.visible_to(user).select_related(
            "worker__workshop", "opened_by", "closed_by", "closure_proposed_by"
        ),
        pk=pk,
    )
    if not can_read_notes(user, case):
        raise PermissionDenied
    return case


def get_case_for_follow_up(user, pk: int) -> AssistanceCase:
    """Logging a follow-up or proposing closure: the case's helpers (and the
    secretary, who may log what the committee itself did)."""
    case = get_case_for_user(user, pk)
    if not user.has_perm("assistance.add_followup"):
        raise PermissionDenied
    return case


def get_case_for_secretary(user, pk: int, perm: str) -> AssistanceCase:
    """Changing, closing or reopening a case: the secretary's permissions."""
    case = get_case_for_user(user, pk)
    if not user.has_perm(perm):
        raise PermissionDenied
    return case


def get_demonstration_for_user(user, pk: int) -> Demonstration:
    return get_object_or_404(
        Demonstration.objects.visible_to(user).select_related(
            "demonstrator__workshop", "workshop", "experience"
        ),
        pk=pk,
    )


def get_demonstration_for_editing(user, pk: int) -> Demonstration:
    demonstration = get_demonstration_for_user(user, pk)
    if not user.has_perm("assistance.change_demonstration"):
        raise PermissionDenied
    return demonstration


def require_perm(user, perm: str) -> None:
    """For list pages: the wrong role gets a 403."""
    if not user.has_perm(perm):
        raise PermissionDenied
