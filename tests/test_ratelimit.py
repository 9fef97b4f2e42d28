"""Rate limits per schema and client, in one process (the embedded LocMemCache)."""

import logging

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from access.ratelimits import client_ip
from schemas.changes import save_schema
from schemas.rates import parse_rate, validate_rate
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, fetch_token, make_application, request_token

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)



@pytest.fixture
def books(library):
    _, books = library
    books.access = "token"
    books.read_rate_limit = "3/m"
    books.write_rate_limit = "2/m"
    save_schema(books)
    return books


def client_for(name: str, scopes: str = "books:read books:write") -> APIClient:
    client = APIClient()
    client.credentials(**bearer(fetch_token(client, make_application(name, scopes), scopes)))
    return client


def test_it_answers_429_with_retry_after_and_ratelimit_headers(books):
    client = client_for("reader")

    answers = [client.get("/api/v1/books/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert refused.json()["type"] == "urn:fauxsite:problem:throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Limit"] == "3"
    assert refused["RateLimit-Policy"] == "3;w=60"
    assert 1 <= int(refused["RateLimit-Reset"]) <= 60


def test_it_counts_writes_apart_from_reads(books, api):
    client = client_for("writer")
    author = api.post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json").json()
    body = {"title": "T", "price": "1.00", "genre": "fiction", "author": author["id"]}

    writes = [client.post("/api/v1/books/", body, format="json").status_code for _ in range(3)]

    assert writes == [201, 201, 429]
    assert client.get("/api/v1/books/").status_code == 200


def test_it_counts_per_application(books):
    first, second = client_for("first"), client_for("second")

    for _ in range(3):
        first.get("/api/v1/books/")

    assert first.get("/api/v1/books/").status_code == 429
    assert second.get("/api/v1/books/").status_code == 200


def test_it_counts_anonymous_clients_per_address_and_ignores_forged_forwarding(library, settings):
    settings.FAUXSITE_READ_RATE_LIMIT = "2/m"
    client = APIClient()

    for _ in range(2):
        assert client.get("/api/v1/authors/", REMOTE_ADDR="198.51.100.1").status_code == 200

    forged = client.get("/api/v1/authors/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429
    assert client.get("/api/v1/authors/", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_it_counts_behind_trusted_proxies_per_forwarded_client(library, settings):
    settings.FAUXSITE_READ_RATE_LIMIT = "1/m"
    settings.FAUXSITE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = APIClient()

    first = client.get("/api/v1/authors/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = client.get("/api/v1/authors/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.8")
    again = client.get("/api/v1/authors/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert (first.status_code, other.status_code, again.status_code) == (200, 200, 429)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (["1"], "192.0.2.1", "198.51.100.66, 203.0.113.5", "203.0.113.5"),
        (["2"], "192.0.2.1", "198.51.100.66, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (["2"], "192.0.2.1", "203.0.113.5", "203.0.113.5"),
        (["10.0.0.0/8"], "10.0.0.1", "198.51.100.66, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (["10.0.0.0/8"], "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (["1"], "192.0.2.1", "not-an-address", "192.0.2.1"),
        ([], "2001:db8::1234", "", "2001:db8::"),
    ],
)
def test_it_finds_the_client_address(settings, trusted, remote, forwarded, expected):
    settings.FAUXSITE_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_it_uses_the_global_defaults_when_the_schema_has_none(library, settings):
    settings.FAUXSITE_READ_RATE_LIMIT = "2/m"
    client = APIClient()

    statuses = [client.get("/api/v1/authors/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_it_limits_the_token_endpoint_per_address(library, settings):
    settings.FAUXSITE_TOKEN_RATE_LIMIT = "3/m"
    application = make_application("guesser", "books:read")
    client = APIClient()

    answers = [request_token(client, application, "books:read", secret=f"guess-{n}") for n in range(4)]

    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    assert answers[-1]["Content-Type"] == "application/problem+json"
    assert int(answers[-1]["Retry-After"]) >= 1
    assert answers[-1]["RateLimit-Remaining"] == "0"


def test_it_serves_uncounted_when_the_cache_is_down(library, settings, caplog):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    settings.FAUXSITE_READ_RATE_LIMIT = "1/m"

    with caplog.at_level(logging.WARNING, logger="access.ratelimits"):
        statuses = [APIClient().get("/api/v1/authors/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert "Rate limit not counted" in caplog.text


def test_it_falls_back_to_the_default_for_an_invalid_schema_rate(library, settings):
    authors, _ = library
    authors.read_rate_limit = "lots"
    save_schema(authors, clean=False)  # as a row written before rates were validated
    settings.FAUXSITE_READ_RATE_LIMIT = "1/m"
    client = APIClient()

    assert [client.get("/api/v1/authors/").status_code for _ in range(2)] == [200, 429]


def test_it_reads_and_validates_rates():
    assert parse_rate("600/m") == (600, 60)
    assert parse_rate("10/5s") == (10, 5)
    assert parse_rate("1000/d") == (1000, 86400)
    validate_rate("")
    validate_rate("off")
    with pytest.raises(Exception, match="600/m"):
        validate_rate("600 per minute")
