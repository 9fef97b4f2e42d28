"""
Runtime database aliases for data sources, registered lazily in each process.

``alias_for(source)`` returns ``live_<id>_<revision>``, registering it in
``django.db.connections`` on first use in this process: never at import or in
``ready()``, because connection pools do not survive a fork. Django (>= 4.1)
fills no defaults into an alias added at runtime, so the settings dict is a
complete deep copy of the ``default`` alias's shape, with every value set.
A new revision (new credentials, host...) gets a new alias and pool; the
aliases of older revisions of the same source are closed and dropped.

Registering never fails, so one broken source cannot take the catalog (and
every other schema) down: a source that cannot be used (its password no key
opens, a refused host, a ``PGSERVICE`` in the environment) gets an alias
whose every connection fails with the reason, which the API answers as 503.
Each pooled connection resolves and checks the host again when it opens
(``CheckedConnection``), so a DNS change such as a failover is followed and
a host that starts resolving somewhere forbidden is refused.

A dead source costs its own requests only: each alias gets a ``SourcePool``,
where a request that needs a new connection opens it itself (a refusal fails
it at once, instead of after the pool timeout) and a circuit breaker per alias
(``datasources.breaker``) stops trying a source that keeps failing, so its
requests answer 503 without touching the network until a trial succeeds.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import re
import threading
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING

import psycopg
from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from psycopg_pool import ConnectionPool

from datasources import crypto, hosts
from datasources.breaker import Breakers, CircuitBreaker, CircuitOpen

if TYPE_CHECKING:
    from datasources.models import DataSource

logger = logging.getLogger(__name__)

ALIAS_PATTERN = re.compile(r"^live_(?P<source_id>\d+)_(?P<revision>\d+)$")
CLOSE_TIMEOUT_SECONDS = 2
# A connection keyword that never reaches libpq: it carries why a source is unusable.
UNUSABLE_OPTION = "fauxsite_unusable"
# Another one: the connections a request opened for its pool to adopt.
SPARES_OPTION = "fauxsite_spares"
# libpq and psycopg wait at least this long for a connection, whatever they are told.
MINIMUM_CONNECT_TIMEOUT = 2
_lock = threading.Lock()


def alias_name(source: DataSource) -> str:
    return f"live_{source.pk}_{source.revision}"


def alias_for(source: DataSource) -> str:
    """The database alias serving ``source`` in this process, registered on first use."""
    alias = alias_name(source)
    if alias in connections.settings:
        return alias
    database_settings = settings_dict(source)
    with _lock:
        if alias not in connections.settings:
            _retire_other_revisions(source)
            connections.settings[alias] = database_settings
            _install_pool(alias)
            logger.info("Registered database alias %s for data source %s", alias, source.name)
    return alias


class CheckedConnection(psycopg.Connection):
    """A psycopg connection that checks where it goes each time it opens."""

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs):
        spares = kwargs.pop(SPARES_OPTION, None)
        if spares is not None and (spare := spares.claim()) is not None:
            return spare
        refusal = kwargs.pop(UNUSABLE_OPTION, None)
        if refusal:
            raise psycopg.OperationalError(refusal)
        try:
            kwargs = hosts.pin_address(kwargs)
        except hosts.UnsafeDataSource as error:
            raise psycopg.OperationalError(f"The data source cannot be used: {error}") from None
        return super().connect(conninfo, **kwargs)


class SourceDown(psycopg.OperationalError):
    """The breaker keeps a source closed off; Django raises it as an OperationalError (503)."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class Spares:
    """Connections requests opened themselves, until their pool adopts them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._connections: list[psycopg.Connection] = []

    def offer(self, connection: psycopg.Connection) -> None:
        with self._lock:
            self._connections.append(connection)

    def claim(self) -> psycopg.Connection | None:
        with self._lock:
            return self._connections.pop(0) if self._connections else None

    def withdraw(self, connection: psycopg.Connection) -> None:
        """Close ``connection`` unless the pool adopted it meanwhile."""
        with self._lock:
            if connection not in self._connections:
                return
            self._connections.remove(connection)
        connection.close()


class SourcePool(ConnectionPool):
    """A pool for one live source that says at once when the source is down.

    psycopg_pool opens connections in a thread of its own and retries a
    failing connect until the pool timeout, while the request waits: a
    refused connection would hold it (and a sync gunicorn worker, with every
    other schema's requests queued behind it) for the whole timeout. Here a
    request that needs a new connection opens it itself, so a failure is its
    own, at once, and offers it to the pool, whose next connect adopts it
    (``CheckedConnection``). Every outcome feeds the source's breaker.
    """

    def __init__(self, *args, breaker: CircuitBreaker, kwargs: dict, **options):
        self.breaker = breaker
        self.spares = Spares()
        # Given no ``check``: getconn() checks, where a dead server can fail
        # fast instead of being retried with back-off until the timeout.
        super().__init__(*args, kwargs={**kwargs, SPARES_OPTION: self.spares}, **options)

    def getconn(self, timeout: float | None = None) -> psycopg.Connection:
        try:
            self.breaker.admit()
        except CircuitOpen as refusal:
            raise SourceDown(str(refusal), refusal.retry_after) from None
        deadline = monotonic() + (self.timeout if timeout is None else timeout)
        try:
            connection = self._working_connection(deadline)
        except BaseException:
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return connection

    def _working_connection(self, deadline: float) -> psycopg.Connection:
        while True:
            connection = self._connection_before(deadline)
            if _answers(connection):
                return connection
            # An idle connection died, perhaps with its server: the pool
            # replaces it, and the next turn finds out whether the server is there.
            self.putconn(connection)

    def _connection_before(self, deadline: float) -> psycopg.Connection:
        spare = self._open_spare(deadline) if self._must_grow() else None
        try:
            return super().getconn(max(deadline - monotonic(), 0.0))
        finally:
            if spare is not None:
                self.spares.withdraw(spare)

    def _must_grow(self) -> bool:
        stats = self.get_stats()
        return stats["pool_available"] == 0 and stats["pool_size"] < stats["pool_max"]

    def _open_spare(self, deadline: float) -> psycopg.Connection:
        kwargs = {name: value for name, value in self.kwargs.items() if name != SPARES_OPTION}
        kwargs["connect_timeout"] = _connect_timeout(kwargs.get("connect_timeout"), deadline)
        spare = self.connection_class.connect(self.conninfo, **kwargs)
        self.spares.offer(spare)
        return spare


def _answers(connection: psycopg.Connection) -> bool:
    try:
        ConnectionPool.check_connection(connection)
    except psycopg.Error:
        return False
    return True


def _connect_timeout(configured: str | None, deadline: float) -> str:
    """The configured connect timeout, shortened to what is left until ``deadline``."""
    left = math.ceil(deadline - monotonic())
    seconds = min(int(configured or settings.FAUXSITE_LIVE_CONNECT_TIMEOUT), left)
    return str(max(seconds, MINIMUM_CONNECT_TIMEOUT))


def settings_dict(source: DataSource) -> dict:
    try:
        params = source.connection_parameters(resolve_host=False)
    except (hosts.UnsafeDataSource, crypto.UndecryptablePassword) as error:
        logger.warning("Data source %s cannot be used: %s", source.name, error)
        params = _unusable_parameters(source, f"The data source {source.name} cannot be used: {error}")
    database = copy.deepcopy(connections["default"].settings_dict)
    database.update(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": params.pop("dbname"),
            "USER": params["user"],
            # Also in OPTIONS: Django drops an empty PASSWORD, and libpq would
            # then look for a password elsewhere.
            "PASSWORD": params["password"],
            "HOST": params["host"],
            "PORT": params["port"],
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            # Pooled connections; Django's pool refuses persistent ones.
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": True,
            "TIME_ZONE": None,
            "OPTIONS": {**params, "pool": pool_options()},
            "TEST": {"CHARSET": None, "COLLATION": None, "MIGRATE": False, "MIRROR": None, "NAME": None},
        }
    )
    return database


def _unusable_parameters(source: DataSource, reason: str) -> dict:
    return {"dbname": source.database or "unusable", "user": source.user, "password": "",
            "host": source.host, "port": str(source.port), UNUSABLE_OPTION: reason}


def pool_options() -> dict:
    return {
        "connection_class": CheckedConnection,
        # No idle connection is kept open to a source nobody reads; a source
        # that is down then costs nothing until a request needs it.
        "min_size": 0,
        "max_size": settings.FAUXSITE_LIVE_POOL_SIZE,
        "timeout": settings.FAUXSITE_LIVE_POOL_TIMEOUT,
        "max_idle": 300,
        # A source that stays down is retried on demand, not forever in the background.
        "reconnect_timeout": settings.FAUXSITE_LIVE_POOL_TIMEOUT,
        "name": "fauxsite-live",
    }


_breakers = Breakers(
    lambda alias: CircuitBreaker(
        alias,
        failures=settings.FAUXSITE_LIVE_BREAKER_FAILURES,
        cool_down=settings.FAUXSITE_LIVE_BREAKER_SECONDS,
    )
)


def _install_pool(alias: str) -> None:
    # Django builds a plain ConnectionPool on first use unless the alias has
    # one already: this is its construction, with a SourcePool instead.
    wrapper = connections[alias]
    pool = SourcePool(
        kwargs={**wrapper.get_connection_params(), "autocommit": True},
        open=False,
        configure=wrapper._configure_connection,
        breaker=_breakers.get(alias),
        **wrapper.settings_dict["OPTIONS"]["pool"],
    )
    PostgresWrapper._connection_pools.setdefault(alias, pool)


@dataclass(frozen=True)
class SourceHealth:
    available: bool
    breaker: str


def source_health(source: DataSource, timeout: float) -> SourceHealth:
    """Whether ``source`` answers, asked through its pool: an open breaker answers for it."""
    pool = connections[alias_for(source)].pool
    pool.open()
    try:
        with pool.connection(timeout=timeout) as connection:
            connection.execute("SELECT 1")
        available = True
    except psycopg.Error:
        available = False
    return SourceHealth(available, pool.breaker.state.value)


def live_aliases() -> list[str]:
    return [alias for alias in connections.settings if ALIAS_PATTERN.match(alias)]


def _retire_other_revisions(source: DataSource) -> None:
    for alias in live_aliases():
        match = ALIAS_PATTERN.match(alias)
        if int(match["source_id"]) == source.pk and int(match["revision"]) != source.revision:
            retire(alias)


def retire(alias: str) -> None:
    """Close an alias's pool and forget it in this process."""
    try:
        connections[alias].close()
        # Straight from the class-level registry: the ``pool`` property would
        # create a pool just to close it.
        pool = PostgresWrapper._connection_pools.pop(alias, None)
        if pool is not None:
            pool.close(timeout=CLOSE_TIMEOUT_SECONDS)
    except Exception:
        # A source that is down cannot refuse being closed; forget it anyway.
        logger.warning("Closing database alias %s failed", alias, exc_info=True)
    connections.settings.pop(alias, None)
    _breakers.forget(alias)
    # This thread's wrapper; other threads drop theirs when they end.
    with contextlib.suppress(AttributeError):
        del connections[alias]


def forget_aliases() -> None:
    """Retire every live alias of this process (tests, and after a fork if ever needed)."""
    with _lock:
        for alias in live_aliases():
            retire(alias)
