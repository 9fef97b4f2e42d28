"""Rate limits counted in Redis: the same answers, in one round trip per counted request.

Uses Redis on 127.0.0.1:6379 (or FAUXSITE_TEST_REDIS_URL), database 13, with a
key prefix of its own per test.
"""

import os
import uuid
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from access import blocks
from access.models import Block
from schemas.changes import save_schema
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, fetch_token, make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

REDIS_URL = os.environ.get("FAUXSITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(autouse=True)
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.fail(f"No Redis answers at {REDIS_URL}; start one or set FAUXSITE_TEST_REDIS_URL.")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    yield
    caches["default"].clear()


@pytest.fixture
def books(library):
    _, books = library
    books.access = "token"
    books.read_rate_limit = "3/m"
    save_schema(books)
    return books


def reader() -> tuple[APIClient, object]:
    application = make_application(f"reader-{uuid.uuid4().hex[:6]}", "books:read")
    client = APIClient()
    client.credentials(**bearer(fetch_token(Client(), application, "books:read")))
    return client, application


def test_it_answers_429_with_retry_after_and_ratelimit_headers(books):
    client, _ = reader()

    answers = [client.get("/api/v1/books/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert answers[-1]["RateLimit-Policy"] == "3;w=60"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert answers[-1]["Retry-After"] == answers[-1]["RateLimit-Reset"]


def test_it_counts_each_client_apart(books):
    first, _ = reader()
    second, _ = reader()

    first.get("/api/v1/books/")
    first.get("/api/v1/books/")

    assert second.get("/api/v1/books/")["RateLimit-Remaining"] == "2"


def test_it_sends_one_round_trip_for_the_count_and_the_clients_block(books):
    client, _ = reader()
    client.get("/api/v1/books/")  # the token endpoint's own counting is not this request's
    calls = []
    original = redis.Redis.execute_command

    def counted(self, *args, **options):
        calls.append(args[0])
        return original(self, *args, **options)

    with mock.patch.object(redis.Redis, "execute_command", counted):
        assert client.get("/api/v1/books/").status_code == 200

    # The address's block (before authentication), then the client's block and its count.
    assert calls == ["MGET", "EVAL"] or calls == ["MGET", "EVALSHA"], calls


def test_it_refuses_a_blocked_client_without_counting_it(books):
    client, application = reader()
    assert client.get("/api/v1/books/")["RateLimit-Remaining"] == "2"
    block = blocks.block(f"app:{application.pk}", Block.Reason.RATE_LIMITED, 60)

    refused = client.get("/api/v1/books/")
    assert refused.status_code == 429
    assert "blocked" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert "RateLimit-Remaining" not in refused

    blocks.lift([block])
    assert client.get("/api/v1/books/")["RateLimit-Remaining"] == "1"


def test_it_ends_a_block_lifted_in_another_process_at_once(books):
    client, application = reader()
    Block.objects.create(key=f"app:{application.pk}", reason=Block.Reason.RATE_LIMITED,
                         until="2000-01-01T00:00:00Z")
    # Only the cache entry is left, as when another process lifted the block.
    caches["default"].set(f"fauxsite:block:app:{application.pk}", 1.0, timeout=60)

    answer = client.get("/api/v1/books/")

    assert answer.status_code == 200
    assert answer["RateLimit-Remaining"] == "2"
