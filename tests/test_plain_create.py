"""A create sends the INSERT written once per model; when more than that is owed, the ORM saves it."""

import pytest
from django.db import connections
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from schemas.catalog import current_catalog
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def author(api, library):
    return api.post("/api/v1/authors/", {"name": "ann", "email": "ann@example.com"}, format="json").json()


def _book(author: dict) -> dict:
    return {"title": "Dune", "price": "9.99", "genre": "fiction", "author": author["id"]}


def test_it_inserts_a_new_row_once_and_serves_it_as_stored(api, author):
    books = current_catalog().get("books").model
    with CaptureQueriesContext(connections[books._fauxsite_alias]) as sent:
        created = api.post("/api/v1/books/", _book(author), format="json")
    assert created.status_code == 201, created.content
    inserts = [query["sql"] for query in sent.captured_queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    body = created.json()
    assert api.get(f"/api/v1/books/{body['id']}/").json() == body
    assert (body["in_stock"], body["published"], body["isbn"]) == (True, None, None)


def test_a_second_row_gets_the_next_key_and_edits_update_it(api, author):
    first = api.post("/api/v1/books/", _book(author), format="json").json()
    second = api.post("/api/v1/books/", _book(author), format="json").json()
    assert second["id"] > first["id"]
    assert api.patch(f"/api/v1/books/{second['id']}/", {"title": "Emma"}, format="json").status_code == 200
    assert api.get("/api/v1/books/?page_size=10").json()["count"] == 2


def test_it_saves_through_the_orm_when_a_receiver_listens(api, author):
    books = current_catalog().get("books").model
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=books, weak=False)
    try:
        created = api.post("/api/v1/books/", _book(author), format="json")
    finally:
        post_save.disconnect(receiver, sender=books)
    assert created.status_code == 201, created.content
    assert heard == [(created.json()["id"], True)]
