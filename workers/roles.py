"""Who is who, for every app: the role predicates of the users in
docs/ARCHITECTURE.md.

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


def sees_named_causes(user) -> bool:
    """A named worker's cause is personal data (思想问题, 家庭经济困难), and so
    is the measure that answers it (hardship aid beside a name tells a
    family's money trouble): only the secretary's side reads them beside a
    name; a director gets both as counts."""
    return is_secretary(user)


def is_manager(user) -> bool:
    """A workshop director: directs a workshop and is not on the secretary's side."""
    return (
        user.is_authenticated
        and not is_secretary(user)
        and user.managed_workshops.exists()
    )


def may_read_reports(user) -> bool:
    """The figures' readers: the secretary's side and workshop directors
    (the dashboards, the bulletin, the JSON, the lists of workers slipping;
    a director reads their own workshops' rows)."""
    return is_secretary(user) or user.has_perm("workers.view_workshop")


def is_helper(user) -> bool:
    return user.has_perm("assistance.add_followup") and hasattr(user, "worker")


# Apps whose models hold the factory's data (roster, records, cases,
# published bulletins). A permission on one of them, in the admin, means
# every row: the admin knows nothing of workshops or of a helper's own cases.
FACTORY_DATA_APPS = ("workers", "assistance", "factory")


def may_use_admin(user) -> bool:
    """Active staff who would see every row anyway: superusers, the
    secretary's side, and IT staff without any permission on the factory's
    data (accounts and groups only). A workshop director or a helper made
    staff is refused: their role limits what they see, the admin would not.
    """
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser or is_secretary(user):
        return True
    return not any(
        permission.split(".", 1)[0] in FACTORY_DATA_APPS
        for permission in user.get_all_permissions()
    )
