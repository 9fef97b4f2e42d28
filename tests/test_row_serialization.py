"""Rows are served by precompiled readers exactly as DRF's own field walk serves them."""

import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from django.db.models import F
from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.renderers import JSONRenderer

from schemas import values
from schemas.row_readers import _decimal_representation
from schemas.rows import Row, as_rows, column_positions
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
    assert serializer._row_function is not None

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


# Hostile values, of each column's own type and of others -------------------------------------

TEXT = st.text(st.characters(exclude_categories=())) | st.sampled_from(
    ["", "É", "😀", "\u2028\u2029", "\x00\x1f\x7f", "\ud800", "a\udfffb", "ǅ", "ß"]
)
INTEGERS = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from(
    [0, -1, 2**63 - 1, -(2**63), 2**63, 2**64, -(2**64)]
)
FLOATS = st.floats() | st.sampled_from([0.0, -0.0, 5e-324, 1e16, 1e-5, 1.7976931348623157e308])
NOT_A_TYPE = st.one_of(st.none(), st.booleans(), INTEGERS, FLOATS, TEXT, st.builds(SafeString, TEXT))
JSON = st.recursive(
    st.none() | st.booleans() | INTEGERS | FLOATS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)
ZONES = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=23, minutes=59))]
)
VALUES_BY_TYPE = {
    "string": TEXT | st.builds(SafeString, TEXT),
    "text": TEXT,
    "email": TEXT,
    "url": TEXT,
    "enum": st.sampled_from(["a", "bb", "A", "b"]) | TEXT,
    "integer": INTEGERS,
    "reference": INTEGERS,
    "float": FLOATS,
    "boolean": st.booleans() | st.sampled_from([0, 1, 2, "true", "False", "yes", "null", ""]),
    "decimal": st.decimals(places=None) | st.decimals(max_value=10**6, min_value=-(10**6), places=3),
    "date": st.dates() | st.datetimes(),
    "datetime": st.datetimes(timezones=ZONES),
    "time": st.times(timezones=ZONES),
    "uuid": st.uuids() | st.uuids().map(str),
    "json": JSON,
}


def outcome(represent, *arguments) -> tuple:
    """A representation with its type, or the type of error it raised."""
    try:
        value = represent(*arguments)
    except Exception as error:  # the same failure is the same answer
        return ("error", type(error))
    return ("served", type(value), repr(value))


def typed(data: dict) -> list[tuple]:
    """``data`` with each value's type: 1, 1.0 and True are different answers."""
    return [(name, type(value), repr(value)) for name, value in data.items()]


def drf_field(field, instance):
    """What DRF's ``Serializer.to_representation`` serves for one field of ``instance``."""
    attribute = field.get_attribute(instance)
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check_for_none is None else field.to_representation(attribute)


@pytest.fixture
def every_type_columns():
    resource = make_every_type(rows=0, seed=1)
    return resource, {field.name: field.field_type.name for field in resource.fields}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_values_read_as_drf_reads_them(every_type_columns, data):
    resource, types = every_type_columns
    model, serializer = resource.model, resource.serializer_class()
    by_name = {name: data.draw(VALUES_BY_TYPE[kind] | NOT_A_TYPE, label=name) for name, kind in types.items()}
    by_name["id"] = data.draw(INTEGERS | NOT_A_TYPE, label="id")
    by_attname = {model._meta.get_field(name).attname: value for name, value in by_name.items()}
    row, instance = Row(by_attname[attname] for attname in column_positions(model)), model(**by_attname)
    readers = dict(serializer.readers_for(None, rows=True))

    for name, field in serializer.fields.items():
        assert outcome(readers[name], row) == outcome(drf_field, field, instance), name


def test_stored_hostile_values_read_as_drf_reads_them(every_type_columns):
    resource, _types = every_type_columns
    model, serializer = resource.model, resource.serializer_class()
    for stored in HOSTILE_ROWS:
        model.objects.create(**stored)
    model.objects.create()
    tuples = list(as_rows(model.objects.order_by("pk")))
    instances = list(model.objects.order_by("pk"))

    fast = [serializer.to_representation(row) for row in tuples]
    walked = [drf_walk(serializer, row) for row in instances]

    assert JSONRenderer().render(fast) == JSONRenderer().render(walked)
    assert [typed(row) for row in fast] == [typed(row) for row in walked]


HOSTILE_ROWS = [
    {"f_string": "Ünïcode 😀 \u2028\u2029 \x1f \"quoted\" \\", "f_text": "ǅ ß İ " * 50,
     "f_email": "é@example.com", "f_url": "https://example.com/😀?q=\u2028", "f_enum": "bb",
     "f_integer": 2**63 - 1, "f_float": 5e-324,
     "f_decimal": Decimal("-0.01"), "f_boolean": False, "f_date": date(1, 1, 1),
     "f_datetime": datetime(1, 1, 1, tzinfo=UTC), "f_time": time(0, 0), "f_uuid": UUID(int=0),
     "f_json": {"b": [1, -0.5, "😀"], "a": {"\u2028": None}}},
    {"f_string": "", "f_text": "", "f_email": "", "f_url": "", "f_enum": "a", "f_integer": -(2**63),
     "f_float": -1.7976931348623157e308, "f_decimal": Decimal("0"), "f_boolean": True,
     "f_date": date(9999, 12, 31), "f_datetime": datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
     "f_time": time(23, 59, 59, 999999), "f_uuid": UUID(int=2**128 - 1),
     "f_json": [1e16, 1e-05, 0.0, 2**53 - 1]},
    {"f_float": 1e16, "f_json": "\x01\x1f text"},
    {"f_float": -0.0, "f_json": -(2**53) + 1},
]


@settings(max_examples=500, deadline=None)
@given(
    places=st.integers(min_value=0, max_value=10),
    extra_digits=st.none() | st.integers(min_value=0, max_value=25),
    value=st.decimals() | st.decimals(places=8) | st.integers(min_value=-(10**30), max_value=10**30) | FLOATS,
)
def test_decimals_are_written_as_drf_writes_them(places, extra_digits, value):
    max_digits = None if extra_digits is None else max(1, places + extra_digits)
    field = values.StrictDecimalField(max_digits=max_digits, decimal_places=places)

    assert outcome(_decimal_representation(field), value) == outcome(field.to_representation, value)
