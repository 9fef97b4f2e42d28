"""
Flipping the source never changes the contract.

One schema set uses every field type. The same generated sequence of requests
(creates, filtered, ordered, searched, paginated and expanded lists,
retrieves, updates, deletes and invalid inputs of every kind) runs against the
fixtures, then against live tables provisioned on PostgreSQL after a switch.
Status codes, headers that matter and bodies must be identical, and so must
the OpenAPI document, byte for byte.
"""

from __future__ import annotations

import json

import pytest

from schemas import field_types
from schemas.changes import add_field, create_schema
from schemas.models import Schema
from tests import test_live_support as support
from tests.parity.replay import go_live
from tests.test_live_support import LIVE_DATABASES, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

UUIDS = [
    "0c6c3e2a-5d0e-4c55-9a43-1b6b4c1f0a01",
    "5b1f7f0e-3c7e-4b8e-8f7e-2b9e3c2d0a02",
    "9e2d1c4b-7a6f-4e3d-b2c1-3d4e5f6a0a03",
    "c0ffee00-1234-4abc-8def-000000000004",
]

# name, type, options, values of rows 1-3, an invalid value, a value for PATCH,
# and for filters: a value to compare with and a substring for text lookups.
FIELDS = [
    ("title", "string", {"max_length": 60}, ["alpha lamp", "beta desk", "gamma chair"], "x" * 61,
     "delta sofa"),
    ("notes", "text", {"required": False}, ["one note", "two notes", None], ["a list"], "patched notes"),
    ("count", "integer", {"min_value": 0, "max_value": 100}, [1, 5, 9], -1, 7),
    ("price", "decimal", {"max_digits": 8, "decimal_places": 2}, ["1.50", "20.00", "300.25"], "1.234",
     "2.00"),
    ("ratio", "float", {}, [0.5, 1.25, 2.75], "abc", 3.5),
    ("active", "boolean", {"default": True}, [True, False, True], "maybe", False),
    ("released", "date", {}, ["2024-01-02", "2024-02-03", "2024-03-04"], "2024-13-01", "2025-01-01"),
    ("seen_at", "datetime", {}, ["2024-01-02T03:04:05Z", "2024-02-03T04:05:06Z", "2024-03-04T05:06:07Z"],
     "yesterday", "2025-05-05T05:05:05Z"),
    ("opens", "time", {}, ["08:00:00", "09:30:00", "10:15:00"], "25:00", "11:00:00"),
    ("contact", "email", {"unique": True}, ["a@shop.example", "b@shop.example", "c@shop.example"],
     "not-an-email", "d@shop.example"),
    ("homepage", "url", {"required": False}, ["https://a.example/", "https://b.example/", None], "not a url",
     "https://d.example/"),
    ("token", "uuid", {}, UUIDS[:3], "123", UUIDS[3]),
    ("status", "enum", {"choices": ["draft", "live", "retired"]}, ["draft", "live", "retired"], "other",
     "live"),
    ("extra", "json", {"required": False}, [{"a": 1}, [1, 2], "text"], None, {"b": [True, None]}),
    ("maker", "reference", {}, [1, 2, 1], 999, 2),
]
FILTER_VALUES = {
    "title": ("beta desk", "gamma chair", "amma"),
    "notes": ("one note", "two notes", "note"),
    "count": ("5", "9", None),
    "price": ("20.00", "300.25", None),
    "ratio": ("1.25", "2.75", None),
    "active": ("true", None, None),
    "released": ("2024-02-03", "2024-03-04", None),
    "seen_at": ("2024-02-03T04:05:06Z", "2024-03-04T05:06:07Z", None),
    "opens": ("09:30:00", "10:15:00", None),
    "contact": ("b@shop.example", "c@shop.example", "shop"),
    "homepage": ("https://b.example/", "https://a.example/", "b.ex"),
    "token": (UUIDS[1], UUIDS[2], None),
    "status": ("live", "retired", None),
    "extra": (None, None, None),
    "maker": ("1", "2", None),
}


def make_schema_set() -> tuple[Schema, Schema]:
    makers = create_schema(slug="makers", name="Makers")
    add_field(schema=makers, name="name", type="string", max_length=80, position=1)
    add_field(schema=makers, name="email", type="email", unique=True, position=2)
    gadgets = create_schema(slug="gadgets", name="Gadgets", description="Every field type.")
    for position, (name, kind, options, *_rest) in enumerate(FIELDS, start=1):
        extra = {"to": makers} if kind == "reference" else {}
        add_field(schema=gadgets, name=name, type=kind, position=position, **options, **extra)
    assert {kind for _name, kind, *_rest in FIELDS} == set(field_types.REGISTRY)
    return makers, gadgets


def row(index: int) -> dict:
    return {name: values[index] for name, _kind, _options, values, *_rest in FIELDS}


