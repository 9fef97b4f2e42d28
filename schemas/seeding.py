"""
Seeding: mock rows for schemas' fixtures tables, and fresh values for columns.

``seed`` generates rows a batch at a time, one column per field
(``schemas.mock_values``), and inserts them with COPY on PostgreSQL (one for
the whole run unless a batch must read the ones before it in the table) and
one statement per batch on SQLite, the batch bound as one JSON text
(``schemas.json_batches``; ``executemany`` for types JSON does not carry).
Nothing is kept per row, so a million rows take the memory of one batch
(and, on SQLite, of a page cache bounded by ``SQLITE_SEEDING_CACHE_KIB``);
factory-boy is bypassed here because building a model instance per row cost
more than making its values (``schemas.factories`` still builds rows one at
a time for code that wants them). A seed that at least doubles a table
(10,000 rows or more) drops its secondary indexes and unique constraints
while it loads and builds them once afterwards, in the same transaction
(``schemas.seed_indexes``); on PostgreSQL a table it finds empty is
truncated and loaded with COPY FREEZE, so its rows are visible to all
(index-only scans) with no VACUUM. The same ``seed`` number gives the same
rows in any process: every field has a random stream derived from the
number, the slug and its name. References point at existing rows of the
referenced schema, which is seeded first when it is empty. Rows always go to
the fixtures tables, also for a schema served from a live database (its
fixtures twin).

``fill_column`` gives every row a value when a column is added or its old
values became invalid; the fixtures tables' migrations call it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models, router, transaction

from schemas import json_batches, seed_indexes
from schemas.builder import build_models
from schemas.factories import Table
from schemas.mock_values import (
    Column,
    GenerationContext,
    IdRuns,
    ReferenceColumn,
    SeedError,
    column_source,
    derive_seed,
    reference_column,
    seeded_faker,
)

if TYPE_CHECKING:
    from schemas.catalog import Catalog, Resource
    from schemas.models import Field, Schema

__all__ = [
    "BATCH_SIZE", "SeedError", "SeedResult", "UnknownSchemaError", "fill_column",
    "order_by_references", "reset", "reset_many", "seed", "seed_many",
]

# Rows per statement: past a few thousand, bigger batches gain little and hold more memory.
BATCH_SIZE = 5000
# Rows SQLite reads per index to estimate how values spread after seeding.
SQLITE_ANALYSIS_ROWS = 1000
# SQLite's page cache while seeding (KiB): most of a million rows' unique
# index, a bounded cost in memory, held only until the rows are in.
SQLITE_SEEDING_CACHE_KIB = 64 * 1024

Progress = Callable[[int], None]


class UnknownSchemaError(SeedError):
    """A slug names no schema."""


@dataclass(frozen=True)
class SeedResult:
    slug: str
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Table:
    """A schema with a model built outside the catalog, for ``fill_column``."""

    schema: Schema
    fields: list[Field]
    model: type[models.Model]

    @property
    def slug(self) -> str:
        return self.schema.slug


# Public API ---------------------------------------------------------------------


def seed(resource_or_slug: Resource | str, count: int, *, seed: int | str | None = None,
         reset: bool = False, batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> int:
    """Insert ``count`` mock rows; returns how many. ``progress`` gets each batch's size.

    An empty schema it references is seeded first with as many rows, which
    are not counted here.
    """
    catalog = _catalog()
    resource = _fixtures_resource(catalog, resource_or_slug)
    run = _Run(catalog.fixture_by_id.__getitem__, base_seed=seed, batch_size=batch_size,
               progress_for=lambda table: progress if table is resource else None)
    with transaction.atomic(using=_alias()):
        return run.seed(resource, count, reset=reset).rows


def seed_many(slugs: Iterable[str], count: int, *, seed: int | str | None = None, reset: bool = False,
              batch_size: int = BATCH_SIZE,
              progress: Callable[[str, int], None] | None = None) -> list[SeedResult]:
    """Seed several schemas (all when ``slugs`` is empty), referenced ones first.

    One result per schema seeded, in order, including empty referenced
    schemas seeded on the way. ``progress(slug, rows)`` follows each batch.
    All or nothing: one failure leaves every table as it was.
    """
    catalog = _catalog()
    resources = order_by_references(_resources(catalog, slugs))
    run = _Run(
        catalog.fixture_by_id.__getitem__, base_seed=seed, batch_size=batch_size,
        progress_for=lambda table: (lambda rows: progress(table.slug, rows)) if progress else None,
    )
    run.scheduled = {resource.schema.pk for resource in resources}
    with transaction.atomic(using=_alias()):
        if reset:
            _delete_all(catalog, resources)
        for resource in resources:
            if resource.schema.pk not in run.done:
                run.seed(resource, count)
    return run.results


def reset(resource_or_slug: Resource | str) -> int:
    """Delete every mock row of one schema; returns how many."""
    catalog = _catalog()
    resource = _fixtures_resource(catalog, resource_or_slug)
    with transaction.atomic(using=_alias()):
        return _delete_all(catalog, [resource])[0][1]


def reset_many(slugs: Iterable[str]) -> list[tuple[str, int]]:
    """Delete the mock rows of several schemas (all when ``slugs`` is empty).

    Referring schemas go first; returns (slug, rows deleted) in that order.
    """
    catalog = _catalog()
    resources = order_by_references(_resources(catalog, slugs))
    with transaction.atomic(using=_alias()):
        return _delete_all(catalog, resources)


def order_by_references(resources: Iterable[Table]) -> list[Table]:
    """``resources`` with every referenced schema before the schemas referring to it.

    Deterministic (by slug). In a cycle, the reference met last is the one
    broken, and an empty target then gets nulls or is seeded on the way.
    """
    by_id = {resource.schema.pk: resource for resource in resources}
    ordered: list[Table] = []
    visiting: set[int] = set()
    placed: set[int] = set()

    def visit(resource: Table) -> None:
        schema_id = resource.schema.pk
        if schema_id in placed or schema_id in visiting:
            return
        visiting.add(schema_id)
        targets = [by_id[pk] for pk in _targets(resource) if pk in by_id]
        for target in sorted(targets, key=lambda target: target.schema.slug):
            visit(target)
        visiting.discard(schema_id)
        placed.add(schema_id)
        ordered.append(resource)

    for resource in sorted(by_id.values(), key=lambda resource: resource.schema.slug):
        visit(resource)
    return ordered


def fill_column(schema: Schema, field: Field, model: type[models.Model],
                pks: Iterable[int] | None = None) -> int:
    """Give ``field`` a valid value in rows ``pks`` (default: every row where it is NULL).

    A field with a default gets it (unless unique); the others get mock values.
    ``model`` carries the field's real constraints. Runs inside the caller's
    transaction on the fixtures database; returns the rows written.
    """
    model_field = model._meta.get_field(field.name)
    if pks is None:
        pks = model.objects.filter(**{f"{field.name}__isnull": True}).values_list("pk", flat=True)
    targets = sorted(set(pks))
    if not targets:
        return 0
    number = derive_seed("fill", f"{schema.slug}.{field.name}")
    context = GenerationContext(seeded_faker(schema.locale, number), schema.slug, model.objects.count(),
                                seed=number)
    if model_field.has_default() and not model_field.unique:
        # A default says what existing rows should hold, as a column added
        # with a default gets it.
        column: Column = _Constant(model_field.get_default())
    elif field.field_type.is_relation:
        run = _Run(_built_table, base_seed=number, batch_size=BATCH_SIZE)
        # Every row of the table exists already, so a self-reference picks among them all.
        column = run.reference_column(_Table(schema, [field], model), field, context, len(targets),
                                              to_itself=False)
    else:
        column = column_source(field, model_field, context)
    _write_values(model, model_field, targets, column)
    return len(targets)


# A seeding run --------------------------------------------------------------------


@dataclass
class _Run:
    """One seeding call: its seed, and what it has seeded so far."""

    resolve: Callable[[int], Table]
    base_seed: int | str | None = None
    batch_size: int = BATCH_SIZE
    progress_for: Callable[[Table], Progress | None] = lambda table: None
    # Schemas this run will seed itself (an empty target among them, referred
    # to by a nullable field, is not seeded ahead of its turn).
    scheduled: set[int] = field(default_factory=set)
    in_progress: set[int] = field(default_factory=set)
    done: set[int] = field(default_factory=set)
    results: list[SeedResult] = field(default_factory=list)

    def __post_init__(self):
        if self.base_seed is None:
            self.base_seed = secrets.randbits(32)
        if self.batch_size < 1:
            raise SeedError("The batch size must be at least 1.")

    def seed(self, table: Table, count: int, *, reset: bool = False) -> SeedResult:
        if count < 0:
            raise SeedError("The number of rows must not be negative.")
        schema_id = table.schema.pk
        self.in_progress.add(schema_id)
        try:
            if reset:
                _delete_rows(table, _referrers(table, self.resolve), resetting={schema_id})
            result = self._insert(table, count)
        finally:
            self.in_progress.discard(schema_id)
        self.done.add(schema_id)
        self.results.append(result)
        return result

    def _insert(self, table: Table, count: int) -> SeedResult:
        number = derive_seed(self.base_seed, table.schema.slug)
        faker = seeded_faker(table.schema.locale, number)
        existing = table.model.objects.count()
        context = GenerationContext(faker, table.schema.slug, existing + count, seed=number)
        rows = _RowSource(table, context, self, count)
        inserter = _Inserter(table.model, rows.model_fields, with_ids=bool(rows.to_itself))
        progress = self.progress_for(table)
        started = time.perf_counter()
        inserted = 0
        with inserter.indexes_set_aside(count, existing, keep_columns=rows.read_columns) as emptied, \
                inserter.loading(in_one_statement=not rows.reads_table, frozen=emptied):
            while inserted < count:
                size = min(self.batch_size, count - inserted)
                ids = inserter.reserve_ids(size) if rows.to_itself else []
                inserter.insert(rows.batch(size, ids), ids, size)
                rows.inserted(ids)
                inserted += size
                if progress:
                    progress(size)
        inserter.analyze()
        return SeedResult(table.schema.slug, inserted, time.perf_counter() - started)

    def reference_column(self, table: Table, ref: Field, context: GenerationContext, count: int,
                         *, to_itself: bool | None = None) -> ReferenceColumn:
        model_field = table.model._meta.get_field(ref.name)
        if to_itself is None:
            to_itself = ref.to_id == table.schema.pk
        if ref.to_id == table.schema.pk:
            runs = IdRuns.of(table.model)
        else:
            runs = self._target_runs(table, ref, model_field, count)
        return reference_column(ref, model_field, context, runs, to_itself=to_itself)

    def _target_runs(self, table: Table, ref: Field, model_field: models.Field, count: int) -> IdRuns:
        target_model = model_field.related_model
        runs = IdRuns.of(target_model)
        if runs.total or not self._should_seed_target(table, ref, model_field):
            return runs
        target = self.resolve(ref.to_id)
        # Enough rows that a unique reference finds one per row.
        self.seed(target, max(count, 1))
        return IdRuns.of(target_model)

    def _should_seed_target(self, table: Table, ref: Field, model_field: models.Field) -> bool:
        target_id = ref.to_id
        if target_id in self.in_progress:
            if model_field.null:
                return False
            target = self.resolve(target_id)
            raise SeedError(
                f"{table.schema.slug}.{ref.name} and {target.schema.slug} refer to each other with "
                "required references, so neither can be seeded first; make one of them nullable."
            )
        # A nullable reference to a schema this run seeds later stays null
        # rather than seeding that schema ahead of its turn.
        return not (model_field.null and target_id in self.scheduled and target_id not in self.done)


class _RowSource:
    """The columns of one table's mock rows, a batch at a time."""

    def __init__(self, table: Table, context: GenerationContext, run: _Run, count: int):
        self.model_fields: list[models.Field] = []
        self.columns: list[Column] = []
        self.to_itself: list[ReferenceColumn] = []
        for f in table.fields:
            model_field = table.model._meta.get_field(f.name)
            if f.field_type.is_relation:
                column = run.reference_column(table, f, context, count)
                if column.to_itself:
                    self.to_itself.append(column)
            else:
                column = column_source(f, model_field, context)
            self.model_fields.append(model_field)
            self.columns.append(column)

    def batch(self, size: int, ids: Sequence[int]) -> list[list]:
        """One list of values per field, ``size`` long; ``ids``: the rows' ids, when reserved."""
        return [
            column.take(size, own_ids=ids) if isinstance(column, ReferenceColumn) else column.take(size)
            for column in self.columns
        ]

    def inserted(self, ids: Sequence[int]) -> None:
        for column in self.to_itself:
            column.grow(ids)

    @property
    def reads_table(self) -> bool:
        """Whether a batch depends on the batches before it being in the table already."""
        return bool(self.to_itself) or any(column.reads_table for column in self.columns)

    @property
    def read_columns(self) -> set[str]:
        """The table's columns the batches are checked against while they load."""
        return {
            model_field.column
            for model_field, column in zip(self.model_fields, self.columns, strict=True)
            if column.reads_table
        }


