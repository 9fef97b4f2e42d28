"""The OpenAPI document: one path and component set per schema, valid, with every parameter."""

import json

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

from schemas.models import Field, Schema
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def document(client) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_it_passes_an_independent_openapi_validator(anonymous_api, library):
    validate(document(anonymous_api))


def test_it_passes_spectacular_validation_without_warnings(library, tmp_path):
    out = tmp_path / "openapi.yaml"

    call_command("spectacular", validate=True, fail_on_warn=True, file=str(out))

    assert "/api/v1/books/{id}/" in yaml.safe_load(out.read_text())["paths"]


def test_it_serves_yaml_too(anonymous_api, library):
    response = anonymous_api.get("/api/schema/")

    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_it_has_one_path_set_and_component_set_per_schema(anonymous_api, library):
    doc = document(anonymous_api)

    assert set(doc["paths"]) == {
        "/api/v1/authors/",
        "/api/v1/authors/{id}/",
        "/api/v1/books/",
        "/api/v1/books/{id}/",
    }
    assert set(doc["paths"]["/api/v1/books/{id}/"]) == {"get", "put", "patch", "delete"}
    assert {"Books", "BooksRequest", "PatchedBooksRequest", "PaginatedBooksList", "Authors"} <= set(
        doc["components"]["schemas"]
    )
    assert doc["paths"]["/api/v1/books/"]["post"]["operationId"] == "books_create"


def test_it_documents_the_constraints(anonymous_api, library):
    books = document(anonymous_api)["components"]["schemas"]["BooksRequest"]
    properties = books["properties"]

    assert properties["title"]["maxLength"] == 200
    assert properties["genre"]["enum"] == ["fiction", "science", "history"]
    assert properties["isbn"]["pattern"] == "^[0-9]{13}$"
    assert properties["published"]["nullable"] is True
    assert "at least 0" in properties["price"]["description"]
    assert set(books["required"]) == {"title", "price", "genre", "author"}
    assert "sku" not in properties  # read-only fields are not in request bodies


def test_it_documents_integer_bounds_as_minimum_and_maximum(anonymous_api, library):
    books = Schema.objects.get(slug="books")
    Field.objects.create(schema=books, name="pages", type="integer", min_value=1, max_value=5000)

    pages = document(anonymous_api)["components"]["schemas"]["Books"]["properties"]["pages"]

    assert (pages["minimum"], pages["maximum"]) == (1, 5000)


def test_it_documents_every_query_parameter(anonymous_api, library):
    parameters = {
        parameter["name"]
        for parameter in document(anonymous_api)["paths"]["/api/v1/books/"]["get"]["parameters"]
    }

    assert {"page", "page_size", "ordering", "search", "fields", "expand"} <= parameters
    assert {"price__gte", "price__lt", "genre__in", "title__icontains", "published__isnull"} <= parameters
    assert {"genre__ne", "title__startswith", "author", "id__in"} <= parameters


def test_it_documents_references_as_an_id_or_the_expanded_row(anonymous_api, library):
    author = document(anonymous_api)["components"]["schemas"]["Books"]["properties"]["author"]

    assert author["oneOf"] == [{"type": "integer"}, {"$ref": "#/components/schemas/Authors"}]


def test_it_documents_error_responses_as_problem_details(anonymous_api, library):
    doc = document(anonymous_api)
    create = doc["paths"]["/api/v1/books/"]["post"]["responses"]

    assert {"201", "400", "409", "413", "503"} <= set(create)
    assert create["400"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert "Location" in create["201"]["headers"]
    assert "404" in doc["paths"]["/api/v1/books/{id}/"]["get"]["responses"]
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]


def test_it_keeps_enums_of_different_schemas_apart(anonymous_api, library):
    authors = Schema.objects.get(slug="authors")
    Field.objects.create(schema=authors, name="genre", type="enum", choices=["poetry", "prose"])

    schemas = document(anonymous_api)["components"]["schemas"]

    assert schemas["Authors"]["properties"]["genre"]["enum"] == ["poetry", "prose"]
    assert schemas["Books"]["properties"]["genre"]["enum"] == ["fiction", "science", "history"]


def test_it_follows_schema_edits_on_the_next_request(anonymous_api, library):
    before = document(anonymous_api)
    Field.objects.filter(schema__slug="books", name="title").get().delete()

    after = document(anonymous_api)

    assert "title" in before["components"]["schemas"]["Books"]["properties"]
    assert "title" not in after["components"]["schemas"]["Books"]["properties"]


def test_it_serves_the_same_bytes_while_nothing_changes(anonymous_api, library):
    first = anonymous_api.get("/api/schema/?format=json").content
    second = anonymous_api.get("/api/schema/?format=json").content

    assert first == second
    assert json.loads(first)["info"]["title"] == "fauxsite API"


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_it_serves_the_docs_pages_from_installed_files(anonymous_api, library, page):
    response = anonymous_api.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg" not in html
