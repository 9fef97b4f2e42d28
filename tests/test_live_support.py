"""
Fixtures for the live-source tests: throwaway PostgreSQL databases as data sources.

Each module that imports these gets its own database on the server from
``tests.postgres`` (uniquely named, dropped at the end) and a data source
pointing at it. The server is on loopback, so the allowlist names it
explicitly, as a deployment would. No tests live here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from datasources.aliases import ALIAS_PATTERN, forget_aliases
from datasources.models import DataSource
from tests.postgres import postgres_url  # noqa: F401  (a fixture other modules use through this one)

LIVE_DATABASES = ["default", "fixtures"]


@dataclass
class LiveDatabase:
    url: str
    name: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 5432

    @property
    def user(self) -> str:
        return urlsplit(self.url).username or "postgres"

    @property
    def password(self) -> str:
        return urlsplit(self.url).password or ""

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def execute(self, statement, params=None) -> list[tuple]:
        with self.connect() as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else []


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def live_db(postgres_url) -> Iterator[LiveDatabase]:  # noqa: F811
    name = f"fauxsite_live_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield LiveDatabase(_with_database(postgres_url, name), name)
    finally:
        forget_aliases()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class _WithLiveAliases(frozenset):
    """A test case's allowed databases, plus every live alias registered later."""

    def __contains__(self, alias) -> bool:
        return super().__contains__(alias) or bool(ALIAS_PATTERN.match(str(alias)))


def _allow_live_aliases() -> None:
    # Django's test case refuses connections to aliases that did not exist
    # when it started, and live aliases are registered on demand by design.
    # Its guard reads the allowed set from the test case class it closes over.
    for cell in BaseDatabaseWrapper.ensure_connection.__closure__ or ():
        test_case = cell.cell_contents
        if isinstance(test_case, type) and isinstance(getattr(test_case, "databases", None), frozenset):
            test_case.databases = _WithLiveAliases(test_case.databases)


@pytest.fixture(autouse=True)
def _live_settings(settings, transactional_db):
    """Loopback allowed explicitly, short timeouts, and no live alias outliving a test."""
    _allow_live_aliases()
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "::1"]
    settings.FAUXSITE_LIVE_CONNECT_TIMEOUT = 2
    settings.FAUXSITE_LIVE_POOL_TIMEOUT = 2
    settings.FAUXSITE_LIVE_STATEMENT_TIMEOUT_MS = 5000
    yield settings
    forget_aliases()


def make_source(live: LiveDatabase, name: str = "warehouse", **changes) -> DataSource:
    password = changes.pop("password", live.password)
    values = {"name": name, "host": live.host, "port": live.port, "database": live.name, "user": live.user,
              "sslmode": "disable", **changes}
    source = DataSource(**values)
    source.set_password(password)
    source.full_clean()
    source.save()
    return source
