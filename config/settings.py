# SPDX-License-Identifier: MPL-2.0
"""civicloop settings: one module, every value from the environment (docs/configuration.md)."""

import ipaddress
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import REDIS_CACHE, env_bool, env_cache, env_float, env_int, env_list, env_path, env_storage, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("CIVICLOOP_VAR_DIR", BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("CIVICLOOP_DEBUG", False)
# With DEBUG on, a missing page is still templates/404.html (core.middleware.SiteNotFoundPageMiddleware);
# this brings back Django's technical 404 page, which lists the URL patterns.
DEBUG_TECHNICAL_404 = env_bool("CIVICLOOP_DEBUG_404", False)
SECRET_KEY = env_str("CIVICLOOP_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CIVICLOOP_SECRET_KEY must be set when CIVICLOOP_DEBUG is off")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - used only with DEBUG on
ALLOWED_HOSTS = env_list("CIVICLOOP_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CIVICLOOP_CSRF_TRUSTED_ORIGINS", [])

# The municipality this installation serves (全国地方公共団体コード, six digits with check digit).
LG_CODE = env_str("CIVICLOOP_LG_CODE", "131130")
LG_NAME_JA = env_str("CIVICLOOP_LG_NAME_JA", "渋谷区")
LG_NAME_EN = env_str("CIVICLOOP_LG_NAME_EN", "Shibuya City")
PROCEDURES_DIR = env_path("CIVICLOOP_PROCEDURES_DIR", BASE_DIR / "procedures")
CATALOG_CACHE_SECONDS = env_int("CIVICLOOP_CATALOG_CACHE_SECONDS", 30, minimum=0)

INSTALLED_APPS = [
    # Daphne first: its `runserver` (and so `serve_demo`, what `make run` starts) serves ASGI, HTTP
    # and the chat's websockets in one process (docs/dependencies.md, "channels, daphne").
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "ninja",  # serves /api/docs assets locally instead of from a CDN
    "civicloop.core",
    "civicloop.accounts",
    "civicloop.classification",
    "civicloop.catalog",
    "civicloop.applications",
    "civicloop.cases",
    "civicloop.intelligence",
    # The order of these two does not matter: documents issues the signed result on `case.decided`,
    # and the resident's result notice follows the document's own `document.issued` (one e-mail,
    # after the PDF exists; notifications/tests/test_result_notice.py runs both orders).
    "civicloop.notifications",
    "civicloop.documents",
    "civicloop.payments",  # fees paid online through a provider adapter (docs/payments.md)
    "civicloop.devices",
    "civicloop.relay",
    "civicloop.analytics",
    "civicloop.collab",  # staff chat (Django Channels for the websockets)
    "civicloop.authoring",  # co-edited documents (Yjs over the same Channels websockets)
    "civicloop.council",  # council Q&A (議会答弁): sessions, questions, answers, the answer book
    "civicloop.intake",  # applications from other channels' exports (ぴったりサービス, LoGoフォーム)
    "civicloop.meetings",  # paperless meetings: agenda, materials read on screen, signed-off minutes
    "civicloop.insight",  # arrival forecasts and SLA risk scores (docs/forecasts.md)
    "civicloop.procurement",  # procurement: suppliers, catalogue, sealed bids, evaluation, award (docs/procurement.md)
    "civicloop.backoffice",  # the back-office API for staff and integration clients (docs/api.md)
    "oauth2_provider",  # OAuth2 client credentials for integration clients (docs/dependencies.md)
    "channels",
    "civicloop.ops",  # /healthz, /readyz, /metrics (docs/operations.md)
    # Staff sign-in (civicloop.accounts, docs/staff-sign-in.md): accounts, second factors, directory SSO.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django.contrib.humanize",  # allauth's list of security keys formats dates with it
]
DEMO_ENABLED = env_bool("CIVICLOOP_DEMO", DEBUG)
if DEMO_ENABLED:
    INSTALLED_APPS.append("civicloop.demo")
# The demo lets anyone sign in as any resident and signs documents with a CA anyone can make. With
# DEBUG off the web process refuses to start with it on, unless this says exactly "I-understand"
# (a staging or training site); it then warns at every start. `check --deploy` fails either way.
_DEMO_HATCH = env_str("CIVICLOOP_DEMO_ON_PUBLIC_SITE", "")
if _DEMO_HATCH not in {"", "I-understand"}:
    raise ImproperlyConfigured("CIVICLOOP_DEMO_ON_PUBLIC_SITE must be exactly I-understand, or unset")
DEMO_ON_PUBLIC_SITE = _DEMO_HATCH == "I-understand"

MIDDLEWARE = [
    # First: every log record of a request carries its id, and the time covers the whole stack.
    "civicloop.core.request_ids.RequestIdMiddleware",
    "civicloop.ops.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicloop.core.middleware.JapaneseFirstLocaleMiddleware",
    "civicloop.core.middleware.RequestBodyLimitMiddleware",  # after the language, before anything reads a body
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "civicloop.accounts.session_user.AuthenticationMiddleware",  # Django's; the user read by a precompiled statement
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "civicloop.devices.middleware.DeviceTrustMiddleware",
    "civicloop.accounts.middleware.StaffMfaRequiredMiddleware",
    "civicloop.core.middleware.SiteNotFoundPageMiddleware",  # templates/404.html with DEBUG on too
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civicloop.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
# Staff chat's realtime delivery (civicloop.collab, Django Channels). Empty: each process keeps its
# own in-memory channel layer, which is right for one process (`make run`). With more than one web
# process a message posted through one must reach sockets held by another: a Redis URL then.
# Redis pub/sub, not channels_redis' list-per-socket layer: a message is published once and each
# daphne process hands it to its own sockets, where the list layer pushed and popped it once per
# socket (200 readers at 50 messages/s: 10,000 Redis round trips a second; bench/chat.py). Pub/sub
# delivers at most once: the message is in the database first, and a page that sees a gap in the
# change numbers asks for what it missed (static/js/chat.js).
CHANNEL_LAYER_URL = env_str("CIVICLOOP_CHANNEL_LAYER_URL", "")
if CHANNEL_LAYER_URL and CHANNEL_LAYER_URL.split("://", 1)[0] not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured("CIVICLOOP_CHANNEL_LAYER_URL: use redis://, rediss:// or unix://, or leave it empty")
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [CHANNEL_LAYER_URL], "prefix": f"civicloop:{LG_CODE}:chat"},
        }
    }
    if CHANNEL_LAYER_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"

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
                "civicloop.core.context_processors.site",
                "civicloop.accounts.navigation.header",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicloop.sqlite3'}")
