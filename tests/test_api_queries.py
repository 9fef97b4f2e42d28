"""Filters, ordering, search, field selection, expansion and pagination limits."""

import pytest

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

BOOKS = [
    ("Dune", "9.99", "fiction", "1965-08-01", True),
    ("Cosmos", "15.00", "science", "1980-10-01", True),
    ("SPQR", "20.50", "history", None, False),
    ("Neuromancer", "7.25", "fiction", "1984-07-01", False),
]


@pytest.fixture
def shelf(api, library):
    ann = api.post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json").json()
    bob = api.post("/api/v1/authors/", {"name": "Bob", "email": "bob@example.com"}, format="json").json()
    for index, (title, price, genre, published, in_stock) in enumerate(BOOKS):
        body = {
            "title": title,
            "price": price,
            "genre": genre,
            "published": published,
            "in_stock": in_stock,
            "author": (ann if index % 2 == 0 else bob)["id"],
        }
        assert api.post("/api/v1/books/", body, format="json").status_code == 201
    return {"ann": ann, "bob": bob}


def titles(response):
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("genre=fiction", ["Dune", "Neuromancer"]),
        ("genre__ne=fiction", ["Cosmos", "SPQR"]),
        ("genre__in=science,history", ["Cosmos", "SPQR"]),
        ("price__gt=9.99", ["Cosmos", "SPQR"]),
        ("price__gte=9.99", ["Dune", "Cosmos", "SPQR"]),
        ("price__lt=9.99", ["Neuromancer"]),
        ("price__lte=9.99", ["Dune", "Neuromancer"]),
        ("title__contains=o", ["Cosmos", "Neuromancer"]),
        ("title__icontains=DUN", ["Dune"]),
        ("title__startswith=S", ["SPQR"]),
        ("published__isnull=true", ["SPQR"]),
        ("published__gte=1980-01-01", ["Cosmos", "Neuromancer"]),
        ("in_stock=false", ["SPQR", "Neuromancer"]),
        ("in_stock=true&genre=fiction", ["Dune"]),
    ],
)
def test_it_filters_with_operators_that_fit_the_type(api, shelf, query, expected):
    assert titles(api.get(f"/api/v1/books/?{query}")) == expected


def test_it_filters_on_a_reference_by_id(api, shelf):
    assert titles(api.get(f"/api/v1/books/?author={shelf['bob']['id']}")) == ["Cosmos", "Neuromancer"]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("price__gt=cheap", "price__gt"),
        ("published=yesterday", "published"),
        ("in_stock=maybe", "in_stock"),
        ("genre=poetry", "genre"),
        ("author=abc", "author"),
        ("colour=red", "colour"),
        ("title__regex=.*", "title__regex"),
        ("in_stock__gt=true", "in_stock__gt"),
    ],
)
def test_it_refuses_malformed_or_unknown_parameters(api, shelf, query, parameter):
    response = api.get(f"/api/v1/books/?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert parameter in response.json()["errors"]


def test_it_caps_the_number_of_values_in_an_in_filter(api, shelf, settings):
    settings.FAUXSITE_MAX_FILTER_VALUES = 3

    response = api.get("/api/v1/books/?id__in=1,2,3,4")

    assert response.status_code == 400
    assert "id__in" in response.json()["errors"]


def test_it_orders_by_several_fields(api, shelf):
    ordered = titles(api.get("/api/v1/books/?ordering=genre,-price"))

    assert ordered == ["Dune", "Neuromancer", "SPQR", "Cosmos"]


def test_it_refuses_ordering_by_an_unknown_field(api, shelf):
    response = api.get("/api/v1/books/?ordering=-colour")

    assert response.status_code == 400
    assert "colour" in response.json()["errors"]["ordering"][0]


def test_it_searches_across_text_fields(api, shelf):
    assert titles(api.get("/api/v1/books/?search=cosm")) == ["Cosmos"]
    assert titles(api.get("/api/v1/books/?search=history")) == ["SPQR"]


def test_it_serves_only_the_selected_fields(api, shelf):
    response = api.get("/api/v1/books/?fields=id,title&ordering=title")

    assert response.json()["results"][0] == {"id": 2, "title": "Cosmos"}
    assert set(api.get("/api/v1/books/1/?fields=price").json()) == {"price"}


def test_it_refuses_selecting_an_unknown_field(api, shelf):
    response = api.get("/api/v1/books/?fields=title,colour")

    assert response.status_code == 400
    assert "colour" in response.json()["errors"]["fields"][0]


def test_it_expands_references(api, shelf):
    row = api.get("/api/v1/books/1/?expand=author").json()

    assert row["author"] == shelf["ann"]
    listed = api.get("/api/v1/books/?expand=author").json()["results"]
    assert [book["author"]["name"] for book in listed] == ["Ann", "Bob", "Ann", "Bob"]


def test_it_refuses_expanding_a_field_that_is_not_a_reference(api, shelf):
    response = api.get("/api/v1/books/?expand=title")

    assert response.status_code == 400
    assert "expand" in response.json()["errors"]


def test_it_caps_the_page_size(api, shelf, settings):
    settings.FAUXSITE_MAX_PAGE_SIZE = 3

    body = api.get("/api/v1/books/?page_size=1000").json()

    assert len(body["results"]) == 3
    assert body["next"] is not None


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page_size=0", "page_size=-5", "page_size=x"])
def test_it_refuses_malformed_paging(api, shelf, query):
    response = api.get(f"/api/v1/books/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_it_answers_404_past_the_last_page(api, shelf):
    response = api.get("/api/v1/books/?page=9")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
