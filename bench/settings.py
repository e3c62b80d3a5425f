"""Production settings, plus what the bench needs to drive them.

bench/run.py sets DEBUG=0, HTTPS=0 and a fresh SECRET_KEY in the environment,
so everything else (middleware, sessions, the cache from REDIS_URL) is what a
production server runs.
"""

import warnings

from factory.settings import *  # noqa: F403
from factory.settings import ALLOWED_HOSTS, CACHES

ROOT_URLCONF = "bench.urls"
# Django's test client (page timings in-process) calls itself "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# The bench never asks for static files; this spares it a collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A shared Redis may hold other programs' keys: keep to our own.
CACHES = {**CACHES, "default": {**CACHES["default"], "KEY_PREFIX": "catchup_bench"}}
# No collectstatic either, so WhiteNoise would warn that STATIC_ROOT is empty.
warnings.filterwarnings("ignore", message="No directory at")
