"""
A table's secondary indexes and unique constraints, set aside while a seed loads it and built once afterwards.

Every index of a table is maintained row by row while rows arrive: a key
goes to a random place in each one, which cost a large seed more than making
its values (a unique email: 1.2-1.5 µs a row on PostgreSQL's side, against
0.6-0.8 µs a row to build the index once from the loaded table). So, as
pg_restore does, a large seed drops them first and makes them again from
their own definitions once the rows are in, in the same transaction: a
failure (a unique value repeated) rolls back the rows and the dropped
indexes together, and the table is left exactly as it was.

What is set aside: on PostgreSQL every valid index but the primary key's,
with the unique constraint it backs (recreated from ``pg_get_indexdef`` and
``pg_get_constraintdef``, so names, columns, order, uniqueness and
predicates are the same); on SQLite the indexes made by ``CREATE INDEX``
(recreated from their own SQL). A unique constraint SQLite keeps in its
``CREATE TABLE`` (``f10 ... UNIQUE``) can only go by remaking the table,
which costs more than it saves (see bench/README.md), so it stays.

Indexes on a column the seed reads while it loads (a unique value checked
against the rows already in, a self-reference) stay too: without them each
batch's check would read the whole table.

The price on PostgreSQL: dropping an index locks the table until the seed
commits, so a request reading it meanwhile waits for the rows instead of
answering from the table as it was. Hence the threshold: only a seed large
enough to gain from it (``MIN_ROWS``), which mostly fills an empty table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

# Below this many rows, maintaining the indexes costs a few milliseconds:
# not worth locking the table (on PostgreSQL, dropping an index makes
# readers wait until the seed commits).
MIN_ROWS = 10_000


@dataclass(frozen=True)
class SetAside:
    """One index (or unique constraint) taken off a table: how to drop it and make it again."""

    name: str
    drop: str
    create: str


def worth_setting_aside(count: int, existing: int) -> bool:
    """Whether loading ``count`` rows into a table of ``existing`` ones is cheaper without its indexes.

    Building an index once costs about half of maintaining it over as many
    rows, but over the whole table: it pays once the seed at least doubles
    the table (an empty table, the common case, always).
    """
    return count >= MIN_ROWS and count >= existing


@contextmanager
def built_afterwards(connection, table: str, *, keep_columns: Iterable[str] = ()) -> Iterator[list[SetAside]]:
    """Drop ``table``'s secondary indexes for the block, and make them again once it ends.

    Must run inside a transaction on the fixtures database: on an error the
    block's rows and the dropped indexes are rolled back together, so
    nothing is rebuilt then. Indexes on ``keep_columns`` stay.
    """
    if connection.alias != settings.FIXTURES_ALIAS:
        raise ValueError("Only fixtures tables have their indexes set aside; a live database keeps its own.")
    if not connection.in_atomic_block:
        raise ValueError("Indexes are set aside only inside a transaction, so a failure restores them.")
    kept = set(keep_columns)
    with connection.cursor() as cursor:
        found = _postgresql_indexes(cursor, table) if connection.vendor == "postgresql" else _sqlite_indexes(
            cursor, connection.ops.quote_name, table)
        aside = [index for index, columns in found if not columns & kept]
        for index in aside:
            cursor.execute(index.drop)
    yield aside
    with connection.cursor() as cursor:
        for index in aside:
            cursor.execute(index.create)


def _postgresql_indexes(cursor, table: str) -> list[tuple[SetAside, set[str]]]:
    """Every index but the primary key's, with the columns it covers (keys, expressions and predicate).

    Left alone: an index a foreign key, an exclusion constraint, the
    replica identity or CLUSTER relies on, and an invalid one.
    """
    cursor.execute(
        """
        SELECT index_class.relname, pg_get_indexdef(i.indexrelid), con.conname,
               pg_get_constraintdef(con.oid),
               ARRAY(SELECT a.attname FROM pg_depend d
                     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                     WHERE d.refobjid = i.indrelid AND d.refobjsubid > 0
                       AND ((d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid)
                            OR (d.classid = 'pg_constraint'::regclass AND d.objid = con.oid)))
        FROM pg_index i
        JOIN pg_class index_class ON index_class.oid = i.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND i.indisvalid
          AND NOT i.indisreplident AND NOT i.indisclustered
          AND (con.oid IS NULL OR con.contype = 'u')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                          WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
        ORDER BY i.indexrelid
        """,
        [_quoted(table)],
    )
    found = []
    for name, definition, constraint, constraint_definition, columns in cursor.fetchall():
        if constraint:
            index = SetAside(
                name,
                f"ALTER TABLE {_quoted(table)} DROP CONSTRAINT {_quoted(constraint)}",
                f"ALTER TABLE {_quoted(table)} ADD CONSTRAINT {_quoted(constraint)} {constraint_definition}",
            )
        else:
            index = SetAside(name, f"DROP INDEX {_quoted(name)}", definition)
        found.append((index, set(columns)))
    return found


def _sqlite_indexes(cursor, quote, table: str) -> list[tuple[SetAside, set[str]]]:
    """The indexes made by ``CREATE INDEX``, with every name their SQL mentions."""
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
        "ORDER BY rowid",
        [table],
    )
    found = []
    for name, sql in cursor.fetchall():
        cursor.execute(f"PRAGMA index_xinfo({quote(name)})")
        # Key columns by name; an expression's or a predicate's are quoted in the SQL.
        columns = {row[2] for row in cursor.fetchall() if row[2]}
        columns |= {quoted.replace('""', '"') for quoted in re.findall(r'"((?:[^"]|"")*)"', sql)}
        found.append((SetAside(name, f"DROP INDEX {quote(name)}", sql), columns))
    return found


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
