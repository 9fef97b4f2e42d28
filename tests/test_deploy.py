"""
Deploy safety: ``manage.py check --deploy`` is clean with the production
environment (SECRET_KEY, DEBUG unset, ALLOWED_HOSTS, REDIS_URL, FAUXSITE_HTTPS,
and the data-source encryption keys FAUXSITE_SECRET_KEYS with FAUXSITE_PRODUCTION).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parent.parent


def production_environment(data_dir: Path, **changes: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DEBUG", "DATABASE_URL", "FIXTURES_DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="fauxsite.settings",
        FAUXSITE_DATA_DIR=str(data_dir),
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="api.example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
        FAUXSITE_HTTPS="true",
        FAUXSITE_SECRET_KEYS=Fernet.generate_key().decode(),
        FAUXSITE_PRODUCTION="true",
    )
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=180)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deploy")
    # The OpenAPI check builds the document, which reads the catalog tables.
    migrated = manage(production_environment(folder), "migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    return folder


def test_it_passes_the_deploy_check_with_the_production_environment(data_dir):
    result = manage(production_environment(data_dir), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_it_fails_the_deploy_check_without_https_or_a_shared_cache(data_dir):
    env = production_environment(data_dir)
    del env["FAUXSITE_HTTPS"], env["REDIS_URL"]

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016",
                  "oauth2_provider.W008", "fauxsite.W001"):
        assert check in result.stderr


def test_it_turns_on_https_protections(data_dir):
    script = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
              "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.DEBUG, "
              "s.OAUTH2_PROVIDER['ALLOWED_REDIRECT_URI_SCHEMES'])")

    result = manage(production_environment(data_dir), "shell", "-v", "0", "-c", script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True 31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https') False ['https']"
    )


def test_it_redirects_plain_http_to_https_except_health_checks(data_dir):
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='api.example.com'); "
        "print(c.get('/api/v1/x/').status_code, c.get('/api/v1/x/')['Location'], "
        "c.get('/healthz').status_code, c.get('/api/v1/x/', HTTP_X_FORWARDED_PROTO='https').status_code)"
    )

    result = manage(production_environment(data_dir), "shell", "-v", "0", "-c", script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "https://api.example.com/api/v1/x/", "200", "404"]
