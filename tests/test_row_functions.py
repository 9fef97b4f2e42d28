"""A row served by its selection's one function is served byte for byte as DRF's field walk serves it."""

import json
import keyword

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from schemas.row_readers import reader_of, rows_function, value_read
from schemas.rows import Row, as_rows, column_positions
from tests.conftest import ALL_DATABASES
from tests.library import make_every_type
from tests.test_row_serialization import INTEGERS, NOT_A_TYPE, VALUES_BY_TYPE, outcome, typed

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

# Names no schema allows, each of which would break or change generated source if it were written into it.
HOSTILE_NAMES = st.sampled_from(
    [*keyword.kwlist, "", " ", "a b", "名前", "naïve", "😀", "İ", "ǅ", "\u2028", "\x00", "'", '"', "\\",
     "}", "{", "):", "#", "\n", "row", "type", "v0", "name0", "kind1", "serve_row", "make", "__builtins__",
     "__class__", "id", "pk", "1", "-1"]
) | st.text(st.characters(exclude_categories=()), max_size=8)


@pytest.fixture
def every_type_columns():
    resource = make_every_type(rows=0, seed=1)
    return resource, {field.name: field.field_type.name for field in resource.fields}


def drf_walk(serializer, row) -> dict:
    return serializers.ModelSerializer.to_representation(serializer, row)


def hostile_row(data, resource, types) -> tuple[Row, object]:
    """The same hostile values as a ``Row`` and as a model instance."""
    model = resource.model
    by_name = {name: data.draw(VALUES_BY_TYPE[kind] | NOT_A_TYPE, label=name) for name, kind in types.items()}
    by_name["id"] = data.draw(INTEGERS | NOT_A_TYPE, label="id")
    by_attname = {model._meta.get_field(name).attname: value for name, value in by_name.items()}
    return Row(by_attname[attname] for attname in column_positions(model)), model(**by_attname)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_selection_of_hostile_values_is_served_as_drf_serves_it(every_type_columns, data):
    resource, types = every_type_columns
    names = ["id", *types]
    selectable = st.sampled_from([*names, "unknown", "ID", "名前"])
    only = data.draw(st.none() | st.frozensets(selectable), label="only")
    row, instance = hostile_row(data, resource, types)
    serializer = resource.serializer_class(only=only)
    walked = outcome(lambda: typed(drf_walk(serializer, instance)))

    # From a Row and from a model instance, by the serializer and by its page's list serializer.
    assert outcome(lambda: typed(serializer.to_representation(row))) == walked
    assert outcome(lambda: typed(serializer.to_representation(instance))) == walked
    listed = resource.serializer_class([row, instance, row], many=True, only=only)
    assert outcome(lambda: [typed(served) for served in listed.data]) == outcome(
        lambda: [typed(drf_walk(serializer, instance)) for _ in range(3)]
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_field_names_are_data_never_source(every_type_columns, data):
    resource, types = every_type_columns
    model, serializer = resource.model, resource.serializer_class()
    positions = column_positions(model)
    fields = list(serializer.fields.values())
    names = data.draw(st.lists(HOSTILE_NAMES, min_size=len(fields), max_size=len(fields), unique=True))
    rows, instance = hostile_row(data, resource, types)
    serve_row = rows_function(names, [value_read(field, model, positions) for field in fields])
    serve_instance = rows_function(names, [value_read(field, model) for field in fields])

    walked = outcome(lambda: typed(dict(zip(names, drf_walk(serializer, instance).values(), strict=True))))
    assert outcome(lambda: typed(serve_row(rows))) == walked
    assert outcome(lambda: typed(serve_instance(instance))) == walked
    # As the readers one by one serve it.
    reads = [reader_of(value_read(field, model, positions)) for field in fields]
    one_by_one = zip(names, reads, strict=True)
    assert outcome(lambda: typed({name: read(rows) for name, read in one_by_one})) == walked


def test_no_field_and_a_repeated_name_are_served_as_a_dict_would_hold_them():
    assert rows_function([], [])(Row((1,))) == {}
    served = rows_function(["a", "a"], [value_read_of(0), value_read_of(1)])(Row(("first", "second")))
    assert served == {name: value for name, value in [("a", "first"), ("a", "second")]}


def value_read_of(position: int):
    field = serializers.CharField()
    field.bind("x", serializers.Serializer())
    return value_read(field, None, {"x": position})


def test_stored_pages_render_byte_identical_to_drf_on_each_database(api, every_type_columns):
    resource, _types = every_type_columns
    model = resource.model
    make = model.objects.create
    make(f_string="Ünïcode 😀 \u2028", f_integer=2**63 - 1, f_float=-0.0, f_enum="bb", f_boolean=False)
    make(f_string="", f_integer=-(2**63), f_float=5e-324, f_text="ß" * 300, f_json={"😀": [1e16, None]})
    make()
    instances = list(model.objects.order_by("pk"))
    for only in (None, frozenset({"id"}), frozenset({"f_float", "f_json", "f_reference"}), frozenset()):
        serializer = resource.serializer_class(only=only)
        walked = JSONRenderer().render([drf_walk(serializer, row) for row in instances])
        page = resource.serializer_class(list(as_rows(model.objects.order_by("pk"))), many=True, only=only)
        assert JSONRenderer().render(page.data) == walked

    listed = api.get("/api/v1/every/?fields=f_float,id,f_string,f_json&page_size=10")
    assert listed.json()["results"] == json.loads(JSONRenderer().render([
        drf_walk(resource.serializer_class(only=frozenset({"id", "f_float", "f_string", "f_json"})), row)
        for row in instances
    ]))


def test_an_expanded_page_keeps_the_field_walk(every_type_columns):
    resource, _types = every_type_columns
    model = resource.model
    first = model.objects.create(f_string="É")
    model.objects.create(f_string="😀", f_reference=first)
    model.objects.create()
    instances = list(model.objects.select_related("f_reference").order_by("pk"))
    nested = resource.serializer_class()

    page = resource.serializer_class(instances, many=True, expand=["f_reference"])

    expected = []
    for row in instances:
        walked = drf_walk(nested, row)
        walked["f_reference"] = None if row.f_reference is None else drf_walk(nested, row.f_reference)
        expected.append(walked)
    assert JSONRenderer().render(page.data) == JSONRenderer().render(expected)
    assert [served["f_reference"]["f_string"] for served in page.data if served["f_reference"]] == ["É"]
