"""
Seeding: mock rows for schemas' fixtures tables, and fresh values for columns.

``seed`` builds rows with the schema's factory (``schemas.factories``) in
batches and bulk-inserts each batch, so a hundred thousand rows take bounded
memory. The same ``seed`` number gives the same rows: Faker and factory-boy
are reseeded per schema from the number and the slug. References point at
existing rows of the referenced schema, which is seeded first when it is
empty. Rows always go to the fixtures tables, also for a schema served from
a live database (its fixtures twin).

``fill_column`` gives every row a value when a column is added or its old
values became invalid; the fixtures tables' migrations call it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import factory.random
from django.conf import settings
from django.db import connections, models, transaction

from schemas.builder import build_models
from schemas.factories import Table, build_factory
from schemas.mock_values import (
    GenerationContext,
    ReferenceSource,
    SeedError,
    reference_source,
    seeded_faker,
    value_source,
)

if TYPE_CHECKING:
    from schemas.catalog import Catalog, Resource
    from schemas.models import Field, Schema

__all__ = [
    "BATCH_SIZE", "SeedError", "SeedResult", "UnknownSchemaError", "fill_column",
    "order_by_references", "reset", "reset_many", "seed", "seed_many",
]

BATCH_SIZE = 1000

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

    ``model`` carries the field's real constraints. Runs inside the caller's
    transaction on the fixtures database; returns the rows written.
    """
    model_field = model._meta.get_field(field.name)
    if pks is None:
        pks = model.objects.filter(**{f"{field.name}__isnull": True}).values_list("pk", flat=True)
    targets = sorted(set(pks))
    if not targets:
        return 0
    number = _derived_seed("fill", f"{schema.slug}.{field.name}")
    context = GenerationContext(seeded_faker(schema.locale, number), schema.slug, model.objects.count())
    taken = _values_outside(model, model_field, set(targets)) if model_field.unique else ()
    if field.type == "reference":
        run = _Run(_built_table, base_seed=number, batch_size=BATCH_SIZE)
        table = _Table(schema, [field], model)
        source = run.reference_pool(table, field, context, len(targets), taken=taken)
    else:
        source = value_source(field, model_field, context, taken=taken)
    _write_values(model, model_field, targets, source)
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
        number = _derived_seed(self.base_seed, table.schema.slug)
        factory.random.reseed_random(number)
        faker = seeded_faker(table.schema.locale, number)
        context = GenerationContext(faker, table.schema.slug, table.model.objects.count() + count)
        pools = {
            f.name: self.reference_pool(table, f, context, count)
            for f in table.fields
            if f.type == "reference"
        }
        row_factory = build_factory(table, context=context, references=pools)
        to_itself = [
            (f, pools[f.name]) for f in table.fields if f.type == "reference" and f.to_id == table.schema.pk
        ]
        progress = self.progress_for(table)
        started = time.perf_counter()
        inserted = 0
        while inserted < count:
            size = min(self.batch_size, count - inserted)
            if any(pool.empty for _f, pool in to_itself):
                # The first row of a self-referring table has nothing to
                # point at: insert it alone so the next ones have.
                size = 1
            rows = row_factory.build_batch(size)
            table.model.objects.bulk_create(rows)
            _link_to_itself(table.model, rows, to_itself)
            inserted += size
            if progress:
                progress(size)
        return SeedResult(table.schema.slug, inserted, time.perf_counter() - started)

    def reference_pool(self, table: Table, ref: Field, context: GenerationContext, count: int,
                       taken: Iterable[int] | None = None) -> ReferenceSource:
        model_field = table.model._meta.get_field(ref.name)
        if ref.to_id == table.schema.pk:
            ids = table.model.objects.order_by("pk").values_list("pk", flat=True)
            return reference_source(ref, model_field, context, ids=ids, taken=taken, to_itself=True)
        ids = self._target_ids(table, ref, model_field, count)
        return reference_source(ref, model_field, context, ids=ids, taken=taken)

    def _target_ids(self, table: Table, ref: Field, model_field: models.Field, count: int) -> list[int]:
        target_model = model_field.related_model
        ids = list(target_model.objects.order_by("pk").values_list("pk", flat=True))
        if ids or not self._should_seed_target(table, ref, model_field):
            return ids
        target = self.resolve(ref.to_id)
        # Enough rows that a unique reference finds one per row.
        self.seed(target, max(count, 1))
        return list(target_model.objects.order_by("pk").values_list("pk", flat=True))

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


def _link_to_itself(model: type[models.Model], rows: list[models.Model],
                    to_itself: list[tuple[Field, ReferenceSource]]) -> None:
    """Grow self-reference pools by the rows just inserted; point unset required ones at themselves."""
    if not to_itself:
        return
    if rows and rows[0].pk is None:
        raise SeedError("Self-referring schemas need a database that returns the ids of inserted rows.")
    for ref, pool in to_itself:
        attname = model._meta.get_field(ref.name).attname
        unset = [row for row in rows if getattr(row, attname) is None]
        if not pool.nullable and unset:
            for row in unset:
                setattr(row, attname, row.pk)
                pool.claim(row.pk)
            model.objects.bulk_update(unset, [ref.name])
        pool.add(row.pk for row in rows)


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
        for ref in resource.fields:
            if ref.type == "reference" and ref.to_id == table.schema.pk and resource.schema != table.schema:
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
    return {f.to_id for f in table.fields if f.type == "reference" and f.to_id != table.schema.pk}


def _derived_seed(seed: Any, name: str) -> int:
    """A seed for one schema, stable across processes (unlike ``hash()``)."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _built_table(schema_id: int) -> _Table:
    """A schema's fixtures model built from the definition in the database now.

    Used while a schema change is being saved, when the catalog may not show
    it yet.
    """
    from schemas.models import Schema

    schema = Schema.objects.get(pk=schema_id)
    fields = list(schema.fields.all())
    return _Table(schema, fields, build_models([(schema, fields)])[schema.pk])


def _values_outside(model: type[models.Model], model_field: models.Field, pks: set[int]) -> list[Any]:
    rows = model.objects.filter(**{f"{model_field.attname}__isnull": False}).values_list(
        "pk", model_field.attname
    )
    return [value for pk, value in rows.iterator(chunk_size=5000) if pk not in pks]


def _write_values(model: type[models.Model], model_field: models.Field, pks: list[int],
                  source: Callable[[], Any]) -> None:
    attname = model_field.attname
    for start in range(0, len(pks), BATCH_SIZE):
        rows = [model(pk=pk, **{attname: source()}) for pk in pks[start : start + BATCH_SIZE]]
        model.objects.bulk_update(rows, [model_field.name])
