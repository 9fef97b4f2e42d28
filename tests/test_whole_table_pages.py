"""Pages of a whole table, read by a statement compiled once per model, order and slice."""

import pytest

from schemas import rows
from schemas.changes import add_field
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

NAMES = ["cyd", "ann", "eve", "bob", "dan"]


@pytest.fixture
def authors(api, library):
    return [_add_author(api, name) for name in NAMES]


def _add_author(api, name: str) -> int:
    response = api.post("/api/v1/authors/", {"name": name, "email": f"{name}@example.com"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _names(api, query: str) -> list[str]:
    return [row["name"] for row in api.get(f"/api/v1/authors/?{query}").json()["results"]]


def test_it_serves_each_order_and_page_as_the_rows_are_now(api, authors):
    assert _names(api, "page_size=2") == ["cyd", "ann"]
    assert _names(api, "page_size=2&page=2") == ["eve", "bob"]
    assert _names(api, "page_size=2&ordering=-name") == ["eve", "dan"]
    assert _names(api, "page_size=2&ordering=name&page=3") == ["eve"]
    _add_author(api, "abe")
    assert _names(api, "page_size=2&ordering=name") == ["abe", "ann"]
    assert _names(api, "page_size=2&page=3") == ["dan", "abe"]


def test_it_reads_a_field_added_since_the_last_page(api, library, authors):
    assert "nickname" not in api.get("/api/v1/authors/").json()["results"][0]
    authors_schema = library[0]
    add_field(schema=authors_schema, name="nickname", type="string", max_length=20, required=False)
    first = api.get("/api/v1/authors/").json()["results"][0]
    assert first["name"] == "cyd" and "nickname" in first


def test_it_serves_pages_past_the_statements_it_keeps(api, authors):
    # A page size each: as many slices as are kept, and more.
    newest_first = list(reversed(NAMES))
    for size in range(1, rows.MAX_PAGE_STATEMENTS + 3):
        assert _names(api, f"page_size={size}&ordering=-id") == newest_first[:size]
