"""The bounded COUNT of a list: written around the compiled subquery, a whole table's written once."""

import pytest

from schemas.catalog import current_catalog
from schemas.pagination import Count, bounded_count
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def _add_author(api, name: str) -> int:
    response = api.post("/api/v1/authors/", {"name": name, "email": f"{name}@example.com"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_it_counts_the_rows_of_a_whole_table_as_they_are_now(api, library):
    assert api.get("/api/v1/authors/").json()["count"] == 0
    first = _add_author(api, "ann")
    _add_author(api, "bob")
    assert api.get("/api/v1/authors/").json()["count"] == 2
    assert api.delete(f"/api/v1/authors/{first}/").status_code == 204
    assert api.get("/api/v1/authors/").json()["count"] == 1


def test_it_counts_a_whole_table_and_a_filtered_list_under_each_limit(api, library):
    for name in ("ann", "bob", "cyd"):
        _add_author(api, name)
    authors = current_catalog().get("authors").model.objects.all()
    assert bounded_count(authors, 3) == Count(3, True)
    assert bounded_count(authors, 2) == Count(3, False)
    assert bounded_count(authors, 1) == Count(2, False)
    # What expand adds joins rows in and counts none.
    assert bounded_count(authors.select_related(), 3) == Count(3, True)
    assert bounded_count(authors.select_related(), 2) == Count(3, False)
    assert bounded_count(authors.filter(name__in=["ann", "cyd"]), 2) == Count(2, True)
    assert bounded_count(authors.filter(name__gt="ann"), 1) == Count(2, False)


def test_it_counts_no_rows_for_a_filter_nothing_can_match(api, library):
    _add_author(api, "ann")
    authors = current_catalog().get("authors").model.objects.all()
    assert bounded_count(authors.filter(pk__in=[]), 10) == Count(0, True)

