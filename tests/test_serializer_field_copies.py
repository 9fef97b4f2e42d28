"""
A serializer's fields are copied from its prototypes per use, as ``copy.copy`` would copy them.

``ResourceSerializer.get_fields`` copies each prototype with
``_shallow_copy`` rather than ``copy.copy``; for every field type fauxsite
builds, the copy must be the one ``copy.copy`` makes, and binding it must
leave the prototype as it was.
"""

from __future__ import annotations

import copy

import pytest

from schemas.serializers import _shallow_copy
from tests.conftest import ALL_DATABASES
from tests.library import make_every_type

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def serializer_class():
    return make_every_type(rows=2, seed=7).serializer_class


def test_it_copies_every_field_type_as_copy_copies_it(serializer_class):
    prototypes = serializer_class()._field_prototypes()
    assert len(prototypes) > 10

    for name, prototype in prototypes.items():
        copied, expected = _shallow_copy(prototype), copy.copy(prototype)

        assert type(copied) is type(expected), name
        assert copied is not prototype
        assert copied.__dict__ == expected.__dict__, name


def test_binding_the_copies_leaves_the_prototypes_as_they_were(serializer_class):
    prototypes = serializer_class()._field_prototypes()
    before = {name: dict(prototype.__dict__) for name, prototype in prototypes.items()}

    first, second = serializer_class(), serializer_class()
    for serializer in (first, second):
        assert list(serializer.fields) == list(prototypes)
        for name, field in serializer.fields.items():
            assert field.parent is serializer and field.field_name == name
            assert field is not prototypes[name]
    assert {name: prototype.__dict__ for name, prototype in prototypes.items()} == before
