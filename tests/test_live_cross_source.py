"""
Writes across sources: rows in one database referencing rows in another.

A shop of customers and the orders that reference them, with one side live on
PostgreSQL and the other on the fixtures. Deleting a referenced row is the
same 409 as on one database, byte for byte, naming the schema and field that
still refer to it; an unreferenced row is deleted. Writing an order checks
the referenced id in the database the customers live in.
"""

from __future__ import annotations

import itertools
import json

import pytest

from golive.provision import apply_plan, provision_plan
from golive.switching import switch_source
from schemas.changes import add_field, create_schema, delete_schemas, save_schema
from schemas.models import Schema, Source
from tests import test_live_support as support
from tests.test_live_support import LIVE_DATABASES, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

HEADER = "HTTP_X_FAUXSITE_SOURCE"
REFERENCED = "Rows of orders (field customer) still reference this row; delete or change those first."
_tables = itertools.count()


def make_shop(live_db, *live: str) -> dict[str, Schema]:
    """Customers and the orders that reference them; the slugs in ``live`` go live, provisioned."""
    customers = create_schema(slug="customers", name="Customers")
    add_field(schema=customers, name="name", type="string", max_length=80, position=1)
    orders = create_schema(slug="orders", name="Orders")
    add_field(schema=orders, name="item", type="string", max_length=80, position=1)
    add_field(schema=orders, name="customer", type="reference", to=customers, position=2)
    shop = {"customers": customers, "orders": orders}
    if live:
        source = make_source(live_db, name=f"shop{next(_tables)}")
        for slug in live:
            schema = Schema.objects.get(pk=shop[slug].pk)
            schema.data_source = source
            schema.table_name = f"{slug}_{source.name}"
            save_schema(schema)
            apply_plan(provision_plan(schema))
        for slug in live:
            switch_source(shop[slug], Source.LIVE, actor="test")
    return {slug: Schema.objects.get(pk=schema.pk) for slug, schema in shop.items()}


def drop_shop(shop: dict[str, Schema]) -> None:
    delete_schemas([shop["orders"], shop["customers"]])


def call(api, method: str, path: str, body=None):
    kwargs = {"data": body, "format": "json"} if body is not None else {}
    response = getattr(api, method)(path, **kwargs)
    return response.status_code, response["Content-Type"] if response.content else None, response.content


def deletes(api) -> list[tuple]:
    """The requests compared across arrangements: every answer, every byte."""
    steps = [
        ("post", "/api/v1/customers/", {"name": "Ann"}),
        ("post", "/api/v1/customers/", {"name": "Bob"}),
        ("post", "/api/v1/orders/", {"item": "Tea", "customer": 1}),
        ("delete", "/api/v1/customers/1/", None),
        ("get", "/api/v1/customers/1/", None),
        ("delete", "/api/v1/customers/2/", None),
        ("get", "/api/v1/customers/2/", None),
        ("patch", "/api/v1/orders/1/", {"customer": 2}),
        ("patch", "/api/v1/orders/1/", {"customer": 1}),
        ("put", "/api/v1/orders/1/", {"item": "Coffee", "customer": 1}),
        ("delete", "/api/v1/orders/1/", None),
        ("delete", "/api/v1/customers/1/", None),
        ("get", "/api/v1/customers/", None),
    ]
    return [(method, path, *call(api, method, path, body)) for method, path, body in steps]


def detail(api, path: str, **headers) -> tuple[int, str]:
    response = api.delete(path, **headers)
    return response.status_code, response.json()["detail"] if response.content else ""


@pytest.fixture
def all_fixtures(api, live_db) -> list[tuple]:
    shop = make_shop(live_db)
    answers = deletes(api)
    drop_shop(shop)
    return answers


@pytest.mark.parametrize("live", [("customers",), ("orders",)], ids=["live-referenced", "live-referencing"])
def test_it_answers_deletes_across_sources_as_on_one_database(api, live_db, all_fixtures, live):
    make_shop(live_db, *live)

    answers = deletes(api)

    assert answers == all_fixtures
    refused = answers[3]
    assert refused[2:4] == (409, "application/problem+json")
    assert json.loads(refused[4])["detail"] == REFERENCED
    statuses = [answer[2] for answer in answers]
    assert statuses == [201, 201, 201, 409, 200, 204, 404, 409, 200, 200, 204, 204, 200]


@pytest.mark.parametrize("live", [("customers",), ("orders",)], ids=["live-referenced", "live-referencing"])
def test_it_deletes_an_unreferenced_row_from_its_own_database(api, live_db, live):
    shop = make_shop(live_db, *live)
    api.post("/api/v1/customers/", {"name": "Ann"}, format="json")
    api.post("/api/v1/customers/", {"name": "Bob"}, format="json")
    api.post("/api/v1/orders/", {"item": "Tea", "customer": 1}, format="json")
    table = f"customers_{shop['customers'].data_source.name}" if "customers" in live else None

    assert detail(api, "/api/v1/customers/2/") == (204, "")
    assert detail(api, "/api/v1/customers/1/") == (409, REFERENCED)

    assert api.get("/api/v1/customers/2/").status_code == 404
    assert [row["name"] for row in api.get("/api/v1/customers/").json()["results"]] == ["Ann"]
    if table:
        assert live_db.execute(f'SELECT id, name FROM "{table}"') == [(1, "Ann")]


def test_it_checks_a_reference_in_the_database_of_the_row_it_names(api, live_db):
    make_shop(live_db, "customers")
    api.post("/api/v1/customers/", {"name": "Ann"}, format="json")
    order = api.post("/api/v1/orders/", {"item": "Tea", "customer": 1}, format="json")
    assert order.status_code == 201, order.content

    missing = api.patch("/api/v1/orders/1/", {"customer": 7}, format="json")

    assert missing.status_code == 409
    assert missing.json()["errors"]["customer"] == ["There is no customers row with id 7."]
    assert api.patch("/api/v1/orders/1/", {"customer": 1}, format="json").status_code == 200


def test_it_looks_for_references_among_the_fixtures_when_qa_deletes_from_them(api, live_db):
    make_shop(live_db, "customers", "orders")
    fixtures = {HEADER: "fixtures"}
    for client_headers in ({}, fixtures):
        api.post("/api/v1/customers/", {"name": "Ann"}, format="json", **client_headers)
        api.post("/api/v1/customers/", {"name": "Bob"}, format="json", **client_headers)
    # The live order refers to live customer 1, the mock order to mock customer 2.
    api.post("/api/v1/orders/", {"item": "Tea", "customer": 1}, format="json")
    api.post("/api/v1/orders/", {"item": "Mock tea", "customer": 2}, format="json", **fixtures)

    assert detail(api, "/api/v1/customers/1/", **fixtures) == (204, "")
    assert detail(api, "/api/v1/customers/2/", **fixtures) == (409, REFERENCED)
    assert detail(api, "/api/v1/customers/2/") == (204, "")
    assert detail(api, "/api/v1/customers/1/") == (409, REFERENCED)
    assert [row["name"] for row in api.get("/api/v1/customers/", **fixtures).json()["results"]] == ["Bob"]
    assert [row["name"] for row in api.get("/api/v1/customers/").json()["results"]] == ["Ann"]
