"""Who is who, for every app: the role predicates of DESIGN.md's users.

Permissions decide (superusers pass every has_perm()); group names are only
used to set the groups up (factory.roles). This module is on the ground floor
so that workers, assistance and factory all ask the same question the same
way — "who is on the secretary's side" is answered here and nowhere else.
"""

from __future__ import annotations


def is_secretary(user) -> bool:
    """The secretary's side: the committee secretary and staff, superusers.

    They see every workshop; everything that crosses workshops (imports,
    records entry, the roster's edits, named figures) is theirs.
    """
    return user.has_perm("workers.view_all_workshops")


def is_manager(user) -> bool:
    """A workshop director: directs a workshop and is not on the secretary's side."""
    return (
        user.is_authenticated
        and not is_secretary(user)
        and user.managed_workshops.exists()
    )


def is_helper(user) -> bool:
    return user.has_perm("assistance.add_followup") and hasattr(user, "worker")
