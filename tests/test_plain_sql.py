"""Statements written once read and write what the ORM reads and writes, on every engine."""

import pytest
from django.db import connections

from datasources.plain_sql import lookup_by_key
from tests.conftest import ALL_DATABASES
from tests.library import make_every_type

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def every_type():
    return make_every_type(rows=20, seed=5).model


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
