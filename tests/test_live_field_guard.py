"""
A live schema is never taken down by an edit: a field whose column the live
table lacks is refused, with the SQL that adds the column, in the admin and
in a schema-file import; once the column exists the same edit goes through.
"""

from __future__ import annotations

import html
import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from golive.provision import apply_plan, provision_plan
from golive.switching import switch_source
from schemas.admin import CONFIRM
from schemas.changes import add_field, create_schema
from schemas.models import Schema, Source
from tests import test_live_support as support
from tests.postgres import free_port
from tests.test_admin_schemas import admin_client, schema_form  # noqa: F401  (admin_client: a fixture)
from tests.test_live_support import LIVE_DATABASES, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

_sources = itertools.count()


@pytest.fixture
def pets(live_db, api) -> Schema:
    """A live schema with one field, provisioned, holding one row."""
    source = make_source(live_db, name=f"zoo{next(_sources)}")
    schema = create_schema(
        slug="pets", name="Pets", data_source=source, table_name=f"pets_{source.name}"
    )
    add_field(schema=schema, name="name", type="string", max_length=40, position=1)
    apply_plan(provision_plan(schema))
    switch_source(schema, Source.LIVE, actor="test")
    live_db.execute(f"""INSERT INTO "{schema.table_name}" (name) VALUES ('Rex')""")
    return Schema.objects.get(pk=schema.pk)


def change_form(schema: Schema, new_fields=(), **changes) -> dict:
    """The admin's change form of ``schema``: its fields as stored (with ``changes``), then ``new_fields``."""
    stored = list(schema.fields.all())
    fields = [
        {"name": f.name, "type": f.type, "max_length": str(f.max_length or ""), "db_column": f.db_column,
         "position": str(f.position), **changes.get(f.name, {})}
        for f in stored
    ]
    data = schema_form(schema.slug, [*fields, *new_fields], name=schema.name)
    data.update({
        "data_source": schema.data_source_id, "table_name": schema.table_name, "table_schema": "",
        "fields-INITIAL_FORMS": str(len(stored)),
    })
    for index, field in enumerate(stored):
        data.update({f"fields-{index}-id": field.pk, f"fields-{index}-schema": schema.pk})
    return data


def post_change(client, schema: Schema, data: dict):
    path = f"/admin/schemas/schema/{schema.pk}/change/"
    response = client.post(path, data)
    if response.status_code == 200 and "plan" in response.context:
        # A breaking change: Apply on the confirmation page, as a person would.
        response = client.post(path, {**data, CONFIRM: response.context["plan"].digest})
    return response


def page_text(response) -> str:
    assert response.status_code == 200, "the form should be shown again with errors"
    return html.unescape(response.content.decode())


PHONE = {"name": "phone", "type": "string", "max_length": "20", "required": False, "position": "2"}


def add_phone_sql(schema: Schema) -> str:
    return f'ALTER TABLE "public"."{schema.table_name}" ADD COLUMN "phone" varchar(20)'


def test_it_refuses_in_the_admin_a_field_the_live_table_has_no_column_for(admin_client, pets, api):  # noqa: F811
    page = page_text(post_change(admin_client, pets, change_form(pets, [PHONE])))

    assert f"The live table public.{pets.table_name} has no column 'phone'" in page
    assert add_phone_sql(pets) in page
    assert "manage.py provision pets --apply" in page
    assert not pets.fields.filter(name="phone").exists()
    assert api.get("/api/v1/pets/").json()["results"] == [{"id": 1, "name": "Rex"}]


def test_it_takes_the_field_once_the_column_exists_and_serves_it(admin_client, pets, api, live_db):  # noqa: F811
    live_db.execute(add_phone_sql(pets))

    response = post_change(admin_client, pets, change_form(pets, [PHONE]))

    assert response.status_code == 302, html.unescape(response.content.decode())[-3000:]
    assert api.get("/api/v1/pets/").json()["results"] == [{"id": 1, "name": "Rex", "phone": None}]
    assert api.patch("/api/v1/pets/1/", {"phone": "555"}, format="json").json()["phone"] == "555"
    assert live_db.execute(f'SELECT phone FROM "{pets.table_name}"') == [("555",)]


def test_it_refuses_pointing_a_field_at_a_missing_column(admin_client, pets, api):  # noqa: F811
    data = change_form(pets, name={"db_column": "full_name"})

    page = page_text(post_change(admin_client, pets, data))

    assert f'ALTER TABLE "public"."{pets.table_name}" ADD COLUMN "full_name" varchar(40)' in page
    assert pets.fields.get().db_column == ""
    assert api.get("/api/v1/pets/").status_code == 200


def test_it_refuses_a_rename_that_moves_the_column(admin_client, pets):  # noqa: F811
    page = page_text(post_change(admin_client, pets, change_form(pets, name={"name": "title"})))

    assert "has no column 'title'" in page
    assert pets.fields.get().name == "name"


def test_it_refuses_when_the_data_source_cannot_be_reached(admin_client, pets):  # noqa: F811
    source = pets.data_source
    source.port = free_port()
    source.save()

    page = page_text(post_change(admin_client, pets, change_form(pets, [PHONE])))

    assert f"Cannot check that the live table public.{pets.table_name} has a column 'phone'" in page
    assert "connection was refused" in page
    assert "switch pets to fixtures first" in page
    assert not pets.fields.filter(name="phone").exists()


def test_it_lets_fields_of_a_live_schema_change_when_their_column_stays(admin_client, pets, api):  # noqa: F811
    response = post_change(admin_client, pets, change_form(pets, name={"max_length": "30"}))

    assert response.status_code == 302, html.unescape(response.content.decode())[-3000:]
    assert pets.fields.get().max_length == 30


def schema_file(schema: Schema, *fields: str) -> str:
    lines = [
        "schemas:",
        f"  - slug: {schema.slug}",
        f"    name: {schema.name}",
        f"    data_source: {schema.data_source.name}",
        f"    table: {schema.table_name}",
        "    fields:",
        "      - {name: name, type: string, max_length: 40}",
        *(f"      - {field}" for field in fields),
    ]
    return "\n".join(lines) + "\n"


def import_file(tmp_path, text: str) -> str:
    path = tmp_path / "schemas.yaml"
    path.write_text(text)
    out = io.StringIO()
    call_command("import_schemas", str(path), stdout=out)
    return out.getvalue()


def test_it_refuses_an_import_that_adds_a_field_without_its_column(tmp_path, pets, api):
    text = schema_file(pets, "{name: phone, type: string, max_length: 20, required: false}")

    with pytest.raises(CommandError) as caught:
        import_file(tmp_path, text)

    message = str(caught.value)
    assert "1 problem; nothing was imported" in message
    location = "schemas[0].fields[1].name"
    assert f"{location}: The live table public.{pets.table_name} has no column 'phone'" in message
    assert add_phone_sql(pets) in message
    assert not pets.fields.filter(name="phone").exists()
    assert api.get("/api/v1/pets/").status_code == 200


def test_it_imports_the_field_once_the_column_exists(tmp_path, pets, api, live_db):
    live_db.execute(add_phone_sql(pets))
    text = schema_file(pets, "{name: phone, type: string, max_length: 20, required: false}")

    output = import_file(tmp_path, text)

    assert "pets: added 1 field: phone." in output
    assert api.get("/api/v1/pets/").json()["results"] == [{"id": 1, "name": "Rex", "phone": None}]
