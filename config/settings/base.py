"""Settings shared by every environment: values from the environment, safe local defaults."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEFAULT_SECRET_KEY = "insecure-local-only-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "core",
    "annotators",
    "curation",
    "exports",
    "console",
]

MIDDLEWARE = [
    "core.health.HealthCheckMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.errorpages.ErrorPagesMiddleware",  # the product's error pages under DEBUG too
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "core.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins for one account from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Twenty failed sign-ins from one address within the cool-off, whatever the accounts, lock the
# address out (core.throttling): credential stuffing tries a few passwords on many accounts.
LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("LOGIN_IP_FAILURE_LIMIT", "20"))
# Proxies in front of the app that append to X-Forwarded-For (nginx in docker-compose: 1); the
# client address is the one the nearest proxy saw. 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from this site only;
# an inline script or style needs the request's nonce. Images: this site and inline data URLs;
# the review pages add the hosts of their project's `image_hosts` allow-list.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "curation.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'rounds.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# The owner of the tables, for `migrate` only (core/management/commands/migrate.py). Unset, the
# migrations run as DATABASE_URL; set, DATABASE_URL is the app role, which owns nothing.
MIGRATE_DATABASE_URL = os.environ.get("MIGRATE_DATABASE_URL", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the demo worker share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0


def prepared_statements(database: dict) -> dict:
    """Let psycopg prepare the statements that ask for it (`prepare=True`: the assignment pull).

    Django's own cursors bind client-side and are never prepared; with psycopg's threshold left at
    Django's default (None) even an explicit request is ignored. The threshold is set so high that
    nothing is prepared unasked. DB_PREPARED_STATEMENTS=0 turns it off, e.g. behind a pgbouncer
    older than 1.21 in transaction mode.
    """
    if database["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DB_PREPARED_STATEMENTS", True
    ):
        database.setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000_000
    return database


prepared_statements(DATABASES["default"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Where built exports and their manifests and cards live. STORAGE_BACKEND: "filesystem" (the
# default, a folder under STORAGE_ROOT), "s3" (any S3 API: AWS, MinIO) or a dotted backend path.
STORAGE_ROOT = Path(os.environ.get("STORAGE_ROOT", BASE_DIR / "var" / "storage"))
MEDIA_ROOT = STORAGE_ROOT
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
S3_BUCKET = os.environ.get("S3_BUCKET", "rounds")  # the bucket every stored file goes to
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")  # empty: AWS; else e.g. http://minio:9000
S3_PUBLIC_ENDPOINT_URL = os.environ.get("S3_PUBLIC_ENDPOINT_URL", "")  # host in presigned URLs
S3_REGION = os.environ.get("S3_REGION", "us-east-1")  # the bucket's region
S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")  # empty: boto3's own credential chain
S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")  # pairs with the key id
S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "path")  # "path" suits MinIO
# How long a presigned download URL handed to a pipeline stays valid.
S3_PRESIGNED_SECONDS = int(os.environ.get("S3_PRESIGNED_SECONDS", "300"))


def default_storage_config(backend: str, root: Path) -> dict:
    """The `default` entry of STORAGES for a STORAGE_BACKEND value."""
    if backend == "filesystem":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        }
    if backend == "s3":
        from botocore.config import Config

        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": S3_ENDPOINT_URL or None,
                "region_name": S3_REGION,
                "access_key": S3_ACCESS_KEY_ID or None,
                "secret_key": S3_SECRET_ACCESS_KEY or None,
                "addressing_style": S3_ADDRESSING_STYLE,
                "signature_version": "s3v4",
                "default_acl": None,
                "file_overwrite": True,
                "querystring_expire": S3_PRESIGNED_SECONDS,
                # A storage that does not answer fails a request in seconds, not minutes.
                "client_config": Config(
                    s3={"addressing_style": S3_ADDRESSING_STYLE},
                    signature_version="s3v4",
                    connect_timeout=3,
                    read_timeout=30,
                    retries={"max_attempts": 3, "mode": "standard"},
                    max_pool_connections=20,
                ),
            },
        }
    return {"BACKEND": backend, "OPTIONS": {}}


STORAGES = {
    "default": default_storage_config(STORAGE_BACKEND, STORAGE_ROOT),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rounds <no-reply@rounds.local>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# Label Studio bridge: a project's own stored token wins; this is the fallback.
LABEL_STUDIO_TOKEN = os.environ.get("LABEL_STUDIO_TOKEN", "")
LABEL_STUDIO_BATCH_SIZE = int(os.environ.get("LABEL_STUDIO_BATCH_SIZE", "500"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.ApiTokenAuthentication",
        "exports.authentication.PipelineTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    # Every JSON body is parsed by core.jsonsafe: depth, NUL and lone surrogates are a 400.
    "DEFAULT_PARSER_CLASSES": [
        "core.jsonsafe.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "core.throttling.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("THROTTLE_TOKEN", "6000/hour"),
        "anon": os.environ.get("THROTTLE_ANON", "300/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Rounds API",
    "DESCRIPTION": (
        "Physician curation of health-reasoning training data: samples, reviews, agreement "
        "and versioned exports."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from this site's static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "curation.models.review.Verdict",
        "SampleStatusEnum": "curation.models.sample.Sample.Status",
        "AgreementReportStatusEnum": "curation.models.agreement.AgreementReport.Status",
        "ExportStatusEnum": "exports.models.Export.Status",
    },
}

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
        if os.environ.get("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A dead broker must not hold a web request: one connection attempt of at most two seconds, then
# the caller (core.outbox) leaves the job pending for the flush. Workers keep their own retries.
# The visibility timeout is when an unacknowledged job of a killed worker is handed out again.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "max_retries": 0,
}
# Two queues, so a million-row agreement run never delays the one-second jobs physicians wait on.
# Routing is by task name; anything not named here is interactive. Run one worker per queue
# (`celery worker -Q interactive`, `-Q heavy`); a worker started without -Q consumes both.
CELERY_QUEUE_INTERACTIVE = os.environ.get("CELERY_QUEUE_INTERACTIVE", "interactive")  # fast jobs
CELERY_QUEUE_HEAVY = os.environ.get("CELERY_QUEUE_HEAVY", "heavy")  # agreement, exports, LS
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE_INTERACTIVE
CELERY_TASK_QUEUES = {
    name: {"exchange": name, "routing_key": name}
    for name in (CELERY_QUEUE_INTERACTIVE, CELERY_QUEUE_HEAVY)
}
# Task names routed to the heavy queue (names, not modules: they survive a code move).
HEAVY_TASKS = (
    "curation.compute_agreement",
    "curation.labelstudio_push",
    "curation.labelstudio_pull",
    "curation.labelstudio_pull_linked",
    "exports.build",
)
CELERY_TASK_ROUTES = {name: {"queue": CELERY_QUEUE_HEAVY} for name in HEAVY_TASKS}
# Task durations and failures are counted in Redis (the broker's unless set), so the web's
# metrics endpoint can report what every worker on every host did.
METRICS_REDIS_URL = os.environ.get("METRICS_REDIS_URL", "")
# Operators' bearer token for /metrics (staff sessions are let in too); empty: staff only.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# /readyz gives each check (database, broker, storage) at most this many seconds.
READINESS_TIMEOUT_SECONDS = float(os.environ.get("READINESS_TIMEOUT_SECONDS", "2"))
# How often a running agreement job stamps its report's heartbeat.
AGREEMENT_HEARTBEAT_SECONDS = float(os.environ.get("AGREEMENT_HEARTBEAT_SECONDS", "15"))
# An agreement run whose heartbeat is older than this has lost its worker; the sweep runs it again.
AGREEMENT_HEARTBEAT_STALE_SECONDS = int(os.environ.get("AGREEMENT_HEARTBEAT_STALE_SECONDS", "90"))
# Runs of one project interrupted in a row before the sweep stops re-queuing it.
AGREEMENT_MAX_ATTEMPTS = int(os.environ.get("AGREEMENT_MAX_ATTEMPTS", "3"))
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["expire-leases"] = {"task": "curation.expire_leases", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["exports-recover-stalled"] = {
    "task": "exports.recover_stalled",
    "schedule": 60.0,
}
# How often beat looks for agreement runs whose worker died.
AGREEMENT_SWEEP_EVERY_SECONDS = float(os.environ.get("AGREEMENT_SWEEP_EVERY_SECONDS", "60"))
CELERY_BEAT_SCHEDULE["agreement-recover-stalled"] = {
    "task": "curation.agreement_recover_stalled",
    "schedule": AGREEMENT_SWEEP_EVERY_SECONDS,
}
CELERY_BEAT_SCHEDULE["labelstudio-pull-linked"] = {
    "task": "curation.labelstudio_pull_linked",
    "schedule": float(os.environ.get("LABEL_STUDIO_PULL_EVERY_SECONDS", 15 * 60)),
}
CELERY_BEAT_SCHEDULE["outbox-flush"] = {
    "task": "core.outbox_flush",
    "schedule": float(os.environ.get("OUTBOX_FLUSH_EVERY_SECONDS", "30")),
}
CELERY_BEAT_SCHEDULE["agreement-active-projects"] = {
    "task": "curation.compute_agreement_for_active_projects",
    "schedule": float(os.environ.get("AGREEMENT_EVERY_SECONDS", 6 * 3600)),
}

# The deepest nesting any JSON body or imported record may have (core.jsonsafe).
JSON_MAX_DEPTH = int(os.environ.get("JSON_MAX_DEPTH", "64"))

# Import limits.
IMPORT_MAX_FIELD_BYTES = int(os.environ.get("IMPORT_MAX_FIELD_BYTES", str(1024 * 1024)))
IMPORT_BATCH_SIZE = int(os.environ.get("IMPORT_BATCH_SIZE", "2000"))
IMPORT_MAX_ERRORS = 50

# The outbox: a message younger than this is left to the commit hook publishing it (seconds).
OUTBOX_FLUSH_GRACE_SECONDS = 5
# The outbox: how long published messages are kept before the flush deletes them (days).
OUTBOX_KEEP_SENT_DAYS = 7

# The agreement job: how consensus is reached (a method of curation.agreement.stats.consensus).
AGREEMENT_CONSENSUS_METHOD = "dawid_skene"
# The agreement job: threads that read and compute in parallel.
AGREEMENT_WORKERS = 1

# Exports: an attempt whose heartbeat is older than this is taken over (seconds).
EXPORTS_HEARTBEAT_STALE_SECONDS = 120
# Exports: attempts at one export before it is marked failed.
EXPORTS_MAX_ATTEMPTS = 5
# Exports: rows read from the database per batch while a file is written.
EXPORTS_CHUNK_SIZE = 5000
# Exports: the key of reviewer pseudonyms; unset, SECRET_KEY is used.
EXPORTS_PSEUDONYM_KEY = os.environ.get("EXPORTS_PSEUDONYM_KEY") or None
# Exports: gather each sample's reviewers in SQL (False: in Python, for databases without it).
EXPORTS_REVIEWERS_IN_SQL = True

# "plain" lines for people, "json" (one object a line, with the request id) for log shippers.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")  # the root logger's level


def logging_config(fmt: str, level: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "core.logging.JsonFormatter"},
        },
        "filters": {
            "redact": {"()": "core.logging.RedactSecretsFilter"},
            "request_id": {"()": "core.requestid.RequestIdFilter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if fmt == "json" else "plain",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }


LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
# JSON logs: workers log through the configuration above instead of Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# Error reports to Sentry when SENTRY_DSN is set (off otherwise); no personal data is sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "production")  # tag on every event
SENTRY_TRACES_SAMPLE_RATE = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0"))  # 0: no traces


def sentry_init(dsn: str) -> bool:
    """Start the Sentry SDK with the Django and Celery integrations; False when no DSN is set."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=SENTRY_ENVIRONMENT,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,
    )
    return True
