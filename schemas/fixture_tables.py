"""
Keeps each schema's table in the fixtures database in step with its fields.

fauxsite owns the fixtures database, so it creates and alters tables there
itself, when the change service (``schemas.changes``) asks. Columns are named
by field id (``f<id>``), so renames cost nothing. Columns are NULL-able in the
database: the API enforces ``required`` and ``nullable``, and a new column can
be added to a table that already has rows.

A table only ever changes in ways the previous catalog can still read,
because a worker may be in the middle of a request with it: columns are
added, never changed in place. A change that can make stored values invalid
(a new type, a tighter limit, a dropped enum choice) gives the field a new
column, filled with the old values where they are still valid (converted
where possible) and fresh mock values for the rest. The old column, like the
column of a removed field, is retired: kept, unused, and dropped by a later
change once ``RETIRED_COLUMN_GRACE`` has passed.

A field with the ``indexed`` option gets an index on its column, and a text
field a second one on its code-point key (the order and the cursor
comparisons of ``schemas.cursors``), and one in the descending order on
that same key (ties still by id ascending), all named after the column; a
reference's column is indexed whatever the option, and a unique one has its
constraint's. Indexes follow the fields after every change
(``sync_indexes``): turning the option on or off only adds or drops them,
and a retired column loses its own at once.

On SQLite a unique column made now gets its constraint as a unique index of
its own (``fx_f<id>_uq``, ``UniqueIndex``) rather than ``UNIQUE`` inside
``CREATE TABLE``: the same guarantee and the same error, but an index that
``DROP INDEX`` reaches, so a large seed can set it aside and build it once
(``schemas.seed_indexes``). A column made before keeps its inline constraint,
read from the table (``_inline_unique_columns``). PostgreSQL's unique
constraints are dropped and added back by name, so they stay as they are.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections, models, transaction
from django.db.models import F
from django.db.models.expressions import OrderBy

from datasources.dialects.lookups import CodePointOrder
from schemas import field_types
from schemas.builder import build_models, fixture_column, fixture_table_name
from schemas.models import Field, RetiredColumn, Schema

# A change to any of these can make stored values invalid or needs new DDL:
# the type, every option a type may add that is about values (declared once,
# in the registry), and the common constraints on stored values.
DATA_OPTIONS = (
    "type",
    *(
        "to_id" if option.name == "to" else option.name
        for option in field_types.TYPED_OPTIONS
        if option.about_values
    ),
    "unique",
    "nullable",
)
# The indexes fauxsite names itself (``field_indexes``); others are Django's.
OWN_INDEX = re.compile(r"^fx_f[0-9]+_(ix|cp|dx)$")
# A unique column's own index on SQLite (``unique_index``), kept apart from
# OWN_INDEX: only columns made since have one, so a deploy's index repair,
# which compares OWN_INDEX with ``field_indexes``, does not look for it.
UNIQUE_INDEX = re.compile(r"^fx_f[0-9]+_uq$")
BATCH_SIZE = 1000
# Longer than any request can hold an old catalog: gunicorn ends a worker
# after 30 seconds.
RETIRED_COLUMN_GRACE = timedelta(minutes=5)


class SchemaChangeError(Exception):
    """A schema change the fixtures table cannot follow; the message says why."""


def alias() -> str:
    return settings.FIXTURES_ALIAS


def atomic():
    return transaction.atomic(using=alias())


def snapshot(schema: Schema) -> list[Field]:
    if schema.pk is None:
        return []
    return list(Field.objects.filter(schema_id=schema.pk))


def fixture_model(schema: Schema, fields: list[Field] | None = None,
                  retired: list[Field] = ()) -> type[models.Model]:
    """The table as it is stored: ``fields``, plus the ``retired`` columns it still holds."""
    if fields is None:
        fields = snapshot(schema)
    inline = _inline_unique_columns(schema, [*fields, *retired])
    storage_fields = [_storage_copy(field, inline) for field in [*fields, *retired]]
    model = build_models([(schema, storage_fields)])[schema.pk]
    for field in fields:
        if field.field_type.is_relation:
            # Indexed by name below, like every index fauxsite makes, not by
            # Django (which skips unmanaged models when it creates a table).
            model._meta.get_field(field.name).db_index = False
    # Declared on the model, so that a table SQLite remakes keeps them.
    model._meta.indexes = [index for field in fields for index in field_indexes(field)] + [
        unique_index(field) for field in fields if _unique_apart(field, inline)
    ]
    return model


class UniqueIndex(models.Index):
    """An index that refuses a repeated key: ``CREATE UNIQUE INDEX``."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        unique = schema_editor.sql_create_index.replace("CREATE INDEX", "CREATE UNIQUE INDEX", 1)
        return super().create_sql(model, schema_editor, using=using, sql=unique, **kwargs)


