# SPDX-License-Identifier: MPL-2.0
"""civicloop settings: one module, every value from the environment (docs/configuration.md)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("CIVICLOOP_VAR_DIR", BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("CIVICLOOP_DEBUG", False)
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
    "civicloop.documents",
    "civicloop.notifications",
    "civicloop.devices",
    "civicloop.relay",
    "civicloop.analytics",
]
DEMO_ENABLED = env_bool("CIVICLOOP_DEMO", DEBUG)
if DEMO_ENABLED:
    INSTALLED_APPS.append("civicloop.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicloop.core.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civicloop.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
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
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicloop.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CIVICLOOP_DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE makes a write transaction take the
    # lock at BEGIN so two submissions queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
# Concurrent test runs on one PostgreSQL server each need their own test database.
if test_db_name := env_str("CIVICLOOP_TEST_DB_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": test_db_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE = env_bool("CIVICLOOP_SECURE", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env_bool("CIVICLOOP_SSL_REDIRECT", SECURE)
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
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = env_path("CIVICLOOP_MEDIA_ROOT", VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
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

# Resident sign-in through OpenID Connect (デジタル認証アプリ or any code-flow provider).
# With the demo on and no issuer set, the built-in demo provider at /demo-idp/ is used.
SITE_URL = env_str("CIVICLOOP_SITE_URL", "http://127.0.0.1:8000")
OIDC_ISSUER = env_str("CIVICLOOP_OIDC_ISSUER", f"{SITE_URL}/demo-idp" if DEMO_ENABLED else "")
OIDC_CLIENT_ID = env_str("CIVICLOOP_OIDC_CLIENT_ID", "civicloop-portal")
OIDC_CLIENT_SECRET = env_str("CIVICLOOP_OIDC_CLIENT_SECRET", "demo-secret" if DEMO_ENABLED else "")
# 基本4情報 as the デジタル認証アプリ names its scopes (DOMAIN.md).
OIDC_SCOPES = env_str("CIVICLOOP_OIDC_SCOPES", "openid name address birthdate gender")

# Inquiry routing (civicloop.intelligence): above the threshold an inquiry goes straight to the
# suggested department; below it, to the human triage queue. The switch turns suggestions off.
ROUTING_SUGGESTIONS_ENABLED = env_bool("CIVICLOOP_ROUTING_SUGGESTIONS", True)
ROUTING_THRESHOLD = env_float("CIVICLOOP_ROUTING_THRESHOLD", 0.5, minimum=0.0, maximum=1.0)

# Background work: `manage.py worker` calls each of these `run_once()` functions in turn, forever.
# Each returns how many items it handled; the worker sleeps briefly when all of them return 0.
WORKER_TASKS = [
    "civicloop.relay.worker.run_once",
    "civicloop.notifications.worker.run_once",
    "civicloop.cases.worker.run_once",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CIVICLOOP_LOG_LEVEL", "INFO")},
    # SpiffWorkflow logs every task state change at INFO; the case history already records them.
    "loggers": {"spiff": {"level": "WARNING"}},
}
