"""
A live schema is never taken down by an edit of its fields.

A field whose column the live table lacks makes every request of its schema
fail (503) until someone provisions the column. So adding a field to a live
schema, or pointing a field at another column (a new ``db_column``, or a
rename when the name is the column), is refused while the column is missing:
the refusal names the column and shows the SQL that adds it, as provisioning
would write it, to run on the data source before trying again. A source that
cannot be reached refuses too, since the column cannot be shown to exist.
Nothing here changes the live database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg

from datasources.connect import SourceUnavailable, open_connection
from golive.provision import _add_column
from golive.readiness import table_parts
from schemas.builder import live_column
from schemas.models import Field, Source

if TYPE_CHECKING:
    from schemas.models import Schema


def live_column_error(field: Field) -> str | None:
    """Why saving ``field`` would take its live schema's endpoint down, or None."""
    schema = _schema_of(field)
    if schema is None or not _is_live(schema) or not _maps_a_new_column(field):
        return None
    return _missing_column(schema, field)


def _schema_of(field: Field) -> Schema | None:
    return field.schema if field.schema_id is not None or Field.schema.is_cached(field) else None


def _is_live(schema: Schema) -> bool:
    # As the catalog decides: live without a data source is served from the fixtures.
    return schema.source == Source.LIVE and schema.data_source_id is not None


def _maps_a_new_column(field: Field) -> bool:
    if field.pk is None:
        return True
    stored = Field.objects.filter(pk=field.pk).values_list("name", "db_column").first()
    if stored is None:
        return True
    name, db_column = stored
    return (db_column or name) != live_column(field)


def _missing_column(schema: Schema, field: Field) -> str | None:
    source = schema.data_source
    namespace, table = table_parts(schema)
    column = live_column(field)
    try:
        with open_connection(source) as connection:
            columns = _columns(connection, namespace, table)
            if columns is None:
                return (
                    f"The live table {namespace}.{table} of {schema.slug} does not exist on {source.name}: "
                    f"provision it (manage.py provision {schema.slug} --apply) or switch {schema.slug} "
                    "to fixtures before changing its fields."
                )
            if column in columns:
                return None
            statement = _add_column(schema, field).as_string(connection)
    except (SourceUnavailable, psycopg.Error) as error:
        return (
            f"Cannot check that the live table {namespace}.{table} has a column {column!r}: "
            f"{_reason(error)} Try again when {source.name} answers, "
            f"or switch {schema.slug} to fixtures first."
        )
    return (
        f"The live table {namespace}.{table} has no column {column!r}, so {schema.slug} would fail "
        f"every request. Run this SQL on {source.name} first: {statement}; then make this change. "
        f"Or switch {schema.slug} to fixtures, make the change, provision it "
        f"(manage.py provision {schema.slug} --apply) and switch back."
    )


def _columns(connection: psycopg.Connection, namespace: str, table: str) -> set[str] | None:
    """The table's column names; None when there is no such table (or view)."""
    relation = connection.execute(
        """
        SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        """,
        (namespace, table),
    ).fetchone()
    if relation is None:
        return None
    rows = connection.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped",
        relation,
    ).fetchall()
    return {name for (name,) in rows}


def _reason(error: Exception) -> str:
    if isinstance(error, SourceUnavailable):
        return str(error)
    # A query that failed: its primary message, never the statement or a secret.
    return f"{error.diag.message_primary or type(error).__name__}."