def requests() -> list[tuple[str, str, str, object]]:
    """(label, method, path, body) in order; generated from FIELDS."""
    steps = [
        ("create maker 1", "post", "/api/v1/makers/", {"name": "Ann", "email": "ann@makers.example"}),
        ("create maker 2", "post", "/api/v1/makers/", {"name": "Bob", "email": "bob@makers.example"}),
        *[(f"create gadget {i + 1}", "post", "/api/v1/gadgets/", row(i)) for i in range(3)],
        ("list", "get", "/api/v1/gadgets/", None),
    ]
    steps += _filter_steps() + _ordering_steps()
    steps += [
        ("search", "get", "/api/v1/gadgets/?search=desk", None),
        ("search nothing", "get", "/api/v1/gadgets/?search=zzz", None),
        ("page 2", "get", "/api/v1/gadgets/?page=2&page_size=2", None),
        ("page out of range", "get", "/api/v1/gadgets/?page=9", None),
        ("page zero", "get", "/api/v1/gadgets/?page=0", None),
        ("page size over cap", "get", "/api/v1/gadgets/?page_size=1000", None),
        ("expand", "get", "/api/v1/gadgets/?expand=maker", None),
        ("expand non-reference", "get", "/api/v1/gadgets/?expand=title", None),
        ("fields", "get", "/api/v1/gadgets/?fields=id,title,price", None),
        ("unknown fields", "get", "/api/v1/gadgets/?fields=bogus", None),
        ("unknown parameter", "get", "/api/v1/gadgets/?colour=red", None),
        ("bad ordering", "get", "/api/v1/gadgets/?ordering=bogus", None),
        ("bad integer filter", "get", "/api/v1/gadgets/?count=abc", None),
        ("bad boolean filter", "get", "/api/v1/gadgets/?active=maybe", None),
        ("retrieve", "get", "/api/v1/gadgets/1/", None),
        ("retrieve expanded", "get", "/api/v1/gadgets/1/?expand=maker&fields=id,maker", None),
        ("retrieve missing", "get", "/api/v1/gadgets/999/", None),
    ]
    steps += _write_steps()
    return steps


def _filter_steps() -> list:
    steps = []
    for name, kind, *_rest in FIELDS:
        exact, other, fragment = FILTER_VALUES[name]
        for lookup in field_types.get_type(kind).lookups:
            value = {
                "in": f"{exact},{other}" if exact and other else exact,
                "isnull": "true",
                "contains": fragment, "icontains": fragment and fragment.upper(), "startswith": fragment,
                "gt": exact, "gte": exact, "lt": other, "lte": exact, "exact": exact, "ne": exact,
            }[lookup]
            if value is None:
                continue
            parameter = name if lookup == "exact" else f"{name}__{lookup}"
            steps.append((f"filter {parameter}", "get", f"/api/v1/gadgets/?{parameter}={value}", None))
    steps.append(("filter isnull false", "get", "/api/v1/gadgets/?homepage__isnull=false", None))
    return steps


def _ordering_steps() -> list:
    orderable = ["id", *(name for name, kind, *_rest in FIELDS if kind != "json")]
    steps = [(f"order {name}", "get", f"/api/v1/gadgets/?ordering={name}", None) for name in orderable]
    steps += [(f"order -{name}", "get", f"/api/v1/gadgets/?ordering=-{name}", None) for name in orderable]
    steps.append(("order two keys", "get", "/api/v1/gadgets/?ordering=-active,title", None))
    return steps


def _write_steps() -> list:
    steps = []
    for name, _kind, _options, _values, invalid, patched in FIELDS:
        steps.append((f"patch {name}", "patch", "/api/v1/gadgets/1/", {name: patched}))
        if invalid is not None:
            steps.append((f"patch invalid {name}", "patch", "/api/v1/gadgets/2/", {name: invalid}))
            steps.append((f"create invalid {name}", "post", "/api/v1/gadgets/", {**row(1), name: invalid}))
    fresh = {**row(0), "contact": "e@shop.example", "token": UUIDS[3]}
    steps += [
        ("put", "put", "/api/v1/gadgets/2/", {**row(1), "title": "replaced"}),
        ("put missing required", "put", "/api/v1/gadgets/2/", {"title": "only"}),
        ("create duplicate unique", "post", "/api/v1/gadgets/", {**row(0), "contact": "b@shop.example"}),
        ("create unknown field", "post", "/api/v1/gadgets/", {**fresh, "colour": "red"}),
        ("create with id", "post", "/api/v1/gadgets/", {**fresh, "id": 50}),
        ("create not an object", "post", "/api/v1/gadgets/", [1, 2]),
        ("create null in non-nullable", "post", "/api/v1/gadgets/", {**fresh, "title": None}),
        ("create without optional", "post", "/api/v1/gadgets/",
         {key: value for key, value in fresh.items() if key not in ("notes", "homepage", "extra", "active")}),
        ("delete", "delete", "/api/v1/gadgets/3/", None),
        ("retrieve deleted", "get", "/api/v1/gadgets/3/", None),
        ("delete again", "delete", "/api/v1/gadgets/3/", None),
        ("delete referenced maker", "delete", "/api/v1/makers/1/", None),
        ("list after writes", "get", "/api/v1/gadgets/?expand=maker", None),
    ]
    return steps


def run(api) -> list[tuple[str, int, dict, object]]:
    results = []
    for label, method, path, body in requests():
        kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
        response = getattr(api, method)(path, **kwargs)
        headers = {name: response.get(name) for name in ("Content-Type", "Location", "Allow")}
        content = response.json() if response.content else None
        results.append((label, response.status_code, headers, content))
    return results


def shape(value):
    if isinstance(value, dict):
        return {key: shape(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [shape(inner) for inner in value]
    return type(value).__name__



def test_it_serves_the_same_contract_from_fixtures_and_live(api, live_db):
    makers, gadgets = make_schema_set()
    fixtures = run(api)
    document_before = api.get("/api/schema/?format=json").content
    go_live(make_source(live_db), makers, gadgets)

    live = run(api)
    document_after = api.get("/api/schema/?format=json").content

    assert len(fixtures) == len(live) > 150
    statuses = {status for _label, status, _headers, _body in fixtures}
    assert {200, 201, 204, 400, 404, 409} <= statuses
    for (label, *expected), (_label, *actual) in zip(fixtures, live, strict=True):
        assert actual[0] == expected[0], f"{label}: status {actual[0]} live, {expected[0]} fixtures"
        assert shape(actual[2]) == shape(expected[2]), f"{label}: shapes differ"
        assert actual == expected, f"{label}: responses differ"
    assert document_after == document_before
    assert b"/api/v1/gadgets/" in document_before
