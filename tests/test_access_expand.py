"""``expand`` returns another schema's rows, so that schema's access policy decides."""

import pytest
from rest_framework.test import APIClient

from schemas.changes import add_field, create_schema
from schemas.models import Access
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, fetch_token, make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def orders(api):
    customers = create_schema(slug="customers", name="Customers", access=Access.TOKEN)
    add_field(schema=customers, name="name", type="string")
    orders = create_schema(slug="orders", name="Orders", access=Access.PUBLIC)
    add_field(schema=orders, name="customer", type="reference", to=customers)
    customer = api.post("/api/v1/customers/", {"name": "Secret Sam"}, format="json").json()
    api.post("/api/v1/orders/", {"customer": customer["id"]}, format="json")
    return orders


def client_with(scopes: str) -> APIClient:
    client = APIClient()
    application = make_application(f"app {scopes}", scopes)
    client.credentials(**bearer(fetch_token(client, application, scopes)))
    return client


def test_it_serves_the_public_schema_without_expand(anonymous_api, orders):
    response = anonymous_api.get("/api/v1/orders/")

    assert response.status_code == 200
    assert response.json()["results"][0]["customer"] == 1


def test_it_refuses_an_anonymous_expand_into_a_token_schema(anonymous_api, orders):
    response = anonymous_api.get("/api/v1/orders/", {"expand": "customer"})
    detail = anonymous_api.get("/api/v1/orders/1/", {"expand": "customer"})

    assert response.status_code == 401
    assert detail.status_code == 401
    assert b"Secret Sam" not in response.content + detail.content
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_expand_to_a_token_without_the_target_scope(orders):
    response = client_with("orders:read").get("/api/v1/orders/", {"expand": "customer"})

    assert response.status_code == 403
    assert b"Secret Sam" not in response.content
    assert "customers" in response.json()["detail"]


def test_it_expands_for_a_token_that_may_read_both(orders):
    response = client_with("orders:read customers:read").get("/api/v1/orders/", {"expand": "customer"})

    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["customer"]["name"] == "Secret Sam"


def test_it_expands_for_staff(api, orders):
    response = api.get("/api/v1/orders/", {"expand": "customer"})

    assert response.json()["results"][0]["customer"]["name"] == "Secret Sam"
