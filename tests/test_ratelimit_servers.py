"""
Rate limits across two real server processes sharing Redis: the limit holds
in total, not per process.

Uses Redis on 127.0.0.1:6379 (or FAUXSITE_TEST_REDIS_URL) when it answers,
else a throwaway ``redis-server`` on a free port. The servers share a
temporary SQLite data folder; the schema's slug is unique per run, so its
counters cannot meet those of an earlier run in the same Redis.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.servers

REPO = Path(__file__).resolve().parent.parent
LIMIT = 10
REQUESTS = 30


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    url = os.environ.get("FAUXSITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    parts = urlsplit(url)
    if _answers(parts.hostname, parts.port or 6379):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("No Redis answers on 127.0.0.1:6379 and redis-server is not installed "
                    "(apt-get install redis-server), or set FAUXSITE_TEST_REDIS_URL.")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _answers("127.0.0.1", port), "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not start within {seconds} seconds")


def _environment(data_dir: Path, redis_url: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "FIXTURES_DATABASE_URL", "DEBUG")}
    env.update(FAUXSITE_DATA_DIR=str(data_dir), REDIS_URL=redis_url,
               DJANGO_SETTINGS_MODULE="fauxsite.settings")
    return env


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


SETUP = """
from oauth2_provider.models import get_application_model
from schemas.changes import add_field, create_schema
schema = create_schema(slug="{slug}", name="Shelves", access="token", read_rate_limit="{limit}/d")
add_field(schema=schema, name="label", type="string", max_length=40)
from access.models import ApplicationScopes
application = get_application_model().objects.create(name="loadtest", client_type="confidential",
                                                      authorization_grant_type="client-credentials")
ApplicationScopes.objects.create(application=application, scopes="{slug}:read")
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory, redis_url):
    data_dir = tmp_path_factory.mktemp("shared-data")
    env = _environment(data_dir, redis_url)
    slug = f"shelves{uuid.uuid4().hex[:10]}"
    _manage(env, "migrate", "--noinput", "-v", "0")
    # A day's window: a window ending during the test would reset the count.
    _manage(env, "shell", "-v", "0", "-c", SETUP.format(slug=slug, limit=LIMIT))
    token = _manage(env, "issue_token", "--application", "loadtest", "--scopes", f"{slug}:read").strip()
    processes, urls = [], []
    try:
        for _ in range(2):
            port = _free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--log-level", "warning", "fauxsite.wsgi:application"],
                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            ))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            _wait_for(lambda url=url: _healthy(url), f"gunicorn at {url}")
        yield {"urls": urls, "slug": slug, "token": token}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def test_it_holds_the_limit_in_total_across_processes(servers):
    headers = {"Authorization": f"Bearer {servers['token']}"}
    answers = []
    for number in range(REQUESTS):
        url = servers["urls"][number % 2]
        answers.append((url, requests.get(f"{url}/api/v1/{servers['slug']}/", headers=headers, timeout=10)))

    served = [url for url, answer in answers if answer.status_code == 200]
    refused = [answer for _, answer in answers if answer.status_code == 429]
    assert len(served) == LIMIT
    assert len(refused) == REQUESTS - LIMIT
    assert set(served) == set(servers["urls"])  # both processes served, and both counted
    for answer in refused:
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json()["status"] == 429
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.headers["RateLimit-Limit"] == str(LIMIT)
        assert answer.headers["RateLimit-Remaining"] == "0"
        assert answer.headers["RateLimit-Policy"] == f"{LIMIT};w=86400"
    remaining = [answer.headers["RateLimit-Remaining"] for _, answer in answers[:LIMIT]]
    assert remaining == [str(LIMIT - n) for n in range(1, LIMIT + 1)]
