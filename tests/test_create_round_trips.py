"""
A create with a bearer token costs one statement less on each database, and answers as before.

The catalog revision is read in the statement that looks the token up, and
the rows a new row references are looked for by its INSERT
(``INSERT ... SELECT ... WHERE EXISTS``). Every answer stays what it was:
a missing row is the same 409 naming each field, with taken values beside
it; bad values, tokens and scopes are the same 400, 401 and 403.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from access.bearer import _token_with_revision
from access.oauth import issue_token, load_access_token
from schemas.catalog import current_catalog
from schemas.changes import create_schema
from schemas.models import CatalogRevision
from tests.conftest import ALL_DATABASES
from tests.library import make_every_type
from tests.oauth_helpers import bearer, fetch_token, make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

LARGEST = 2**63 - 1
SMALLEST = -(2**63)
SCOPES = "authors:write books:write reviews:write"


@pytest.fixture
def shelf(library):
    """The library, and reviews: two references (one optional), a unique code, a unique reference."""
    authors, books = library
    create_schema(slug="reviews", name="Reviews", fields=[
        dict(name="code", type="string", max_length=40, unique=True),
        dict(name="book", type="reference", to=books),
        dict(name="critic", type="reference", to=authors, required=False),
        dict(name="pick", type="reference", to=books, unique=True, required=False),
        dict(name="stars", type="integer", min_value=1, max_value=5),
    ])
    return current_catalog()


@pytest.fixture
def writer(shelf) -> APIClient:
    client = APIClient()
    client.credentials(**bearer(fetch_token(client, make_application("writer", SCOPES), SCOPES)))
    return client


@pytest.fixture
def rows(writer) -> dict:
    """An author and a book with non-ASCII values, made through the API."""
    author = writer.post("/api/v1/authors/", {"name": "Zoë 🦉 Ørsted", "email": "zoe@example.com"},
                         format="json")
    assert author.status_code == 201, author.content
    book = writer.post("/api/v1/books/", _book(author.json()["id"]), format="json")
    assert book.status_code == 201, book.content
    return {"author": author.json()["id"], "book": book.json()["id"]}


def _book(author, **values) -> dict:
    return {"title": "Ἰλιάς 📚", "price": "9.99", "genre": "fiction", "author": author, **values}


def _review(book, **values) -> dict:
    return {"code": "İstanbul-ß-🎉", "book": book, "stars": 5, **values}


def _sent(client, method: str, path: str, body) -> tuple:
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["fixtures"]) as fixtures,
    ):
        response = getattr(client, method)(path, body, format="json")
    return response, [query["sql"] for query in default], [query["sql"] for query in fixtures]


def _problem(status: int, title: str, kind: str, detail: str, errors: dict | None = None) -> dict:
    body = {"type": f"urn:fauxsite:problem:{kind}", "title": title, "status": status, "detail": detail}
    return body if errors is None else {**body, "errors": errors}


def _missing(errors: dict[str, str]) -> dict:
    return _problem(409, "Conflict", "conflict",
                    f"The request conflicts with existing data: {', '.join(errors)}.",
                    {name: [message] for name, message in errors.items()})


def _count(slug: str) -> int:
    return current_catalog().get(slug).model.objects.count()


# Statements per create ------------------------------------------------------------------


def test_it_creates_with_one_statement_less_on_each_database(writer, rows):
    response, default, fixtures = _sent(writer, "post", "/api/v1/books/", _book(rows["author"]))

    assert response.status_code == 201, response.content
    # The revision with the token, the audit entry; the INSERT that looks for the author.
    assert len(default) == 2, default
    assert "catalogrevision" in default[0] and "token_checksum" in default[0]
    assert default[1].startswith("INSERT")
    assert len(fixtures) == 1, fixtures
    assert fixtures[0].startswith("INSERT") and "EXISTS" in fixtures[0]
    body = response.json()
    assert body["author"] == rows["author"] and body["title"] == "Ἰλιάς 📚"
    assert writer.get(f"/api/v1/books/{body['id']}/").json() == body


def test_it_looks_for_several_references_in_one_insert_and_skips_a_null_one(writer, rows):
    # The unique code's check, then the INSERT (before: a lookup per reference too).
    both = _review(rows["book"], critic=rows["author"])
    response, _default, fixtures = _sent(writer, "post", "/api/v1/reviews/", both)
    assert response.status_code == 201, response.content
    assert len(fixtures) == 2 and fixtures[1].count("EXISTS") == 2, fixtures

    no_critic = _review(rows["book"], code="b", critic=None)
    response, _default, fixtures = _sent(writer, "post", "/api/v1/reviews/", no_critic)
    assert response.status_code == 201, response.content
    assert response.json()["critic"] is None
    assert len(fixtures) == 2 and fixtures[1].count("EXISTS") == 1, fixtures


def test_it_reads_the_revision_alone_without_a_token(api, rows):
    response, default, fixtures = _sent(api, "post", "/api/v1/books/", _book(rows["author"]))

    assert response.status_code == 201, response.content
    assert "token_checksum" not in default[0] and "catalogrevision" in default[0]
    assert len(fixtures) == 1 and "EXISTS" in fixtures[0]


# Missing rows: the same 409 ---------------------------------------------------------------


@pytest.mark.parametrize("missing", [0, -1, 7, 2**31, LARGEST, SMALLEST])
def test_a_missing_reference_is_the_same_409_and_inserts_nothing(writer, rows, missing):
    response = writer.post("/api/v1/books/", _book(missing), format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == _missing({"author": f"There is no authors row with id {missing}."})
    assert _count("books") == 1


@pytest.mark.parametrize("huge", [LARGEST + 1, SMALLEST - 1, 10**30])
def test_an_id_past_64_bits_is_a_bad_value_before_any_lookup(writer, rows, huge):
    response, _default, fixtures = _sent(writer, "post", "/api/v1/books/", _book(huge))

    assert response.status_code == 400
    assert response.json()["errors"] == {"author": ["Ids are whole numbers within the signed 64-bit range."]}
    assert fixtures == []


def test_it_names_each_missing_reference_in_field_order(writer, rows):
    both = writer.post("/api/v1/reviews/", _review(LARGEST, critic=0), format="json")
    critic = writer.post("/api/v1/reviews/", _review(rows["book"], critic=-5), format="json")
    null = writer.post("/api/v1/reviews/", _review(-1, critic=None), format="json")

    assert both.json() == _missing({"book": f"There is no books row with id {LARGEST}.",
                                    "critic": "There is no authors row with id 0."})
    assert critic.json() == _missing({"critic": "There is no authors row with id -5."})
    assert null.json() == _missing({"book": "There is no books row with id -1."})
    assert [both.status_code, critic.status_code, null.status_code] == [409] * 3
    assert _count("reviews") == 0


def test_a_missing_row_and_a_taken_value_are_one_409(writer, rows):
    assert writer.post("/api/v1/reviews/", _review(rows["book"]), format="json").status_code == 201

    response = writer.post("/api/v1/reviews/", _review(rows["book"] + 1, critic=99), format="json")

    assert response.status_code == 409
    assert response.json() == _missing({"book": f"There is no books row with id {rows['book'] + 1}.",
                                        "critic": "There is no authors row with id 99.",
                                        "code": "A row with this value already exists."})


def test_a_unique_reference_is_looked_up_before_its_value_is_checked(writer, rows):
    first = writer.post("/api/v1/reviews/", _review(rows["book"], pick=rows["book"]), format="json")
    assert first.status_code == 201, first.content

    taken = writer.post("/api/v1/reviews/", _review(rows["book"], code="x", pick=rows["book"]), format="json")
    missing = writer.post("/api/v1/reviews/", _review(rows["book"], code="y", pick=LARGEST), format="json")

    assert taken.json() == _missing({"pick": "A row with this value already exists."})
    assert missing.json() == _missing({"pick": f"There is no books row with id {LARGEST}."})
    assert _count("reviews") == 1


def test_bad_values_are_a_400_whatever_the_references(writer, rows):
    response = writer.post("/api/v1/reviews/", _review(LARGEST, stars=6, code="🎉" * 41), format="json")

    assert response.status_code == 400
    assert response.json() == _problem(
        400, "Bad Request", "validation", "The request has invalid values for: code, stars.",
        {"code": ["Ensure this field has no more than 40 characters."],
         "stars": ["Ensure this value is less than or equal to 5."]},
    )


def test_the_orm_path_answers_a_missing_reference_the_same(writer, rows):
    books = current_catalog().get("books").model
    post_save.connect(_listen, sender=books, weak=False)
    try:
        missing = writer.post("/api/v1/books/", _book(LARGEST), format="json")
        created = writer.post("/api/v1/books/", _book(rows["author"]), format="json")
    finally:
        post_save.disconnect(_listen, sender=books)

    assert missing.json() == _missing({"author": f"There is no authors row with id {LARGEST}."})
    assert created.status_code == 201, created.content
    assert _count("books") == 2


def _listen(sender, **kwargs) -> None:
    pass


@pytest.mark.parametrize("method", ["put", "patch"])
def test_updates_answer_a_missing_reference_as_before(writer, rows, method):
    path = f"/api/v1/books/{rows['book']}/"

    response = getattr(writer, method)(path, _book(SMALLEST), format="json")

    assert response.status_code == 409
    assert response.json() == _missing({"author": f"There is no authors row with id {SMALLEST}."})
    assert writer.get(path).json()["author"] == rows["author"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(author=st.one_of(st.integers(SMALLEST, LARGEST), st.sampled_from([0, 1, 2, LARGEST])),
       title=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                     min_size=1, max_size=200))
def test_a_create_succeeds_exactly_when_its_reference_exists(writer, rows, author, title):
    before = _count("books")

    response = writer.post("/api/v1/books/", _book(author, title=title), format="json")

    if author == rows["author"]:
        assert response.status_code == 201, response.content
        assert response.json()["title"] == title
        assert _count("books") == before + 1
    else:
        assert response.json() == _missing({"author": f"There is no authors row with id {author}."})
        assert _count("books") == before


# Tokens: the same 401 and 403 --------------------------------------------------------------


def test_an_unknown_token_is_the_same_401(shelf):
    client = APIClient()
    client.credentials(**bearer("ünknown-🔑"))

    response = client.post("/api/v1/books/", _book(1), format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid."'
    )
    assert response.json() == _problem(401, "Unauthorized", "authentication_failed",
                                       "The access token is invalid.")


def test_a_token_without_the_scope_is_the_same_403(shelf):
    client = APIClient()
    client.credentials(**bearer(fetch_token(client, make_application("reader", "books:read"), "books:read")))

    response = client.post("/api/v1/books/", _book(1), format="json")

    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", scope="books:write write"'
    )
    assert json.loads(response.content) == _problem(
        403, "Forbidden", "insufficient_scope",
        "The access token needs the scope 'books:write' or 'write' for this request.",
    )
    assert _count("books") == 0


def _loaded(instance) -> tuple | None:
    if instance is None:
        return None
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    return type(instance), instance._state.db, instance._state.adding, values


@pytest.mark.parametrize("kind", ["valid", "for_user", "expired", "revoked", "unknown"])
def test_the_token_read_beside_the_revision_is_the_one_load_access_token_reads(shelf, kind):
    application = make_application("reader", "read")
    token, plaintext = issue_token(application, ["read"], user=get_user_model().objects.create_user("ŧéß"))
    if kind == "valid":
        token.user = None
        token.save()
    elif kind == "expired":
        token.expires = timezone.now() - timedelta(microseconds=1)
        token.save()
    elif kind == "revoked":
        token.delete()
    elif kind == "unknown":
        plaintext = "😶" * 40
    checksum = hashlib.sha256(plaintext.encode()).hexdigest()

    with CaptureQueriesContext(connections["default"]) as sent:
        beside, revision = _token_with_revision().get_beside(checksum)
    expected = load_access_token(plaintext)

    assert len(sent) == 1
    assert revision == CatalogRevision.current()
    assert _loaded(beside) == _loaded(expected)
    if expected is not None:
        assert _loaded(beside.application) == _loaded(expected.application)
        assert _loaded(beside.user) == _loaded(expected.user)


def test_a_token_in_the_address_is_left_to_the_toolkit_check(shelf):
    client = APIClient()
    token = fetch_token(client, make_application("writer", SCOPES), SCOPES)
    client.credentials(**bearer(token))

    response, default, _fixtures = _sent(client, "post", f"/api/v1/books/?access_token={token}", _book(1))

    assert response.status_code == 401
    assert all("token_checksum" not in sql for sql in default)


def test_every_type_round_trips_through_the_insert_that_looks_for_a_reference(api):
    every = make_every_type(rows=5, seed=11)
    target = every.model.objects.order_by("pk").first().pk
    for row in api.get("/api/v1/every/?page_size=6").json()["results"]:
        body = {**{name: value for name, value in row.items() if name != "id"}, "f_reference": target}
        if body["f_string"] is not None:
            body["f_string"] = "Ǆ🎉 \u200b" + body["f_string"][:20]

        response, _default, fixtures = _sent(api, "post", "/api/v1/every/", body)

        assert response.status_code == 201, (body, response.content)
        assert fixtures[-1].startswith("INSERT") and fixtures[-1].count("EXISTS") == 1, fixtures
        created = response.json()
        assert {**created, "id": None} == {**body, "id": None}
        assert api.get(f"/api/v1/every/{created['id']}/").json() == created
