"""The measurements' CPU clock: this process and the PostgreSQL backends serving it (bench.cpu_time)."""

import time

import pytest
from django.db import connections

from bench.cpu_time import CpuClock, on_this_machine
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

# A statement that keeps a backend busy for tens of milliseconds, and returns one row.
BUSY_STATEMENT = "SELECT COUNT(*) FROM generate_series(1, 1000000)"


def test_it_counts_the_cpu_a_statement_takes_in_a_postgresql_backend():
    connection = connections["fixtures"]
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs in this process: its CPU is the process's own")
    connection.ensure_connection()
    clock = CpuClock()
    assert len(clock.server_processes) >= 1
    started, own_started = clock.ns(), time.process_time_ns()
    with connection.cursor() as cursor:
        cursor.execute(BUSY_STATEMENT)
        assert cursor.fetchone() == (1_000_000,)
    in_server = (clock.ns() - started) - (time.process_time_ns() - own_started)
    assert in_server > 10_000_000  # nanoseconds: what a million rows cost the backend, and more


def test_it_counts_this_process_alone_on_sqlite():
    connection = connections["fixtures"]
    if connection.vendor != "sqlite":
        pytest.skip("this run's databases are not SQLite")
    connection.ensure_connection()
    assert CpuClock().server_processes == []


@pytest.mark.parametrize("host, here", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("", True), ("/var/run/postgresql", True),
    ("db.example.com", False), ("10.0.0.5", False),
])
def test_it_reads_only_backends_on_this_machine(host, here):
    assert on_this_machine(host) is here
