"""A request's filters come from a narrowed filterset built once and shared, keeping no request's state."""

import pytest
from django.http import QueryDict

from schemas.catalog import current_catalog
from schemas.filters import narrowed_filterset
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def books(library):
    catalog = current_catalog()
    author = catalog.get("authors").model.objects.create(name="Ann", email="ann@example.com")
    Book = catalog.get("books").model
    rows = [("A", "fiction", "5.00"), ("B", "science", "15.00"), ("C", "fiction", "25.00")]
    for title, genre, price in rows:
        Book.objects.create(title=title, genre=genre, price=price, author=author, in_stock=True)
    return catalog.get("books")


def titles(api, query: str) -> list[str]:
    response = api.get(f"/api/v1/books/?{query}&ordering=title")
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_one_narrowed_filterset_serves_every_request_naming_the_same_filters(books):
    full = books.filterset_class
    narrowed = narrowed_filterset(full, frozenset({"genre", "price__gte"}))

    assert narrowed_filterset(full, frozenset({"price__gte", "genre"})) is narrowed
    in_full_order = [name for name in full.base_filters if name in {"genre", "price__gte"}]
    assert list(narrowed.base_filters) == in_full_order
    # Required in the narrowed copy only: the OpenAPI document reads the full one.
    assert narrowed.base_filters["price__gte"].extra["required"]
    assert not full.base_filters["price__gte"].extra.get("required")


def test_requests_sharing_filters_each_get_their_own_values(anonymous_api, books):
    assert titles(anonymous_api, "genre=fiction&price__gte=10") == ["C"]
    assert titles(anonymous_api, "genre=science&price__gte=10") == ["B"]
    assert titles(anonymous_api, "genre=fiction&price__gte=1") == ["A", "C"]


def test_a_shared_filter_still_refuses_a_bad_value_by_name(anonymous_api, books):
    assert titles(anonymous_api, "genre=fiction&price__gte=1") == ["A", "C"]

    response = anonymous_api.get("/api/v1/books/?genre=fiction&price__gte=ten")

    assert response.status_code == 400
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["price__gte"]


def test_valid_values_filter_without_building_a_form(books):
    narrowed = narrowed_filterset(books.filterset_class, frozenset({"genre", "price__gte"}))
    filterset = narrowed(QueryDict("genre=fiction&price__gte=10"), books.model.objects.all())

    assert filterset.is_valid()
    assert [row.title for row in filterset.qs] == ["C"]
    # The form deep-copies every field; valid values are read by the shared ones.
    assert not hasattr(filterset, "_form")


def test_a_refused_value_is_reported_by_the_form_with_every_other_refusal(anonymous_api, books):
    response = anonymous_api.get("/api/v1/books/?genre=fiction&price__gte=ten&in_stock=maybe&price__lte=")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"price__gte", "in_stock", "price__lte"}
    assert errors["in_stock"] == ["Use true or false."]
    assert errors["price__lte"] == ["This field is required."]


def test_an_unbound_narrowed_filterset_filters_nothing(books):
    narrowed = narrowed_filterset(books.filterset_class, frozenset({"genre"}))
    filterset = narrowed(None, books.model.objects.all())

    assert not filterset.is_valid()
    assert filterset.qs.count() == 3
