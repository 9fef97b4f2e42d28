"""Answers are rendered byte for byte as DRF's JSONRenderer renders them, whoever writes them."""

import enum
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from api.renderers import FastJSONRenderer, written_alike
from tests.conftest import ALL_DATABASES
from tests.library import make_every_type


class Colour(enum.Enum):
    RED = 1


class Size(enum.IntEnum):
    LARGE = 2**63


class Flavour(enum.StrEnum):
    SOUR = "sour\u2028"


@dataclass
class Point:
    x: int


class Huge(int):
    pass


TEXT = st.text(st.characters(exclude_categories=())) | st.sampled_from(
    ["", "É", "😀", "\u2028", "\u2029", "a\u2028\u2029b", "\x00\x01\x1f\x7f\x80\x9f", "\ud800", "\udfff",
     "\ud83d\ude00", "\ufffe\uffff", '"\\/\b\f\n\r\t', "</script>"]
)
INTEGERS = st.integers() | st.sampled_from(
    [0, -1, 2**53, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, -(2**64), 10**400]
)
FLOATS = st.floats() | st.sampled_from(
    [0.0, -0.0, 5e-324, -5e-324, 1e-4, 9.999999999999999e-05, 1e-5, 1e-7, 1e15, 1e16, 1e17, -1e16,
     1.7976931348623157e308, 2.2250738585072014e-308, 0.1, 123456789012345678.0, float("nan"), float("inf")]
)
ZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=5, minutes=30))])
PLAIN = st.one_of(st.none(), st.booleans(), INTEGERS, FLOATS, TEXT)
OTHER = st.one_of(
    st.builds(ErrorDetail, TEXT, st.sampled_from(["invalid", "required"])),
    st.builds(SafeString, TEXT),
    st.decimals(),
    st.dates(),
    st.datetimes(timezones=ZONES),
    st.times(timezones=ZONES),
    st.uuids(),
    st.sampled_from([Colour.RED, Size.LARGE, Flavour.SOUR, Point(1), Huge(3), b"bytes", timedelta(days=1)]),
)
KEYS = TEXT | st.sampled_from([1, -2**70, 1.5, True, None])
JSON = st.recursive(
    PLAIN | OTHER,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.lists(inner, max_size=4).map(lambda items: ReturnList(items, serializer=None)),
        st.dictionaries(TEXT, inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=3),
        st.dictionaries(TEXT, inner, max_size=4).map(lambda items: ReturnDict(items, serializer=None)),
    ),
    max_leaves=25,
)
# What a page of rows looks like: flat objects in an envelope.
PAGE = st.builds(
    lambda count, rows: {"count": count, "next": None, "previous": "http://h/?page=1", "results": rows},
    INTEGERS,
    st.lists(st.dictionaries(TEXT, PLAIN, max_size=6), max_size=20).map(
        lambda rows: ReturnList(rows, serializer=None)
    ),
)


def rendered(renderer, data, media_type="application/json", context=None) -> tuple:
    """The bytes a renderer writes, or the type of error it raises."""
    try:
        return ("rendered", renderer.render(data, media_type, context))
    except Exception as error:  # the same failure is the same answer
        return ("error", type(error))


def assert_rendered_alike(data, media_type="application/json", context=None):
    expected = rendered(JSONRenderer(), data, media_type, context)
    assert rendered(FastJSONRenderer(), data, media_type, context) == expected


@settings(max_examples=1500, deadline=None)
@given(JSON)
def test_any_document_renders_as_drf_renders_it(data):
    assert_rendered_alike(data)


@settings(max_examples=300, deadline=None)
@given(PAGE)
def test_pages_of_plain_rows_render_as_drf_renders_them(page):
    assert_rendered_alike(page)


@pytest.mark.parametrize("value", [
    0.0, -0.0, 5e-324, 1e-4, 1e-5, 9.999999999999999e-05, 1e16, 1e22, -1e300, 1.7976931348623157e308,
    float("nan"), float("inf"), float("-inf"), 2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1,
    "\u2028\u2029", "\ud800", "\x00\x1f\x7f", "😀",
])
def test_edge_values_render_as_drf_renders_them(value):
    for data in (value, [value], {"value": value}, {"results": [{"id": 1, "value": value}]}):
        assert_rendered_alike(data)


