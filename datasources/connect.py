"""
Short-lived direct connections to a data source, and the connection test.

The admin's "Test connection", the readiness check and provisioning talk to
the source outside the request pool. Failures are told in plain words
(refused, timeout, authentication, missing database) and never carry the
password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg

from datasources import crypto, hosts

if TYPE_CHECKING:
    from datasources.models import DataSource


class SourceUnavailable(Exception):
    """The source cannot be reached or used; the message is safe to show."""


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    message: str


def open_connection(source: DataSource, *, autocommit: bool = True) -> psycopg.Connection:
    try:
        params = source.connection_parameters()
    except (hosts.UnsafeDataSource, crypto.UndecryptablePassword) as error:
        raise SourceUnavailable(str(error)) from None
    try:
        return psycopg.connect(**params, autocommit=autocommit)
    except psycopg.OperationalError as error:
        raise SourceUnavailable(explain(source, error, params.get("password", ""))) from None


def test_connection(source: DataSource) -> ConnectionTest:
    try:
        with open_connection(source) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
            read_only = connection.execute("SHOW transaction_read_only").fetchone()[0]
    except SourceUnavailable as error:
        return ConnectionTest(False, f"{source.name}: {error}")
    mode = " (read-only session)" if read_only == "on" else ""
    return ConnectionTest(True, f"{source.name}: connected to PostgreSQL {version}{mode}.")


def explain(source: DataSource, error: psycopg.OperationalError, password: str = "") -> str:
    """A plain reason for a failed connection, with no secret in it."""
    text = str(error)
    lowered = text.lower()
    where = f"{source.host}:{source.port}"
    if "connection refused" in lowered:
        return (
            f"The connection was refused at {where}: no PostgreSQL server listens there, "
            "or a firewall rejects it."
        )
    if "timeout expired" in lowered or "timed out" in lowered:
        return f"No answer from {where} within the connect timeout: check the host, port and firewall."
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"Authentication failed for user {source.user!r}: check the user name and password."
    if "role" in lowered and "does not exist" in lowered:
        return f"Authentication failed: the user {source.user!r} does not exist on {where}."
    if "database" in lowered and "does not exist" in lowered:
        return f"The database {source.database!r} does not exist on {where}."
    if "ssl" in lowered:
        reason = _first_line(text, password)
        return f"The TLS (sslmode={source.sslmode}) negotiation with {where} failed: {reason}"
    return f"The connection to {where} failed: {_first_line(text, password)}"


def _first_line(text: str, password: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "unknown error")
    # libpq does not echo passwords, but a message must never be the place we find out.
    if password:
        line = line.replace(password, "***")
    return line
