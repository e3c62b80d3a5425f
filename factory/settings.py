"""Settings for Catch Up.

Everything that differs between machines comes from the environment (see the
README's "Configuration"); nothing here reads the database or other apps.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from factory.env import checked_secret_key, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = checked_secret_key(os.environ.get("SECRET_KEY"), DEBUG)
# HTTPS is on by default in production; the local demo serves plain http and
# turns it off, otherwise secure-only cookies would never reach the browser.
HTTPS = env_bool("HTTPS", not DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The factory's name, in every page's title and footer and on the bulletin.
# None by default: a new instance is titled with the product's name and its
# secretary is asked to have this set (factory.context_processors; the demo
# sets its own, Makefile).
FACTORY_NAME = os.environ.get("FACTORY_NAME", "").strip()

INSTALLED_APPS = [
    # django.contrib.admin, with a site closed to directors and helpers.
    "factory.admin_apps.CatchUpAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_tasks",
    "factory.admin_apps.TasksDatabaseConfig",  # django_tasks_db
    "factory.admin_apps.AxesConfig",  # axes
    "csp",
    "factory",
    "workers",
    "assistance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: no-store, private on every page and download (static
    # files are answered above, by WhiteNoise).
    "factory.privacy.NoStoreMiddleware",
    # Database down → translated 503 page; above sessions, which need it.
    "factory.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The report pages' reads to the read replica, when there is one.
    "factory.db_router.ReplicaReadsMiddleware",
    # Every 403 and 404 to the "catchup.audit" log (user id and path only).
    "factory.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL in any GET parameter → a 400 page naming it (PostgreSQL refuses NUL).
    "factory.query_guard.RefuseNulInQueryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factory.urls"
WSGI_APPLICATION = "factory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "factory.context_processors.navigation",
                "factory.context_processors.frame_urls",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the report queries at 10x data and costs more
    # than it saves: 35-45% of the dashboards' time (make bench, docs/DEPLOY.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# An optional read replica (PostgreSQL streaming replication): the report
# pages read from it, everything else from the primary (factory/db_router.py,
# docs/DEPLOY.md).
READ_REPLICA = None
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "options", "-c jit=off"
        )
    READ_REPLICA = "replica"
DATABASE_ROUTERS = ["factory.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# make bench only: cache layers switched off one at a time, to measure what
# each buys (docs/ARCHITECTURE.md, "Cache layers"): summaries, figures,
# pages, roles. Every layer is on in production.
CACHE_LAYERS_OFF = frozenset(
    name.strip()
    for name in os.environ.get("CACHE_LAYERS_OFF", "").split(",")
    if name.strip()
)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "catchup",
    }
}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        # Django's RedisCache, without a new client per operation.
        "BACKEND": "factory.redis_cache.SharedClientRedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    # Sessions read from the shared cache, written through to the database:
    # one query less on every request. Only with a shared cache: with a
    # per-process memory cache a session ended in one process (logout) would
    # live on in the others' copies. factory/sessions.py is Django's cached_db
    # with the auth generation read in the same round trip.
    SESSION_ENGINE = "factory.sessions"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with each user's permissions and role flags read
    # once and kept in the shared cache (factory/role_cache.py).
    "factory.role_cache.CachedModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account out after five failed logins; the username is compared
# case-insensitively and the client address is the socket's, not a header a
# client can forge (set AXES_IPWARE_PROXY_COUNT behind a trusted proxy).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "factory.security.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# Powerful browser features the app never uses, off for every page and for
# anything a page might embed (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # No 'unsafe-inline': sizes are classes, widths set from JS (CSSOM).
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and months in each language's own style: factory/formats.
FORMAT_MODULE_PATH = ["factory.formats"]
TIME_ZONE = env_list("TIME_ZONE", ["Asia/Shanghai"])[0]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "catchup@localhost")

# Uploads: a roster or a year of records is a few MB; anything much larger is a
# mistake or an attack. Checked again by the importers before parsing.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# The most data rows one file may hold; a file past it is refused as soon as
# the row is read, before the rest is parsed.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# Files of more rows than this are checked and imported by the task worker
# (`manage.py db_worker`), not in the request: the page shows their progress.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 20_000)
# A workbook is parsed in a child process (workers/importing/contained.py)
# allowed this much memory above its parent's and this much processor time:
# a 200,000-row workbook needs about a third of each.
IMPORT_PARSE_MEMORY_MB = env_int("IMPORT_PARSE_MEMORY_MB", 512)
IMPORT_PARSE_CPU_SECONDS = env_int("IMPORT_PARSE_CPU_SECONDS", 60)
# A preview not confirmed within this many hours expires and is removed by the
# daily `send_case_reminders` (through `expire_import_previews`).
IMPORT_PREVIEW_HOURS = env_int("IMPORT_PREVIEW_HOURS", 24)
# Without PostgreSQL's advisory locks, a task worker that has not reported for
# this long is taken for dead (its batch can then be retried).
IMPORT_TASK_STALE_SECONDS = env_int("IMPORT_TASK_STALE_SECONDS", 600)
# Long work runs as background tasks kept in the database (django-tasks with
# the django-tasks-db backend): `manage.py db_worker` runs them.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Helpers are reminded when a case has had no follow-up for this many days.
CASE_REMINDER_DAYS = env_int("CASE_REMINDER_DAYS", 14)
# Most active help cases one helper may carry (0: no limit).
CASE_HELPER_LIMIT = env_int("CASE_HELPER_LIMIT", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "filters": {
        # A Host-header probe is an attacker's, not our error: one line.
        "probe_in_one_line": {"()": "factory.logs.ProbeInOneLine"},
        # A refused request is the audit log's one line, not a traceback.
        "refusal_in_one_line": {"()": "factory.logs.RefusalInOneLine"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"filters": ["refusal_in_one_line"]},
        "django.security.DisallowedHost": {
            "level": "WARNING",
            "filters": ["probe_in_one_line"],
        },
        "catchup": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
