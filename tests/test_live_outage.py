"""
A dead live database harms only its own schemas.

A refused connection answers 503 at once, not after the pool timeout; after
repeated failures the source's circuit breaker stops connecting at all until
one trial request finds it back; ``/readyz`` names the dead source and stays
200; and a real gunicorn sync worker keeps serving fixture schemas at full
speed while a live one is down. The faults are real: a port where nothing
listens, a server that hangs up on every connection (it counts them), and a
PostgreSQL database that refuses connections.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connections
from django.test import Client
from psycopg import sql

from datasources.aliases import live_aliases
from datasources.breaker import CircuitBreaker, CircuitOpen, State
from golive.provision import apply_plan, provision_plan
from golive.switching import switch_source
from schemas.changes import add_field, create_schema, save_schema
from schemas.models import Schema, Source
from tests import test_live_support as support
from tests.postgres import free_port
from tests.servers import running_servers
from tests.test_live_support import LIVE_DATABASES, LiveDatabase, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

POOL_TIMEOUT = 5
# Far under the pool timeout: the request did not wait for the pool.
AT_ONCE = 1.0


# Faults ------------------------------------------------------------------------


class _HangUpServer(socketserver.ThreadingTCPServer):
    """Accepts every connection and closes it straight away, counting them."""

    daemon_threads = True

    def __init__(self):
        self.attempts = 0
        self._count_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _HangUp)

    @property
    def port(self) -> int:
        return self.server_address[1]


class _HangUp(socketserver.BaseRequestHandler):
    def handle(self):
        with self.server._count_lock:
            self.server.attempts += 1


@contextlib.contextmanager
def hang_up_server() -> Iterator[_HangUpServer]:
    server = _HangUpServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def refusing_connections(postgres_url: str, live: LiveDatabase) -> Iterator[None]:
    """The live database refuses new connections and loses its sessions, until the block ends."""
    name = sql.Identifier(live.name)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                      [live.name])
    try:
        yield
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))


# Schemas -----------------------------------------------------------------------


def make_schema(slug: str) -> Schema:
    schema = create_schema(slug=slug, name=slug.title())
    add_field(schema=schema, name="name", type="string", max_length=40)
    return schema


def go_live(slug: str, source) -> Schema:
    schema = make_schema(slug)
    schema.data_source = source
    schema.table_name = f"{slug}_{source.pk}"
    save_schema(schema)
    apply_plan(provision_plan(schema))
    switch_source(schema, Source.LIVE, actor="test")
    return Schema.objects.get(pk=schema.pk)


def move_to_port(schema: Schema, port: int) -> None:
    source = schema.data_source
    source.port = port
    source.save()


def finish_request() -> None:
    # The test client keeps connections open from one request to the next; a
    # server closes them (CONN_MAX_AGE 0), which returns pooled ones to their pool.
    for alias in live_aliases():
        connections[alias].close()


def get(api, path: str):
    try:
        return api.get(path)
    finally:
        finish_request()


def timed_get(api, path: str):
    started = time.monotonic()
    response = get(api, path)
    return response, time.monotonic() - started


def assert_503(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"]


@pytest.fixture
def long_pool_timeout(_live_settings):
    _live_settings.FAUXSITE_LIVE_POOL_TIMEOUT = POOL_TIMEOUT
    _live_settings.FAUXSITE_LIVE_CONNECT_TIMEOUT = POOL_TIMEOUT
    return _live_settings


# Failing fast --------------------------------------------------------------------


def test_it_answers_503_at_once_when_the_connection_is_refused(api, live_db, long_pool_timeout):
    move_to_port(go_live("harbours", make_source(live_db)), free_port())

    response, elapsed = timed_get(api, "/api/v1/harbours/")

    assert_503(response)
    assert elapsed < AT_ONCE


def test_it_answers_503_at_once_when_the_database_refuses_connections(
    api, live_db, postgres_url, long_pool_timeout
):
    go_live("lighthouses", make_source(live_db))
    assert get(api, "/api/v1/lighthouses/").status_code == 200

    with refusing_connections(postgres_url, live_db):
        # The pooled connection died with its session: the request finds out
        # and fails at once instead of waiting for a replacement.
        response, elapsed = timed_get(api, "/api/v1/lighthouses/")

    assert_503(response)
    assert elapsed < AT_ONCE


# The breaker ------------------------------------------------------------------------


def test_the_breaker_stops_connecting_after_repeated_failures(api, live_db, long_pool_timeout):
    long_pool_timeout.FAUXSITE_LIVE_BREAKER_FAILURES = 3
    long_pool_timeout.FAUXSITE_LIVE_BREAKER_SECONDS = 60
    schema = go_live("buoys", make_source(live_db))

    with hang_up_server() as server:
        move_to_port(schema, server.port)
        for _ in range(3):
            assert_503(get(api, "/api/v1/buoys/"))
        assert server.attempts == 3

        started = time.monotonic()
        for _ in range(5):
            assert_503(get(api, "/api/v1/buoys/"))
        elapsed = time.monotonic() - started

        assert server.attempts == 3
    assert elapsed < AT_ONCE


def test_one_trial_after_the_cool_down_finds_the_source_back(
    api, live_db, postgres_url, long_pool_timeout
):
    long_pool_timeout.FAUXSITE_LIVE_BREAKER_FAILURES = 2
    long_pool_timeout.FAUXSITE_LIVE_BREAKER_SECONDS = 1
    go_live("jetties", make_source(live_db))
    api.post("/api/v1/jetties/", {"name": "north"}, format="json")
    finish_request()

    with refusing_connections(postgres_url, live_db):
        for _ in range(2):
            assert_503(get(api, "/api/v1/jetties/"))
    # Back, but the breaker is open: nobody tries before the cool-down ends.
    assert_503(get(api, "/api/v1/jetties/"))
    time.sleep(1.2)

    response = get(api, "/api/v1/jetties/")

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["north"]


def test_a_failed_trial_closes_the_source_off_for_another_cool_down(api, live_db, long_pool_timeout):
    long_pool_timeout.FAUXSITE_LIVE_BREAKER_FAILURES = 2
    long_pool_timeout.FAUXSITE_LIVE_BREAKER_SECONDS = 1
    schema = go_live("moorings", make_source(live_db))

    with hang_up_server() as server:
        move_to_port(schema, server.port)
        for _ in range(2):
            assert_503(get(api, "/api/v1/moorings/"))
        time.sleep(1.2)
        assert_503(get(api, "/api/v1/moorings/"))
        assert_503(get(api, "/api/v1/moorings/"))

        assert server.attempts == 3


# Readiness -------------------------------------------------------------------------


def test_readyz_reports_a_dead_live_source_as_degraded_and_stays_200(live_db, long_pool_timeout):
    long_pool_timeout.FAUXSITE_LIVE_BREAKER_FAILURES = 2
    go_live("charts", make_source(live_db, name="atlas"))
    dead_port = free_port()
    move_to_port(go_live("tides", make_source(live_db, name="harbour")), dead_port)
    make_schema("knots")

    started = time.monotonic()
    first = Client().get("/readyz")
    elapsed = time.monotonic() - started
    second = Client().get("/readyz")

    assert first.status_code == 200
    assert first.json() == {
        "status": "degraded",
        "databases": {"default": "ok", "fixtures": "ok"},
        "live_sources": {
            "atlas": {"status": "ok", "breaker": "closed"},
            "harbour": {"status": "unavailable", "breaker": "closed"},
        },
    }
    assert elapsed < AT_ONCE
    assert second.status_code == 200
    assert second.json()["live_sources"]["harbour"] == {"status": "unavailable", "breaker": "open"}
    for secret in (str(dead_port), live_db.host, live_db.name, "password"):
        assert secret not in first.content.decode()


def test_readyz_is_ok_when_every_live_source_answers(live_db, _live_settings):
    go_live("reefs", make_source(live_db, name="atlas"))

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["live_sources"] == {"atlas": {"status": "ok", "breaker": "closed"}}


# Other schemas, in a real gunicorn sync worker ---------------------------------------

SCHEMA_FILE = """
schemas:
  - slug: kept
    name: Kept
    fields:
      - {name: name, type: string, max_length: 40}
  - slug: gone
    name: Gone
    data_source: outage
    fields:
      - {name: name, type: string, max_length: 40}
