"""
Real fauxsite server processes for tests that cross process boundaries.

``running_servers(count)`` gives each group of servers databases of its own:
SQLite files in a temporary data folder, or, when the suite runs on
PostgreSQL (``DATABASE_URL`` / ``FIXTURES_DATABASE_URL`` are set), a fresh
pair of databases with unique names on the same servers, dropped afterwards.
The default database starts as a copy of one migrated once per test process
(migrating costs seconds, a copy next to nothing), and the static files
(``DEBUG`` is off, as in production, so the admin and the docs need the
manifest) are collected once per process too. It then starts ``count`` gunicorn
processes with one sync worker each on free loopback ports and waits for
``/healthz``. The servers are stopped (terminate, then kill) however the
block ends. These databases belong to the servers, not to pytest-django:
tests that use them talk HTTP and need no ``db`` fixture.

``server_group_fixture(count, admin=Account(...))`` turns that into a pytest
fixture with a superuser to log in as, and ``ServerGroup.manage(...)`` runs
``manage.py`` against the same databases.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "fauxsite-test-servers-not-a-secret"
ALLOWED_HOSTS = "127.0.0.1,localhost"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
MANAGE_TIMEOUT = 180.0
# Variables of the calling process that must not leak into a server's settings.
# Without REDIS_URL each process has its own cache, as the proof that workers
# agree through the database alone needs, and no two groups share keys.
DROPPED_VARIABLES = (
    "DEBUG", "DATABASE_URL", "FIXTURES_DATABASE_URL", "STATIC_ROOT", "CSRF_TRUSTED_ORIGINS", "REDIS_URL",
)


class ServerFailed(Exception):
    """A server or a management command did not do what it had to; the message has its output."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_available() -> bool:
    # The servers run on this interpreter, so what it can import they can.
    return importlib.util.find_spec("gunicorn") is not None


# Databases ---------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def _create_database(url: str, name: str, template: str | None = None) -> None:
    import psycopg
    from psycopg import sql

    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(create)


def _drop_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as connection:
        # FORCE ends the sessions a killed server may have left behind.
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def fresh_postgres_database(url: str, name: str, template: str | None = None) -> Iterator[str]:
    """A new database ``name`` (empty, or a copy of ``template``) on the server of ``url``.

    Yields its URL and drops it afterwards.
    """
    _create_database(url, name, template)
    try:
        yield _with_database(url, name)
    finally:
        _drop_database(url, name)


def _migrate(data_dir: Path, database_variables: dict[str, str]) -> None:
    ServerGroup(server_environment(data_dir, database_variables), data_dir).manage(
        "migrate", "--noinput", "-v", "0")


@functools.cache
def _migrated_sqlite_default() -> Path:
    """A default SQLite database migrated once per process, removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="fauxsite-servers-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _migrate(folder, {})
    return folder / "default.sqlite3"


@functools.cache
def _migrated_postgres_default(url: str) -> str:
    """The name of a database migrated once per process on the server of ``url``, dropped at exit."""
    name = f"fauxsite_servers_template_{uuid.uuid4().hex[:10]}"
    _create_database(url, name)
    atexit.register(_drop_database, url, name)
    folder = Path(tempfile.mkdtemp(prefix="fauxsite-servers-template-"))
    try:
        _migrate(folder, {"DATABASE_URL": _with_database(url, name)})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return name


@functools.cache
def _collected_static() -> Path:
    """Static files collected once per process: they depend on the code only, so every group shares them."""
    folder = Path(tempfile.mkdtemp(prefix="fauxsite-servers-static-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    ServerGroup(server_environment(folder, {}), folder).manage("collectstatic", "--noinput", "-v", "0")
    return folder / "static"


def _copy_sqlite(source: Path, target: Path) -> None:
    # The backup API copies a consistent database, whatever the journal holds.
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        origin.close()
        copy.close()


def _database_variables(stack: ExitStack, data_dir: Path) -> dict[str, str]:
    """DATABASE_URL / FIXTURES_DATABASE_URL for fresh databases, mirroring the calling process.

    The default database is a copy of a migrated one, in ``data_dir`` when it is SQLite.
    """
    default_url = os.environ.get("DATABASE_URL", "")
    fixtures_url = os.environ.get("FIXTURES_DATABASE_URL", "") or default_url
    name = f"fauxsite_servers_{uuid.uuid4().hex[:10]}"
    variables = {}
    if default_url:
        variables["DATABASE_URL"] = stack.enter_context(
            fresh_postgres_database(default_url, f"{name}_default", _migrated_postgres_default(default_url))
        )
    else:
        _copy_sqlite(_migrated_sqlite_default(), data_dir / "default.sqlite3")
    if fixtures_url:
        variables["FIXTURES_DATABASE_URL"] = stack.enter_context(
            fresh_postgres_database(fixtures_url, f"{name}_fixtures")
        )
    return variables


def server_environment(data_dir: Path, variables: dict[str, str]) -> dict[str, str]:
    """The servers' environment: ``variables`` (database URLs, settings) over the test defaults."""
    environment = {key: value for key, value in os.environ.items() if key not in DROPPED_VARIABLES}
    environment.update(
        DJANGO_SETTINGS_MODULE="fauxsite.settings",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS=ALLOWED_HOSTS,
        FAUXSITE_DATA_DIR=str(data_dir),
        STATIC_ROOT=str(data_dir / "static"),
        PYTHONUNBUFFERED="1",
    )
    environment.update(variables)
    return environment