def test_line_and_paragraph_separators_are_escaped_as_drf_escapes_them():
    data = {"results": [{"title": "one\u2028two\u2029three"}]}

    assert FastJSONRenderer().render(data, "application/json") == (
        b'{"results":[{"title":"one\\u2028two\\u2029three"}]}'
    )
    assert written_alike(data)


def test_deep_and_circular_documents_fail_or_render_as_drf_does():
    for depth in (31, 253, 254, 255, 400, 3000):
        nested = []
        for _ in range(depth):
            nested = [nested]
        assert_rendered_alike({"json": nested})
    circular = []
    circular.append(circular)

    assert rendered(FastJSONRenderer(), circular) == ("error", ValueError)


def test_floats_orjson_writes_otherwise_are_left_to_drf():
    assert written_alike([0.0, -0.0, 1e-4, 1e16, -1.7976931348623157e308])
    for value in (1e-5, -5e-324, float("nan"), float("inf")):
        assert not written_alike([{"value": value}])


def test_indented_and_empty_answers_render_as_drf_renders_them():
    data = {"results": [{"id": 1, "title": "É\u2028"}]}
    for media_type in ("application/json; indent=2", "application/json; indent=0",
                       "application/json; indent=99", "application/json; charset=utf-8"):
        assert_rendered_alike(data, media_type)
    assert_rendered_alike(data, "application/json", {"indent": 4})
    assert_rendered_alike(data, "application/json", {"indent": 0})
    assert_rendered_alike(None)
    assert_rendered_alike(data, None)


@pytest.mark.django_db(databases=ALL_DATABASES)
class TestResourceAnswers:
    @pytest.fixture
    def every_type(self):
        resource = make_every_type(rows=40, seed=5)
        model = resource.model
        model.objects.create(f_string="😀 \u2028 \x1f \"", f_text="ǅ" * 300, f_integer=2**63 - 1,
                             f_float=1e16,
                             f_json={"b": [1e-05, -0.0, "\u2029"], "a": None}, f_date=date(1, 1, 1),
                             f_time=time(23, 59, 59, 999999), f_uuid=UUID(int=0),
                             f_datetime=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                             f_decimal=Decimal("0"))
        model.objects.create(f_integer=-(2**63), f_float=5e-324, f_string="")
        return resource

    def test_every_type_renders_as_drf_renders_it(self, api, every_type):
        for path in ("/api/v1/every/?page_size=100", "/api/v1/every/?page_size=100&fields=id,f_string,f_date",
                     "/api/v1/every/?page_size=100&fields=id,f_float", "/api/v1/every/1/",
                     "/api/v1/every/?page_size=100&expand=f_reference"):
            response = api.get(path)

            assert response.status_code == 200, response.content
            assert response.content == JSONRenderer().render(response.data, "application/json"), path

    def test_a_page_without_floats_is_written_by_orjson(self, api, every_type):
        response = api.get("/api/v1/every/?page_size=100&fields=id,f_string,f_text,f_date,f_uuid,f_reference")

        assert written_alike(response.data)
        assert b"\\u2028" in response.content
        assert json.loads(response.content)["results"][-2]["f_string"] == "😀 \u2028 \x1f \""

    def test_negotiation_still_answers_as_drf_does(self, api, every_type):
        indented = api.get("/api/v1/every/?page_size=2", HTTP_ACCEPT="application/json; indent=2")
        chosen = api.get("/api/v1/every/?page_size=2&format=json")

        assert indented.content == JSONRenderer().render(indented.data, "application/json; indent=2")
        assert indented.content.startswith(b'{\n  "count"')
        assert chosen.content == JSONRenderer().render(chosen.data, "application/json")
        assert api.get("/api/v1/every/", HTTP_ACCEPT="text/html").status_code == 406
        assert api.get("/api/v1/every/?format=api").status_code == 404

    def test_errors_keep_their_problem_bodies(self, api, every_type):
        response = api.get("/api/v1/every/?f_integer=😀\u2028")

        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert json.loads(response.content)["errors"]

    def test_the_documentation_pages_still_render(self, api, every_type):
        assert api.get("/api/schema/").status_code == 200
        assert api.get("/api/schema/?format=json").json()["openapi"].startswith("3.")
        assert api.get("/api/docs/").status_code == 200
