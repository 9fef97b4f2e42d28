"""
Factories for mock rows: one factory-boy factory per schema, built at runtime.

Each field is declared as a ``LazyFunction`` over its one-value-per-call
source (``schemas.mock_values.value_source``), so factory-boy builds rows
whose values satisfy every constraint of the schema, one model instance at a
time: for code and tests that want a few rows as objects. Bulk seeding
(``schemas.seeding``) does not go through factory-boy: building an instance
per row cost more than making its values, so it draws whole columns per
batch from the same value classes instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import factory
from django.db import DEFAULT_DB_ALIAS, models, router
from faker import Faker

from schemas.mock_values import (
    GenerationContext,
    ReferenceSource,
    reference_source,
    value_source,
)

if TYPE_CHECKING:
    from schemas.models import Field, Schema


class Table(Protocol):
    """What seeding needs of a schema: a catalog ``Resource`` has all of it."""

    schema: Schema
    fields: list[Field]
    model: type[models.Model]


# The factory --------------------------------------------------------------------


def build_factory(resource: Table, *, context: GenerationContext | None = None,
                  references: dict[str, ReferenceSource] | None = None,
                  ) -> type[factory.django.DjangoModelFactory]:
    """A factory-boy factory building rows of ``resource``'s model.

    Without ``context`` values come from an unseeded Faker in the schema's
    locale, which ``factory.random.reseed_random`` makes repeatable, as for
    any factory. ``references`` gives the id pools of reference fields;
    missing ones are loaded from the referenced tables.
    """
    model = resource.model
    if context is None:
        context = GenerationContext(Faker(resource.schema.locale), resource.schema.slug)
    references = references or {}
    attributes: dict[str, Any] = {}
    rename: dict[str, str] = {}
    for field in resource.fields:
        model_field = model._meta.get_field(field.name)
        if field.field_type.is_relation:
            source = references.get(field.name) or reference_source(field, model_field, context)
        else:
            source = value_source(field, model_field, context)
        declared = _declared_name(model_field.attname)
        if declared != model_field.attname:
            rename[declared] = model_field.attname
        attributes[declared] = factory.LazyFunction(source)
    attributes["Meta"] = type(
        "Meta",
        (),
        {"model": model, "database": router.db_for_write(model) or DEFAULT_DB_ALIAS, "rename": rename},
    )
    return type(f"{model.__name__}Factory", (factory.django.DjangoModelFactory,), attributes)


def _declared_name(attname: str) -> str:
    # A field named like a factory method ("build", "create") would replace
    # it; such fields are declared under another name and renamed back.
    if hasattr(factory.django.DjangoModelFactory, attname):
        return f"fx_{attname}"
    return attname