def unique_index(field: Field) -> UniqueIndex:
    """A unique field's constraint as an index of its own (SQLite, for columns made since)."""
    return UniqueIndex(fields=[field.name], name=f"fx_{fixture_column(field)}_uq")


def _unique_apart(field: Field, inline: set[str]) -> bool:
    """Whether a unique field's constraint is an index of its own rather than in ``CREATE TABLE``."""
    return field.unique and connections[alias()].vendor == "sqlite" and fixture_column(field) not in inline


def _inline_unique_columns(schema: Schema, fields: list[Field]) -> set[str]:
    """The columns of the schema's SQLite table whose ``UNIQUE`` is part of its ``CREATE TABLE``.

    Those were made before unique indexes of their own and keep their
    constraint where it is, also when SQLite remakes the table.
    """
    connection = connections[alias()]
    if connection.vendor != "sqlite" or not any(field.unique for field in fields):
        return set()
    quote = connection.ops.quote_name
    columns = set()
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA index_list({quote(fixture_table_name(schema.pk))})")
        # Origin "u": the index SQLite made for a UNIQUE in the table's definition.
        names = [row[1] for row in cursor.fetchall() if row[3] == "u"]
        for name in names:
            cursor.execute(f"PRAGMA index_info({quote(name)})")
            columns.update(row[2] for row in cursor.fetchall())
    return columns


def field_indexes(field: Field) -> list[models.Index]:
    """The indexes of a field's column: a reference's, and those the ``indexed`` option asks for."""
    field_type = field.field_type
    column = fixture_column(field)
    indexed = field.indexed and field_type.indexable
    # The id follows the value, as in the API's order: an equality filter is
    # then served in id order (the default) from the index alone.
    indexes = []
    if field_type.is_relation or (indexed and not field.unique):
        # A unique column has its constraint's index already.
        indexes.append(models.Index(_ascending(F(field.name)), F("id"), name=f"fx_{column}_ix"))
    if not indexed:
        return indexes
    # Text sorts by code point, which is not the column's own order on
    # PostgreSQL: ordering and cursors need an index on that key.
    key = CodePointOrder(F(field.name)) if field_type.orders_as_text else F(field.name)
    if field_type.orders_as_text:
        indexes.append(models.Index(_ascending(key), F("id"), name=f"fx_{column}_cp"))
    # The descending order keeps ties by id ascending, which no ascending
    # index gives read backwards: it has an index of its own.
    indexes.append(models.Index(_descending(key), F("id"), name=f"fx_{column}_dx"))
    return indexes


def _ascending(key):
    """An index key in the API's ascending order, nulls first.

    PostgreSQL's indexes keep nulls last unless told otherwise; SQLite's keep
    them first already, and refuse ``NULLS FIRST`` in an index.
    """
    if connections[alias()].vendor == "postgresql":
        return OrderBy(key, nulls_first=True)
    return key


def _descending(key):
    """An index key in the API's descending order, nulls last (SQLite's own, unsaid)."""
    if connections[alias()].vendor == "postgresql":
        return OrderBy(key, descending=True, nulls_last=True)
    return OrderBy(key, descending=True)


