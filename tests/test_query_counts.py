"""List and retrieve cost a constant number of queries, whatever the page size or expansion."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from datasources.dialects import dialect_for
from schemas.catalog import current_catalog
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def rows(library):
    catalog = current_catalog()
    Author = catalog.get("authors").model
    Book = catalog.get("books").model
    authors = Author.objects.bulk_create(
        [Author(name=f"Author {n}", email=f"a{n}@example.com") for n in range(30)]
    )
    Book.objects.bulk_create(
        [
            Book(title=f"Book {n}", price="1.00", genre="fiction", author=authors[n % 30], in_stock=True)
            for n in range(60)
        ]
    )


def count_queries(api, url) -> int:
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["fixtures"]) as fixtures,
    ):
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(default) + len(fixtures)


def test_it_lists_with_the_same_queries_for_any_page_size(anonymous_api, rows):
    counts = {size: count_queries(anonymous_api, f"/api/v1/books/?page_size={size}") for size in (1, 10, 60)}

    assert len(set(counts.values())) == 1, counts
    # Catalog revision, the count, SELECT.
    assert counts[60] == 2 + whole_table_count_statements()


def whole_table_count_statements() -> int:
    """A bounded COUNT; or a probe past the bound and COUNT(*), where that is cheaper (SQLite)."""
    return 2 if dialect_for(connections["fixtures"]).counts_tables_without_reading_rows else 1


def test_it_expands_with_the_same_queries_for_any_page_size(anonymous_api, rows):
    plain = count_queries(anonymous_api, "/api/v1/books/?page_size=60")
    counts = {
        size: count_queries(anonymous_api, f"/api/v1/books/?page_size={size}&expand=author")
        for size in (1, 10, 60)
    }

    assert set(counts.values()) == {plain}, counts


def test_it_retrieves_with_and_without_expansion_in_the_same_queries(anonymous_api, rows):
    plain = count_queries(anonymous_api, "/api/v1/books/5/")
    expanded = count_queries(anonymous_api, "/api/v1/books/5/?expand=author")

    assert plain == expanded == 2


def test_it_filters_and_orders_without_extra_queries(anonymous_api, rows):
    url = "/api/v1/books/?page_size=60&genre=fiction&ordering=-price,title&search=Book"

    assert count_queries(anonymous_api, url) == 3


def test_it_creates_with_a_token_reading_the_catalog_revision_once(library):
    from rest_framework.test import APIClient

    from tests.oauth_helpers import bearer, fetch_token, make_application

    application = make_application("writer", "authors:write")
    client = APIClient()
    client.credentials(**bearer(fetch_token(client, application, "authors:write")))
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["fixtures"]) as fixtures,
    ):
        response = client.post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json")
    assert response.status_code == 201, response.content

    # Catalog revision with the token (once: the token's scopes come from the
    # same catalog), audit entry; the unique email's check and the INSERT.
    revisions = [query for query in default if "catalogrevision" in query["sql"]]
    assert len(revisions) == 1
    assert "token_checksum" in revisions[0]["sql"]
    assert (len(default), len(fixtures)) == (2, 2), [query["sql"][:80] for query in [*default, *fixtures]]
