"""Reading settings from the environment.

Kept apart from settings.py so the parsing rules can be tested on their own.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool, environ=os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value")


def env_list(name: str, default: list[str], environ=os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int, environ=os.environ) -> int:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


def checked_secret_key(key: str | None, debug: bool) -> str:
    """Return the secret key, refusing to run production on a weak one.

    With DEBUG on (a developer's machine, the demo) a fixed insecure key is
    acceptable; with DEBUG off a missing, short or "django-insecure" key would
    let anyone forge sessions, so the app must not start.
    """
    if debug:
        return key or "django-insecure-development-only-key-do-not-use-in-production"
    if not key:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is insecure: use at least 50 random characters."
        )
    return key
