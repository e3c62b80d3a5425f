"""Who may see and change what in the workers app — decided here, once.

Built on the ``visible_to`` QuerySets of workers.models: an object outside
what the user may see is a 404 (its existence is not revealed); an object
the user may see but not change is a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from workers.models import Experience, ImportBatch, Worker, Workshop
from workers.roles import is_secretary


def require_roster_view(user) -> None:
    """The roster is for the secretary and workshop directors (403 else)."""
    if not user.has_perm("workers.view_worker"):
        raise PermissionDenied


def may_edit_roster(user) -> bool:
    # Editing needs the whole factory's view: a director edits nothing.
    return is_secretary(user) and user.has_perm("workers.change_worker")


def require_roster_edit(user) -> None:
    if not may_edit_roster(user):
        raise PermissionDenied


def may_add_workers(user) -> bool:
    return is_secretary(user) and user.has_perm("workers.add_worker")


def require_worker_add(user) -> None:
    if not may_add_workers(user):
        raise PermissionDenied


def get_worker_for_user(user, pk) -> Worker:
    """A worker the user may see (404 otherwise); 403 for no roster at all."""
    require_roster_view(user)
    return get_object_or_404(
        Worker.objects.visible_to(user).select_related("workshop", "user"), pk=pk
    )


def get_rw_worker_for_user(user, pk) -> Worker:
    """A worker the user may edit: 404 when not visible, 403 when read-only."""
    worker = get_worker_for_user(user, pk)
    require_roster_edit(user)
    return worker


def may_manage_workshops(user) -> bool:
    return is_secretary(user) and user.has_perm("workers.change_workshop")


def require_workshop_manage(user) -> None:
    if not may_manage_workshops(user):
        raise PermissionDenied


def require_workshop_view(user) -> None:
    if not user.has_perm("workers.view_workshop"):
        raise PermissionDenied


def get_workshop_for_user(user, pk) -> Workshop:
    require_workshop_view(user)
    return get_object_or_404(Workshop.objects.visible_to(user), pk=pk)


def get_rw_workshop_for_user(user, pk) -> Workshop:
    workshop = get_workshop_for_user(user, pk)
    require_workshop_manage(user)
    return workshop


def get_importer_class_or_404(kind: str):
    from workers.importing.base import load_importers

    importer_cls = load_importers().get(kind)
    if importer_cls is None:
        raise Http404
    return importer_cls


def require_import(user, importer_cls) -> None:
    if not importer_cls.may_import(user):
        raise PermissionDenied


def may_see_batch(user, batch: ImportBatch, importer_cls) -> bool:
    """Whoever may run that import now — and only they.

    A batch holds the uploaded file (classification notes, names); having
    uploaded it once is no right to read it after the role is gone.
    """
    return user.is_active and importer_cls.may_import(user)


def get_batch_for_user(user, pk) -> tuple[ImportBatch, type]:
    """An import batch and its importer class; 404 for anyone else's."""
    batch = get_object_or_404(
        ImportBatch.objects.defer("content", "failed_rows"), pk=pk
    )
    importer_cls = get_importer_class_or_404(batch.kind)
    if not may_see_batch(user, batch, importer_cls):
        raise Http404
    return batch, importer_cls


def get_rw_batch_for_user(user, pk) -> tuple[ImportBatch, type]:
    """An import batch the user may act on (map, confirm, retry): 404 when
    not visible, 403 when they may not run the import."""
    batch, importer_cls = get_batch_for_user(user, pk)
    require_import(user, importer_cls)
    return batch, importer_cls


# --- advanced experiences and mastery (workers.models.experience) -------------


def require_experience_view(user) -> None:
    """The catalogue is for the secretary's side and directors (403 else)."""
    if not user.has_perm("workers.view_experience"):
        raise PermissionDenied


def may_manage_experiences(user) -> bool:
    """The catalogue is the committee's: a director reads it."""
    return is_secretary(user) and user.has_perms(
        ("workers.add_experience", "workers.change_experience")
    )


def require_experience_manage(user) -> None:
    if not may_manage_experiences(user):
        raise PermissionDenied


def may_check_mastery(user) -> bool:
    """Whoever records a check records it for any workshop's worker."""
    return is_secretary(user) and user.has_perms(
        ("workers.add_mastery", "workers.change_mastery")
    )


def require_mastery_check(user) -> None:
    if not may_check_mastery(user):
        raise PermissionDenied


def get_experience_for_user(user, pk) -> Experience:
    """An experience of the catalogue: every reader sees all of it."""
    require_experience_view(user)
    return get_object_or_404(
        Experience.objects.select_related("first_shown_by__workshop"), pk=pk
    )
