"""
Who may call what, over every operation of the OpenAPI document.

Tokens come from /o/token/ (client credentials). Authors are public (anyone
reads, writes need a token); books need a token for reads too.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework.test import APIClient

from schemas.changes import save_schema
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, fetch_token, make_application, revoke

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

AccessToken = get_access_token_model()
METHODS = ("get", "post", "put", "patch", "delete")
# DELETE last: it removes the row the other calls use.
METHOD_ORDER = {method: position for position, method in enumerate(("get", "post", "put", "patch", "delete"))}



@pytest.fixture
def rows(api, library):
    _, books = library
    books.access = "token"
    save_schema(books)
    author = api.post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json").json()
    book = api.post("/api/v1/books/", {"title": "Ancillary Justice", "price": "12.50", "genre": "fiction",
                                       "author": author["id"]}, format="json").json()
    return {"authors": author["id"], "books": book["id"]}


@pytest.fixture
def document(rows):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def tokens(rows):
    client = APIClient()
    application = make_application("matrix", "authors:read authors:write books:read books:write")
    issued = {
        scope: fetch_token(client, application, scope)
        for scope in ("authors:read", "books:read", "authors:read authors:write", "books:read books:write")
    }
    expired = fetch_token(client, application, "authors:read authors:write books:read books:write")
    AccessToken.objects.filter(scope__contains="authors:write books:read").update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    revoked = fetch_token(client, application, "authors:read authors:write books:read books:write")
    assert revoke(client, application, revoked).status_code == 200
    return {**issued, "expired": expired, "revoked": revoked}


def operations(document, rows):
    """(slug, method, url, security) for every resource operation in the document."""
    found = []
    for path, item in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        slug = path.split("/")[3]
        url = path.replace("{id}", str(rows[slug]))
        for method in METHODS:
            if method in item:
                found.append((slug, method, url, item[method].get("security", [])))
    assert {method for _, method, _, _ in found} == set(METHODS)
    return sorted(found, key=lambda operation: METHOD_ORDER[operation[1]])


def call(method: str, url: str, token: str | None = None):
    headers = bearer(token) if token else {}
    if method in ("post", "put", "patch"):
        return getattr(APIClient(), method)(url, {}, format="json", **headers)
    return getattr(APIClient(), method)(url, **headers)


def anonymous_allowed(security) -> bool:
    return {} in security


def assert_problem(response, status: int, challenge: str):
    assert response.status_code == status, (response.request, response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status
    assert response["WWW-Authenticate"].startswith(challenge)


def test_it_documents_each_operations_scopes(document, rows):
    for slug, method, _, security in operations(document, rows):
        scope = f"{slug}:read" if method == "get" else f"{slug}:write"
        global_scope = "read" if method == "get" else "write"
        assert {"oauth2": [scope]} in security
        assert {"oauth2": [global_scope]} in security
        assert anonymous_allowed(security) == (slug == "authors" and method == "get")


def test_it_documents_the_oauth2_flows_and_scopes(document):
    schemes = document["components"]["securitySchemes"]
    flows = schemes["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/o/token/"
    assert flows["authorizationCode"]["authorizationUrl"] == "/o/authorize/"
    for flow in flows.values():
        assert {"books:read", "books:write", "authors:read", "authors:write", "read", "write"} <= set(
            flow["scopes"]
        )
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer",
                                     "description": schemes["bearerAuth"]["description"]}


def test_it_documents_401_403_and_429(document, rows):
    for _, method, url, _security in operations(document, rows):
        path = next(path for path in document["paths"] if path.replace("{id}", url.rsplit("/", 2)[-2]) == url)
        responses = document["paths"][path][method]["responses"]
        # 403 everywhere: anonymous callers get it for X-Fauxsite-Source without the fixtures scope.
        assert {"401", "403", "429"} <= set(responses)
        assert "Retry-After" in responses["429"]["headers"]


def test_it_asks_for_a_token_when_there_is_none(document, rows):
    for _, method, url, security in operations(document, rows):
        response = call(method, url)
        if anonymous_allowed(security):
            assert response.status_code == 200, (method, url)
        else:
            assert_problem(response, 401, 'Bearer realm="api"')
            assert "error=" not in response["WWW-Authenticate"]


@pytest.mark.parametrize("kind", ["expired", "revoked"])
def test_it_refuses_dead_tokens_everywhere(document, rows, tokens, kind):
    for _, method, url, _ in operations(document, rows):
        response = call(method, url, tokens[kind])
        assert_problem(response, 401, 'Bearer realm="api", error="invalid_token"')


def test_it_refuses_another_schemas_scopes(document, rows, tokens):
    other = {"authors": tokens["books:read books:write"], "books": tokens["authors:read authors:write"]}
    for slug, method, url, security in operations(document, rows):
        response = call(method, url, other[slug])
        if anonymous_allowed(security):
            assert response.status_code == 200
        else:
            assert_problem(response, 403, 'Bearer realm="api", error="insufficient_scope"')
            assert response.json()["type"] == "urn:fauxsite:problem:insufficient_scope"


def test_it_refuses_writes_with_a_read_scope(document, rows, tokens):
    for slug, method, url, _ in operations(document, rows):
        response = call(method, url, tokens[f"{slug}:read"])
        if method == "get":
            assert response.status_code == 200
        else:
            assert_problem(response, 403, 'Bearer realm="api", error="insufficient_scope"')
            assert f"'{slug}:write'" in response.json()["detail"]


def test_it_lets_the_right_scope_through(document, rows, tokens):
    for slug, method, url, _ in operations(document, rows):
        response = call(method, url, tokens[f"{slug}:read {slug}:write"])
        assert response.status_code not in (401, 403), (method, url, response.content)


def test_it_lets_the_global_scopes_cover_every_schema(rows):
    client = APIClient()
    application = make_application("everything", "read write")
    token = fetch_token(client, application, "read write")

    assert client.get("/api/v1/books/", **bearer(token)).status_code == 200
    response = client.patch(f"/api/v1/books/{rows['books']}/", {"title": "Provenance"}, format="json",
                            **bearer(token))
    assert response.status_code == 200


def test_it_gives_staff_sessions_full_access_with_csrf_on_writes(rows, staff):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff)

    assert client.get("/api/v1/books/").status_code == 200
    refused = client.patch(f"/api/v1/books/{rows['books']}/", {"title": "x"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_it_gives_other_sessions_no_more_than_anonymous(rows):
    user = get_user_model().objects.create_user("carol", "carol@example.com", "pw")
    client = APIClient()
    client.force_login(user)

    assert client.get("/api/v1/authors/").status_code == 200
    assert client.get("/api/v1/books/").status_code == 403
    assert client.post("/api/v1/authors/", {}, format="json").status_code == 403