# Inserting ------------------------------------------------------------------------


class _Inserter:
    """Writes batches of rows into one fixtures table: COPY on PostgreSQL, executemany elsewhere.

    Values are adapted a column at a time as Django would for the engine, so
    the rows read back through the ORM exactly as if it had written them.
    """

    def __init__(self, model: type[models.Model], model_fields: list[models.Field], *, with_ids: bool):
        self.model = model
        self.connection = connections[router.db_for_write(model) or _alias()]
        self.copy = self.connection.vendor == "postgresql"
        self.adapters = [_adapter(model_field, self.connection) for model_field in model_fields]
        self.has_columns = bool(model_fields) or with_ids
        # The COPY every batch goes into, while ``loading`` keeps one open.
        self.stream = None
        quote = self.connection.ops.quote_name
        columns = [model._meta.pk.column] if with_ids else []
        columns += [model_field.column for model_field in model_fields]
        self.table = quote(model._meta.db_table)
        names = ", ".join(map(quote, columns))
        # COPY's binary form costs the client half what the text form does, when
        # every column has a type it knows; the others go as text.
        self.binary_types = None
        if self.copy:
            stored = [model._meta.pk] if with_ids else []
            self.binary_types = _binary_types([*stored, *model_fields], self.connection)
            self.statement = f"COPY {self.table} ({names}) FROM STDIN"
        else:
            self.statement = f"INSERT INTO {self.table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        # SQLite: a batch as one JSON parameter, when its columns' types allow (``schemas.json_batches``).
        self.json_statement = None
        if self.connection.vendor == "sqlite" and self.connection.features.supports_json_field:
            stored = [model._meta.pk] if with_ids else []
            self.json_statement = json_batches.statement(
                self.table, [quote(column) for column in columns], [*stored, *model_fields])

    def reserve_ids(self, count: int) -> list[int]:
        """Ids for ``count`` new rows, taken as the database would give them."""
        pk = self.model._meta.pk.column
        with self.connection.cursor() as cursor:
            if self.copy:
                # nextval hands out ids no other session gets, even concurrently.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.table, pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE),
            # so the ids past the largest ever given are ours.
            cursor.execute(f"SELECT MAX({self.connection.ops.quote_name(pk)}) FROM {self.table}")
            first = max(cursor.fetchone()[0] or 0, self._sqlite_sequence()) + 1
            return list(range(first, first + count))

    def _sqlite_sequence(self) -> int:
        # An AUTOINCREMENT table never gives an id twice, also after deletes.
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = %s", [self.model._meta.db_table]
            )
            row = cursor.fetchone()
        return row[0] if row else 0

    @contextmanager
    def indexes_set_aside(self, count: int, existing: int, *, keep_columns: set[str]) -> Iterator[bool]:
        """For a seed that at least doubles the table, its indexes dropped while it loads and built after.

        See ``schemas.seed_indexes``. Yields whether the table was empty, so
        that on PostgreSQL it may be loaded frozen.
        """
        if not seed_indexes.worth_setting_aside(count, existing) or self.connection.alias != _alias():
            yield False
            return
        table = self.model._meta.db_table
        with seed_indexes.built_afterwards(self.connection, table, keep_columns=keep_columns):
            yield existing == 0

    @contextmanager
    def loading(self, *, in_one_statement: bool, frozen: bool = False) -> Iterator[None]:
        """Where the batches go while the rows are inserted.

        ``in_one_statement``: no batch reads the table, so on PostgreSQL every
        batch goes into one COPY, which the server takes in on its own core
        while the next batch is made; a COPY per batch made each side wait for
        the other (the server's share is mostly the unique indexes).
        ``frozen``: the table was empty; see ``_one_copy``.
        """
        if self.copy and in_one_statement and self.has_columns:
            with self._one_copy(frozen=frozen):
                yield
        elif self.connection.vendor == "sqlite":
            with self._larger_cache():
                yield
        else:
            yield

    @contextmanager
    def _one_copy(self, *, frozen: bool) -> Iterator[None]:
        with self.connection.wrap_database_errors, self.connection.cursor() as cursor, \
                self._copy(cursor, may_freeze=frozen) as copy:
            self.stream = copy
            try:
                yield
            finally:
                self.stream = None

    @contextmanager
    def _copy(self, cursor, *, may_freeze: bool = False):
        options = ["FORMAT BINARY"] if self.binary_types else []
        if may_freeze and self._emptied(cursor):
            # Rows copied frozen into a table emptied in this transaction are
            # marked visible to all at once: index-only scans work without
            # waiting for a VACUUM, which would read the table again.
            options.append("FREEZE")
        with cursor.copy(self.statement + (f" WITH ({', '.join(options)})" if options else "")) as copy:
            if self.binary_types:
                copy.set_types(self.binary_types)
            yield copy

    def _emptied(self, cursor) -> bool:
        """Truncate the table if it holds no row; whether it did.

        Locked first, so that no row committed meanwhile is lost; a seed that
        sets the indexes aside holds that lock already.
        """
        cursor.execute(f"LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.table})")
        if cursor.fetchone()[0]:
            return False
        cursor.execute(f"TRUNCATE {self.table}")
        return True

    @contextmanager
    def _larger_cache(self) -> Iterator[None]:
        """Room in memory for the pages the rows go to, on SQLite, given back afterwards.

        A unique index (an email) takes its new keys at random places: past
        SQLite's default cache of 2 MB, most inserts read a page back from the
        file first, which made inserting cost as much as making the values.
        """
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            before = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_SEEDING_CACHE_KIB}")
        try:
            yield
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")

    def analyze(self) -> None:
        """Tell the query planner how the table's values spread now that it holds its rows.

        Without statistics SQLite takes every equality filter for a needle and
        reads its index, then sorts each match, where an ordered index would
        serve a common value's page at once. PostgreSQL would analyse the table
        by itself, but only some time after a bulk load.
        """
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "sqlite":
                # Sampled: a bounded cost whatever the table's size.
                cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_ROWS}")
            cursor.execute(f"ANALYZE {self.table}")

    def insert(self, columns: list[list], ids: Sequence[int], size: int) -> None:
        adapted = [
            values if adapt is None else [None if value is None else adapt(value) for value in values]
            for values, adapt in zip(columns, self.adapters, strict=True)
        ]
        if ids:
            adapted.insert(0, ids)
        if self.stream is not None:
            write = self.stream.write_row
            for row in zip(*adapted, strict=True):
                write(row)
            return
        with self.connection.cursor() as cursor:
            if not adapted:
                # A schema without fields: rows of nothing but an id.
                for _ in range(size):
                    cursor.execute(f"INSERT INTO {self.table} DEFAULT VALUES")
            elif self.copy:
                # Django translates driver errors for execute(), not for COPY.
                with self.connection.wrap_database_errors, self._copy(cursor) as copy:
                    for row in zip(*adapted, strict=True):
                        copy.write_row(row)
            else:
                rows = list(zip(*adapted, strict=True))
                batch = json_batches.encoded(rows) if self.json_statement else None
                if batch is None:
                    cursor.executemany(self.statement, rows)
                else:
                    cursor.execute(self.json_statement, [batch])