# Health checks: a kept connection the server has dropped (restart, failover, idle timeout) is
# replaced before the request's first query instead of failing it with a 500 (docs/security.md).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("CIVICLOOP_DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, whose health check asks `SELECT 1` only when the server has said something
    # on the kept connection (civicloop/core/postgresql/base.py): no round trip per request.
    DATABASES["default"]["ENGINE"] = "civicloop.core.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE makes a write transaction take the
    # lock at BEGIN so two submissions queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
elif env_bool("CIVICLOOP_DB_PREPARED", True):
    # Django's cursors bind values on the client and never prepare. A threshold (which they
    # ignore) lets the few statements that ask for it be prepared once per connection: the
    # submission's insert chain (core.insert_batch). Off behind a transaction-pooling proxy that
    # can't keep prepared statements (PgBouncer before 1.21; docs/operations.md).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
# Concurrent test runs on one PostgreSQL server each need their own test database.
if test_db_name := env_str("CIVICLOOP_TEST_DB_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": test_db_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate-limit counts and cached figures. Empty: each process keeps its own in memory (one process,
# `make run`); with several workers a shared Redis, or each worker counts its own limits.
CACHES = {"default": env_cache("CIVICLOOP_CACHE_URL", key_prefix=f"civicloop:{LG_CODE}")}
# With a shared Redis cache, sessions are read from it and written through to the database
# (civicloop/core/sessions.py, failing closed): a signed-in request no longer queries
# django_session. Never with each process's own memory: a sign-out in one worker would leave the
# session alive in the others.
SHARED_CACHE = CACHES["default"]["BACKEND"] == REDIS_CACHE
SESSION_ENGINE = "civicloop.core.sessions" if SHARED_CACHE else "django.contrib.sessions.backends.db"
# How long a cached copy of a session may be served without the database being read again.
SESSION_CACHE_SECONDS = env_int("CIVICLOOP_SESSION_CACHE_SECONDS", 300, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE = env_bool("CIVICLOOP_SECURE", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env_bool("CIVICLOOP_SSL_REDIRECT", SECURE)
# Load balancers probe and Prometheus scrapes the web nodes over plain HTTP on the inside network:
# a redirect to HTTPS would fail them (docs/operations.md, "Health, readiness and metrics").
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("CIVICLOOP_HSTS_SECONDS", 31536000 if SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("CIVICLOOP_BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# One date style per language on every page: 2026年12月16日 / 16 December 2026 (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic's target. Its own variable so an image can carry its collected files outside VAR_DIR,
# which containers share as a volume (a volume's copy would outlive the next image's files).
STATIC_ROOT = env_path("CIVICLOOP_STATIC_ROOT", VAR_DIR / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = env_path("CIVICLOOP_MEDIA_ROOT", VAR_DIR / "media")
# Content-hashed static names (css/civicloop.78bec15704d0.css and a manifest, written by collectstatic;
# pages link to them and WhiteNoise lets browsers keep them for a year). Not the default: every page
# then needs collectstatic to have run first (a file missing from the manifest is a 500), and the
# benchmarks run with DEBUG off and no collectstatic. With DEBUG on, pages link to plain names anyway.
STATIC_HASHED = env_bool("CIVICLOOP_STATIC_HASHED", False)
STORAGES = {
    # Attachments and signed PDFs: MEDIA_ROOT, or an S3 bucket (CIVICLOOP_STORAGE=s3, configuration.md).
    "default": env_storage(MEDIA_ROOT),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_HASHED
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Form posts above this are refused by Django (files stream to disk instead). Each attachment is
# also capped by UPLOAD_MAX_BYTES, whatever a procedure file's max_mb says.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("CIVICLOOP_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1)

EMAIL_BACKEND = env_str("CIVICLOOP_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("CIVICLOOP_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CIVICLOOP_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("CIVICLOOP_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("CIVICLOOP_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CIVICLOOP_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("CIVICLOOP_EMAIL_FROM", "no-reply@civicloop.invalid")
# Where django.core.mail.backends.filebased.EmailBackend writes, one file per message (`make run` uses it).
EMAIL_FILE_PATH = env_path("CIVICLOOP_EMAIL_FILE_PATH", VAR_DIR / "mail")

# Resident sign-in through OpenID Connect (デジタル認証アプリ or any code-flow provider).
# With the demo on and no issuer set, the built-in demo provider at /demo-idp/ is used.
SITE_URL = env_str("CIVICLOOP_SITE_URL", "http://127.0.0.1:8000")
# Fees (docs/payments.md): the provider adapter by dotted path, its webhook secret and the
# tolerance on a webhook's timestamp. The fake provider (its page at /demo-pay/) with the demo on.
PAYMENT_PROVIDER = env_str(
    "CIVICLOOP_PAYMENT_PROVIDER", "civicloop.integrations.payment.fake.FakeProvider" if DEMO_ENABLED else ""
)
PAYMENT_WEBHOOK_SECRET = env_str("CIVICLOOP_PAYMENT_WEBHOOK_SECRET", "demo-webhook-secret" if DEMO_ENABLED else "")
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env_int("CIVICLOOP_PAYMENT_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1)
# The Open Contracting ID prefix of the procurement record (OCDS: "ocds-" and six characters, which
# the Open Contracting Partnership registers to the publisher; civicloop/procurement/ocds.py).
OCDS_OCID_PREFIX = env_str("CIVICLOOP_OCDS_OCID_PREFIX", "ocds-cvloop")
OIDC_ISSUER = env_str("CIVICLOOP_OIDC_ISSUER", f"{SITE_URL}/demo-idp" if DEMO_ENABLED else "")
OIDC_CLIENT_ID = env_str("CIVICLOOP_OIDC_CLIENT_ID", "civicloop-portal")
OIDC_CLIENT_SECRET = env_str("CIVICLOOP_OIDC_CLIENT_SECRET", "demo-secret" if DEMO_ENABLED else "")
# 基本4情報 as the デジタル認証アプリ names its scopes (DOMAIN.md).
OIDC_SCOPES = env_str("CIVICLOOP_OIDC_SCOPES", "openid name address birthdate gender")

# Inquiry routing (civicloop.intelligence): above the threshold an inquiry goes straight to the
# suggested department; below it, to the human triage queue. The switch turns suggestions off.
ROUTING_SUGGESTIONS_ENABLED = env_bool("CIVICLOOP_ROUTING_SUGGESTIONS", True)
ROUTING_THRESHOLD = env_float("CIVICLOOP_ROUTING_THRESHOLD", 0.5, minimum=0.0, maximum=1.0)
# The department whose staff route inquiries the model was not sure of (人による振り分け).
INQUIRY_TRIAGE_DEPARTMENT = env_str("CIVICLOOP_INQUIRY_TRIAGE_DEPARTMENT", "somu")

# Analytics (civicloop.analytics): how long a dashboard's figures for one viewer and filter set are
# kept before the rollups are read again (0: never cached), and the same for the public open data.
ANALYTICS_CACHE_SECONDS = env_int("CIVICLOOP_DASHBOARD_CACHE_SECONDS", 60, minimum=0)
ANALYTICS_OPENDATA_CACHE_SECONDS = env_int("CIVICLOOP_OPENDATA_CACHE_SECONDS", 600, minimum=0)

# Background work: `manage.py worker` calls each of these `run_once()` functions in turn, forever.
# Each returns how many items it handled; the worker sleeps briefly when all of them return 0.
WORKER_TASKS = [
    "civicloop.relay.worker.run_once",
    "civicloop.notifications.worker.run_once",
    "civicloop.cases.worker.run_once",
    "civicloop.documents.worker.run_once",
    "civicloop.devices.worker.run_once",
    "civicloop.core.audit_checkpoints.run_once",  # a signed audit checkpoint every AUDIT_CHECKPOINT_INTERVAL_SECONDS
    "civicloop.insight.worker.run_once",  # forecasts and the risk model weekly, risk scores hourly
    "civicloop.procurement.worker.run_once",  # security declarations that expire soon: 30 and 7 days before
]

# Background work on Celery (config/celery.py, docs/operations.md "Background work on Celery"): each
# WORKER_TASKS entry is one task; beat sends it every this many seconds, and it runs `run_once()`
# again while that finds work, for up to WORKER_TASK_BUDGET_SECONDS. The last three gate themselves:
# documents (every 600 s) and audit checkpoints (every AUDIT_CHECKPOINT_INTERVAL_SECONDS) once for the
# whole site, claimed in the database (civicloop/core/periodic.py), whatever the number of processes.
WORKER_TASK_INTERVALS = {
    "civicloop.relay.worker.run_once": 1.0,  # events reach consumers within about a second
    "civicloop.notifications.worker.run_once": 1.0,
    "civicloop.cases.worker.run_once": 60.0,  # SLA reminders: once a business day per case
    "civicloop.documents.worker.run_once": 60.0,
    "civicloop.devices.worker.run_once": 60.0,  # check-ins are late after hours, not seconds
    "civicloop.core.audit_checkpoints.run_once": 60.0,
    "civicloop.insight.worker.run_once": 300.0,  # gates itself (INSIGHT_*_SECONDS)
    "civicloop.procurement.worker.run_once": 3600.0,  # once a declaration per threshold (reminded_for)
}
# Forecasts and the SLA risk model (civicloop.insight, docs/forecasts.md): refit this often, and
# rescore the open cases with the current model this often in between.
INSIGHT_RETRAIN_SECONDS = env_float("CIVICLOOP_INSIGHT_RETRAIN_SECONDS", 7 * 24 * 3600.0, minimum=60.0)
INSIGHT_SCORE_SECONDS = env_float("CIVICLOOP_INSIGHT_SCORE_SECONDS", 3600.0, minimum=60.0)
WORKER_TASK_BUDGET_SECONDS = env_float("CIVICLOOP_CELERY_TASK_BUDGET_SECONDS", 10.0, minimum=0.0)
# Empty: Celery is not used (`make run` and `manage.py worker` need no broker). Redis or RabbitMQ.
CELERY_BROKER_URL = env_str("CIVICLOOP_CELERY_BROKER_URL", "")
if CELERY_BROKER_URL and CELERY_BROKER_URL.split("://", 1)[0] not in {"redis", "rediss", "amqp", "amqps", "pyamqp"}:
    raise ImproperlyConfigured("CIVICLOOP_CELERY_BROKER_URL: use redis://, rediss://, amqp:// or amqps://")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]  # never pickle: a message on the broker must not be able to run code
CELERY_TASK_IGNORE_RESULT = True  # the outcome is in the database, not in a result backend
# A task is acknowledged when it ends, not when it starts, and a worker process that dies (kill -9,
# out of memory) puts its message back; one message per process at a time, so none waits behind a
# long task in another process's prefetch.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One call of run_once() may take longer than the budget (notices: up to a batch of gateway
# timeouts); the hard limit kills the process, and the notice lease (300 s) puts its rows back.
CELERY_TASK_TIME_LIMIT = env_int("CIVICLOOP_CELERY_TASK_TIME_LIMIT_SECONDS", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
# Redis only: an unacknowledged message goes back to the queue after this; it must outlast the
# hard time limit, or a running task would be handed to a second worker.
WORKER_VISIBILITY_TIMEOUT_SECONDS = env_int("CIVICLOOP_CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600, minimum=60)
if WORKER_VISIBILITY_TIMEOUT_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CIVICLOOP_CELERY_VISIBILITY_TIMEOUT_SECONDS must exceed the task time limit")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": WORKER_VISIBILITY_TIMEOUT_SECONDS}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a broker restart: keep reconnecting, never exit
CELERY_TASK_DEFAULT_QUEUE = f"civicloop-{LG_CODE}"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # Django's LOGGING (text or JSON) formats the worker's records too
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Event relay (civicloop.relay, docs/relay.md): consumers get committed events in order, at least
# once, each with its own checkpoint. Redis only wakes the relay; the outbox table is the truth, so
# with Redis down (or the URL empty) the relay polls every RELAY_POLL_SECONDS and loses nothing.
EVENT_CONSUMERS = {
    # First what a submission leaves for after its commit: its case's process instance, its
    # receipt notice (docs/relay.md).
    "cases": "civicloop.cases.consumer.apply",
    "notifications": "civicloop.notifications.consumer.apply",
    "analytics": "civicloop.analytics.consumer.apply",
    "webhooks": "civicloop.relay.webhooks.apply",
}
CIVICLOOP_REDIS_URL = env_str("CIVICLOOP_REDIS_URL", "redis://127.0.0.1:6379/0")
RELAY_WAKEUP_CHANNEL = f"civicloop:{LG_CODE}:events"
RELAY_POLL_SECONDS = env_float("CIVICLOOP_RELAY_POLL_SECONDS", 1.0, minimum=0.05)
# 0.5 s, not 0.1: under steady submissions a pass of ~65 submissions' events costs the relay ~35%
# less CPU per submission than a pass of ~13 (bench/README.md, 2026-12-07); notices and webhooks
# leave at most half a second later.
RELAY_GATHER_SECONDS = env_float("CIVICLOOP_RELAY_GATHER_SECONDS", 0.5, minimum=0.0)
RELAY_BATCH_SIZE = env_int("CIVICLOOP_RELAY_BATCH_SIZE", 500, minimum=1)
RELAY_BACKOFF_BASE_SECONDS = env_float("CIVICLOOP_RELAY_BACKOFF_BASE_SECONDS", 5.0, minimum=0.0)
RELAY_BACKOFF_MAX_SECONDS = env_float("CIVICLOOP_RELAY_BACKOFF_MAX_SECONDS", 3600.0, minimum=0.0)
RELAY_WEBHOOK_TIMEOUT_SECONDS = env_float("CIVICLOOP_RELAY_WEBHOOK_TIMEOUT_SECONDS", 5.0, minimum=0.1)
RELAY_WEBHOOK_MAX_ATTEMPTS = env_int("CIVICLOOP_RELAY_WEBHOOK_MAX_ATTEMPTS", 10, minimum=1)

# Notifications (civicloop.notifications, docs/notifications.md): delivery retries with exponential
# backoff and jitter, then "dead"; SMS and LINE go to fakes unless a real gateway is configured.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("CIVICLOOP_NOTIFICATIONS_MAX_ATTEMPTS", 8, minimum=1)
NOTIFICATIONS_BACKOFF_SECONDS = env_float("CIVICLOOP_NOTIFICATIONS_BACKOFF_SECONDS", 30.0, minimum=0.0)
NOTIFICATIONS_BACKOFF_MAX_SECONDS = env_float("CIVICLOOP_NOTIFICATIONS_BACKOFF_MAX_SECONDS", 6 * 3600.0, minimum=0.0)
NOTIFICATIONS_BATCH_SIZE = env_int("CIVICLOOP_NOTIFICATIONS_BATCH_SIZE", 20, minimum=1)
NOTIFICATIONS_LEASE_SECONDS = env_int("CIVICLOOP_NOTIFICATIONS_LEASE_SECONDS", 300, minimum=30)
NOTIFICATIONS_HTTP_TIMEOUT = env_float("CIVICLOOP_NOTIFICATIONS_HTTP_TIMEOUT", 10.0, minimum=0.1)
NOTIFICATIONS_SMS_GATEWAY = env_str("CIVICLOOP_SMS_GATEWAY", "fake")
NOTIFICATIONS_SMS_URL = env_str("CIVICLOOP_SMS_URL", "")
NOTIFICATIONS_SMS_TOKEN = env_str("CIVICLOOP_SMS_TOKEN", "")
NOTIFICATIONS_SMS_SENDER = env_str("CIVICLOOP_SMS_SENDER", LG_NAME_EN[:11])
NOTIFICATIONS_LINE_GATEWAY = env_str("CIVICLOOP_LINE_GATEWAY", "fake")
NOTIFICATIONS_LINE_TOKEN = env_str("CIVICLOOP_LINE_CHANNEL_TOKEN", "")
NOTIFICATIONS_LINE_API_URL = env_str("CIVICLOOP_LINE_API_URL", "https://api.line.me/v2/bot/message/push")
for _name, _gateway in (
    ("CIVICLOOP_SMS_GATEWAY", NOTIFICATIONS_SMS_GATEWAY),
    ("CIVICLOOP_LINE_GATEWAY", NOTIFICATIONS_LINE_GATEWAY),
):
    if _gateway not in {"fake", "http"}:
        raise ImproperlyConfigured(f"{_name}={_gateway!r}: use fake or http")
_CHANNELS = "civicloop.notifications.channels"
NOTIFICATIONS_ADAPTERS = {
    "email": f"{_CHANNELS}.mail.EmailAdapter",
    "sms": f"{_CHANNELS}.sms.HttpSmsAdapter"
    if NOTIFICATIONS_SMS_GATEWAY == "http"
    else f"{_CHANNELS}.fakes.FakeSmsAdapter",
    "line": f"{_CHANNELS}.line.HttpLineAdapter"
    if NOTIFICATIONS_LINE_GATEWAY == "http"
    else f"{_CHANNELS}.fakes.FakeLineAdapter",
    "webhook": f"{_CHANNELS}.webhook.WebhookAdapter",
}

# Signed result documents (civicloop.documents, docs/documents.md): the municipality's signing key
# and certificate (PEM or DER; or a PKCS#12 file as the key with no certificate file), the key's
# passphrase, and the CA chain up to the root the verification page trusts. With none set and the
# demo or DEBUG on, a demo CA is made once in VAR_DIR/signing; with neither, issuing refuses.
SIGNING_KEY_FILE = env_str("CIVICLOOP_SIGNING_KEY_FILE", "")
SIGNING_CERT_FILE = env_str("CIVICLOOP_SIGNING_CERT_FILE", "")
SIGNING_KEY_PASSPHRASE = env_str("CIVICLOOP_SIGNING_KEY_PASSPHRASE", "")
SIGNING_CHAIN_FILES = env_list("CIVICLOOP_SIGNING_CHAIN_FILES", [])
DOCUMENTS_VERIFY_MAX_BYTES = env_int("CIVICLOOP_DOCUMENTS_VERIFY_MAX_BYTES", 10 * 1024 * 1024, minimum=1)

# Audit chain anchoring (civicloop.core.audit, docs/security.md): the HMAC key that seals each audit
# entry, "<key id>:<base64 of 32+ bytes>", kept out of the database and its backups; retired keys,
# newest first, kept to verify the entries they sealed; the folder of signed checkpoints (write-once
# storage in production, operations.md) and how often the worker writes one. With no key and DEBUG
# or the demo on, a development key is made once in VAR_DIR/audit-key (mode 0600).
AUDIT_KEY = env_str("CIVICLOOP_AUDIT_KEY", "")
AUDIT_OLD_KEYS = env_list("CIVICLOOP_AUDIT_KEYS", [])
AUDIT_DEV_KEY = DEBUG or DEMO_ENABLED
AUDIT_CHECKPOINT_DIR = env_path("CIVICLOOP_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints")
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env_int("CIVICLOOP_AUDIT_CHECKPOINT_INTERVAL_SECONDS", 3600, minimum=60)

# Classification (civicloop.classification, docs/classification.md): key-encryption keys for the
# envelope encryption of SECRET and TOP SECRET content, one set per tier, each
# "<key id>:<base64 of 32 bytes>", comma-separated, newest first (older keys stay listed until
# `manage.py rotate_classification_keys` has re-wrapped every data key). With none set and DEBUG
# on, demo keys are generated once into VAR_DIR/classification-keys.json.
CLASSIFICATION_KEKS = {
    "SECRET": env_list("CIVICLOOP_KEK_SECRET", []),
    "TOP_SECRET": env_list("CIVICLOOP_KEK_TOP_SECRET", []),
}
CLASSIFICATION_DEMO_KEYS = DEBUG

# Staff sign-in (civicloop.accounts, docs/staff-sign-in.md): django-allauth for staff only — a
# password or the municipality's directory (OIDC), then a second factor (TOTP app, security key or
# passkey; recovery codes as the fallback), required for every staff page. No self sign-up.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # residents' OIDC sign-in logs in through this one
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "civicloop.accounts.adapters.StaffAccountAdapter"
SOCIALACCOUNT_ADAPTER = "civicloop.accounts.adapters.StaffSocialAccountAdapter"
MFA_ADAPTER = "civicloop.accounts.adapters.StaffMfaAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False  # a staff session ends when the browser closes
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_REAUTHENTICATION_METHODS = ("mfa",)
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("CIVICLOOP_STAFF_REAUTH_SECONDS", 300, minimum=30)
STAFF_LOGIN_ATTEMPTS = env_int("CIVICLOOP_STAFF_LOGIN_ATTEMPTS", 5, minimum=1)
STAFF_LOGIN_LOCKOUT_SECONDS = env_int("CIVICLOOP_STAFF_LOGIN_LOCKOUT_SECONDS", 300, minimum=1)
# Proxies in front that append to X-Forwarded-For: rate limits per address read the client's address there.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("CIVICLOOP_TRUSTED_PROXY_COUNT", 0, minimum=0)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"10/m/ip,{STAFF_LOGIN_ATTEMPTS}/{STAFF_LOGIN_LOCKOUT_SECONDS}s/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = env_bool("CIVICLOOP_STAFF_PASSKEY_LOGIN", True)
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # WebAuthn wants HTTPS except on localhost
MFA_TOTP_TOLERANCE = 1  # one 30-second step either side, for phone clocks that drift
MFA_TRUST_ENABLED = False  # every sign-in asks for the second factor
STAFF_OIDC_PROVIDER_ID = "municipality"
STAFF_OIDC_ISSUER = env_str("CIVICLOOP_STAFF_OIDC_ISSUER", "")
STAFF_OIDC_NAME = env_str("CIVICLOOP_STAFF_OIDC_NAME", "職員ディレクトリ")
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": STAFF_OIDC_PROVIDER_ID,
                "name": STAFF_OIDC_NAME,
                "client_id": env_str("CIVICLOOP_STAFF_OIDC_CLIENT_ID", ""),
                "secret": env_str("CIVICLOOP_STAFF_OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": STAFF_OIDC_ISSUER, "token_auth_method": "client_secret_post"},
            }
        ]
        if STAFF_OIDC_ISSUER
        else [],
    }
}
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# Submissions (a small edit in applications.views and .api): per signed-in resident, or per address for guests.
SUBMISSION_RATE_LIMIT = env_int("CIVICLOOP_SUBMISSION_RATE_LIMIT", 10, minimum=0)  # 0: no limit
SUBMISSION_RATE_LIMIT_GUEST = env_int("CIVICLOOP_SUBMISSION_RATE_LIMIT_GUEST", 30, minimum=0)
SUBMISSION_RATE_WINDOW_S = env_int("CIVICLOOP_SUBMISSION_RATE_WINDOW_SECONDS", 600, minimum=1)
# Public endpoints that cost CPU per request (accounts.ratelimit): document verification (uploads
# and code lookups) and routing suggestions, per signed-in user or per address.
VERIFY_RATE_LIMIT = env_int("CIVICLOOP_VERIFY_RATE_LIMIT", 30, minimum=0)  # 0: no limit
ROUTING_SUGGEST_RATE_LIMIT = env_int("CIVICLOOP_ROUTING_SUGGEST_RATE_LIMIT", 60, minimum=0)
# The payment webhook (payments.views.webhook), per sending address: each call costs an HMAC and a
# logged row, so a flood of forgeries is cut off; a provider retries after Retry-After.
PAYMENT_WEBHOOK_RATE_LIMIT = env_int("CIVICLOOP_PAYMENT_WEBHOOK_RATE_LIMIT", 600, minimum=0)
PUBLIC_RATE_WINDOW_S = env_int("CIVICLOOP_PUBLIC_RATE_WINDOW_SECONDS", 600, minimum=1)
# The back-office API (docs/api.md): django-oauth-toolkit issues client-credentials tokens; the
# scopes and which client may ask for which are civicloop.backoffice.scopes.
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "civicloop.backoffice.scopes.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "PKCE_REQUIRED": True,
}
# Named, not defaulted: a migration that points at the application model (backoffice's) resolves it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# Device registry (civicloop.devices, docs/devices.md): the compliance rules a device's reported
# posture must meet to be trusted (a managed device for TOP SECRET, any compliant one for SECRET),
# and the signed cookie that binds a staff session to the device it was signed in on.
DEVICE_PATCH_MAX_AGE_DAYS = env_int("CIVICLOOP_DEVICE_PATCH_MAX_AGE_DAYS", 60, minimum=0)
DEVICE_REQUIRE_ENCRYPTION = env_bool("CIVICLOOP_DEVICE_REQUIRE_ENCRYPTION", True)
DEVICE_REQUIRE_SCREEN_LOCK = env_bool("CIVICLOOP_DEVICE_REQUIRE_SCREEN_LOCK", True)
DEVICE_FORBID_JAILBREAK = env_bool("CIVICLOOP_DEVICE_FORBID_JAILBREAK", True)
DEVICE_CHECKIN_MAX_AGE_HOURS = env_int("CIVICLOOP_DEVICE_CHECKIN_MAX_AGE_HOURS", 24, minimum=1)
DEVICE_COOKIE_NAME = "civicloop_device"
DEVICE_COOKIE_MAX_AGE_S = env_int("CIVICLOOP_DEVICE_COOKIE_DAYS", 365, minimum=1) * 86400
# Device approval and second-factor invitations (docs/devices.md, docs/staff-sign-in.md): the MDM
# integration's own bearer token (empty: its API answers 401), and how long an invitation to enrol
# a first second factor stays valid.
MDM_TOKEN = env_str("CIVICLOOP_MDM_TOKEN", "")
if MDM_TOKEN and len(MDM_TOKEN) < 32:
    raise ImproperlyConfigured("CIVICLOOP_MDM_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32)")
MFA_INVITATION_HOURS = env_int("CIVICLOOP_MFA_INVITATION_HOURS", 72, minimum=1)

# Health, readiness and metrics (civicloop.ops, docs/operations.md). /readyz reports the age of the
# oldest event not yet applied by every consumer and of the notice due longest; above a threshold
# set here it answers 503. Off by default (0: reported, never failing): the lag is the same on
# every node, so a load balancer acting on it would take the whole site out for a stopped worker —
# alert on civicloop_outbox_lag_seconds instead. /metrics answers the bearer token, or the allowed
# networks (by default only loopback, and none once a token is set).
READY_OUTBOX_LAG_SECONDS = env_int("CIVICLOOP_READY_OUTBOX_LAG_SECONDS", 0, minimum=0)
READY_QUEUE_LAG_SECONDS = env_int("CIVICLOOP_READY_QUEUE_LAG_SECONDS", 0, minimum=0)
METRICS_TOKEN = env_str("CIVICLOOP_METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("CIVICLOOP_METRICS_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32)")
METRICS_ALLOWED_NETWORKS = env_list(
    "CIVICLOOP_METRICS_ALLOWED_NETWORKS", [] if METRICS_TOKEN else ["127.0.0.0/8", "::1/128"]
)
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CIVICLOOP_METRICS_ALLOWED_NETWORKS: {_network!r} is not a network") from exc
# prometheus_client's own variable: with several gunicorn workers, each writes its counts to files
# in this folder and a scrape adds them up. Empty: each process serves only its own counts.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    raise ImproperlyConfigured("PROMETHEUS_MULTIPROC_DIR must be an existing folder (empty it before each start)")

# Logs go to stderr; every record of a request carries its id (core.request_ids). `json`: one JSON
# object per line, and one access line per request (civicloop.ops.middleware) — for production,
# where a collector parses them. `text` (the default, `make run`): lines for people.
LOG_FORMAT = env_str("CIVICLOOP_LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("CIVICLOOP_LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "civicloop.core.request_ids.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("CIVICLOOP_LOG_LEVEL", "INFO")},
    "loggers": {
        # SpiffWorkflow logs every task state change at INFO; the case history already records them.
        "spiff": {"level": "WARNING"},
        # One line per request in JSON mode; in text mode the server (runserver, gunicorn) prints its own.
        "civicloop.access": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}
