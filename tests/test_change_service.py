"""Every catalog change is one operation of the change service: one revision, one record, no leftovers."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from datasources.models import DataSource
from schemas import changes, fixture_tables
from schemas.admin import CONFIRM
from schemas.catalog import catalog_at, current_catalog
from schemas.models import CatalogRevision, Field, RetiredColumn, Schema, SchemaChange
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

SCHEMA_ADD_PATH = "/admin/schemas/schema/add/"
EIGHT_FIELDS = [
    dict(name="title", type="string", max_length="200"),
    dict(name="body", type="text"),
    dict(name="pages", type="integer", min_value="1"),
    dict(name="price", type="decimal", max_digits="8", decimal_places="2"),
    dict(name="rating", type="float"),
    dict(name="in_print", type="boolean"),
    dict(name="published", type="date"),
    dict(name="genre", type="enum", choices='["fiction", "history"]'),
]


def fixture_tables_now() -> set[str]:
    connection = connections["fixtures"]
    with connection.cursor() as cursor:
        return {name for name in connection.introspection.table_names(cursor) if name.startswith("fx_")}


def columns(table: str) -> set[str]:
    connection = connections["fixtures"]
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def admin_form(slug: str, fields: list[dict]) -> dict[str, str]:
    data = {
        "slug": slug, "name": slug.title(), "description": "", "locale": "en_US", "access": "public",
        "read_rate_limit": "", "write_rate_limit": "", "data_source": "", "table_schema": "",
        "table_name": "", "pk_column": "id", "_save": "Save",
        "fields-TOTAL_FORMS": str(len(fields)), "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "1000",
    }
    for index, options in enumerate(fields):
        form = {"position": str(index), "required": "on", "faker": "", **options}
        data.update({f"fields-{index}-{key}": value for key, value in form.items()})
    return data


@pytest.fixture
def notes():
    return changes.create_schema(slug="notes", name="Notes", fields=[
        dict(name="title", type="string", max_length=50),
        dict(name="code", type="string", max_length=20),
    ])


def add_notes(api, count: int) -> None:
    for number in range(count):
        body = {"title": f"note {number}", "code": str(number)}
        assert api.post("/api/v1/notes/", body, format="json").status_code == 201


# The admin --------------------------------------------------------------------------------


def test_it_saves_a_new_schema_with_eight_fields_in_the_admin_as_one_revision(admin_client):
    before = CatalogRevision.current()

    with CaptureQueriesContext(connections["fixtures"]) as fixtures:
        response = admin_client.post(SCHEMA_ADD_PATH, admin_form("shelf", EIGHT_FIELDS))

    assert response.status_code == 302, response.content[:3000]
    schema = Schema.objects.get(slug="shelf")
    assert CatalogRevision.current() == before + 1
    assert Schema.objects.get(pk=schema.pk).version == 2
    statements = [query["sql"] for query in fixtures.captured_queries]
    writes = [sql for sql in statements if sql.startswith(("CREATE", "ALTER", "INSERT", "UPDATE"))]
    assert len(writes) == 1, writes  # the table, with its eight columns
    assert len(columns(f"fx_{schema.pk}")) == 9
    [change] = SchemaChange.objects.all()
    assert (change.action, change.schema_slugs, change.actor_name) == ("create schema", "shelf", "admin")
    assert change.before == [] and len(change.after[0]["fields"]) == 8


def test_it_saves_an_edit_of_schema_and_fields_in_the_admin_as_one_revision(admin_client, notes):
    page = admin_client.get(f"/admin/schemas/schema/{notes.pk}/change/")
    assert page.status_code == 200
    title, code = Field.objects.filter(schema=notes).order_by("position")
    data = admin_form("notes", [])
    data.update({"description": "Short notes.", "fields-TOTAL_FORMS": "3", "fields-INITIAL_FORMS": "2"})
    for index, (field, options) in enumerate([(title, {"name": "headline"}), (code, {"DELETE": "on"})]):
        form = {"id": str(field.pk), "schema": str(notes.pk), "name": field.name, "type": "string",
                "position": str(field.position), "required": "on", "max_length": str(field.max_length),
                "faker": "", **options}
        data.update({f"fields-{index}-{key}": value for key, value in form.items()})
    data.update({"fields-2-name": "score", "fields-2-type": "integer", "fields-2-position": "3",
                 "fields-2-required": "on", "fields-2-faker": ""})
    before = CatalogRevision.current()
    # Removing a field breaks clients: confirmed, as on the admin's confirmation page.
    confirmation = admin_client.post(f"/admin/schemas/schema/{notes.pk}/change/", data)
    data[CONFIRM] = confirmation.context["plan"].digest

    response = admin_client.post(f"/admin/schemas/schema/{notes.pk}/change/", data)

    assert response.status_code == 302, response.content[:3000]
    assert CatalogRevision.current() == before + 1
    assert [f.name for f in Field.objects.filter(schema=notes)] == ["headline", "score"]
    change = SchemaChange.objects.first()
    assert change.summary.splitlines() == [
        "notes: changed description",
        "notes: renamed field title to headline",
        "notes: added field score",
        "notes: removed field code",
    ]


def test_it_deletes_the_schemas_selected_in_the_admin_through_the_service(admin_client, api, notes):
    selected = [notes] + [
        changes.create_schema(slug=slug, name=slug.title(), fields=[dict(name="label", type="string")])
        for slug in ("shelves", "tags")
    ]
    tables = {f"fx_{schema.pk}" for schema in selected}
    assert api.get("/api/v1/notes/").status_code == 200  # this worker has built the catalog
    before = CatalogRevision.current()

    response = admin_client.post("/admin/schemas/schema/", {
        "action": "delete_selected", "post": "yes",
        "_selected_action": [str(schema.pk) for schema in selected],
    })

    assert response.status_code == 302, response.content[:3000]
    assert not Schema.objects.exists()
    assert CatalogRevision.current() == before + 1
    assert not tables & fixture_tables_now()
    for slug in ("notes", "shelves", "tags"):
        assert api.get(f"/api/v1/{slug}/").status_code == 404
    [change] = SchemaChange.objects.filter(action="delete schemas")
    assert change.schema_slugs == "notes shelves tags" and change.after == []


def test_it_deletes_one_schema_in_the_admin_through_the_service(admin_client, api, notes):
    assert api.get("/api/v1/notes/").status_code == 200

    response = admin_client.post(f"/admin/schemas/schema/{notes.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert f"fx_{notes.pk}" not in fixture_tables_now()
    assert api.get("/api/v1/notes/").status_code == 404


# The service --------------------------------------------------------------------------------


def test_it_leaves_saving_a_model_without_side_effects():
    before = CatalogRevision.current()

    schema = Schema.objects.create(slug="quiet", name="Quiet")
    Field.objects.create(schema=schema, name="label", type="string")
    schema.delete()

    assert CatalogRevision.current() == before
    assert not fixture_tables_now()


def test_it_creates_a_schema_with_its_fields_as_one_revision(api):
    before = CatalogRevision.current()

    changes.create_schema(slug="shelf", name="Shelf", fields=[
        dict(name="label", type="string"), dict(name="size", type="integer"),
    ])

    assert CatalogRevision.current() == before + 1
    assert api.get("/api/v1/shelf/").status_code == 200


def test_it_refuses_an_invalid_change_and_changes_nothing(notes):
    before = CatalogRevision.current()

    with pytest.raises(ValidationError) as refused:
        changes.add_field(schema=notes, name="page", type="boolean", max_length=3)

    assert "max_length" in refused.value.message_dict
    assert CatalogRevision.current() == before
    assert not Field.objects.filter(name="page").exists()
    assert not SchemaChange.objects.filter(action="add field").exists()


def test_it_changes_nothing_when_nothing_changed(notes):
    before = CatalogRevision.current()

    changes.save_schema(Schema.objects.get(pk=notes.pk))

    assert CatalogRevision.current() == before


def test_it_records_what_changed_with_the_definitions_before_and_after(notes):
    code = Field.objects.get(schema=notes, name="code")

    changes.update_field(code, type="integer", max_length=None)

    change = SchemaChange.objects.first()
    assert change.action == "edit field"
    assert change.summary == "notes: changed field code (type, max_length)"
    assert change.revision == CatalogRevision.current()
    [before], [after] = change.before, change.after
    assert [(f["name"], f["type"]) for f in before["fields"]] == [("title", "string"), ("code", "string")]
    assert [(f["name"], f["type"]) for f in after["fields"]] == [("title", "string"), ("code", "integer")]


def test_it_routes_a_source_switch_through_the_service(notes):
    before = CatalogRevision.current()

    changes.set_source(notes, "live")

    assert CatalogRevision.current() == before + 1
    assert SchemaChange.objects.first().summary == "notes: changed source"


def test_it_rebuilds_the_schemas_on_a_data_source_once_per_change_of_the_source(notes):
    # datasources does not know the catalog: it signals, and the service bumps.
    source = DataSource.objects.create(name="warehouse", host="db.example.com", database="shop",
                                       user="reader")
    changes.update_schema(notes, data_source=source, table_name="notes")
    revision, version = CatalogRevision.current(), Schema.objects.get(pk=notes.pk).version

    source.port = 6543
    source.save()

    assert CatalogRevision.current() == revision + 1
    assert Schema.objects.get(pk=notes.pk).version == version + 1
    assert DataSource.objects.get(pk=source.pk).revision == 2
    assert not SchemaChange.objects.filter(revision=revision + 1).exists()

    changes.update_schema(notes, data_source=None, table_name="")
    revision = CatalogRevision.current()
    source.delete()
    assert CatalogRevision.current() == revision + 1


# Old revisions stay readable ----------------------------------------------------------------


def test_it_keeps_a_removed_fields_column_for_workers_on_the_old_revision(api, notes):
    add_notes(api, 3)
    old = current_catalog()

    changes.remove_field(Field.objects.get(schema=notes, name="code"))

    assert list(old.get("notes").model.objects.values_list("code", flat=True)) == ["0", "1", "2"]
    assert "code" not in api.get("/api/v1/notes/").json()["results"][0]


def test_it_gives_a_retyped_field_a_new_column_and_keeps_the_old_one_readable(api, notes):
    add_notes(api, 3)
    old = current_catalog()
    code = Field.objects.get(schema=notes, name="code")
    old_id = code.pk

    changes.update_field(code, type="integer", max_length=None)

    assert code.pk != old_id
    assert list(old.get("notes").model.objects.values_list("code", flat=True)) == ["0", "1", "2"]
    assert [row["code"] for row in api.get("/api/v1/notes/").json()["results"]] == [0, 1, 2]


def test_it_drops_retired_columns_once_no_worker_can_read_them(api, notes):
    add_notes(api, 2)
    changes.remove_field(Field.objects.get(schema=notes, name="code"))
    [retired] = RetiredColumn.objects.all()
    table = f"fx_{notes.pk}"
    assert retired.column in columns(table)

    RetiredColumn.objects.update(retired=timezone.now() - fixture_tables.RETIRED_COLUMN_GRACE - timedelta(1))
    changes.add_field(schema=notes, name="unique_tag", type="string", unique=True, required=False)

    assert retired.column not in columns(table)
    assert not RetiredColumn.objects.exists()
    assert len(api.get("/api/v1/notes/").json()["results"]) == 2


def test_it_keeps_retired_columns_when_a_table_is_remade(api, notes):
    add_notes(api, 2)
    old = current_catalog()
    changes.remove_field(Field.objects.get(schema=notes, name="code"))

    # A unique column cannot be added in place on SQLite: the table is remade.
    changes.add_field(schema=notes, name="tag", type="string", unique=True, required=False)

    assert sorted(old.get("notes").model.objects.values_list("code", flat=True)) == ["0", "1"]
    assert catalog_at(CatalogRevision.current()).get("notes").model.objects.count() == 2