# PostgreSQL's names, for COPY's binary form, of the column types Django gives fixture tables.
_BINARY_TYPES = {
    "varchar": "varchar", "text": "text", "integer": "int4", "bigint": "int8", "smallint": "int2",
    "double precision": "float8", "boolean": "bool", "numeric": "numeric", "date": "date", "time": "time",
    "timestamp with time zone": "timestamptz", "uuid": "uuid", "jsonb": "jsonb",
}


def _binary_types(model_fields: list[models.Field], connection) -> list[str] | None:
    """Each column's type for COPY's binary form; None when one has none listed (COPY goes as text)."""
    types = []
    for model_field in model_fields:
        name = (model_field.db_type(connection) or "").split("(")[0].strip()
        if name not in _BINARY_TYPES:
            return None
        types.append(_BINARY_TYPES[name])
    return types


def _adapter(model_field: models.Field, connection) -> Callable[[Any], Any] | None:
    """How one column's values go to the driver; None when they go as they are.

    Django's own ``get_db_prep_save`` is the reference; the common types skip
    it because it costs a few µs a value, and their drivers take them as they are.
    """
    kind = model_field.get_internal_type()
    if kind in ("CharField", "TextField", "IntegerField", "BigIntegerField", "FloatField", "BooleanField",
                "ForeignKey", "DateField"):
        return None
    if connection.vendor == "postgresql" and kind in ("DecimalField", "DateTimeField", "TimeField",
                                                       "UUIDField"):
        return None
    if connection.vendor == "sqlite":
        if kind == "DecimalField":
            return None  # Django registers str() as SQLite's adapter of Decimal
        if kind == "DateTimeField":
            return lambda value: value.astimezone(UTC).replace(tzinfo=None)
        if kind == "UUIDField":
            return lambda value: value.hex
        if kind == "TimeField":
            return str
    return lambda value: model_field.get_db_prep_save(value, connection)