def sync_indexes(schema: Schema, fields: list[Field], retired: list[Field] = ()) -> None:
    """Create the indexes ``fields`` want that the table lacks, and drop fauxsite's others."""
    model = fixture_model(schema, fields, retired)
    wanted = {index.name: index for index in model._meta.indexes}
    existing = _own_indexes(model._meta.db_table)
    with _editor() as editor:
        for name in sorted(existing - wanted.keys()):
            editor.execute(editor._delete_index_sql(model, name))
        for name in sorted(wanted.keys() - existing):
            editor.add_index(model, wanted[name])


def _own_indexes(table: str) -> set[str]:
    connection = connections[alias()]
    with connection.cursor() as cursor:
        names = connection.introspection.get_constraints(cursor, table)
    return {name for name in names if OWN_INDEX.match(name) or UNIQUE_INDEX.match(name)}


def _storage_copy(field: Field, inline_unique: set[str]) -> Field:
    copy = Field(**{f.attname: getattr(field, f.attname) for f in Field._meta.concrete_fields})
    copy.nullable = True
    copy.default = None
    if _unique_apart(field, inline_unique):
        copy.unique = False  # its own index says it (``unique_index``)
    return copy


def table_exists(schema: Schema) -> bool:
    connection = connections[alias()]
    with connection.cursor() as cursor:
        return fixture_model(schema, [])._meta.db_table in connection.introspection.table_names(cursor)


def create_table(schema: Schema, fields: list[Field] | None = None) -> None:
    if table_exists(schema):
        return
    fields = snapshot(schema) if fields is None else fields
    with _editor() as editor:
        editor.create_model(fixture_model(schema, fields))
    # Runtime models are unmanaged, so Django leaves their declared indexes out.
    sync_indexes(schema, fields)


def drop_table(schema: Schema) -> None:
    if table_exists(schema):
        with _editor() as editor:
            editor.delete_model(fixture_model(schema, []))
    RetiredColumn.objects.filter(table=fixture_table_name(schema.pk)).delete()


def needs_new_column(old: Field, new: Field) -> bool:
    """Whether a change can make stored values invalid, so the field moves to a new column."""
    return any(getattr(old, option) != getattr(new, option) for option in DATA_OPTIONS)


def migrate(schema: Schema, before: list[Field], after: list[Field] | None = None,
            moved: dict[int, Field] | None = None) -> None:
    """Make the table follow the change from ``before`` to ``after`` (the fields now).

    ``moved`` maps the id of a field given a new column to the field it
    replaces: the new column starts with the old one's values that are still
    valid.
    """
    if not table_exists(schema):
        create_table(schema, after)
        return
    now = {field.pk: field for field in (snapshot(schema) if after is None else after)}
    previous = {field.pk: field for field in before}
    moved = moved or {}
    retired = retired_fields(schema)
    for field_id, field in previous.items():
        if field_id not in now:
            retired.append(_retire(schema, field))
    state = [now[field_id] for field_id in previous if field_id in now]
    for field_id, field in now.items():
        if field_id in moved:
            state = _move_column(schema, state, retired, moved[field_id], field)
        elif field_id not in previous:
            state = _add_column(schema, state, retired, field)
    sync_indexes(schema, state, retired)


def _retire(schema: Schema, field: Field) -> Field:
    definition = {f.attname: getattr(field, f.attname) for f in Field._meta.concrete_fields}
    RetiredColumn.objects.create(
        table=fixture_table_name(schema.pk), column=fixture_column(field), definition=definition
    )
    return _stand_in(definition)


def retired_fields(schema: Schema) -> list[Field]:
    """Stand-ins for the retired columns of the schema's table, so a remade table keeps them."""
    records = RetiredColumn.objects.filter(table=fixture_table_name(schema.pk)).order_by("pk")
    return [_stand_in(record.definition) for record in records]


