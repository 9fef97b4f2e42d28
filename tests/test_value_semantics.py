"""
Values and operators mean what docs/semantics.md says, on the engine under test.

``make test`` runs this module on SQLite and again on PostgreSQL fixtures; the
hostile parity suite compares both with live PostgreSQL. Each test here names
one class of difference or failure the engines used to show on their own.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError

from fauxsite.errors import translate_exception
from schemas.changes import add_field, create_schema
from schemas.errors import RefusedValue
from schemas.models import Field
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

PLACES = ["Große Halle", "Übersee-Museum", "hallenbad", "ΣΟΦΊΑ", "Zoo 🦓", "apple", "Apple", "éclair"]


@pytest.fixture
def places(api):
    schema = create_schema(slug="places", name="Places")
    fields = [
        dict(name="name", type="string", max_length=40),
        dict(name="price", type="decimal", max_digits=6, decimal_places=2, required=False),
        dict(name="ratio", type="float", required=False),
        dict(name="count", type="integer", required=False),
        dict(name="opens", type="time", required=False),
        dict(name="seen", type="datetime", required=False),
        dict(name="day", type="date", required=False),
        dict(name="token", type="uuid", required=False),
        dict(name="open", type="boolean", required=False),
        dict(name="extra", type="json", required=False),
        dict(name="code", type="string", unique=True, required=False),
    ]
    for position, options in enumerate(fields):
        add_field(schema=schema, position=position, **options)
    for name in PLACES:
        assert api.post("/api/v1/places/", {"name": name}, format="json").status_code == 201
    return schema


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def count_rows(api) -> int:
    return api.get("/api/v1/places/").json()["count"]


# Text operators -------------------------------------------------------------------


def test_it_matches_contains_with_case(api, places):
    assert names(api.get("/api/v1/places/", {"name__contains": "halle"})) == ["hallenbad"]
    assert names(api.get("/api/v1/places/", {"name__contains": "Halle"})) == ["Große Halle"]


def test_it_matches_startswith_with_case(api, places):
    assert names(api.get("/api/v1/places/", {"name__startswith": "apple"})) == ["apple"]
    assert names(api.get("/api/v1/places/", {"name__startswith": "A"})) == ["Apple"]


def test_it_folds_unicode_case_in_icontains_and_search(api, places):
    assert names(api.get("/api/v1/places/", {"name__icontains": "HALLE"})) == ["Große Halle", "hallenbad"]
    assert names(api.get("/api/v1/places/", {"search": "übersee"})) == ["Übersee-Museum"]
    assert names(api.get("/api/v1/places/", {"search": "σοφία"})) == ["ΣΟΦΊΑ"]


def test_it_does_not_fold_accents(api, places):
    assert names(api.get("/api/v1/places/", {"search": "ubersee"})) == []
    assert names(api.get("/api/v1/places/", {"name__icontains": "eclair"})) == []


def test_it_treats_like_wildcards_as_text(api, places):
    api.post("/api/v1/places/", {"name": "100% sure_thing"}, format="json")

    assert names(api.get("/api/v1/places/", {"name__contains": "0%"})) == ["100% sure_thing"]
    assert names(api.get("/api/v1/places/", {"name__icontains": "E_T"})) == ["100% sure_thing"]
    assert names(api.get("/api/v1/places/", {"name__contains": "_"})) == ["100% sure_thing"]


def test_it_orders_text_by_code_point(api, places):
    ordered = names(api.get("/api/v1/places/", {"ordering": "name"}))

    assert ordered == sorted(PLACES)
    assert names(api.get("/api/v1/places/", {"ordering": "-name"})) == sorted(PLACES, reverse=True)


def test_it_keeps_text_as_sent(api, places):
    body = {"name": "  e\u0301 spaced  "}
    created = api.post("/api/v1/places/", body, format="json").json()

    assert api.get(f"/api/v1/places/{created['id']}/").json()["name"] == "  e\u0301 spaced  "


@pytest.mark.parametrize("value", ["nul\x00here", 5, True])
def test_it_refuses_text_it_cannot_store_faithfully(api, places, value):
    assert "name" in problem(api.post("/api/v1/places/", {"name": value}, format="json"), 400)["errors"]
    assert count_rows(api) == len(PLACES)


def test_it_refuses_a_nul_in_search(api, places):
    assert "search" in problem(api.get("/api/v1/places/", {"search": "a\x00"}), 400)["errors"]


# Numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"id__in": "99999999999999999999"},
        {"id": "-9223372036854775809"},
        {"count__gt": "9223372036854775808"},
        {"count": "1.5"},
        {"price__gte": "1.005"},
        {"price": "12345.6"},
        {"ratio__lt": "inf"},
        {"ratio": "nan"},
        {"day": "05/01/2024"},
    ],
)
def test_it_refuses_filter_values_outside_the_type(api, places, query):
    (name,) = query
    assert name in problem(api.get("/api/v1/places/", query), 400)["errors"]


def test_it_accepts_filter_values_at_the_integer_bounds(api, places):
    assert names(api.get("/api/v1/places/", {"count__lt": "9223372036854775807"})) == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("count", "5"),
        ("count", 2**63),
        ("count", True),
        ("ratio", "1.5"),
        ("price", "1e3"),
        ("price", " 1.50"),
        ("price", True),
        ("open", "yes"),
        ("open", 1),
        ("day", "20240501"),
        ("day", "2024-05-01T00:00:00Z"),
        ("seen", "2024-05-01T12:30:00"),
        ("seen", "2024-05-01 12:30:00Z"),
        ("seen", "0001-01-01T00:00:00+01:00"),
        ("opens", "12:30:00+02:00"),
        ("opens", "1230"),
        ("token", "0c6c3e2a5d0e4c559a431b6b4c1f0a01"),
        ("token", "{0c6c3e2a-5d0e-4c55-9a43-1b6b4c1f0a01}"),
    ],
)
def test_it_refuses_values_the_document_does_not_allow(api, places, field, value):
    body = {"name": "x", field: value}
    assert field in problem(api.post("/api/v1/places/", body, format="json"), 400)["errors"]
    assert count_rows(api) == len(PLACES)


@pytest.mark.parametrize(
    "field, sent, served",
    [
        ("count", 5.0, 5),
        ("price", 1.5, "1.50"),
        ("price", "-0.5", "-0.50"),
        ("seen", "2024-05-01T12:30:00+02:00", "2024-05-01T10:30:00Z"),
        ("seen", "2024-05-01t12:30:00.25z", "2024-05-01T12:30:00.250000Z"),
        ("opens", "08:05", "08:05:00"),
        ("opens", "08:05:01.5", "08:05:01.500000"),
        ("token", "0C6C3E2A-5D0E-4C55-9A43-1B6B4C1F0A01", "0c6c3e2a-5d0e-4c55-9a43-1b6b4c1f0a01"),
    ],
)
def test_it_serves_values_in_their_canonical_form(api, places, field, sent, served):
    created = api.post("/api/v1/places/", {"name": "x", field: sent}, format="json")
    assert created.status_code == 201, created.content

    assert api.get(f"/api/v1/places/{created.json()['id']}/").json()[field] == served


def test_it_refuses_more_decimal_digits_than_every_engine_keeps():
    schema = create_schema(slug="ledger", name="Ledger")
    field = Field(schema=schema, name="amount", type="decimal", max_digits=16, decimal_places=2)

    with pytest.raises(ValidationError) as refused:
        field.full_clean()

    assert "max_digits" in refused.value.message_dict


# JSON -----------------------------------------------------------------------------


def test_it_serves_json_in_canonical_form(api, places):
    sent = '{"name": "j", "extra": {"zeta": 1, "alpha": [1e300, -0.0, 2.0, 5e-324], "Mid": {"b": 1, "a": 2}}}'
    created = api.generic("POST", "/api/v1/places/", sent, content_type="application/json")
    assert created.status_code == 201, created.content

    read = api.get(f"/api/v1/places/{created.json()['id']}/")
    text = read.content.decode()

    assert '"extra":{"Mid":{"a":2,"b":1},"alpha":[1e+300,0.0,2.0,5e-324],"zeta":1}' in text
    assert created.json()["extra"] == read.json()["extra"]


@pytest.mark.parametrize(
    "extra",
    [
        '"a\\u0000b"',
        '{"\\u0000": 1}',
        '"\\ud800"',
        '{"k": ["\\udfff"]}',
        str(2**53),
        "[" * 33 + "]" * 33,
    ],
)
def test_it_refuses_json_no_engine_stores_faithfully(api, places, extra):
    body = '{"name": "j", "extra": ' + extra + '}'
    response = api.generic("POST", "/api/v1/places/", body, content_type="application/json")

    assert "extra" in problem(response, 400)["errors"]
    assert count_rows(api) == len(PLACES)


def test_it_accepts_json_at_the_limits(api, places):
    # 32 levels: the outer list and 31 inside it.
    extra = [-(2**53 - 1), json.loads("[" * 31 + "]" * 31)]
    response = api.post("/api/v1/places/", {"name": "j", "extra": extra}, format="json")

    assert response.status_code == 201, response.content


def test_it_refuses_a_body_nested_thousands_deep(api, places):
    body = '{"name": "j", "extra": ' + "[" * 5000 + "]" * 5000 + "}"
    response = api.generic("POST", "/api/v1/places/", body, content_type="application/json")

    assert "deep" in problem(response, 400)["detail"]


# Errors ---------------------------------------------------------------------------


def test_it_refuses_an_ordering_with_two_minus_signs(api, places):
    assert "ordering" in problem(api.get("/api/v1/places/", {"ordering": "--price"}), 400)["errors"]


def test_it_answers_a_taken_unique_value_with_409_on_create_and_update(api, places):
    first = api.post("/api/v1/places/", {"name": "a", "code": "X1"}, format="json").json()
    second = api.post("/api/v1/places/", {"name": "b", "code": "x1"}, format="json").json()

    create = api.post("/api/v1/places/", {"name": "c", "code": "X1"}, format="json")
    update = api.patch(f"/api/v1/places/{second['id']}/", {"code": "X1"}, format="json")
    unchanged = api.patch(f"/api/v1/places/{first['id']}/", {"code": "X1"}, format="json")

    assert problem(create, 409)["errors"] == {"code": ["A row with this value already exists."]}
    assert problem(update, 409)["errors"] == {"code": ["A row with this value already exists."]}
    assert unchanged.status_code == 200


def test_it_answers_a_refused_value_with_400_not_503():
    translated = translate_exception(DataError("value out of range"))

    assert isinstance(translated, RefusedValue)
    assert translated.status_code == 400


def test_it_answers_a_reference_to_a_missing_row_with_409(api, places):
    add_field(schema=places, name="parent", type="reference", to=places, required=False)

    missing = api.post("/api/v1/places/", {"name": "x", "parent": 424242}, format="json")
    beyond = api.post("/api/v1/places/", {"name": "x", "parent": 2**63}, format="json")

    assert problem(missing, 409)["errors"] == {"parent": ["There is no places row with id 424242."]}
    assert "parent" in problem(beyond, 400)["errors"]
    assert count_rows(api) == len(PLACES)


@pytest.mark.parametrize(
    "query",
    [{"count": ""}, {"day__gt": ""}, {"open": ""}, {"count__in": ""}, {"token": ""}, {"price": "1e2"}],
)
def test_it_refuses_an_empty_or_malformed_filter_value(api, places, query):
    (name,) = query
    assert name in problem(api.get("/api/v1/places/", query), 400)["errors"]


def test_it_reads_an_empty_text_filter_as_the_empty_string(api, places):
    assert api.post("/api/v1/places/", {"name": "blank", "code": ""}, format="json").status_code == 201

    assert names(api.get("/api/v1/places/", {"code": ""})) == ["blank"]
    # __ne keeps nulls: a null is not the empty string.
    assert sorted(names(api.get("/api/v1/places/", {"code__ne": ""}))) == sorted(PLACES)
    assert len(names(api.get("/api/v1/places/", {"code__isnull": "true", "page_size": 100}))) == len(PLACES)


def test_it_reads_text_filter_values_as_sent(api, places):
    api.post("/api/v1/places/", {"name": " padded "}, format="json")

    assert names(api.get("/api/v1/places/", {"name": " padded "})) == [" padded "]
    assert names(api.get("/api/v1/places/", {"name": "padded"})) == []


def test_it_accepts_any_finite_double_in_a_float_filter(api, places):
    assert names(api.get("/api/v1/places/", {"ratio__gt": "8.7e204"})) == []


def test_it_names_the_schema_in_a_404(api, places):
    response = api.get("/api/v1/places/99999/")

    assert problem(response, 404)["detail"] == "There is no places row with id 99999."


@pytest.mark.parametrize(
    "field, value", [("price", "\uff11\uff12"), ("day", "\uff12\uff10\uff12\uff14-05-01"), ("price", "")]
)
def test_it_reads_only_ascii_digits(api, places, field, value):
    body = {"name": "x", field: value}
    assert field in problem(api.post("/api/v1/places/", body, format="json"), 400)["errors"]


def test_it_documents_every_filter_as_optional(api, places):
    document = api.get("/api/schema/?format=json").json()
    parameters = document["paths"]["/api/v1/places/"]["get"]["parameters"]

    assert [p["name"] for p in parameters if p["in"] == "query" and p.get("required")] == []


@pytest.mark.parametrize(
    "query",
    [
        {"seen__gt": "2024-05-01T12:30:00"},
        {"seen": "2024-05-01"},
        {"seen__lt": "0001-01-01T00:00:00+01:00"},
        {"seen__lt": "2024-05-01T25:00:00Z"},
    ],
)
def test_it_refuses_datetime_filters_that_name_no_instant(api, places, query):
    (name,) = query
    assert name in problem(api.get("/api/v1/places/", query), 400)["errors"]


def test_it_compares_datetime_filters_as_utc_instants(api, places):
    api.post("/api/v1/places/", {"name": "noon", "seen": "2024-05-01T12:00:00Z"}, format="json")

    # +22:22 is past what PostgreSQL takes as an offset; the instant is what counts.
    assert names(api.get("/api/v1/places/", {"seen": "2024-05-02T10:22:00+22:22"})) == ["noon"]
    assert names(api.get("/api/v1/places/", {"seen__gt": "2024-05-01T13:59:59+02:00"})) == ["noon"]
