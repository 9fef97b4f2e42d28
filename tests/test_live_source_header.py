"""QA keeps its mock data after go-live: X-Fauxsite-Source: fixtures, for staff and allowed tokens."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from access.models import ApplicationScopes
from access.oauth import issue_token
from golive.switching import switch_source
from schemas.models import Source
from tests import test_live_support as support
from tests.test_live_legacy import legacy_table, make_customers  # noqa: F401 - a fixture
from tests.test_live_support import LIVE_DATABASES, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

HEADER = "HTTP_X_FAUXSITE_SOURCE"


@pytest.fixture
def staff_client():
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_login(get_user_model().objects.create_user("qa", "qa@example.com", None, is_staff=True,
                                                            is_superuser=True))
    return client


@pytest.fixture
def customers(live_db, legacy_table, staff_client):  # noqa: F811 - the fixture imported above
    schema = make_customers(make_source(live_db))
    mock = {"name": "Mock Mia", "email": "mia@mock.example"}
    assert staff_client.post("/api/v1/customers/", mock, format="json").status_code == 201
    switch_source(schema, Source.LIVE, actor="test")
    return schema


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def bearer(scopes: str) -> APIClient:
    from oauth2_provider.models import Application

    application = Application.objects.create(
        name=f"qa-{scopes}",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    ApplicationScopes.objects.create(application=application, scopes=scopes)
    _token, plaintext = issue_token(application, scopes.split())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_it_serves_live_rows_by_default(customers):
    assert names(APIClient().get("/api/v1/customers/")) == ["Legacy Lena"]


def test_it_serves_the_fixtures_to_staff_who_ask(customers, staff_client):
    assert names(staff_client.get("/api/v1/customers/", **{HEADER: "fixtures"})) == ["Mock Mia"]
    assert names(staff_client.get("/api/v1/customers/", **{HEADER: "live"})) == ["Legacy Lena"]


def test_it_serves_the_fixtures_to_a_token_with_the_fixtures_scope(customers):
    assert names(bearer("fixtures").get("/api/v1/customers/", **{HEADER: "fixtures"})) == ["Mock Mia"]


def test_it_refuses_the_header_to_anyone_else(customers):
    anonymous = APIClient().get("/api/v1/customers/", **{HEADER: "fixtures"})
    reader = bearer("customers:read").get("/api/v1/customers/", **{HEADER: "fixtures"})

    for response in (anonymous, reader):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert "fixtures" in response.json()["detail"]


def test_it_refuses_an_unknown_source(customers):
    response = APIClient().get("/api/v1/customers/", **{HEADER: "production"})

    assert response.status_code == 400
    assert "X-Fauxsite-Source" in response.json()["errors"]



def test_it_answers_the_header_alike_before_and_after_going_live(customers, staff_client):
    from schemas.changes import set_source

    live = APIClient().get("/api/v1/customers/", **{HEADER: "fixtures"})
    set_source(customers, Source.FIXTURES)
    on_fixtures = APIClient().get("/api/v1/customers/", **{HEADER: "fixtures"})

    assert (on_fixtures.status_code, on_fixtures.content) == (live.status_code, live.content)
    assert names(staff_client.get("/api/v1/customers/", **{HEADER: "fixtures"})) == ["Mock Mia"]
