"""
Keeps each schema's table in the fixtures database in step with its fields.

fauxsite owns the fixtures database, so it creates and alters tables there
itself. Columns are named by field id (``f<id>``), so renames cost nothing.
Columns are NULL-able in the database: the API enforces ``required`` and
``nullable``, and a new or changed column can be added to a table that
already has rows. Values that a change makes invalid (a new type, a tighter
limit, a dropped enum choice) are converted where possible and otherwise
replaced by fresh mock values, so every row keeps satisfying the contract.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections, models, transaction

from schemas.builder import build_models
from schemas.models import Field, Schema

# A change to any of these can make stored values invalid or needs new DDL.
DATA_OPTIONS = (
    "type", "max_length", "min_length", "min_value", "max_value", "max_digits",
    "decimal_places", "pattern", "choices", "unique", "to_id", "nullable",
)
BATCH_SIZE = 1000


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


def fixture_model(schema: Schema, fields: list[Field] | None = None) -> type[models.Model]:
    if fields is None:
        fields = snapshot(schema)
    storage_fields = [_storage_copy(field) for field in fields]
    return build_models([(schema, storage_fields)])[schema.pk]


def _storage_copy(field: Field) -> Field:
    copy = Field(**{f.attname: getattr(field, f.attname) for f in Field._meta.concrete_fields})
    copy.nullable = True
    copy.default = None
    return copy


def table_exists(schema: Schema) -> bool:
    connection = connections[alias()]
    with connection.cursor() as cursor:
        return fixture_model(schema, [])._meta.db_table in connection.introspection.table_names(cursor)


def create_table(schema: Schema) -> None:
    if table_exists(schema):
        return
    with _editor() as editor:
        editor.create_model(fixture_model(schema, snapshot(schema)))


def drop_table(schema: Schema) -> None:
    if table_exists(schema):
        with _editor() as editor:
            editor.delete_model(fixture_model(schema, []))


def migrate(schema: Schema, before: list[Field]) -> None:
    """Apply the difference between ``before`` and the schema's fields now."""
    if not table_exists(schema):
        create_table(schema)
        return
    after = {field.pk: field for field in snapshot(schema)}
    previous = {field.pk: field for field in before}
    state = list(before)
    for field_id, field in previous.items():
        if field_id not in after:
            state = _remove_column(schema, state, field)
    for field_id, field in after.items():
        if field_id not in previous:
            state = _add_column(schema, state, field)
        elif _data_changed(previous[field_id], field):
            state = _rebuild_column(schema, state, previous[field_id], field)


def _data_changed(old: Field, new: Field) -> bool:
    return any(getattr(old, option) != getattr(new, option) for option in DATA_OPTIONS)


def _remove_column(schema, state, field) -> list[Field]:
    model = fixture_model(schema, state)
    with _editor() as editor:
        editor.remove_field(model, model._meta.get_field(field.name))
    return [f for f in state if f.pk != field.pk]


def _add_column(schema, state, field) -> list[Field]:
    from schemas import seeding

    new_state = [*state, field]
    model = fixture_model(schema, new_state)
    with _editor() as editor:
        editor.add_field(model, model._meta.get_field(field.name))
    seeding.fill_column(schema, field, _api_model(schema, new_state))
    return new_state


def _rebuild_column(schema, state, old, new) -> list[Field]:
    """Re-create a changed column, carrying over every value still valid."""
    from schemas import seeding

    old_model = fixture_model(schema, state)
    values = dict(old_model.objects.using(alias()).values_list("pk", old.name))
    state = _remove_column(schema, state, old)
    new_state = [*state, new]
    model = fixture_model(schema, new_state)
    with _editor() as editor:
        editor.add_field(model, model._meta.get_field(new.name))
    api_model = _api_model(schema, new_state)
    converted = _convert(api_model._meta.get_field(new.name), values)
    _write_back(model, new.name, converted)
    lost = [pk for pk, value in values.items() if value is not None and pk not in converted]
    if not new.nullable:
        lost += [pk for pk, value in values.items() if value is None]
    if lost:
        seeding.fill_column(schema, new, api_model, pks=lost)
    return new_state


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
