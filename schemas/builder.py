"""
Runtime model builder: turns schemas into Django model classes.

Models are built with ``type()`` in a private ``Apps`` registry, so Django's
global registry, migrations, content types and the admin never see them, and
rebuilding a schema never warns about a model registered twice. References
between schemas are lazy string references resolved inside that registry,
which also covers cycles and self-references.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps.registry import Apps
from django.conf import settings
from django.db import models
from django.db.migrations.state import AppConfigStub

from schemas.models import Field, Schema

DYNAMIC_APP_LABEL = "fauxsite_dynamic"

ColumnNamer = Callable[[Field], str]


def model_name(schema_id: int) -> str:
    return f"Resource{schema_id}"


def fixture_table_name(schema_id: int) -> str:
    return f"fx_{schema_id}"


def fixture_column(field: Field) -> str:
    # Columns are named by field id, not name: renaming a field in the admin
    # then never touches the table, and the values stay where they are.
    return f"f{field.pk}"


def live_column(field: Field) -> str:
    return field.db_column or field.name


@dataclass(frozen=True)
class Storage:
    """Where one schema's rows live: database alias, table, key and column names."""

    alias: str
    table: str
    pk_column: str = "id"
    column: ColumnNamer = fixture_column


def fixture_storage(schema: Schema) -> Storage:
    return Storage(settings.FIXTURES_ALIAS, fixture_table_name(schema.pk))


def live_storage(schema: Schema, alias: str) -> Storage:
    table = schema.table_name or schema.slug.replace("-", "_")
    # Django quotes db_table as one identifier; this form yields "schema"."table".
    qualified = f'{schema.table_schema or "public"}"."{table}'
    return Storage(alias, qualified, schema.pk_column or "id", live_column)


def build_models(
    schemas: Iterable[tuple[Schema, list[Field]]],
    *,
    storage: Callable[[Schema], Storage] = fixture_storage,
) -> dict[int, type[models.Model]]:
    """Build one model per (schema, fields) pair in a fresh private registry.

    A reference to a schema outside ``schemas`` gets a stub model holding just
    the primary key, which is all a foreign-key column needs.
    """
    schemas = list(schemas)
    # The app config stub (as in Django's migration state) lets the registry
    # list its models, which reverse relations and delete protection need.
    registry = Apps(installed_apps=[AppConfigStub(DYNAMIC_APP_LABEL)])
    built = {
        schema.pk: _build_model(schema, fields, registry, storage(schema))
        for schema, fields in schemas
    }
    for target_id in _missing_targets(schemas, built):
        _build_stub(target_id, registry, settings.FIXTURES_ALIAS)
    return built


def _missing_targets(schemas, built) -> set[int]:
    return {
        field.to_id
        for _schema, fields in schemas
        for field in fields
        if field.field_type.is_relation and field.to_id not in built
    }


def _build_model(schema, fields, registry, storage: Storage) -> type[models.Model]:
    attributes = {
        "__module__": "schemas.dynamic",
        "Meta": _meta(registry, storage.table, f"{schema.slug} resource"),
        "id": models.BigAutoField(primary_key=True, db_column=storage.pk_column),
        "_fauxsite_schema_id": schema.pk,
        "_fauxsite_alias": storage.alias,
        "__str__": lambda self: f"{schema.slug} {self.pk}",
    }
    for field in fields:
        attributes[field.name] = _model_field(field, storage.column(field))
    return type(model_name(schema.pk), (models.Model,), attributes)


def _model_field(field: Field, column: str) -> models.Field:
    field_type = field.field_type
    target = f"{DYNAMIC_APP_LABEL}.{model_name(field.to_id)}" if field_type.is_relation else None
    return field_type.model_field(field, column=column, target=target)


def _build_stub(schema_id, registry, alias) -> type[models.Model]:
    return type(
        model_name(schema_id),
        (models.Model,),
        {
            "__module__": "schemas.dynamic",
            "Meta": _meta(registry, fixture_table_name(schema_id), "referenced resource"),
            "id": models.BigAutoField(primary_key=True),
            "_fauxsite_alias": alias,
        },
    )


def _meta(registry: Apps, db_table: str, verbose_name: str) -> type:
    return type(
        "Meta",
        (),
        {
            "apps": registry,
            "app_label": DYNAMIC_APP_LABEL,
            "db_table": db_table,
            "managed": False,
            "verbose_name": verbose_name,
            "ordering": ["id"],
        },
    )
