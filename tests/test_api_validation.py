"""Bad input gets a problem+json 400 naming each field and reason, and writes nothing."""

import pytest

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

PROBLEM_KEYS = {"type", "title", "status", "detail"}


@pytest.fixture
def author_id(api, library):
    body = {"name": "Ann", "email": "ann@example.com"}
    return api.post("/api/v1/authors/", body, format="json").json()["id"]


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    return body


def test_it_names_every_invalid_field_at_once(api, author_id):
    response = api.post(
        "/api/v1/books/",
        {"title": "x" * 201, "price": "-1", "genre": "poetry", "author": "999", "isbn": "12"},
        format="json",
    )

    body = assert_problem(response, 400)
    assert body["type"] == "urn:fauxsite:problem:validation"
    assert set(body["errors"]) == {"title", "price", "genre", "author", "isbn"}
    assert "200" in body["errors"]["title"][0]
    assert "greater than or equal to 0" in body["errors"]["price"][0]
    assert "poetry" in body["errors"]["genre"][0]
    assert "str" in body["errors"]["author"][0]
    assert api.get("/api/v1/books/").json()["count"] == 0


def test_it_requires_required_fields(api, author_id):
    body = assert_problem(api.post("/api/v1/books/", {}, format="json"), 400)

    assert set(body["errors"]) == {"title", "price", "genre", "author"}


def test_it_refuses_unknown_fields_by_name(api, author_id):
    response = api.post(
        "/api/v1/books/",
        {"title": "T", "price": "1", "genre": "fiction", "author": author_id, "colour": "red"},
        format="json",
    )

    assert assert_problem(response, 400)["errors"] == {"colour": ["Unknown field."]}


@pytest.mark.parametrize("field, value", [("id", 77), ("sku", "0b0e52a6-5d3e-4d5e-9d39-5cc0e1f0b1a1")])
def test_it_refuses_writes_to_read_only_fields(api, author_id, field, value):
    response = api.post(
        "/api/v1/books/",
        {"title": "T", "price": "1", "genre": "fiction", "author": author_id, field: value},
        format="json",
    )

    assert assert_problem(response, 400)["errors"] == {field: ["This field is read-only."]}


def test_it_refuses_null_for_a_non_nullable_field(api, author_id):
    body = {"title": None, "price": "1", "genre": "fiction", "author": author_id}
    response = api.post("/api/v1/books/", body, format="json")

    assert "title" in assert_problem(response, 400)["errors"]


def test_it_answers_a_taken_unique_value_with_a_conflict_naming_the_field(api, author_id):
    response = api.post("/api/v1/authors/", {"name": "Bob", "email": "ann@example.com"}, format="json")

    assert "email" in assert_problem(response, 409)["errors"]


def test_it_explains_malformed_json(api, library):
    response = api.generic("POST", "/api/v1/authors/", "{not json", content_type="application/json")

    assert "JSON" in assert_problem(response, 400)["detail"]


def test_it_refuses_a_body_that_is_not_an_object(api, library):
    response = api.post("/api/v1/authors/", [1, 2], format="json")

    assert "non_field_errors" in assert_problem(response, 400)["errors"]


def test_it_refuses_a_body_over_the_size_cap(api, library, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048

    response = api.post("/api/v1/authors/", {"name": "x" * 4000, "email": "a@example.com"}, format="json")

    assert assert_problem(response, 413)
    assert api.get("/api/v1/authors/").json()["count"] == 0


def test_it_answers_404_problem_for_an_unknown_schema(api, library):
    body = assert_problem(api.get("/api/v1/unicorns/"), 404)

    assert "unicorns" in body["detail"]


def test_it_answers_405_problem_for_an_unsupported_method(api, library):
    response = api.delete("/api/v1/authors/")

    assert assert_problem(response, 405)
    assert "DELETE" in response.json()["detail"]


def test_it_refuses_an_unsupported_content_type(api, library):
    form = "application/x-www-form-urlencoded"
    response = api.generic("POST", "/api/v1/authors/", "name=Ann", content_type=form)

    assert assert_problem(response, 415)
