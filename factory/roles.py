"""The three roles of docs/ARCHITECTURE.md as Django groups and their permissions.

Permissions decide; group names are only used to set the groups up and to
choose a home page. Superusers pass every has_perm() check. How to tell the
roles apart is workers.roles (re-exported here).
"""

from __future__ import annotations

# The predicates live on the ground floor, where every app may import them;
# the names stay here for the factory's own modules.
from workers.roles import is_helper, is_manager, is_secretary

__all__ = [
    "GROUP_PERMISSIONS",
    "HELPER",
    "MANAGER",
    "SECRETARY",
    "is_helper",
    "is_manager",
    "is_secretary",
    "sync_role_groups",
]

SECRETARY = "secretary"
HELPER = "helper"
MANAGER = "manager"

# app_label.codename of every permission each group holds.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    SECRETARY: [
        *[
            f"workers.{action}_{model}"
            for model in (
                "workshop",
                "worker",
                "productionrecord",
                "advancedstandard",
                "disqualification",
                "shortfallclassification",
                "quotareview",
                "experience",
                "mastery",
            )
            for action in ("view", "add", "change")
        ],
        "workers.view_all_workshops",
        *[
            f"assistance.{action}_{model}"
            for model in ("assistancecase", "followup", "demonstration")
            for action in ("view", "add", "change")
        ],
        "assistance.view_all_cases",
        "assistance.close_case",
        "assistance.view_private_notes",
    ],
    HELPER: [
        "assistance.view_assistancecase",
        "assistance.add_followup",
        "assistance.view_followup",
    ],
    MANAGER: [
        "workers.view_workshop",
        "workers.view_worker",
        "workers.view_productionrecord",
        # The catalogue of advanced experiences, and who has mastered them.
        "workers.view_experience",
        "workers.view_mastery",
        "assistance.view_demonstration",
    ],
}


def sync_role_groups(group_model, permission_model, *, partial: bool = False) -> None:
    """Create the role groups and give them exactly their permissions.

    Run by the data migration and again after every migrate/flush
    (post_migrate), so a permission added later reaches the groups too.
    With ``partial`` (inside a migration, where models of later migrations do
    not exist yet) permissions that do not exist yet are skipped; the
    post_migrate run then gives the groups the rest.
    """
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            found = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is None and not partial:
                raise LookupError(f"permission {code} does not exist")
            if found is not None:
                permissions.append(found)
        group.permissions.set(permissions)