# Resetting ------------------------------------------------------------------------


def _delete_all(catalog: Catalog, resources: list[Table]) -> list[tuple[str, int]]:
    """Delete rows of ``resources``, referring schemas first (reverse reference order)."""
    resetting = {resource.schema.pk for resource in resources}
    deleted = []
    for resource in reversed(order_by_references(resources)):
        referrers = _referrers(resource, catalog.fixture_by_id.__getitem__, catalog)
        deleted.append((resource.schema.slug, _delete_rows(resource, referrers, resetting)))
    return deleted


def _delete_rows(table: Table, referrers: list[tuple[Table, Field]], resetting: set[int]) -> int:
    for other, ref in referrers:
        if other.schema.pk in resetting:
            continue
        using = other.model.objects.filter(**{f"{ref.name}__isnull": False}).count()
        if using:
            raise SeedError(
                f"{using} rows of '{other.schema.slug}' refer to rows of '{table.schema.slug}' "
                f"({ref.name}); reset both: manage.py reset_rows {other.schema.slug} {table.schema.slug}"
            )
    # One DELETE statement: the ORM would load every row to check protection,
    # which the check above already did.
    connection = connections[_alias()]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.model._meta.db_table)}")
        return max(cursor.rowcount, 0)


def _referrers(table: Table, resolve: Callable[[int], Table],
               catalog: Catalog | None = None) -> list[tuple[Table, Field]]:
    """Every (schema, reference field) pointing at ``table``'s schema from another schema."""
    if catalog is None:
        catalog = _catalog()
    found = []
    for resource in catalog:
        if resource.schema == table.schema:
            continue
        for ref in resource.fields:
            if ref.field_type.is_relation and ref.to_id == table.schema.pk:
                found.append((resolve(resource.schema.pk), ref))
    return found


