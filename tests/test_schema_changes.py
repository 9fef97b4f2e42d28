"""Schema edits take effect on the next request and keep existing fixture rows valid."""

import pytest
from django.db import connections

from schemas.catalog import current_catalog
from schemas.changes import (
    add_field,
    create_schema,
    delete_schema,
    remove_field,
    rename_field,
    update_field,
)
from schemas.models import CatalogRevision, Field, Schema
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def notes():
    return create_schema(slug="notes", name="Notes", fields=[
        dict(name="title", type="string", max_length=50),
        dict(name="code", type="string", max_length=20),
    ])


def add_rows(api, rows):
    for row in rows:
        response = api.post("/api/v1/notes/", row, format="json")
        assert response.status_code == 201, response.content


def served(api, query=""):
    response = api.get(f"/api/v1/notes/?page_size=100{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def field(schema, name) -> Field:
    return Field.objects.get(schema=schema, name=name)


def test_it_keeps_values_when_a_field_is_renamed(api, notes):
    add_rows(api, [{"title": "first", "code": "a"}, {"title": "second", "code": "b"}])

    title = field(notes, "title")
    rename_field(title, "headline")

    assert [row["headline"] for row in served(api)] == ["first", "second"]
    assert all("title" not in row for row in served(api))


def test_it_drops_a_removed_field(api, notes):
    add_rows(api, [{"title": "first", "code": "a"}])

    remove_field(field(notes, "code"))

    assert served(api) == [{"id": 1, "title": "first"}]
    response = api.post("/api/v1/notes/", {"title": "x", "code": "y"}, format="json")
    assert response.json()["errors"] == {"code": ["Unknown field."]}


def test_it_fills_a_new_required_field_on_existing_rows(api, notes):
    add_rows(api, [{"title": "first", "code": "a"}, {"title": "second", "code": "b"}])

    add_field(schema=notes, name="score", type="integer", min_value=1, max_value=5)

    scores = [row["score"] for row in served(api)]
    assert all(isinstance(score, int) and 1 <= score <= 5 for score in scores), scores


def test_it_gives_a_new_field_its_default_on_existing_rows(api, notes):
    add_rows(api, [{"title": "first", "code": "a"}])

    add_field(schema=notes, name="archived", type="boolean", default=False)

    assert served(api)[0]["archived"] is False


def test_it_converts_values_when_the_type_changes(api, notes):
    add_rows(api, [{"title": "a", "code": "42"}, {"title": "b", "code": "x9"}])

    code = field(notes, "code")
    update_field(code, type="integer", max_length=None)

    rows = served(api)
    assert rows[0]["code"] == 42
    assert isinstance(rows[1]["code"], int)


def test_it_replaces_values_a_tighter_limit_makes_invalid(api, notes):
    add_rows(api, [{"title": "short", "code": "a"}, {"title": "a rather long title", "code": "b"}])

    title = field(notes, "title")
    update_field(title, max_length=10)

    titles = [row["title"] for row in served(api)]
    assert titles[0] == "short"
    assert len(titles[1]) <= 10


def test_it_keeps_enum_values_that_remain_choices(api, notes):
    add_field(schema=notes, name="status", type="enum", choices=["draft", "live", "gone"])
    add_rows(
        api,
        [{"title": "a", "code": "1", "status": "draft"}, {"title": "b", "code": "2", "status": "gone"}],
    )

    status = field(notes, "status")
    update_field(status, choices=["draft", "live"])

    statuses = [row["status"] for row in served(api)]
    assert statuses[0] == "draft"
    assert statuses[1] in ("draft", "live")


def test_it_makes_values_unique_when_a_field_becomes_unique(api, notes):
    add_rows(api, [{"title": "same", "code": "a"}, {"title": "same", "code": "b"}])

    title = field(notes, "title")
    update_field(title, unique=True)

    titles = [row["title"] for row in served(api)]
    assert titles[0] == "same"
    assert len(set(titles)) == 2
    duplicate = api.post("/api/v1/notes/", {"title": "same", "code": "c"}, format="json")
    assert "title" in duplicate.json()["errors"]


def test_it_serves_an_edit_on_the_next_request(api, notes):
    before = CatalogRevision.current()
    add_rows(api, [{"title": "a", "code": "b"}])

    add_field(schema=notes, name="body", type="text", required=False)

    assert CatalogRevision.current() > before
    assert "body" in served(api)[0]
    assert current_catalog().revision == CatalogRevision.current()


def test_it_bumps_the_schema_version_on_every_change(notes):
    version = Schema.objects.get(pk=notes.pk).version

    title = field(notes, "title")
    update_field(title, description="What the note is about.")

    assert Schema.objects.get(pk=notes.pk).version == version + 1


def test_it_drops_the_fixture_table_with_its_schema(api, notes):
    table = current_catalog().get("notes").model._meta.db_table

    delete_schema(Schema.objects.get(pk=notes.pk))

    with connections["fixtures"].cursor() as cursor:
        assert table not in connections["fixtures"].introspection.table_names(cursor)
    assert api.get("/api/v1/notes/").status_code == 404


def test_it_refuses_to_delete_a_schema_others_reference(library):
    from django.db.models import ProtectedError

    authors, _books = library

    with pytest.raises(ProtectedError):
        delete_schema(authors)
    assert Schema.objects.filter(slug="authors").exists()
