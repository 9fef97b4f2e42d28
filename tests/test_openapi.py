"""The OpenAPI document: one path and component set per schema, valid, with every parameter."""

import json
import re
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

from schemas.changes import add_field, remove_field
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
    add_field(schema=books, name="pages", type="integer", min_value=1, max_value=5000)

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

    assert author["oneOf"] == [
        {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1},
        {"$ref": "#/components/schemas/Authors"},
    ]


def test_it_marks_nothing_required_in_rows_served_since_fields_selects_them(anonymous_api, library):
    schemas = document(anonymous_api)["components"]["schemas"]

    assert "required" not in schemas["Books"]
    assert "required" in schemas["BooksRequest"]
    assert "required" in parameter(anonymous_api, "/api/v1/books/", "get", "fields")["description"]


def test_it_refuses_unknown_fields_in_bodies_and_serves_none(anonymous_api, library):
    schemas = document(anonymous_api)["components"]["schemas"]

    assert schemas["BooksRequest"]["additionalProperties"] is False
    assert schemas["PatchedBooksRequest"]["additionalProperties"] is False
    assert schemas["Books"]["additionalProperties"] is False


def test_it_documents_times_as_a_pattern_without_an_offset(anonymous_api, library):
    add_field(schema=Schema.objects.get(slug="books"), name="opens", type="time", required=False)
    schemas = document(anonymous_api)["components"]["schemas"]
    request = re.compile(schemas["BooksRequest"]["properties"]["opens"]["pattern"])
    served = re.compile(schemas["Books"]["properties"]["opens"]["pattern"])

    assert "format" not in schemas["BooksRequest"]["properties"]["opens"]
    assert all(request.match(value) for value in ("12:30", "12:30:00", "23:59:59.250000"))
    assert not any(request.match(value) for value in ("12:30:00Z", "12:30+02:00", "24:00", "7:30"))
    assert served.match("12:30:00") and served.match("12:30:00.250000") and not served.match("12:30")
    assert parameter(anonymous_api, "/api/v1/books/", "get", "opens__gte")["schema"]["pattern"] == (
        schemas["BooksRequest"]["properties"]["opens"]["pattern"]
    )


def test_it_documents_decimals_as_strings_or_numbers_within_their_digits(anonymous_api, library):
    schemas = document(anonymous_api)["components"]["schemas"]
    text, number = schemas["BooksRequest"]["properties"]["price"]["anyOf"]
    pattern = re.compile(text["pattern"])

    assert (number["type"], number["minimum"], number["maximum"]) == ("number", 0, 999999.99)
    assert number["multipleOf"] == 0.01
    assert all(pattern.match(value) for value in ("0", "12.5", "999999.99"))
    assert not any(pattern.match(value) for value in ("", "-1", "1.234", "1e3", "1234567", ".5"))
    assert re.match(schemas["Books"]["properties"]["price"]["pattern"], "12.50")
    assert not re.match(schemas["Books"]["properties"]["price"]["pattern"], "12.5")


def test_it_narrows_decimal_patterns_to_the_bounds(anonymous_api, library):
    add_field(
        schema=Schema.objects.get(slug="books"), name="weight", type="decimal",
        max_digits=6, decimal_places=3, min_value=Decimal("-99.5"), max_value=Decimal("99.5"),
    )
    weight = document(anonymous_api)["components"]["schemas"]["BooksRequest"]["properties"]["weight"]
    text, number = weight["anyOf"]

    assert (number["minimum"], number["maximum"], number["multipleOf"]) == (-99.5, 99.5, 0.001)
    # Every string the pattern allows is within the bounds; numbers cover the rest.
    assert re.match(text["pattern"], "-9.999") and not re.match(text["pattern"], "10")


def test_it_documents_filter_values_as_the_api_reads_them(anonymous_api, library):
    def schema(name):
        return parameter(anonymous_api, "/api/v1/books/", "get", name)["schema"]

    assert schema("id") == {"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1}
    assert schema("author__in")["items"]["format"] == "int64"
    assert re.match(schema("price__gte")["pattern"], "-12.50")
    assert schema("ordering")["items"]["enum"][:4] == ["id", "-id", "title", "-title"]


def test_it_links_a_created_row_to_the_operations_on_it(anonymous_api, library):
    links = document(anonymous_api)["paths"]["/api/v1/books/"]["post"]["responses"]["201"]["links"]

    assert {link["operationId"] for link in links.values()} == {
        "books_retrieve", "books_update", "books_partial_update", "books_destroy",
    }
    assert all(link["parameters"] == {"id": "$response.body#/id"} for link in links.values())


def test_it_documents_400_on_every_operation(anonymous_api, library):
    for operations in document(anonymous_api)["paths"].values():
        for operation in operations.values():
            assert {"400", "401", "429"} <= set(operation["responses"])


def parameter(client, path: str, method: str, name: str) -> dict:
    operation = document(client)["paths"][path][method]
    return next(parameter for parameter in operation["parameters"] if parameter["name"] == name)


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
    add_field(schema=authors, name="genre", type="enum", choices=["poetry", "prose"])

    schemas = document(anonymous_api)["components"]["schemas"]

    assert schemas["Authors"]["properties"]["genre"]["enum"] == ["poetry", "prose"]
    assert schemas["Books"]["properties"]["genre"]["enum"] == ["fiction", "science", "history"]


def test_it_follows_schema_edits_on_the_next_request(anonymous_api, library):
    before = document(anonymous_api)
    remove_field(Field.objects.filter(schema__slug="books", name="title").get())

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
