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
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re
import threading
from typing import TYPE_CHECKING

import psycopg
from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

from datasources import crypto, hosts

if TYPE_CHECKING:
    from datasources.models import DataSource

logger = logging.getLogger(__name__)

ALIAS_PATTERN = re.compile(r"^live_(?P<source_id>\d+)_(?P<revision>\d+)$")
CLOSE_TIMEOUT_SECONDS = 2
# A connection keyword that never reaches libpq: it carries why a source is unusable.
UNUSABLE_OPTION = "fauxsite_unusable"
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
            logger.info("Registered database alias %s for data source %s", alias, source.name)
    return alias


class CheckedConnection(psycopg.Connection):
    """A psycopg connection that checks where it goes each time it opens."""

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs):
        refusal = kwargs.pop(UNUSABLE_OPTION, None)
        if refusal:
            raise psycopg.OperationalError(refusal)
        try:
            kwargs = hosts.pin_address(kwargs)
        except hosts.UnsafeDataSource as error:
            raise psycopg.OperationalError(f"The data source cannot be used: {error}") from None
        return super().connect(conninfo, **kwargs)


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
    # This thread's wrapper; other threads drop theirs when they end.
    with contextlib.suppress(AttributeError):
        del connections[alias]


def forget_aliases() -> None:
    """Retire every live alias of this process (tests, and after a fork if ever needed)."""
    with _lock:
        for alias in live_aliases():
            retire(alias)
