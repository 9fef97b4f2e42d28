"""Rows are served by precompiled readers exactly as DRF's own field walk serves them."""

import json

import pytest
from django.db.models import F
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from schemas.rows import as_rows, column_positions
from tests.conftest import ALL_DATABASES
from tests.library import make_every_type

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def every_type():
    # Its row of nulls is answered by the readers without to_representation.
    return make_every_type(rows=60, seed=11)


def drf_walk(serializer, row) -> dict:
    return serializers.ModelSerializer.to_representation(serializer, row)


def test_every_type_reads_byte_identical_to_drf(every_type):
    serializer = every_type.serializer_class()
    rows = list(every_type.model.objects.order_by("pk"))
    assert serializer._row_readers is not None

    fast = [serializer.to_representation(row) for row in rows]
    walked = [drf_walk(serializer, row) for row in rows]

    assert JSONRenderer().render(fast) == JSONRenderer().render(walked)
    assert any(value is None for value in fast[-1].values())


def test_selected_fields_and_expansion_read_as_drf(every_type):
    rows = list(every_type.model.objects.select_related("f_reference").order_by("pk"))
    serializer = every_type.serializer_class(only=frozenset({"id", "f_reference"}), expand=["f_reference"])
    nested = every_type.serializer_class()

    for row in rows:
        expected = drf_walk(serializer, row)
        related = row.f_reference
        expected["f_reference"] = None if related is None else drf_walk(nested, related)
        assert serializer.to_representation(row) == expected


def test_every_type_reads_from_row_tuples_byte_identical_to_drf(every_type):
    serializer = every_type.serializer_class()
    tuples = list(as_rows(every_type.model.objects.order_by("pk")))
    instances = list(every_type.model.objects.order_by("pk"))
    assert serializer.readers_for(None, rows=True) is not None

    fast = [serializer.to_representation(row) for row in tuples]
    walked = [drf_walk(serializer, row) for row in instances]

    assert [row.pk for row in tuples] == [row.pk for row in instances]
    assert JSONRenderer().render(fast) == JSONRenderer().render(walked)


def test_lists_and_retrieves_serve_what_drf_serves(api, every_type):
    instances = list(every_type.model.objects.order_by("pk"))
    serializer = every_type.serializer_class()
    walked = json.loads(JSONRenderer().render([drf_walk(serializer, row) for row in instances]))

    listed = api.get("/api/v1/every/?page_size=100")
    retrieved = api.get(f"/api/v1/every/{instances[-1].pk}/")
    selected = api.get("/api/v1/every/?page_size=100&fields=id,f_decimal,f_reference")

    assert listed.json()["results"] == walked
    assert retrieved.json() == walked[-1]
    assert selected.json()["results"] == [
        {name: row[name] for name in ("id", "f_decimal", "f_reference")} for row in walked
    ]


def test_a_row_of_annotated_or_extra_columns_keeps_the_model_columns(every_type):
    queryset = every_type.model.objects.order_by("pk")
    annotated = queryset.annotate(twice=F("pk") * 2).extra(select={"one": "1"})

    assert list(as_rows(annotated)) == list(as_rows(queryset))
    assert as_rows(queryset)[0] == queryset.values_list(*column_positions(every_type.model))[0]


def test_a_retrieve_by_key_answers_as_the_orm_does(api, every_type):
    last = every_type.model.objects.order_by("pk").last()

    assert api.get(f"/api/v1/every/{last.pk}/").json()["id"] == last.pk
    assert api.get(f"/api/v1/every/{last.pk + 1}/").status_code == 404
    assert api.get(f"/api/v1/every/{2**63}/").status_code == 404
    assert api.get(f"/api/v1/every/{2**63 - 1}/").status_code == 404
    # A filter still applies to a retrieve, and an unknown order is still refused.
    assert api.get(f"/api/v1/every/{last.pk}/?id={last.pk + 1}").status_code == 404
    assert api.get(f"/api/v1/every/{last.pk}/?ordering=nothing").status_code == 400