"""


# The commands an operator runs, parsed as on the command line, in one process:
# each manage.py of its own would pay Django's start-up again.
GO_LIVE_COMMANDS = """
from django.core.management import call_command
call_command("add_datasource", "outage", "--url-env", "OUTAGE_URL", "--sslmode", "disable")
call_command("import_schemas", {schema_file!r})
call_command("provision", "gone", "--apply")
call_command("switch_source", "gone", "live")
"""


def _fixtures_latencies(base_url: str, live_statuses: list[int], stop: threading.Event) -> list[float]:
    """Seconds per fixtures request, while another thread keeps asking for the dead live schema."""

    def hammer_live():
        while not stop.is_set():
            live_statuses.append(requests.get(f"{base_url}/api/v1/gone/", timeout=30).status_code)

    hammer = threading.Thread(target=hammer_live)
    hammer.start()
    latencies = []
    try:
        for _ in range(20):
            started = time.monotonic()
            assert requests.get(f"{base_url}/api/v1/kept/", timeout=30).status_code == 200
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)
    finally:
        stop.set()
        hammer.join(timeout=60)
    return latencies


@pytest.mark.servers
def test_a_sync_worker_keeps_serving_fixtures_while_a_live_source_is_down(
    live_db, postgres_url, monkeypatch, tmp_path: Path
):
    for name, value in {"FAUXSITE_LIVE_POOL_TIMEOUT": str(POOL_TIMEOUT),
                        "FAUXSITE_DATASOURCE_ALLOWED_HOSTS": "127.0.0.1,localhost,::1"}.items():
        monkeypatch.setenv(name, value)
    schema_file = tmp_path / "schemas.yaml"
    schema_file.write_text(SCHEMA_FILE)

    with running_servers(1) as group:
        group.manage("shell", "-v", "0", "-c", GO_LIVE_COMMANDS.format(schema_file=str(schema_file)),
                     extra_environment={"OUTAGE_URL": live_db.url})
        base_url = group.servers[0].url
        assert requests.get(f"{base_url}/api/v1/gone/", timeout=30).status_code == 200

        live_statuses: list[int] = []
        with refusing_connections(postgres_url, live_db):
            latencies = _fixtures_latencies(base_url, live_statuses, threading.Event())

    assert max(latencies) < AT_ONCE, latencies
    assert live_statuses and set(live_statuses) == {503}


# The breaker on its own, with a clock the test turns ------------------------------------


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("test", failures=3, cool_down=10, clock=clock)


def test_the_breaker_opens_after_consecutive_failures_only():
    breaker = make_breaker(Clock())

    breaker.failed()
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    breaker.failed()
    assert breaker.state is State.CLOSED
    breaker.failed()

    assert breaker.state is State.OPEN
    with pytest.raises(CircuitOpen) as refusal:
        breaker.admit()
    assert refusal.value.retry_after == pytest.approx(10)


def test_the_breaker_lets_one_trial_through_after_the_cool_down():
    clock = Clock()
    breaker = make_breaker(clock)
    for _ in range(3):
        breaker.failed()
    clock.now += 10

    breaker.admit()
    with pytest.raises(CircuitOpen):
        breaker.admit()
    breaker.succeeded()

    assert breaker.state is State.CLOSED
    breaker.admit()


def test_a_failed_trial_opens_the_breaker_for_a_whole_cool_down():
    clock = Clock()
    breaker = make_breaker(clock)
    for _ in range(3):
        breaker.failed()
    clock.now += 10
    breaker.admit()

    breaker.failed()
    clock.now += 9

    with pytest.raises(CircuitOpen):
        breaker.admit()
    clock.now += 1
    breaker.admit()


def test_a_trial_that_never_reports_is_replaced_after_a_cool_down():
    clock = Clock()
    breaker = make_breaker(clock)
    for _ in range(3):
        breaker.failed()
    clock.now += 10
    breaker.admit()
    clock.now += 10

    breaker.admit()