def _stand_in(definition: dict) -> Field:
    field = Field(**definition)
    field.name = f"retired_{field.pk}"
    # Only what shapes the column matters; bounds only validate (and come back from JSON as text).
    field.min_value = field.max_value = field.min_length = None
    field.pattern = ""
    return field


def _add_column(schema, state, retired, field) -> list[Field]:
    from schemas import seeding

    new_state = [*state, field]
    model = fixture_model(schema, new_state, retired)
    _add_column_to(model, field)
    seeding.fill_column(schema, field, _api_model(schema, new_state))
    return new_state


def _add_column_to(model: type[models.Model], field: Field) -> None:
    """Add ``field``'s column, and its unique index (if it has one) before any value is written.

    The index then guards the values written next, and a fill that checks
    its values against the table finds them through it.
    """
    unique = f"fx_{fixture_column(field)}_uq"
    with _editor() as editor:
        editor.add_field(model, model._meta.get_field(field.name))
        for index in model._meta.indexes:
            if index.name == unique:
                editor.add_index(model, index)


def _move_column(schema, state, retired, old: Field, new: Field) -> list[Field]:
    """Give ``new`` its own column, carrying over every value of ``old`` still valid."""
    from schemas import seeding

    new_state = [*state, new]
    model = fixture_model(schema, new_state, retired)
    _add_column_to(model, new)
    values = dict(model.objects.using(alias()).values_list("pk", f"retired_{old.pk}"))
    api_model = _api_model(schema, new_state)
    converted = _convert(api_model._meta.get_field(new.name), values)
    _write_back(model, new.name, converted)
    lost = [pk for pk, value in values.items() if value is not None and pk not in converted]
    if not new.nullable:
        lost += [pk for pk, value in values.items() if value is None]
    if lost:
        seeding.fill_column(schema, new, api_model, pks=lost)
    return new_state


def purge_retired_columns(now: datetime) -> int:
    """Drop the retired columns no worker can still read; returns how many."""
    records = list(RetiredColumn.objects.filter(retired__lt=now - RETIRED_COLUMN_GRACE))
    for record in records:
        schema = Schema.objects.filter(pk=int(record.table.removeprefix("fx_"))).first()
        if schema is not None and _has_column(record.table, record.column):
            retired = retired_fields(schema)
            model = fixture_model(schema, snapshot(schema), retired)
            with _editor() as editor:
                editor.remove_field(model, model._meta.get_field(f"retired_{record.definition['id']}"))
        record.delete()
    return len(records)


def _has_column(table: str, column: str) -> bool:
    connection = connections[alias()]
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return False
        return column in {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _api_model(schema: Schema, fields: list[Field]) -> type[models.Model]:
    """The model with the real constraints, to validate and generate values."""
    return build_models([(schema, fields)])[schema.pk]


def _convert(model_field: models.Field, values: dict) -> dict:
    converted, seen = {}, set()
    for pk, value in values.items():
        if value is None:
            continue
        try:
            value = model_field.to_python(value)
            model_field.run_validators(value)
            if model_field.choices:
                model_field.validate(value, None)
        except Exception:
            continue
        if model_field.unique:
            if value in seen:
                continue
            seen.add(value)
        converted[pk] = value
    return converted


def _write_back(model, name: str, values: dict) -> None:
    attname = model._meta.get_field(name).attname
    rows = [model(pk=pk, **{attname: value}) for pk, value in values.items()]
    for start in range(0, len(rows), BATCH_SIZE):
        model.objects.using(alias()).bulk_update(rows[start : start + BATCH_SIZE], [name])


@contextmanager
def _editor():
    """A schema editor on the fixtures database that reports failures plainly."""
    try:
        with connections[alias()].schema_editor(atomic=False) as editor:
            yield editor
    except DatabaseError as error:
        raise SchemaChangeError(f"The fixtures table could not be changed: {error}") from error
