"""Defining schemas in the admin: valid ones are served, invalid ones are refused with the fix."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from schemas.admin import CONFIRM
from schemas.models import Field, Schema
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

FIELD_DEFAULTS = {
    "description": "",
    "position": "0",
    "required": "on",
    "default": "",
    "min_length": "",
    "max_length": "",
    "pattern": "",
    "min_value": "",
    "max_value": "",
    "max_digits": "",
    "decimal_places": "",
    "choices": "",
    "to": "",
    "faker": "",
}


@pytest.fixture
def admin_client():
    user = get_user_model().objects.create_superuser("root", "root@example.com", None)
    client = Client()
    client.force_login(user)
    return client


def schema_form(slug, fields, **schema):
    data = {
        "slug": slug,
        "name": schema.get("name", slug.title()),
        "description": "",
        "locale": schema.get("locale", "en_US"),
        "source": "fixtures",
        "pk_column": "id",
        "access": "public",
        "fields-TOTAL_FORMS": str(len(fields)),
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
    }
    for index, field in enumerate(fields):
        values = {**FIELD_DEFAULTS, **field}
        for key, value in values.items():
            if value is False:
                continue
            data[f"fields-{index}-{key}"] = value
    return data


def add_schema(client, slug, fields, **schema):
    return client.post("/admin/schemas/schema/add/", schema_form(slug, fields, **schema))


def errors_of(response) -> str:
    assert response.status_code == 200, "the form should be shown again with errors"
    return response.content.decode()


def test_it_creates_a_schema_with_fields_that_is_served_at_once(admin_client):
    response = add_schema(
        admin_client,
        "pets",
        [
            {"name": "name", "type": "string", "max_length": "40"},
            {"name": "species", "type": "enum", "choices": '["cat", "dog"]'},
        ],
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert [f.name for f in Schema.objects.get(slug="pets").fields.all()] == ["name", "species"]
    created = admin_client.post(
        "/api/v1/pets/", {"name": "Rex", "species": "dog"}, content_type="application/json"
    )
    assert created.status_code == 201


@pytest.mark.parametrize(
    "slug, message",
    [("Bad Slug", "lowercase letters"), ("9lives", "starting with a letter")],
)
def test_it_refuses_a_bad_slug(admin_client, slug, message):
    html = errors_of(add_schema(admin_client, slug, []))

    assert message in html
    assert not Schema.objects.exists()


@pytest.mark.parametrize(
    "field, message",
    [
        ({"name": "id", "type": "string"}, "reserved"),
        ({"name": "page_size", "type": "integer"}, "reserved"),
        ({"name": "Title", "type": "string"}, "lowercase letters"),
        ({"name": "a__b", "type": "string"}, "double underscore"),
        ({"name": "flag", "type": "boolean", "max_length": "5"}, "Does not apply to boolean fields"),
        ({"name": "n", "type": "integer", "min_value": "5", "max_value": "1"}, "Must not exceed max_value"),
        ({"name": "s", "type": "string", "min_length": "9", "max_length": "3"}, "Must not exceed max_length"),
        ({"name": "kind", "type": "enum"}, "at least one choice"),
        ({"name": "owner", "type": "reference"}, "must name the schema"),
        ({"name": "code", "type": "string", "pattern": "([a-z"}, "Not a valid regular expression"),
        ({"name": "age", "type": "integer", "default": '"old"'}, "Not a valid integer value"),
        ({"name": "nick", "type": "string", "faker": "no_such_provider"}, "no_such_provider"),
    ],
)
def test_it_refuses_an_invalid_field_with_a_message_that_says_what_to_fix(admin_client, field, message):
    html = errors_of(add_schema(admin_client, "pets", [field]))

    assert message in html
    assert not Schema.objects.filter(slug="pets").exists()


def test_it_refuses_two_fields_with_one_name(admin_client):
    twins = [{"name": "name", "type": "string"}, {"name": "name", "type": "text"}]

    html = errors_of(add_schema(admin_client, "pets", twins))

    assert "Please correct the duplicate data for name" in html


def test_it_refuses_an_unknown_locale(admin_client):
    html = errors_of(add_schema(admin_client, "pets", [], locale="xx_XX"))

    assert "Faker has no locale" in html


def test_it_renames_a_field_in_place_from_the_change_form(admin_client):
    add_schema(admin_client, "pets", [{"name": "name", "type": "string", "max_length": "40"}])
    admin_client.post("/api/v1/pets/", {"name": "Rex"}, content_type="application/json")
    schema = Schema.objects.get(slug="pets")
    field = schema.fields.get()
    data = schema_form("pets", [{"name": "title", "type": "string", "max_length": "40"}])
    data.update({"fields-INITIAL_FORMS": "1", "fields-0-id": field.pk, "fields-0-schema": schema.pk})

    # A rename breaks clients that read the old name: the admin asks first.
    confirmation = admin_client.post(f"/admin/schemas/schema/{schema.pk}/change/", data)
    assert "pets.name: field removed (breaking)" in confirmation.content.decode()
    assert Field.objects.get(pk=field.pk).name == "name"

    digest = confirmation.context["plan"].digest
    response = admin_client.post(f"/admin/schemas/schema/{schema.pk}/change/", {**data, CONFIRM: digest})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert admin_client.get("/api/v1/pets/").json()["results"] == [{"id": 1, "title": "Rex"}]
    assert Field.objects.get(pk=field.pk).name == "title"
