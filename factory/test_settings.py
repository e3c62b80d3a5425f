"""Settings for the test suite: production settings with fast, local parts."""

import os

# Tests run with DEBUG off, like production; they need a key that passes.
os.environ.setdefault(
    "SECRET_KEY", "test-only-key-5c2f0a9e1b7d4e8fa3c6b9d2e5f8a1c4b7d0e3f6a9c2b5d8"
)
os.environ.setdefault("HTTPS", "0")

from factory.settings import *  # noqa: E402,F403
from factory.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A second database for the router's test (tests/factory/test_db_router.py):
# a test mirror of the primary, as a streaming replica would be. Unused
# unless a test turns READ_REPLICA on.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
