"""
Rate limits across two real server processes sharing Redis: the limit holds
in total, not per process.

Uses Redis on 127.0.0.1:6379 (or FAUXSITE_TEST_REDIS_URL) when it answers,
else a throwaway ``redis-server`` on a free port. The servers are a group
from ``tests.servers`` (databases of their own) with Redis as their cache;
the schema's slug is unique per run, so its counters cannot meet those of an
earlier run in the same Redis.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from contextlib import closing
from urllib.parse import urlsplit

import pytest
import requests

from tests.servers import running_servers

pytestmark = pytest.mark.servers

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


SETUP = """
from oauth2_provider.models import get_application_model
from schemas.changes import add_field, create_schema
schema = create_schema(slug="{slug}", name="Shelves", access="token", read_rate_limit="{limit}/d")
add_field(schema=schema, name="label", type="string", max_length=40)
from access.models import ApplicationScopes
application = get_application_model().objects.create(name="loadtest", client_type="confidential",
                                                      authorization_grant_type="client-credentials")
ApplicationScopes.objects.create(application=application, scopes="{slug}:read")
from django.core.management import call_command
call_command("issue_token", "--application", "loadtest", "--scopes", "{slug}:read")
"""


@pytest.fixture(scope="module")
def servers(redis_url):
    slug = f"shelves{uuid.uuid4().hex[:10]}"
    with running_servers(2, environment={"REDIS_URL": redis_url}) as group:
        # A day's window: a window ending during the test would reset the count.
        output = group.manage("shell", "-v", "0", "-c", SETUP.format(slug=slug, limit=LIMIT))
        token = output.strip().splitlines()[-1]
        yield {"urls": [server.url for server in group.servers], "slug": slug, "token": token}


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
