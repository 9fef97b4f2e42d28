"""
Copying fixture rows into a live table, against plain ``COPY`` as the limit.

A ``bookcopy`` schema (the fields of ``books``) is seeded with ``--rows``
fixture rows and switched live with its rows copied, as an admin does; then,
in rounds that rotate the order, three copies of the same rows into empty
tables of the same shape on the live database:

- ``switch_source`` copy: ``golive.switching.copy_fixture_rows``, what
  the switch runs (ORM reads, a conflict check per batch, ``bulk_create``);
- ORM read + COPY write: the same reads through the fixtures model, written
  with psycopg's ``COPY ... FROM STDIN`` on the live alias's connection;
- plain COPY: ``COPY (SELECT ...) TO STDOUT`` from the fixtures database piped
  into ``COPY ... FROM STDIN``, no Python per row: the limit.

Then one more ``copy_fixture_rows`` under cProfile says where its time goes.
Needs PostgreSQL fixtures (``FIXTURES_DATABASE_URL``). Run by
``bench/live.py`` in its own process, after the HTTP part.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable

import django

SLUG = "bookcopy"
# Rows per COPY statement in the reference copy: one statement per chunk stays
# far inside the live statement timeout (10 s by default) at any table size.
COPY_CHUNK = 10_000
# (label, functions): inclusive seconds of the outermost match; stages nest.
BUCKETS = [
    ("copy_fixture_rows, whole", ["golive.switching.copy_fixture_rows"]),
    ("reading fixture rows (ORM .values() iterator)", ["django.db.models.query.ValuesIterable.__iter__"]),
    ("conflict check per batch (_refuse_conflicts)", ["golive.switching._refuse_conflicts"]),
    ("model instances for bulk_create (Model.__init__)", ["django.db.models.base.Model.__init__"]),
    ("bulk_create", ["django.db.models.query.QuerySet.bulk_create"]),
    ("  INSERT compilation (as_sql)", ["django.db.models.sql.compiler.SQLInsertCompiler.as_sql"]),
    ("    values prepared (prepare_value)", [
        "django.db.models.sql.compiler.SQLInsertCompiler.prepare_value",
    ]),
    ("  INSERT execution (execute_sql)", ["django.db.models.sql.compiler.SQLInsertCompiler.execute_sql"]),
    ("    psycopg execute (binding, send, wait)", ["psycopg.cursor.Cursor.execute"]),
    ("      client-side binding (_convert_query)", ["psycopg.client_cursor.ClientCursor._convert_query"]),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--live-url", required=True)
    options = parser.parse_args()
    django.setup()

    from bench.live_prepare import go_live, register_source
    from schemas.seeding import seed

    schema = _create_schema()
    started = time.perf_counter()
    seed(SLUG, options.rows, seed=2)
    seeded_seconds = time.perf_counter() - started
    copy = _Copy(schema, options.live_url)
    copy.warm_up()
    switched = go_live(SLUG, register_source(options.live_url))
    copy.check(copy.live_table, options.rows)
    copy.prepare_tables()
    rounds = copy.measure_rounds(options.rounds, options.rows)
    print(json.dumps({
        "rows": options.rows,
        "seed_seconds": seeded_seconds,
        "switch": switched,
        "rounds": rounds,
        "median_seconds": {name: statistics.median(times) for name, times in rounds.items()},
        "profile": copy.profile(),
    }))


def _create_schema():
    from bench.books import _book_fields
    from schemas.models import Field, Schema

    schema = Schema.objects.create(slug=SLUG, name="Books to copy")
    authors = Schema.objects.get(slug="authors")
    for position, options in enumerate(_book_fields(authors), start=1):
        Field.objects.create(schema=schema, position=position, **options)
    return schema


class _Copy:
    """The three ways of copying one schema's fixture rows, and their tables."""

    def __init__(self, schema, live_url: str):
        self.schema = schema
        self.live_url = live_url
        self.fixtures_url = os.environ["FIXTURES_DATABASE_URL"]
        self.live_table = SLUG
        self.tables = {"orm-copy": f"{SLUG}_orm_copy", "plain-copy": f"{SLUG}_plain_copy"}

    # Models and columns, built the way copy_fixture_rows builds them.

    def _models(self):
        from datasources.aliases import alias_for
        from schemas.builder import build_models, live_storage
        from schemas.models import Schema

        schema = Schema.objects.select_related("data_source").get(pk=self.schema.pk)
        fields = list(schema.fields.all())
        alias = alias_for(schema.data_source)
        fixtures = build_models([(schema, fields)])[schema.pk]
        live = build_models([(schema, fields)], storage=lambda s: live_storage(s, alias))[schema.pk]
        return schema, fields, alias, fixtures, live

    def _columns(self) -> tuple[str, list[str], list[str], list[str]]:
        """Fixture table, its columns, the live columns, and the ORM attribute names."""
        _schema, fields, _alias, fixtures, live = self._models()
        attnames = ["id", *(fixtures._meta.get_field(field.name).attname for field in fields)]
        source = [fixtures._meta.get_field(name).column for name in attnames]
        target = [live._meta.get_field(name).column for name in attnames]
        return fixtures._meta.db_table, source, target, attnames

    # Tables on the live database.

    def _live(self):
        import psycopg

        return psycopg.connect(self.live_url, autocommit=True)

    def prepare_tables(self) -> None:
        from psycopg import sql

        self._plain_connections()
        with self._live() as connection:
            for table in self.tables.values():
                connection.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                    sql.Identifier(table), sql.Identifier(self.live_table)))

    def _truncate_all(self) -> None:
        from psycopg import sql

        with self._live() as connection:
            for table in [self.live_table, *self.tables.values()]:
                connection.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))

    def check(self, table: str, rows: int) -> None:
        from psycopg import sql

        with self._live() as connection:
            found = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            count = found.fetchone()[0]
        if count != rows:
            raise SystemExit(f"{table} holds {count} rows after the copy, not {rows}.")

    def warm_up(self) -> None:
        """Read the fixture table once, so no copy pays for a cold cache."""
        import psycopg
        from psycopg import sql

        from schemas.builder import fixture_table_name

        table = fixture_table_name(self.schema.pk)
        with psycopg.connect(self.fixtures_url) as connection:
            connection.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))).fetchall()

    # The three copies.

    def switch_copy(self) -> int:
        from golive.switching import copy_fixture_rows
        from schemas.models import Schema

        return copy_fixture_rows(Schema.objects.select_related("data_source").get(pk=self.schema.pk))

    def orm_read_copy_write(self) -> int:
        """The same reads written with COPY by hand, a reference for copy_fixture_rows.

        As copy_fixture_rows does, written here as a check on it: one emptiness check
        instead of a conflict query per batch, one COPY per ``COPY_CHUNK``
        rows (each well inside the live statement timeout), database errors
        wrapped as Django's, the id sequence moved on at the end.
        """
        from django.db import connections, transaction
        from psycopg import sql

        schema, _fields, alias, fixtures, _live = self._models()
        _table, _source, target, attnames = self._columns()
        rows = fixtures.objects.order_by("pk").values_list(*attnames).iterator(chunk_size=2000)
        table = sql.Identifier(self.tables["orm-copy"])
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            table, sql.SQL(", ").join(map(sql.Identifier, target)))
        connection = connections[alias]
        copied = 0
        with transaction.atomic(using=alias), connection.cursor() as cursor, connection.wrap_database_errors:
            # The check copy_fixture_rows runs per batch matters only when
            # the live table has rows; its constraints catch the rest.
            # (live.objects.using(alias).exists(), for this table of the same shape.)
            exists = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(table)
            cursor.execute(exists.as_string(cursor.connection))
            if cursor.fetchone()[0]:
                raise SystemExit("The reference copy keeps the per-batch checks for a table with rows.")
            for chunk in _batches(rows, COPY_CHUNK):
                with cursor.copy(statement) as copy:
                    for row in chunk:
                        copy.write_row(row)
                copied += len(chunk)
            _advance_sequence(alias, schema, self.tables["orm-copy"])
        return copied

    def plain_copy(self) -> int:
        from psycopg import sql

        table, source, target, _attnames = self._columns()
        read = sql.SQL("COPY (SELECT {} FROM {} ORDER BY id) TO STDOUT").format(
            sql.SQL(", ").join(map(sql.Identifier, source)), sql.Identifier(table))
        write = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.tables["plain-copy"]), sql.SQL(", ").join(map(sql.Identifier, target)))
        fixtures, live = self._plain_connections()
        with live.transaction():
            reader, writer = fixtures.cursor(), live.cursor()
            with reader.copy(read) as outgoing, writer.copy(write) as incoming:
                for block in outgoing:
                    incoming.write(block)
        return writer.rowcount

    def _plain_connections(self):
        """Opened once: the other two copies reuse Django's open connections too."""
        import psycopg

        if not hasattr(self, "_connections"):
            self._connections = (
                psycopg.connect(self.fixtures_url, autocommit=True),
                psycopg.connect(self.live_url, autocommit=True),
            )
        return self._connections

    def _ways(self) -> dict[str, tuple[str, Callable[[], int]]]:
        return {
            "switch": (self.live_table, self.switch_copy),
            "orm-copy": (self.tables["orm-copy"], self.orm_read_copy_write),
            "plain-copy": (self.tables["plain-copy"], self.plain_copy),
        }

    def measure_rounds(self, rounds: int, rows: int) -> dict[str, list[float]]:
        ways = list(self._ways().items())
        times: dict[str, list[float]] = {name: [] for name, _way in ways}
        for round_number in range(rounds):
            self._truncate_all()
            # Rotate the order, so no way always goes first (or last).
            shift = round_number % len(ways)
            for name, (table, copy) in ways[shift:] + ways[:shift]:
                started = time.perf_counter()
                copied = copy()
                times[name].append(time.perf_counter() - started)
                if copied != rows:
                    raise SystemExit(f"{name} copied {copied} rows, not {rows}.")
                self.check(table, rows)
        return times

    def profile(self) -> dict:
        from bench.profiling import _code_key

        self._truncate_all()
        profiler = cProfile.Profile()
        profiler.enable()
        self.switch_copy()
        profiler.disable()
        stats = pstats.Stats(profiler)
        buckets = {label: _inclusive_seconds(stats.stats, targets, _code_key) for label, targets in BUCKETS}
        return {"buckets": buckets, "top_by_own_time": _top(stats, 15)}


def _batches(rows, size: int):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _advance_sequence(alias: str, schema, table: str) -> None:
    """``switching._advance_sequence`` for another table of the same shape."""
    from django.db import connections
    from psycopg import sql

    pk_column = schema.pk_column or "id"
    with connections[alias].cursor() as cursor:
        raw = cursor.connection
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk_column])
        sequence = cursor.fetchone()[0]
        query = sql.SQL("SELECT setval(%s, (SELECT max({}) FROM {}))").format(
            sql.Identifier(pk_column), sql.Identifier(table))
        cursor.execute(query.as_string(raw), [sequence])


def _inclusive_seconds(stats: dict, targets: list[str], code_key) -> float:
    keys = [key for key in map(code_key, targets) if key is not None]
    return max((stats[key][3] for key in keys if key in stats), default=0.0)


def _top(stats: pstats.Stats, count: int) -> list[dict]:
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return [
        {"function": f"{filename.rsplit('site-packages/', 1)[-1]}:{line} {name}",
         "calls": calls, "own_seconds": own, "inclusive_seconds": inclusive}
        for (filename, line, name), (calls, _primitive, own, inclusive, _callers) in rows
    ]


if __name__ == "__main__":
    main()
