"""The audit log: logins, failed logins and refused requests (logger
"catchup.audit").

What is written, and what never is. The log is for finding out who tried
what, not a second copy of the data, so a line holds only:

- the event (``login``, ``login_failed``, ``logout``, ``denied``),
- the account: user id and username (the username as typed, for a failed
  login; usernames are work accounts, not names of people),
- the client address (REMOTE_ADDR, the same address django-axes counts),
- for refusals, the status (403/404), the method and the path — never the
  query string, which can carry a search for a worker's name.

Never written: passwords, people's names, notes, follow-ups, cell values of
uploaded files, query strings, request bodies. Text that comes from the
client is cut short and stripped of control characters, so a username with
a line break cannot forge a second log line.
"""

from __future__ import annotations

import logging
import unicodedata

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)

logger = logging.getLogger("catchup.audit")

# Usernames are at most 150 characters in Django; paths of this app are short.
MAX_TEXT = 150
MAX_PATH = 300
DENIED_STATUSES = (403, 404)


def clean(text, limit: int = MAX_TEXT) -> str:
    """Client-supplied text made safe for one log line."""
    text = str(text or "")[:limit]
    return "".join(
        "?" if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char
        for char in text
    )


def client_address(request) -> str:
    if request is None:
        return "-"
    return clean(request.META.get("REMOTE_ADDR", "-"), 64)


def _user_fields(user) -> tuple[str, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return "-", "-"
    return str(user.pk), clean(user.get_username())


def _log_session(event: str, request, user) -> None:
    user_id, username = _user_fields(user)
    logger.info(
        "%s user_id=%s username=%s ip=%s",
        event,
        user_id,
        username,
        client_address(request),
    )


def log_login(sender, request, user, **kwargs) -> None:
    _log_session("login", request, user)


def log_logout(sender, request, user, **kwargs) -> None:
    _log_session("logout", request, user)


def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in ``credentials`` with
    # asterisks; only the username is read anyway.
    username = (credentials or {}).get("username", "")
    logger.warning(
        "login_failed username=%s ip=%s",
        clean(username),
        client_address(request),
    )


def log_denied(request, status: int) -> None:
    """A 403 or 404: who asked for what (path only, no query string)."""
    user = getattr(request, "user", None)
    user_id, username = _user_fields(user)
    logger.warning(
        "denied status=%s user_id=%s username=%s method=%s path=%s ip=%s",
        status,
        user_id,
        username,
        clean(request.method, 10),
        clean(request.path, MAX_PATH),
        client_address(request),
    )


class AuditMiddleware:
    """Log every 403 and 404, whatever produced it: the 403/404 handlers,
    a view that answers 403 itself (the JSON report), a CSRF failure, a
    django-axes lockout is not among them (429, logged by axes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in DENIED_STATUSES:
            log_denied(request, response.status_code)
        return response


def connect_signals() -> None:
    user_logged_in.connect(log_login, dispatch_uid="catchup.audit.login")
    user_logged_out.connect(log_logout, dispatch_uid="catchup.audit.logout")
    user_login_failed.connect(
        log_login_failed, dispatch_uid="catchup.audit.login_failed"
    )