# Helpers --------------------------------------------------------------------------


def _alias() -> str:
    return settings.FIXTURES_ALIAS


def _catalog() -> Catalog:
    from schemas.catalog import current_catalog

    return current_catalog()


def _fixtures_resource(catalog: Catalog, resource_or_slug: Resource | str) -> Resource:
    if isinstance(resource_or_slug, str):
        resource = catalog.get(resource_or_slug)
        if resource is None:
            known = ", ".join(r.slug for r in catalog) or "none yet"
            raise UnknownSchemaError(f"No schema has the slug {resource_or_slug!r} (known: {known}).")
    else:
        resource = resource_or_slug
    # Mock rows belong in the fixtures, also for a schema served live.
    return catalog.fixture_by_id[resource.schema.pk]


def _resources(catalog: Catalog, slugs: Iterable[str]) -> list[Resource]:
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        return [catalog.fixture_by_id[resource.schema.pk] for resource in catalog]
    unknown = [slug for slug in slugs if catalog.get(slug) is None]
    if unknown:
        known = ", ".join(r.slug for r in catalog) or "none yet"
        raise UnknownSchemaError(f"No schema has the slug {', '.join(map(repr, unknown))} (known: {known}).")
    return [_fixtures_resource(catalog, slug) for slug in slugs]


def _targets(table: Table) -> set[int]:
    return {f.to_id for f in table.fields if f.field_type.is_relation and f.to_id != table.schema.pk}


def _built_table(schema_id: int) -> _Table:
    """A schema's fixtures model built from the definition in the database now.

    Used while a schema change is being saved, when the catalog may not show
    it yet.
    """
    from schemas.models import Schema

    schema = Schema.objects.get(pk=schema_id)
    fields = list(schema.fields.all())
    return _Table(schema, fields, build_models([(schema, fields)])[schema.pk])


@dataclass
class _Constant:
    """One value for every row."""

    value: Any
    reads_table = False

    def take(self, count: int, *, up_to: bool = False) -> list:
        return [self.value] * count


def _write_values(model: type[models.Model], model_field: models.Field, pks: list[int],
                  column: Column) -> None:
    attname = model_field.attname
    for start in range(0, len(pks), BATCH_SIZE):
        batch = pks[start : start + BATCH_SIZE]
        values = column.take(len(batch))
        rows = [model(pk=pk, **{attname: value}) for pk, value in zip(batch, values, strict=True)]
        model.objects.bulk_update(rows, [model_field.name], batch_size=1000)
