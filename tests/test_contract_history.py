"""A contract diff before every change, and every revision's contract kept.

The admin shows breaking changes before it applies them (Apply applies, Back
leaves everything as it was), plans roll back without a trace, each applied
change keeps its revision's OpenAPI document, ``/api/schema/?revision=N``
serves it byte for byte, and the history page diffs any two revisions.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from schemas import changes, contracts
from schemas.admin import BACK
from schemas.models import CatalogRevision, ContractDocument, ContractRevision, Field, Schema, SchemaChange
from tests.conftest import ALL_DATABASES
from tests.test_admin_schemas import add_schema, admin_client, schema_form  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

PETS_FIELDS = [
    {"name": "name", "type": "string", "max_length": "40"},
    {"name": "species", "type": "enum", "choices": '["cat", "dog"]'},
]
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


@pytest.fixture
def pets(admin_client):  # noqa: F811
    response = add_schema(admin_client, "pets", PETS_FIELDS)
    assert response.status_code == 302, response.content.decode()[:2000]
    admin_client.post("/api/v1/pets/", {"name": "Rex", "species": "dog"}, content_type="application/json")
    return Schema.objects.get(slug="pets")


def change_form(schema: Schema, fields: list[dict], **changes_by_name) -> dict:
    """The change form of ``schema`` as posted, with its current fields; ``DELETE`` marks one removed."""
    stored = {field.name: field for field in schema.fields.all()}
    data = schema_form(schema.slug, fields)
    data["fields-INITIAL_FORMS"] = str(len(stored))
    for index, field in enumerate(fields):
        if field["name"] in stored:
            data[f"fields-{index}-id"] = stored[field["name"]].pk
            data[f"fields-{index}-schema"] = schema.pk
    data["_save"] = "Save"
    return data


def without_species(schema: Schema) -> dict:
    data = change_form(schema, PETS_FIELDS)
    data["fields-1-DELETE"] = "on"
    return data


def carried(response) -> dict[str, list[str]]:
    """The hidden inputs of the confirmation page, as a browser would post them."""
    posted: dict[str, list[str]] = {}
    for name, value in HIDDEN_INPUT.findall(response.content.decode()):
        posted.setdefault(html.unescape(name), []).append(html.unescape(value))
    return posted


def state() -> tuple:
    fields = sorted(Field.objects.values_list("schema__slug", "name"))
    return CatalogRevision.current(), SchemaChange.objects.count(), fields


def change_url(schema: Schema) -> str:
    return f"/admin/schemas/schema/{schema.pk}/change/"


# The admin's confirmation -------------------------------------------------------------


def test_it_shows_a_breaking_change_before_applying_it(admin_client, pets):  # noqa: F811
    before = state()

    response = admin_client.post(change_url(pets), without_species(pets))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Breaking changes" in page
    assert "pets.species: field removed (breaking)" in page
    assert 'value="Apply"' in page and f'name="{BACK}"' in page
    assert state() == before
    assert admin_client.get("/api/v1/pets/").json()["results"] == [{"id": 1, "name": "Rex", "species": "dog"}]


def test_apply_applies_the_breaking_change(admin_client, pets):  # noqa: F811
    confirmation = admin_client.post(change_url(pets), without_species(pets))
    revision = CatalogRevision.current()

    response = admin_client.post(change_url(pets), carried(confirmation))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(pets.fields.values_list("name", flat=True)) == ["name"]
    assert CatalogRevision.current() == revision + 1
    assert admin_client.get("/api/v1/pets/").json()["results"] == [{"id": 1, "name": "Rex"}]
    shown = [str(message) for message in response.wsgi_request._messages]
    assert "Contract: pets.species: field removed (breaking)" in shown


def test_back_leaves_everything_as_it_was_and_keeps_the_form(admin_client, pets):  # noqa: F811
    confirmation = admin_client.post(change_url(pets), without_species(pets))
    before = state()
    posted = carried(confirmation)
    posted[BACK] = ["Back"]

    response = admin_client.post(change_url(pets), posted)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved: you went back from the contract changes" in page
    assert 'name="fields-1-DELETE" id="id_fields-1-DELETE" checked' in page
    assert state() == before
    assert admin_client.get("/api/v1/pets/").json()["results"] == [{"id": 1, "name": "Rex", "species": "dog"}]


def test_it_asks_again_when_the_catalog_changed_since_the_page_was_shown(admin_client, pets):  # noqa: F811
    confirmation = admin_client.post(change_url(pets), without_species(pets))
    changes.create_schema(slug="toys", name="Toys", fields=[{"name": "label", "type": "string"}])
    before = state()

    response = admin_client.post(change_url(pets), carried(confirmation))

    assert response.status_code == 200
    assert "The catalog changed since this page was shown" in response.content.decode()
    assert state() == before


def test_it_applies_a_compatible_change_at_once_and_says_what_changed(admin_client, pets):  # noqa: F811
    fields = [*PETS_FIELDS, {"name": "age", "type": "integer", "required": False}]

    response = admin_client.post(change_url(pets), change_form(pets, fields))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert pets.fields.filter(name="age").exists()
    shown = [str(message) for message in response.wsgi_request._messages]
    assert "Contract: pets.age: new optional field (compatible)" in shown


def test_it_lists_the_contract_changes_of_a_delete(admin_client, pets):  # noqa: F811
    page = admin_client.get(f"/admin/schemas/schema/{pets.pk}/delete/").content.decode()

    assert "pets: schema removed (breaking)" in page
    assert 'value="Apply"' in page
    assert Schema.objects.filter(slug="pets").exists()

    response = admin_client.post(f"/admin/schemas/schema/{pets.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Schema.objects.filter(slug="pets").exists()


def test_it_lists_the_contract_changes_of_a_bulk_delete(admin_client, pets):  # noqa: F811
    changes.create_schema(slug="toys", name="Toys", fields=[{"name": "label", "type": "string"}])
    ids = list(Schema.objects.values_list("pk", flat=True))
    selected = {"action": "delete_selected", "_selected_action": ids}

    page = admin_client.post("/admin/schemas/schema/", selected).content.decode()

    assert "pets: schema removed (breaking)" in page and "toys: schema removed (breaking)" in page
    assert Schema.objects.count() == 2

    response = admin_client.post("/admin/schemas/schema/", {**selected, "post": "yes"})

    assert response.status_code == 302
    assert not Schema.objects.exists()


# Plans ----------------------------------------------------------------------------------


def test_a_plan_changes_nothing_and_is_not_served(api, pets):
    before = state()
    served = api.get("/api/schema/?format=json").content
    species = pets.fields.get(name="species")

    plan = changes.plan("remove field", lambda operation: operation.remove_field(species))

    assert plan.lines() == ["pets.species: field removed (breaking)"]
    assert plan.summary == ("pets: removed field species",)
    assert state() == before
    assert api.get("/api/v1/pets/").json()["results"] == [{"id": 1, "name": "Rex", "species": "dog"}]
    assert api.get("/api/schema/?format=json").content == served


# Kept documents -------------------------------------------------------------------------


def test_it_keeps_the_document_of_a_change_once_it_commits(api, pets, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        changes.add_field(schema=pets, name="age", type="integer", required=False, position=3)

    revision = CatalogRevision.current()
    kept = ContractRevision.objects.get(revision=revision)
    assert kept.change == SchemaChange.objects.get(revision=revision)
    assert json.loads(kept.document.text) == api.get("/api/schema/?format=json").json()
    assert "\n" not in kept.document.text  # compact


def test_a_change_that_leaves_the_contract_alone_shares_its_document(
    pets, django_capture_on_commit_callbacks
):
    revision, _document = contracts.current_document()
    documents = ContractDocument.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        changes.update_field(pets.fields.get(name="name"), faker="first_name")

    kept = ContractRevision.objects.get(revision=revision + 1)
    assert kept.document == ContractRevision.objects.get(revision=revision).document
    assert ContractDocument.objects.count() == documents


def test_a_source_switch_carries_the_contract_over(pets, django_capture_on_commit_callbacks):
    revision, _document = contracts.current_document()
    with django_capture_on_commit_callbacks(execute=True):
        changes.update_schema(pets, table_name="pets_table")

    kept = ContractRevision.objects.get(revision=revision + 1)
    assert kept.document == ContractRevision.objects.get(revision=revision).document


def test_it_serves_an_old_revision_byte_for_byte_after_a_later_change(admin_client, api, pets):  # noqa: F811
    revision = CatalogRevision.current()
    served = api.get("/api/schema/?format=json").content
    admin_client.post(change_url(pets), carried(admin_client.post(change_url(pets), without_species(pets))))
    assert CatalogRevision.current() > revision

    old = api.get(f"/api/schema/?format=json&revision={revision}")

    assert old.status_code == 200
    assert old.content == served
    assert api.get("/api/schema/?format=json").content != served


def test_it_serves_the_current_revision_by_number_too(api, pets):
    current = api.get("/api/schema/?format=json").content

    response = api.get(f"/api/schema/?format=json&revision={CatalogRevision.current()}")

    assert response.content == current


def test_it_answers_404_for_a_revision_it_does_not_keep(api, pets):
    response = api.get("/api/schema/?revision=999")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "No contract is kept for revision 999" in response.json()["detail"]


def test_it_refuses_a_revision_that_is_not_a_number(api):
    response = api.get("/api/schema/?revision=latest")

    assert response.status_code == 400
    message = "Must be a catalog revision: a whole number, 1 or more."
    assert response.json()["errors"] == {"revision": [message]}


# History ----------------------------------------------------------------------------------


def test_the_history_diffs_any_two_revisions(admin_client, api, pets):  # noqa: F811
    first = CatalogRevision.current()
    api.get("/api/schema/")  # kept when served
    fields = [*PETS_FIELDS, {"name": "age", "type": "integer", "required": False}]
    admin_client.post(change_url(pets), change_form(pets, fields))
    admin_client.post(change_url(pets), carried(admin_client.post(change_url(pets), without_species(pets))))
    api.get("/api/schema/")
    last = CatalogRevision.current()

    page = admin_client.get(f"/admin/schemas/schemachange/contract/?from={first}&to={last}").content.decode()

    assert f"From revision {first} to revision {last}" in page
    assert "pets.species: field removed (breaking)" in page
    assert "pets.age: new optional field (compatible)" in page
    assert "root" in page  # who
    assert "pets: removed field species" in page  # what


def test_the_history_of_one_schema_lists_its_changes_only(admin_client, pets):  # noqa: F811
    changes.create_schema(slug="toys", name="Toys", fields=[{"name": "label", "type": "string"}])

    page = admin_client.get("/admin/schemas/schemachange/contract/?schema=pets").content.decode()

    assert "create schema pets" in page
    assert "create schema toys" not in page


def test_the_history_says_when_a_revision_was_not_kept(admin_client, pets):  # noqa: F811
    page = admin_client.get("/admin/schemas/schemachange/contract/?from=1&to=999").content.decode()

    assert "No contract is kept for revision" in page
