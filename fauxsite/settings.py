"""
fauxsite settings, read from the environment.

Zero configuration gives a working development server: SQLite files under
``FAUXSITE_DATA_DIR`` (default ``var/``) hold Django's tables (``default``) and
the mock rows (``fixtures``). ``DATABASE_URL`` and ``FIXTURES_DATABASE_URL``
switch either one to PostgreSQL. ``DEBUG`` is off unless asked for.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("FAUXSITE_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret_key() -> str:
    # Without SECRET_KEY a key is generated once and kept beside the SQLite
    # files, so sessions survive restarts and nothing secret is in the repo.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


DEBUG = envbool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "schemas",
    "datasources",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fauxsite.urls"
WSGI_APPLICATION = "fauxsite.wsgi.application"

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
            ],
        },
    },
]

# Databases ------------------------------------------------------------------

FIXTURES_ALIAS = "fixtures"
CONN_MAX_AGE = envint("CONN_MAX_AGE", 600)


def _sqlite(path: Path, test_name: str) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # WAL lets several worker processes read while one writes;
            # IMMEDIATE transactions wait for the write lock instead of
            # failing half-way with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        "TEST": {"NAME": os.environ.get(f"FAUXSITE_TEST_{test_name.upper()}_SQLITE")},
    }


def _database(url_variable: str, sqlite_file: str, test_name: str) -> dict:
    url = os.environ.get(url_variable)
    if not url:
        return _sqlite(DATA_DIR / sqlite_file, test_name)
    config = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    suffix = os.environ.get("FAUXSITE_TEST_DB_SUFFIX", "")
    config["TEST"] = {"NAME": f"test_{config['NAME']}_{test_name}{suffix}"}
    return config


DATABASES = {
    "default": _database("DATABASE_URL", "default.sqlite3", "default"),
    FIXTURES_ALIAS: _database("FIXTURES_DATABASE_URL", "fixtures.sqlite3", "fixtures"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite's init_command already runs per connection; keep it open.
    DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE
if DATABASES[FIXTURES_ALIAS]["ENGINE"].endswith("sqlite3"):
    DATABASES[FIXTURES_ALIAS]["CONN_MAX_AGE"] = CONN_MAX_AGE
    # Fixture tables are altered inside transactions; see the backend's docstring.
    DATABASES[FIXTURES_ALIAS]["ENGINE"] = "schemas.fixtures_sqlite"
    DATABASES[FIXTURES_ALIAS]["OPTIONS"]["init_command"] += " PRAGMA foreign_keys=OFF;"

DATABASE_ROUTERS = ["datasources.router.SchemaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache ----------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fauxsite",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Auth, i18n, static -----------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Not the manifest storage: pages must render even before collectstatic
    # (tests, a first `runserver`), and a missing manifest entry is a 500.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Tests and `runserver` find static files in the apps without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request limits -------------------------------------------------------------

DATA_UPLOAD_MAX_MEMORY_SIZE = envint("FAUXSITE_MAX_BODY_BYTES", 1_048_576, minimum=1024)

# API ------------------------------------------------------------------------

FAUXSITE_PAGE_SIZE = envint("FAUXSITE_PAGE_SIZE", 20, minimum=1)
FAUXSITE_MAX_PAGE_SIZE = envint("FAUXSITE_MAX_PAGE_SIZE", 100, minimum=1)
if FAUXSITE_PAGE_SIZE > FAUXSITE_MAX_PAGE_SIZE:
    raise ImproperlyConfigured("FAUXSITE_PAGE_SIZE must not exceed FAUXSITE_MAX_PAGE_SIZE")
FAUXSITE_MAX_FILTER_VALUES = envint("FAUXSITE_MAX_FILTER_VALUES", 100, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "schemas.openapi.ResourceAutoSchema",
    "EXCEPTION_HANDLER": "fauxsite.errors.problem_exception_handler",
    "DEFAULT_PARSER_CLASSES": ["fauxsite.parsers.CappedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "fauxsite API",
    "DESCRIPTION": "Resources defined in the fauxsite admin, one path set per schema.",
    "VERSION": "1.0.0",
    "DEFAULT_GENERATOR_CLASS": "schemas.openapi.ResourceSchemaGenerator",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    # Enums stay inline: two schemas may both have a "status" enum with
    # different choices, and shared enum components would collide.
    "POSTPROCESSING_HOOKS": [],
}

# Logging --------------------------------------------------------------------

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Live data sources ------------------------------------------------------------
# Real PostgreSQL databases that schemas can be switched onto (datasources/).

# On in production: data-source passwords then need FAUXSITE_SECRET_KEYS (no
# key derived from SECRET_KEY) and loopback hosts need an explicit allowlist.
FAUXSITE_PRODUCTION = envbool("FAUXSITE_PRODUCTION", False)
# Fernet keys, comma-separated: the first encrypts, all decrypt (rotation).
FAUXSITE_SECRET_KEYS = envlist("FAUXSITE_SECRET_KEYS")
# Hosts and networks (CIDR) a data source may reach although they are
# loopback, private or fauxsite's own database servers. Development allows
# loopback so a data source on localhost works out of the box.
FAUXSITE_DATASOURCE_ALLOWED_HOSTS = envlist(
    "FAUXSITE_DATASOURCE_ALLOWED_HOSTS",
    "" if FAUXSITE_PRODUCTION and not DEBUG else "localhost,127.0.0.0/8,::1",
)
FAUXSITE_LIVE_CONNECT_TIMEOUT = envint("FAUXSITE_LIVE_CONNECT_TIMEOUT", 5, minimum=1)
FAUXSITE_LIVE_STATEMENT_TIMEOUT_MS = envint("FAUXSITE_LIVE_STATEMENT_TIMEOUT_MS", 10_000, minimum=1)
FAUXSITE_LIVE_POOL_SIZE = envint("FAUXSITE_LIVE_POOL_SIZE", 4, minimum=1)
# Seconds a request waits for a free pooled connection before a 503.
FAUXSITE_LIVE_POOL_TIMEOUT = envint("FAUXSITE_LIVE_POOL_TIMEOUT", 5, minimum=1)
