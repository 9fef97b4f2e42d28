"""
Engine dialects: how each database engine is made to mean what fauxsite says.

fauxsite's value and operator semantics are written down once, in
docs/semantics.md. Each engine that can hold a schema's rows has one module
here that expresses those semantics in its SQL: case-sensitive and
case-insensitive substring matching, code-point ordering of text, and the
per-connection setup that needs. Adding an engine is adding one module and
naming it in ``DIALECTS``; the ORM lookups in ``datasources.dialects.lookups``
ask ``dialect_for(connection)`` and never branch on the engine themselves.
"""

from __future__ import annotations

from datasources.dialects.base import Dialect
from datasources.dialects.postgresql import PostgreSQLDialect
from datasources.dialects.sqlite import SQLiteDialect

DIALECTS: dict[str, Dialect] = {
    dialect.vendor: dialect for dialect in (SQLiteDialect(), PostgreSQLDialect())
}


class UnsupportedEngine(Exception):
    """A database engine fauxsite has no dialect for serves no rows."""


def dialect_for(connection) -> Dialect:
    try:
        return DIALECTS[connection.vendor]
    except KeyError:
        raise UnsupportedEngine(
            f"fauxsite has no dialect for the {connection.vendor} engine; "
            f"rows can live on {', '.join(sorted(DIALECTS))}."
        ) from None
