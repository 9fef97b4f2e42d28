"""
Gives every fixtures table the indexes its fields call for, at each deploy.

``fixture_tables.sync_indexes`` keeps a table's indexes in step with its
fields at every schema change, so a table made before a kind of index
existed (the descending ``_dx`` ones, the code-point ``_cp`` ones) would get
it only at its next change. ``manage.py migrate`` runs ``repair_indexes``
after the catalog's migrations (``schemas.apps``): one query lists the
fixtures database's indexes, and only a table whose own indexes differ from
what its fields call for is synced. A second run finds nothing to do.

On PostgreSQL, the same run drops the pattern indexes (``..._like``) that
Django's schema editor used to give a unique or indexed text column for LIKE:
fauxsite never sends LIKE to a fixture table, so they only slowed its writes,
and tables are made without them now (``fauxsite.postgresql.schema``).

Only the fixtures database is touched: live databases get their indexes
from provisioning, which their owners apply. A table that cannot be synced
is logged and left as it was, so one odd table never fails a deploy.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from datasources.dialects import dialect_for
from schemas import fixture_tables
from schemas.builder import fixture_table_name
from schemas.models import Field, Schema

logger = logging.getLogger(__name__)
# How Django's PostgreSQL schema editor ends the name of a pattern index.
PATTERN_INDEX_SUFFIX = "_like"


@dataclass(frozen=True)
class Repair:
    """What a run did: the indexes created and dropped, per table, and the tables it could not sync."""

    created: dict[str, list[str]]
    failed: list[str]
    dropped: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        made = [f"Created {', '.join(names)} on {table}" for table, names in self.created.items()]
        dropped = [f"Dropped {', '.join(names)} on {table}" for table, names in self.dropped.items()]
        failed = [f"Could not sync the indexes of {table}; see the log" for table in self.failed]
        return made + dropped + failed


def repair_indexes() -> Repair:
    """Sync the indexes of every fixtures table that lacks one its fields call for, or has an extra."""
    fields = _catalog_fields()
    repair = Repair({}, [])
    if not fields:
        return repair
    try:
        tables, existing, patterns = _fixture_indexes()
    except DatabaseError:
        logger.exception("The fixtures database's indexes could not be read; none were synced")
        return Repair({}, ["the fixtures database"])
    for schema, schema_fields in fields.values():
        table = fixture_table_name(schema.pk)
        if table not in tables:
            continue
        if patterns[table] and not _drop_pattern_indexes(table, sorted(patterns[table]), repair):
            continue
        if existing[table] != wanted_indexes(schema_fields):
            _sync_own_indexes(schema, schema_fields, existing[table], repair)
    return repair


def _sync_own_indexes(schema: Schema, fields: list[Field], existing: set[str], repair: Repair) -> None:
    table = fixture_table_name(schema.pk)
    try:
        with fixture_tables.atomic():
            fixture_tables.sync_indexes(schema, fields, fixture_tables.retired_fields(schema))
    except (DatabaseError, fixture_tables.SchemaChangeError):
        logger.exception("The indexes of the fixtures table %s could not be synced", table)
        repair.failed.append(table)
        return
    created = sorted(wanted_indexes(fields) - existing)
    if created:
        repair.created[table] = created
        logger.info("Created the indexes %s on the fixtures table %s", ", ".join(created), table)


def _drop_pattern_indexes(table: str, names: list[str], repair: Repair) -> bool:
    """Drop a table's pattern indexes; False (logged) when they could not be."""
    connection = connections[fixture_tables.alias()]
    try:
        with fixture_tables.atomic(), connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    except DatabaseError:
        logger.exception("The pattern indexes of the fixtures table %s could not be dropped", table)
        repair.failed.append(table)
        return False
    repair.dropped[table] = names
    logger.info("Dropped the pattern indexes %s on the fixtures table %s", ", ".join(names), table)
    return True


def wanted_indexes(fields: list[Field]) -> set[str]:
    """The names of fauxsite's own indexes that ``fields`` call for."""
    return {index.name for field in fields for index in fixture_tables.field_indexes(field)}


def _catalog_fields() -> dict[int, tuple[Schema, list[Field]]]:
    """Every schema with its fields; none while the catalog's tables are not migrated yet."""
    try:
        # A savepoint: a catalog still being migrated (an older state) must
        # not break the transaction the migration runs in.
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            schemas = {schema.pk: (schema, []) for schema in Schema.objects.all()}
            for field in Field.objects.filter(schema_id__in=list(schemas)):
                schemas[field.schema_id][1].append(field)
    except DatabaseError:
        return {}
    return schemas


def _fixture_indexes() -> tuple[set[str], dict[str, set[str]], dict[str, set[str]]]:
    """The fixtures database's tables, fauxsite's own indexes and the pattern indexes on each.

    Two catalog queries.
    """
    connection = connections[fixture_tables.alias()]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        cursor.execute(dialect_for(connection).index_catalog())
        found = cursor.fetchall()
    existing: dict[str, set[str]] = defaultdict(set)
    patterns: dict[str, set[str]] = defaultdict(set)
    for table, name in found:
        if fixture_tables.OWN_INDEX.match(name):
            existing[table].add(name)
        elif name.endswith(PATTERN_INDEX_SUFFIX):
            patterns[table].add(name)
    return tables, existing, patterns
