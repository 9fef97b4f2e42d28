"""
Minimal settings for the baseline project: one database, DRF and
django-filter, nothing else.

``BENCH_DATABASE_URL`` is fauxsite's fixtures database (a ``sqlite:///``
path or a PostgreSQL URL) and ``BENCH_TABLES`` says which of its tables and
columns hold ``authors`` and ``books`` (see ``tables.py``).
"""

import os

import dj_database_url

SECRET_KEY = os.environ.get("SECRET_KEY", "benchmark-baseline-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.baselines.drfapp.urls"
WSGI_APPLICATION = "bench.baselines.drfapp.wsgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = ["rest_framework", "django_filters", "bench.baselines.drfapp"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

# The same connection handling fauxsite's fixtures alias has (kept open,
# checked on reuse), so the comparison is of request handling, not of
# connecting: connecting per request alone is a 3-5x factor on PostgreSQL.
CONN_MAX_AGE = 600
_database = dj_database_url.parse(
    os.environ.get("BENCH_DATABASE_URL", "sqlite:///:memory:"),
    conn_max_age=CONN_MAX_AGE,
    conn_health_checks=True,
)
if _database["ENGINE"].endswith("sqlite3"):
    # What fauxsite runs its SQLite files with: readers beside one writer.
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES = {"default": _database}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # No users here: reads and writes are anonymous (fauxsite's creates
    # carry a bearer token; this baseline skips that work, and says so).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
