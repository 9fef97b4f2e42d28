"""Create, read, replace, update and delete rows through /api/v1/<slug>/."""

import pytest

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def author(api, library):
    body = {"name": "Ann Leckie", "email": "ann@example.com"}
    response = api.post("/api/v1/authors/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def book_body(author_id, **changes):
    return {
        "title": "Ancillary Justice",
        "price": "12.50",
        "genre": "fiction",
        "author": author_id,
        **changes,
    }


def test_it_creates_a_row_with_201_and_location(api, author):
    response = api.post("/api/v1/books/", book_body(author["id"]), format="json")

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"http://testserver/api/v1/books/{body['id']}/"
    assert body == {
        "id": body["id"],
        "title": "Ancillary Justice",
        "price": "12.50",
        "genre": "fiction",
        "author": author["id"],
        "published": None,
        "in_stock": True,
        "isbn": None,
        "sku": None,
    }


def test_it_retrieves_what_it_created(api, author):
    created = api.post("/api/v1/books/", book_body(author["id"]), format="json").json()

    response = api.get(f"/api/v1/books/{created['id']}/")

    assert response.status_code == 200
    assert response.json() == created


def test_it_lists_rows_in_a_pagination_envelope(api, author):
    for number in range(3):
        api.post("/api/v1/books/", book_body(author["id"], title=f"Book {number}"), format="json")

    response = api.get("/api/v1/books/?page_size=2")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["next"] == "http://testserver/api/v1/books/?page=2&page_size=2"
    assert body["previous"] is None
    assert [row["title"] for row in body["results"]] == ["Book 0", "Book 1"]


def test_it_replaces_a_row_with_put(api, author):
    body = book_body(author["id"], published="2020-01-02")
    created = api.post("/api/v1/books/", body, format="json").json()

    response = api.put(
        f"/api/v1/books/{created['id']}/", book_body(author["id"], title="Ancillary Sword"), format="json"
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Ancillary Sword"
    # PUT replaces: an optional field left out is reset.
    assert response.json()["published"] is None


def test_it_updates_part_of_a_row_with_patch(api, author):
    created = api.post("/api/v1/books/", book_body(author["id"]), format="json").json()

    response = api.patch(f"/api/v1/books/{created['id']}/", {"price": "9.99"}, format="json")

    assert response.status_code == 200
    assert response.json() == {**created, "price": "9.99"}


def test_it_deletes_a_row_with_204(api, author):
    created = api.post("/api/v1/books/", book_body(author["id"]), format="json").json()

    response = api.delete(f"/api/v1/books/{created['id']}/")

    assert response.status_code == 204
    assert api.get(f"/api/v1/books/{created['id']}/").status_code == 404


def test_it_refuses_to_delete_a_row_that_others_reference(api, author):
    api.post("/api/v1/books/", book_body(author["id"]), format="json")

    response = api.delete(f"/api/v1/authors/{author['id']}/")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "reference" in response.json()["detail"]
    assert api.get(f"/api/v1/authors/{author['id']}/").status_code == 200


def test_it_accepts_a_read_only_value_sent_back_unchanged(api, author):
    created = api.post("/api/v1/books/", book_body(author["id"]), format="json").json()

    response = api.put(f"/api/v1/books/{created['id']}/", {**created, "title": "New"}, format="json")

    assert response.status_code == 200
    assert response.json()["title"] == "New"


def test_it_uses_the_field_default_when_a_value_is_left_out(api, author):
    created = api.post("/api/v1/books/", book_body(author["id"]), format="json").json()

    assert created["in_stock"] is True


def test_it_answers_404_for_an_unknown_row(api, library):
    response = api.get("/api/v1/books/999/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
