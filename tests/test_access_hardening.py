"""What a hostile or careless client cannot do, and what every response carries."""

import json

import pytest
from rest_framework.test import APIClient

from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, fetch_token, make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

LEAKS = ("Traceback", "SELECT ", "INSERT ", "SECRET_KEY", "DATABASES", "File \"", "django.db")



@pytest.fixture
def writer(library):
    client = APIClient()
    scopes = "authors:read authors:write books:read books:write"
    token = fetch_token(client, make_application("writer", scopes), scopes)
    client.credentials(**bearer(token))
    return client


@pytest.fixture
def author(writer):
    response = writer.post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json")
    assert response.status_code == 201
    return response.json()


def book(author_id, **changes):
    return {"title": "Provenance", "price": "9.99", "genre": "fiction", "author": author_id, **changes}


def test_it_refuses_to_let_a_client_choose_the_id(writer, author):
    response = writer.post("/api/v1/books/", book(author["id"], id=999), format="json")

    assert response.status_code == 400
    assert "id" in response.json()["errors"]
    assert writer.get("/api/v1/books/999/").status_code == 404


def test_it_refuses_writes_to_read_only_fields(writer, author):
    created = writer.post("/api/v1/books/", book(author["id"]), format="json").json()

    for method in ("post", "put", "patch"):
        url = "/api/v1/books/" if method == "post" else f"/api/v1/books/{created['id']}/"
        body = book(author["id"], sku="3f2504e0-4f89-11d3-9a0c-0305e82c3301")
        response = getattr(writer, method)(url, body, format="json")
        assert response.status_code == 400, method
        assert "sku" in response.json()["errors"]
    assert writer.get(f"/api/v1/books/{created['id']}/").json()["sku"] is None


def test_it_refuses_fields_the_schema_does_not_have(writer, author):
    response = writer.post("/api/v1/books/", book(author["id"], is_admin=True), format="json")

    assert response.status_code == 400
    assert "is_admin" in response.json()["errors"]


def test_it_caps_the_page_size(writer, author, settings):
    settings.FAUXSITE_MAX_PAGE_SIZE = 3
    for number in range(5):
        writer.post("/api/v1/books/", book(author["id"], title=f"Book {number}"), format="json")

    response = writer.get("/api/v1/books/?page_size=1000")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_it_refuses_bodies_over_the_size_limit_with_413(writer, author, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = json.dumps(book(author["id"], title="x" * 4000))

    response = writer.post("/api/v1/books/", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert "2048 bytes" in response.json()["detail"]


def test_it_sets_security_headers(writer):
    response = writer.get("/api/v1/authors/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/nothing/", None),
        ("get", "/api/v1/authors/?page=zero", None),
        ("post", "/api/v1/authors/", "{not json"),
        ("get", "/api/v1/authors/999999/", None),
        ("delete", "/api/v1/authors/", None),
        ("get", "/o/nothing/", None),
        ("post", "/o/token/", "grant_type=password&username=a&password=b"),
    ],
)
def test_it_leaks_nothing_in_error_responses(writer, method, path, body):
    kwargs = {"content_type": "application/x-www-form-urlencoded" if path.startswith("/o/")
              else "application/json"} if body else {}
    response = getattr(writer, method)(path, body, **kwargs) if body else getattr(writer, method)(path)

    assert 400 <= response.status_code < 500
    text = response.content.decode()
    for leak in LEAKS:
        assert leak not in text, (leak, text)


def test_it_answers_cors_preflights_for_allowed_origins_only(library, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    client = APIClient()
    preflight = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
                 "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type"}

    allowed = client.options("/api/v1/authors/", HTTP_ORIGIN="https://app.example.com", **preflight)
    other = client.options("/api/v1/authors/", HTTP_ORIGIN="https://evil.example.net", **preflight)

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in other


def test_it_exposes_location_rate_limit_and_retry_headers_to_browsers(library, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = APIClient().get("/api/v1/authors/", HTTP_ORIGIN="https://app.example.com")

    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
            "x-request-id"} <= exposed


def test_it_gives_every_response_a_request_id_and_keeps_a_sane_one(library):
    client = APIClient()

    made = client.get("/api/v1/authors/")
    kept = client.get("/api/v1/authors/", HTTP_X_REQUEST_ID="edge-7f3a.42")
    replaced = client.get("/api/v1/authors/", HTTP_X_REQUEST_ID="bad id\nwith a newline")

    assert len(made["X-Request-ID"]) == 32
    assert kept["X-Request-ID"] == "edge-7f3a.42"
    assert replaced["X-Request-ID"] != "bad id\nwith a newline" and len(replaced["X-Request-ID"]) == 32


def test_it_logs_with_the_request_id(library, caplog):
    import logging

    from fauxsite.middleware import RequestIdLogFilter

    caplog.handler.addFilter(RequestIdLogFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = APIClient().get("/api/v1/nothing/", HTTP_X_REQUEST_ID="trace-me-1")

    assert response.status_code == 404
    assert any(getattr(record, "request_id", "") == "trace-me-1" for record in caplog.records)


def test_it_can_keep_the_docs_for_staff(library, settings, staff):
    settings.FAUXSITE_DOCS_ACCESS = "staff"
    anonymous = APIClient()
    logged_in = APIClient()
    logged_in.force_login(staff)

    assert anonymous.get("/api/schema/").status_code == 401
    assert anonymous.get("/api/docs/").status_code == 302
    assert anonymous.get("/api/docs/")["Location"].startswith("/admin/login/")
    assert logged_in.get("/api/schema/").status_code == 200
    assert logged_in.get("/api/docs/").status_code == 200
    assert logged_in.get("/api/redoc/").status_code == 200


def test_it_serves_the_docs_to_anyone_by_default(library):
    assert APIClient().get("/api/schema/").status_code == 200
    assert APIClient().get("/api/docs/").status_code == 200


def test_it_lets_browsers_send_the_source_and_request_id_headers(library, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    preflight = APIClient().options(
        "/api/v1/authors/", HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, x-fauxsite-source, x-request-id")

    allowed = {name.strip().lower() for name in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "x-fauxsite-source", "x-request-id"} <= allowed


def test_it_answers_411_to_a_chunked_body_without_a_length(library):
    from django.test import Client

    response = Client().generic("POST", "/api/v1/authors/", b"", content_type="application/json",
                                HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")

    assert response.status_code == 411
    assert response.json()["type"] == "urn:fauxsite:problem:length_required"


@pytest.mark.django_db(databases=["default", "fixtures"], transaction=True)
def test_it_answers_411_to_a_chunked_body_over_real_http(live_server, library):
    import requests

    def chunks():
        yield b'{"name": "Ann", '
        yield b'"email": "ann@example.com"}'

    response = requests.post(f"{live_server.url}/api/v1/authors/", data=chunks(), timeout=10,
                             headers={"Content-Type": "application/json"})

    assert response.status_code == 411, response.text
