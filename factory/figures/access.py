"""Who may read the figures, and of which workshops (STYLE.md 6).

The dashboards, the bulletin, the JSON report and their exports call these;
templates never decide access.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from factory.role_cache import remembered
from factory.roles import is_secretary
from workers.models import Workshop
from workers.roles import may_read_reports


def require_report_reader(user) -> None:
    """Dashboards, bulletin and JSON: the secretary and managers, else 403."""
    if not may_read_reports(user):
        raise PermissionDenied


def visible_codes(user) -> set[str] | None:
    """Codes of the workshops whose own figures the user may see; None = all.

    A director's codes change only with their workshops and permissions, so
    they are kept with their role (factory/role_cache.py): no query on a
    cached report page."""
    if is_secretary(user):
        return None
    codes = remembered(
        user,
        "visible_workshops",
        lambda: frozenset(
            Workshop.objects.visible_to(user).values_list("code", flat=True)
        ),
    )
    return set(codes)


def get_workshop_for_reader(user, code: str) -> Workshop:
    """A workshop the reader may see: 403 for non-readers, 404 for outsiders."""
    require_report_reader(user)
    if "\x00" in code:  # PostgreSQL refuses NUL in a parameter (a 500)
        raise Http404
    return get_object_or_404(Workshop.objects.visible_to(user), code=code)
