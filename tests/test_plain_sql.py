"""Statements written once read and write what the ORM reads and writes, on every engine."""

import pytest
from django.db import connections

from datasources.plain_sql import lookup_by_key
from schemas import field_types, seeding
from schemas.catalog import current_catalog
from schemas.changes import add_field, create_schema
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def every_type():
    schema = create_schema(slug="every", name="Every")
    for position, name in enumerate(field_types.REGISTRY, start=1):
        options = {"choices": ["a", "bb"]} if name == "enum" else {}
        if name == "reference":
            options = {"to": schema}
        add_field(schema=schema, position=position, name=f"f_{name}", type=name, required=False, **options)
    seeding.seed("every", 20, seed=5)
    model = current_catalog().get("every").model
    model.objects.create()  # nulls in every nullable column
    return model


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_it_reads_a_row_of_every_type_as_the_orm_does(every_type, django_assert_num_queries):
    lookup, alias = lookup_by_key(every_type), every_type.objects.db
    for expected in every_type.objects.order_by("pk"):
        with django_assert_num_queries(1, connection=connections[alias]):
            row = lookup.get(expected.pk, using=alias)

        assert type(row) is every_type and row._state.db == expected._state.db
        assert _values(row) == _values(expected)


def test_it_finds_nothing_for_a_missing_key(every_type):
    assert lookup_by_key(every_type).get(2**62) is None


def test_it_writes_the_lookup_once_per_model(every_type):
    assert lookup_by_key(every_type) is lookup_by_key(every_type)
