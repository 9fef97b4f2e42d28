"""
A reference is looked for by the INSERT only where its table is on the database written to.

An order referencing a live customer from the fixtures keeps the lookup in
the customers' database; with both live on one database, the INSERT looks
for the customer itself. The answers are the same either way.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from schemas.catalog import current_catalog
from tests import test_live_support as support
from tests.test_live_cross_source import make_shop
from tests.test_live_support import LIVE_DATABASES

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

MISSING = {
    "type": "urn:fauxsite:problem:conflict", "title": "Conflict", "status": 409,
    "detail": "The request conflicts with existing data: customer.",
    "errors": {"customer": [f"There is no customers row with id {2**63 - 1}."]},
}


def _post_order(api, customer) -> tuple:
    catalog = current_catalog()
    aliases = {catalog.get(slug).model._fauxsite_alias for slug in ("customers", "orders")}
    with ExitStack() as stack:
        fixtures = stack.enter_context(CaptureQueriesContext(connections["fixtures"]))
        captured = {alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
                    for alias in aliases - {"fixtures"}}
        response = api.post("/api/v1/orders/", {"item": "Čaj 🍵", "customer": customer}, format="json")
    sent = {alias: [query["sql"] for query in context] for alias, context in captured.items()}
    return response, [query["sql"] for query in fixtures], sent


def test_a_live_reference_from_the_fixtures_is_looked_up_in_its_own_database(api, live_db):
    make_shop(live_db, "customers")
    assert api.post("/api/v1/customers/", {"name": "Ann"}, format="json").status_code == 201

    created, fixtures, live = _post_order(api, 1)
    missing, _fixtures, _live = _post_order(api, 2**63 - 1)

    assert created.status_code == 201, created.content
    assert [sql for sql in fixtures if sql.startswith("INSERT")] and "EXISTS" not in " ".join(fixtures)
    [statements] = live.values()
    assert len(statements) == 1 and statements[0].startswith("SELECT"), statements
    assert missing.status_code == 409 and missing.json() == MISSING
    assert api.get("/api/v1/orders/").json()["count"] == 1


def test_references_on_one_live_database_are_looked_for_by_the_insert(api, live_db):
    make_shop(live_db, "customers", "orders")
    assert api.post("/api/v1/customers/", {"name": "Ann"}, format="json").status_code == 201

    created, _fixtures, live = _post_order(api, 1)
    missing, _fixtures, _live = _post_order(api, 2**63 - 1)

    assert created.status_code == 201, created.content
    [statements] = live.values()
    assert len(statements) == 1 and "EXISTS" in statements[0], statements
    assert missing.status_code == 409 and missing.json() == MISSING
    assert [row["customer"] for row in api.get("/api/v1/orders/").json()["results"]] == [1]
