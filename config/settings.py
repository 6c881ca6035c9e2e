"""One settings module, read from the environment.

Development needs nothing set: DEBUG is off unless asked for, so a missing variable can never
turn a production deployment into a debug one. See the README for the variables.
"""

import datetime
import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from legislation.site.map_style import csp_source

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG-on"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.apps.StaffAdminConfig",  # django.contrib.admin with the two-factor admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "legislation",
]

MIDDLEWARE = [
    "legislation.site.request_log.FailedRequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "legislation.site.input_guard.InputGuardMiddleware",
    "legislation.site.public_cache.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "legislation.staff_auth.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "legislation.site.published.context",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed, compressed files collected by `collectstatic`; the local run command
# and the tests serve straight from static/ (DJANGO_COLLECTED_STATIC=false) so they need no build.
COLLECTED_STATIC = env_bool("DJANGO_COLLECTED_STATIC", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if COLLECTED_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not COLLECTED_STATIC
WHITENOISE_AUTOREFRESH = not COLLECTED_STATIC

# Uploads (imports) are refused past this size with a clear message rather than read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Reading limits for imports (legislation/editorial/reading.py): the whole template is ~5,100
# rows of 12 columns; a file past any limit is refused with a message naming it.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 60)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 24 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000  # the country page edits 26 cells x ~12 fields

LOGIN_URL = "admin:login"

# Staff sign-in. A second factor (TOTP; `manage.py add_totp_device USER`) is required
# whenever DEBUG is off; DJANGO_REQUIRE_2FA=false turns it off for local runs and tests.
REQUIRE_2FA = env_bool("DJANGO_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("DJANGO_OTP_ISSUER", "CSEM gap analysis")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account or address first
    "django.contrib.auth.backends.ModelBackend",
]
# Five failures lock the account, and separately the address, for an hour; the lock is in the
# database, so every worker and host enforces it. Behind N proxies, set DJANGO_PROXY_COUNT=N.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DJANGO_LOGIN_LOCKOUT_MINUTES", 60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
# Change reasons are up to 250 characters (ChangeBatch.reason); history keeps them whole.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Security: safe defaults that production values keep; see `manage.py check --deploy`.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS is assumed whenever DEBUG is off; the local run command and the tests, which speak plain
# HTTP on 127.0.0.1, turn it off explicitly with DJANGO_HTTPS=false.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer asks over plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo (browsers ship the list): only when asked for.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # not preloading is a choice, not a slip
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The pages need no script and no inline style; the admin's scripts are our own static files.
# The one inline rule allowed is the world map's hover style, by its hash.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF, csp_source()],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}


def cache_from_url(url):
    """CACHE_URL: redis://host:port/db (Django's own Redis backend, with one client per pool:
    config/redis_cache.py), shared by every worker and host; unset, each process keeps its
    own memory cache (fine for `make run`)."""
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "legislation",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(f"CACHE_URL must be a redis:// address, not {url!r}")
    return {
        "BACKEND": "config.redis_cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "csem"),
    }


CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", ""))}
# Anonymous pages: how long a CDN or proxy may keep one (browsers revalidate with its ETag).
PUBLIC_CACHE_SECONDS = env_int("DJANGO_PUBLIC_CACHE_SECONDS", 60)
# PDF and Word files rendered at once by the workers of one host (the rest answer 429 +
# Retry-After); keep it below the number of workers so that pages always have a free worker.
HEAVY_DOCUMENT_CONCURRENCY = env_int("HEAVY_DOCUMENT_CONCURRENCY", 1)
# The slots are locked files in this directory, which every worker of the host must share.
# By default one per checkout, so two deployments on one host never share slots.
HEAVY_DOCUMENT_SLOT_DIR = os.environ.get("HEAVY_DOCUMENT_SLOT_DIR") or os.path.join(
    tempfile.gettempdir(),
    "csem-heavy-documents-" + hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12],
)
# The read-only JSON API (/api/v1/). Anonymous clients are throttled per address; the rate
# is a setting so that a deployment can raise it ("120/min", "5000/day").
API_ANON_RATE = os.environ.get("API_ANON_RATE", "120/min")
API_PAGE_SIZE = 100
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["legislation.api.throttling.AnonymousThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "legislation.api.pagination.StablePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "legislation.api.errors.handle",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CSE law gap analysis: open data API",
    "DESCRIPTION": (
        "Read-only data on child sexual exploitation laws against the ICMEC model legislation "
        "and the Lanzarote Convention. `not_assessed` means nobody has verified a cell yet; it "
        "is never a gap. Every list takes `as_of=` (a past moment) or `release=` (a published "
        "data release, e.g. 1.0.0, or `latest`). Licence: CC-BY-4.0."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page loads Swagger UI from our own static files (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
