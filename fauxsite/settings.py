"""
fauxsite settings, read from the environment.

Zero configuration gives a working development server: SQLite files under
``FAUXSITE_DATA_DIR`` (default ``var/``) hold Django's tables (``default``) and
the mock rows (``fixtures``). ``DATABASE_URL`` and ``FIXTURES_DATABASE_URL``
switch either one to PostgreSQL. ``DEBUG`` is off unless asked for.
"""

import ipaddress
import os
import re
import secrets
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
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


def envfloat(name: str, default: float) -> float:
    """A positive number, such as a planner cost."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None
    if not 0 < number < float("inf"):
        raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}")
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
    "corsheaders",
    # Before access, whose admin replaces the application admin.
    "oauth2_provider",
    # The layers, bottom first (README.md, "Architecture").
    "datasources",
    "schemas",
    "access",
    "golive",
    "fauxsite",
]

MIDDLEWARE = [
    # First, so every response and log line, errors included, has the id.
    "fauxsite.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that can answer, so those answers get CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    # Blocked addresses and bodies without a length are refused before any work.
    "fauxsite.middleware.BlockMiddleware",
    "fauxsite.middleware.LengthRequiredMiddleware",
    "fauxsite.middleware.RateLimitHeadersMiddleware",
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
# A PostgreSQL connection idle for longer than this is checked (SELECT 1)
# before a request uses it; one in steady use is not (fauxsite/postgresql/).
FAUXSITE_DB_IDLE_CHECK_SECONDS = envint("FAUXSITE_DB_IDLE_CHECK_SECONDS", 5)


def _sqlite(path: Path | str, test_name: str) -> dict:
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
    if config["ENGINE"].endswith("sqlite3"):
        # A URL only moves the file: WAL, IMMEDIATE and the timeout matter as
        # much there, and a PostgreSQL-style test name would be no file name.
        return _sqlite(config["NAME"], test_name)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Health-checked only after a pause, not on every request.
        config["ENGINE"] = "fauxsite.postgresql"
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

# The fixtures database is fauxsite's own and its pages are read mostly from
# memory, where PostgreSQL's default random_page_cost (4, for spinning disks)
# makes a filtered list's count scan a large table instead of reading its
# matches from an index (12.3 ms against 2.3 ms at 1M rows). Set first, so an
# `options` in FIXTURES_DATABASE_URL can still override it.
FAUXSITE_FIXTURES_RANDOM_PAGE_COST = envfloat("FAUXSITE_FIXTURES_RANDOM_PAGE_COST", 1.1)
if DATABASES[FIXTURES_ALIAS]["ENGINE"] == "fauxsite.postgresql":
    _fixtures_options = DATABASES[FIXTURES_ALIAS].setdefault("OPTIONS", {})
    _fixtures_options["options"] = " ".join(
        filter(None, [f"-c random_page_cost={FAUXSITE_FIXTURES_RANDOM_PAGE_COST}",
                      _fixtures_options.get("options")])
    )

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
            # A stalled Redis must not stall requests: rate limits fail open.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
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
# Lists count their rows exactly up to this many; past it, `count` is a lower
# bound (count_exact: false), so no page reads a whole large table to count it.
FAUXSITE_EXACT_COUNT_LIMIT = envint("FAUXSITE_EXACT_COUNT_LIMIT", 10_000, minimum=1)
FAUXSITE_MAX_FILTER_VALUES = envint("FAUXSITE_MAX_FILTER_VALUES", 100, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "schemas.openapi.ResourceAutoSchema",
    "EXCEPTION_HANDLER": "fauxsite.errors.problem_exception_handler",
    "DEFAULT_PARSER_CLASSES": ["fauxsite.parsers.CappedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.FastJSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONContentNegotiation",
    # Bearer first: a 401 then carries its `WWW-Authenticate: Bearer` challenge.
    # The session is the admin login, so the browsable docs work for staff.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.policy.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["access.policy.SchemaAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["access.ratelimits.SchemaRateThrottle"],
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
    # Redoc's default fonts come from Google Fonts; the docs load nothing from
    # outside (templates/drf_spectacular/redoc.html), so use the system's.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
                "code": {"fontFamily": "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace"},
            },
        },
    },
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    # Enums stay inline: two schemas may both have a "status" enum with
    # different choices, and shared enum components would collide.
    "POSTPROCESSING_HOOKS": ["access.openapi.document_access_responses"],
    "SERVE_PERMISSIONS": ["access.policy.DocsAccess"],
    # Swagger UI gets tokens itself (client credentials, or authorization
    # code with PKCE) and keeps them across reloads.
    "OAUTH2_FLOWS": ["clientCredentials", "authorizationCode"],
    "OAUTH2_AUTHORIZATION_URL": "/o/authorize/",
    "OAUTH2_TOKEN_URL": "/o/token/",
    "OAUTH2_REFRESH_URL": "/o/token/",
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": True,
        "displayOperationId": True,
        "oauth2RedirectUrl": "/api/docs/oauth2-redirect.html",
    },
    "SWAGGER_UI_OAUTH2_CONFIG": {"usePkceWithAuthorizationCodeGrant": True},
}

# Access: OAuth2 tokens, scopes, rate limits, CORS ------------------------------


def envrate(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    if value != "off" and not re.fullmatch(r"[0-9]+/[0-9]*[smhd]", value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 600/m or 10/5s, or off; not {value!r}")
    return value


def envproxies(name: str) -> list[str]:
    values = envlist(name)
    if len(values) == 1 and values[0].isdigit():
        return values
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be a proxy count (such as 1) or addresses/networks, not {value!r}"
            ) from None
    return values


FAUXSITE_HTTPS = envbool("FAUXSITE_HTTPS", False)

# /o/authorize/ asks users to log in with their admin account.
LOGIN_URL = "admin:login"

# The token models are swappable; naming them here (the library's defaults)
# lets migration checks run under settings overrides, as in the test suite.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_DEVICE_GRANT_MODEL = "oauth2_provider.DeviceGrant"

OAUTH2_PROVIDER = {
    # <slug>:read and <slug>:write for every schema, read from the Schema table,
    # plus read, write and introspection; an application gets only the scopes
    # an admin allowed it.
    "SCOPES_BACKEND_CLASS": "access.policy.SchemaScopes",
    # Holds a refresh to the scopes the application is still allowed.
    "OAUTH2_VALIDATOR_CLASS": "access.oauth.ScopedValidator",
    "SCOPES": {"read": "Read every schema.", "write": "Write every schema."},
    # The toolkit's default grants every scope to a request that names none.
    "DEFAULT_SCOPES": [],
    # Short-lived access tokens (the toolkit's default is 10 hours), refresh
    # tokens that expire, rotate on use, and revoke their whole family when a
    # used one comes back (a stolen token replayed).
    "ACCESS_TOKEN_EXPIRE_SECONDS": envint("FAUXSITE_ACCESS_TOKEN_SECONDS", 3600, minimum=60),
    "REFRESH_TOKEN_EXPIRE_SECONDS": envint("FAUXSITE_REFRESH_TOKEN_SECONDS", 14 * 86400, minimum=60),
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Required by hashed token storage, which cannot hand back an old token.
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "PKCE_REQUIRED": True,
    # Plain-http redirect URIs only while developing without TLS.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if FAUXSITE_HTTPS else ["http", "https"],
    # RFC 9700 (OAuth 2.0 Security BCP), which the toolkit makes opt-in: no
    # implicit or password grants, S256 PKCE only, tokens only in the
    # Authorization header, `iss` in authorization responses, and access and
    # refresh tokens stored as SHA-256 checksums (client secrets are hashed
    # with Django's password hasher in any case). Expired tokens are deleted by
    # `manage.py cleartokens`, run from cron.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# Requests per client (OAuth application, else user, else IP address) and
# schema; a schema's own read/write limit wins. Generous enough for test
# suites hammering a mock, tight enough to stop a runaway loop. "off" disables.
FAUXSITE_READ_RATE_LIMIT = envrate("FAUXSITE_READ_RATE_LIMIT", "1200/m")
FAUXSITE_WRITE_RATE_LIMIT = envrate("FAUXSITE_WRITE_RATE_LIMIT", "300/m")
# /o/token/, /o/revoke_token/ and /o/introspect/ per client IP: client secrets
# are checked there, and must not be guessable at speed.
FAUXSITE_TOKEN_RATE_LIMIT = envrate("FAUXSITE_TOKEN_RATE_LIMIT", "30/m")
# Behind a reverse proxy every client has the proxy's address. Trust
# X-Forwarded-For only as far as this says: a count of proxies in front
# ("1"), or the proxies' addresses or networks ("10.0.0.0/8,192.168.1.7").
# Empty (the default) believes only the connection's address.
FAUXSITE_TRUSTED_PROXIES = envproxies("FAUXSITE_TRUSTED_PROXIES")
# Counts live in the default cache: Redis (REDIS_URL) shares them between
# workers and hosts; the embedded LocMemCache counts per process.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True

# Blocks (access/blocks.py): a client that keeps failing is refused with 429
# and Retry-After, visible and liftable in the admin, recorded in the audit
# trail. Failed admin logins (also /o/authorize/'s) are counted per address
# and per username: at the limit that address or name is refused, right
# password included, for FAUXSITE_LOGIN_BLOCK_SECONDS.
FAUXSITE_LOGIN_FAILURES_PER_ADDRESS = envrate("FAUXSITE_LOGIN_FAILURES_PER_ADDRESS", "10/15m")
FAUXSITE_LOGIN_FAILURES_PER_USERNAME = envrate("FAUXSITE_LOGIN_FAILURES_PER_USERNAME", "5/15m")
FAUXSITE_LOGIN_BLOCK_SECONDS = envint("FAUXSITE_LOGIN_BLOCK_SECONDS", 900, minimum=1)
# Invalid bearer tokens per address, and 429 answers per client (application,
# user or address), before a block of FAUXSITE_BLOCK_SECONDS.
FAUXSITE_INVALID_TOKEN_LIMIT = envrate("FAUXSITE_INVALID_TOKEN_LIMIT", "20/m")
FAUXSITE_THROTTLED_LIMIT = envrate("FAUXSITE_THROTTLED_LIMIT", "60/m")
FAUXSITE_BLOCK_SECONDS = envint("FAUXSITE_BLOCK_SECONDS", 600, minimum=1)

# The audit trail (access/audit.py) keeps entries this many days;
# `manage.py prune_audit`, run daily from cron, deletes older ones. 0 keeps
# them forever.
FAUXSITE_AUDIT_RETENTION_DAYS = envint("FAUXSITE_AUDIT_RETENTION_DAYS", 365, minimum=0)

# Browsers on these origins may call the API and the token endpoint. Tokens
# travel in the Authorization header, never cookies: no credentialed CORS.
CORS_ALLOWED_ORIGINS = envlist("FAUXSITE_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/(api|o)/"
CORS_ALLOW_CREDENTIALS = False
# X-Fauxsite-Source: QA reading a live schema's mock rows from a browser.
CORS_ALLOW_HEADERS = (*cors_default_headers, "x-request-id", "x-fauxsite-source")
CORS_EXPOSE_HEADERS = [
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "X-Request-ID",
]

# The OpenAPI document, Swagger UI and Redoc: for anyone, or for staff only.
FAUXSITE_DOCS_ACCESS = os.environ.get("FAUXSITE_DOCS_ACCESS", "public")
if FAUXSITE_DOCS_ACCESS not in ("public", "staff"):
    raise ImproperlyConfigured(f"FAUXSITE_DOCS_ACCESS must be public or staff, not {FAUXSITE_DOCS_ACCESS!r}")

# Deploy security ------------------------------------------------------------
# Production: SECRET_KEY set, DEBUG unset, ALLOWED_HOSTS, REDIS_URL, and
# FAUXSITE_HTTPS=true behind a TLS-terminating proxy that sets
# X-Forwarded-Proto. `manage.py check --deploy` is then clean.

if FAUXSITE_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("FAUXSITE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("FAUXSITE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Only a consent signal: nothing happens until the domain is submitted to the list.
    SECURE_HSTS_PRELOAD = envbool("FAUXSITE_HSTS_PRELOAD", True)
# Swagger UI reads the CSRF cookie to send session writes, so it stays
# readable by scripts (Django's default); the session cookie does not.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Logging --------------------------------------------------------------------

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line carries the request id (X-Request-ID) of the request it belongs to.
    "filters": {"request_id": {"()": "fauxsite.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
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
# After this many connection failures in a row, a process stops trying a
# source for FAUXSITE_LIVE_BREAKER_SECONDS and answers its requests 503 at
# once; then one request tries again (datasources/breaker.py).
FAUXSITE_LIVE_BREAKER_FAILURES = envint("FAUXSITE_LIVE_BREAKER_FAILURES", 3, minimum=1)
FAUXSITE_LIVE_BREAKER_SECONDS = envint("FAUXSITE_LIVE_BREAKER_SECONDS", 15, minimum=1)