# One server --------------------------------------------------------------------


@dataclass
class Server:
    """One running server process: its base URL and its log."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self, last_lines: int = 60) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-last_lines:])

    def wait_until_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(
                    f"The server for {self.url} exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise ServerFailed(f"{self.url}/healthz did not answer 200 within {timeout:.0f} s:\n{self.log()}")


def stop_servers(servers: list[Server]) -> None:
    """Terminates all at once (gunicorn then shuts down gracefully), and kills what lingers."""
    running = [server.process for server in servers if server.process.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def _server_command(port: int) -> list[str]:
    if gunicorn_available():
        # The project's configuration, with one worker per server so that two
        # servers really are two processes with separate memory.
        return [sys.executable, "-m", "gunicorn", "--config", "fauxsite/gunicorn.conf.py",
                "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "sync",
                "fauxsite.wsgi:application"]
    return [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]


def start_server(environment: dict[str, str], log_dir: Path, number: int) -> Server:
    port = free_port()
    log_path = log_dir / f"server-{number}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _server_command(port), cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    return Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)


# A group of servers ------------------------------------------------------------


@dataclass
class Account:
    """An admin account made before the tests run."""

    username: str
    password: str


@dataclass
class ServerGroup:
    """Servers that share one pair of databases, and ``manage.py`` against them."""

    environment: dict[str, str]
    data_dir: Path
    servers: list[Server] = field(default_factory=list)
    admin: Account | None = None

    def manage(self, *arguments: str, extra_environment: dict[str, str] | None = None) -> str:
        """Runs ``manage.py`` with the servers' settings and returns its output; raises ServerFailed."""
        return self.finish(self.start_manage(*arguments, extra_environment=extra_environment))

    def start_manage(self, *arguments: str,
                     extra_environment: dict[str, str] | None = None) -> subprocess.Popen:
        """Starts ``manage.py`` in the background; ``finish`` waits for it."""
        return subprocess.Popen(
            [sys.executable, "manage.py", *arguments],
            cwd=PROJECT_DIR, env={**self.environment, **(extra_environment or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )

    @staticmethod
    def finish(command: subprocess.Popen, timeout: float = MANAGE_TIMEOUT) -> str:
        try:
            output, _ = command.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            command.kill()
            output, _ = command.communicate()
        if command.returncode != 0:
            raise ServerFailed(f"{' '.join(command.args[1:])} exited with {command.returncode}:\n{output}")
        return output

    def start_creating_superuser(self, account: Account) -> subprocess.Popen:
        return self.start_manage(
            "createsuperuser", "--noinput", "--username", account.username,
            "--email", f"{account.username}@example.com",
            extra_environment={"DJANGO_SUPERUSER_PASSWORD": account.password},
        )

    def logs(self) -> str:
        return "\n".join(f"--- {server.url}\n{server.log()}" for server in self.servers)


@contextmanager
def running_servers(
    count: int, admin: Account | None = None, environment: dict[str, str] | None = None
) -> Iterator[ServerGroup]:
    """``count`` servers on fresh shared databases, with ``admin`` if given; cleaned up on the way out.

    ``environment`` adds settings, such as rate limits off for a test that loads the servers.
    """
    with ExitStack() as stack:
        data_dir = Path(tempfile.mkdtemp(prefix="fauxsite-servers-"))
        stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
        variables = {**_database_variables(stack, data_dir), **(environment or {}),
                     "STATIC_ROOT": str(_collected_static())}
        group = ServerGroup(server_environment(data_dir, variables), data_dir, admin=admin)
        # Each command pays Django's start-up; overlapping them keeps the setup short.
        background = []
        stack.callback(_kill_unfinished, background)
        if admin is not None:
            background.append(group.start_creating_superuser(admin))
        stack.callback(stop_servers, group.servers)
        for number in range(count):
            group.servers.append(start_server(group.environment, data_dir, number))
        for command in background:
            group.finish(command)
        for server in group.servers:
            server.wait_until_healthy()
        yield group


def _kill_unfinished(commands: list[subprocess.Popen]) -> None:
    for command in commands:
        if command.poll() is None:
            command.kill()
            command.wait()


def server_group_fixture(count: int, admin: Account | None = None, scope: str = "module",
                         environment: dict[str, str] | None = None):
    """A pytest fixture of ``count`` servers, as ``servers = server_group_fixture(2)`` in a test module."""

    @pytest.fixture(scope=scope)
    def _servers() -> Iterator[ServerGroup]:
        with running_servers(count, admin, environment) as group:
            yield group

    return _servers
