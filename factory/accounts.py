"""Accounts: the password page under the lockout, and sessions that end when
an account is switched off or on.

- The old-password check of the password page goes through authenticate(),
  like the login page, so django-axes counts a wrong old password as a
  failed login and locks after five (a stolen session cannot guess its way
  to a new password), and the audit log records it.
- An account whose is_active changes loses every session it had. Django
  already refuses the session of an inactive user, but keeps it: switched
  on again, the old sessions (a phone left in the workshop) would work
  again. Deleting them at either change means reactivation revives nothing.
  Django's session auth hash covers only the password, and a hash with a
  per-user version needs a custom user model; the sessions are in the
  database (the db or cached_db engine), so they are ended instead.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate, get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from workers.forms.base import RefusesControlCharacters


class LockoutPasswordChangeForm(RefusesControlCharacters, PasswordChangeForm):
    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        # authenticate() is where django-axes counts failures and refuses a
        # locked account (the middleware then answers with the lockout page).
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = LockoutPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


def end_sessions_of(user_id) -> int:
    """Delete every unexpired session of the user; returns how many."""
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    sessions = Session.objects.filter(expire_date__gt=timezone.now())
    for session in sessions.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user_id):
            # Through the engine, so a cached_db session leaves the cache too.
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


_CHANGED = "_catchup_is_active_changed"


def _note_activation_change(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. the last_login saved at every login: no extra query
    before = (
        sender.objects.filter(pk=instance.pk)
        .values_list("is_active", flat=True)
        .first()
    )
    setattr(instance, _CHANGED, before is not None and before != instance.is_active)


def _end_sessions_on_activation_change(sender, instance, **kwargs):
    if getattr(instance, _CHANGED, False):
        end_sessions_of(instance.pk)
        setattr(instance, _CHANGED, False)


def connect_signals() -> None:
    user_model = get_user_model()
    pre_save.connect(
        _note_activation_change,
        sender=user_model,
        dispatch_uid="catchup.accounts.note_activation_change",
    )
    post_save.connect(
        _end_sessions_on_activation_change,
        sender=user_model,
        dispatch_uid="catchup.accounts.end_sessions",
    )
