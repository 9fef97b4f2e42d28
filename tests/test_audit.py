"""The audit trail: API writes, admin changes, and OAuth access, each with its request id."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from rest_framework.test import APIClient

from access.models import AuditEntry
from schemas.changes import delete_schema, save_field
from schemas.models import Field, Schema
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import SECRET, bearer, fetch_token, make_application, revoke

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

AccessToken = get_access_token_model()
Application = get_application_model()



def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_it_records_every_api_write_with_the_application_and_request_id(library):
    application = make_application("shop", "authors:write authors:read")
    client = APIClient()
    client.credentials(**bearer(fetch_token(client, application, "authors:write authors:read")))

    created = client.post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json")
    row = created.json()["id"]
    replaced = client.put(f"/api/v1/authors/{row}/", {"name": "Ann L", "email": "ann@example.com"},
                          format="json")
    patched = client.patch(f"/api/v1/authors/{row}/", {"name": "A. Leckie"}, format="json")
    deleted = client.delete(f"/api/v1/authors/{row}/")

    rows = entries(object_type="row")
    assert [entry.action for entry in rows] == ["created", "updated", "updated", "deleted"]
    assert [entry.request_id for entry in rows] == [
        response["X-Request-ID"] for response in (created, replaced, patched, deleted)
    ]
    for entry, method in zip(rows, ["POST", "PUT", "PATCH", "DELETE"], strict=True):
        assert (entry.origin, entry.schema_slug, entry.object_id) == ("api", "authors", str(row))
        assert entry.actor_kind == "application"
        assert (entry.actor_application, entry.actor_user) == (application, None)
        assert entry.actor_name == "shop"
        assert entry.method == method


def test_it_records_session_writes_by_user(api, library, staff):
    api.post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json")

    [entry] = entries(object_type="row")
    assert (entry.actor_kind, entry.actor_user, entry.actor_name) == ("user", staff, "alice")


def test_it_records_no_row_for_a_refused_write(library):
    APIClient().post("/api/v1/authors/", {"name": "Ann", "email": "ann@example.com"}, format="json")

    assert entries(object_type="row") == []


def test_it_records_schema_and_field_changes(library):
    authors, _ = library
    save_field(Field.objects.filter(schema=authors, name="name").get())

    schema_entries = entries(object_type="schema", schema_slug="authors")
    field_entries = entries(object_type="field", schema_slug="authors")
    assert [entry.action for entry in schema_entries] == ["created"]
    assert [entry.action for entry in field_entries] == ["created", "created", "updated"]
    assert all(entry.origin == "command" and entry.actor_kind == "system" for entry in field_entries)


def test_it_records_deletes_in_the_admin_with_the_admin_user(library, admin_client, admin_user):
    authors, books = library
    delete_schema(books)

    response = admin_client.post(f"/admin/schemas/schema/{authors.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Schema.objects.filter(pk=authors.pk).exists()
    [entry] = entries(object_type="schema", action="deleted", schema_slug="authors")
    assert (entry.origin, entry.actor_user, entry.object_id) == ("admin", admin_user, str(authors.pk))
    assert entry.request_id and entry.path == f"/admin/schemas/schema/{authors.pk}/delete/"
    fields = entries(object_type="field", schema_slug="authors", origin="admin")
    assert {entry.action for entry in fields} == {"deleted"}


def test_it_records_data_source_changes_without_their_secrets():
    DataSource = apps.get_model("datasources", "DataSource")
    source = DataSource.objects.create(
        name="warehouse", host="db.example.com", database="shop", user="reader"
    )
    source.port = 6543
    source.save()
    source.delete()

    recorded = entries(object_type="data source")
    assert [entry.action for entry in recorded] == ["created", "updated", "deleted"]
    assert {entry.object_repr for entry in recorded} == {"warehouse"}


def test_it_records_applications_made_in_the_admin(admin_client, admin_user, library):
    response = admin_client.post("/admin/oauth2_provider/application/add/", {
        "name": "partner", "client_id": "partner-client", "client_secret": SECRET, "hash_client_secret": "on",
        "client_type": "confidential", "authorization_grant_type": "client-credentials",
        "redirect_uris": "", "post_logout_redirect_uris": "", "allowed_origins": "", "algorithm": "",
        "allowed_scopes-TOTAL_FORMS": "1", "allowed_scopes-INITIAL_FORMS": "0",
        "allowed_scopes-MIN_NUM_FORMS": "1", "allowed_scopes-MAX_NUM_FORMS": "1",
        "allowed_scopes-0-scopes": ["books:read", "authors:read"],
    })

    assert response.status_code == 302, response.context and response.context["adminform"].errors
    application = Application.objects.get(name="partner")
    assert application.allowed_scopes.scopes == "books:read authors:read"
    [entry] = entries(object_type="application")
    assert (entry.action, entry.origin, entry.actor_user, entry.object_repr) == (
        "created", "admin", admin_user, "partner")


def test_it_records_tokens_issued_and_revoked_at_the_oauth_endpoints(library):
    application = make_application("shop", "authors:read")
    client = Client()

    token = fetch_token(client, application, "authors:read")
    revoke(client, application, token)

    issued, revoked = entries(object_type="access token")
    assert (issued.action, revoked.action) == ("token_issued", "token_revoked")
    for entry in (issued, revoked):
        assert (entry.origin, entry.actor_kind, entry.actor_name) == ("oauth", "application", "shop")
        assert entry.object_repr == "shop: authors:read"
    assert issued.actor_application == application and issued.path == "/o/token/"


def test_it_records_tokens_issued_in_the_admin_by_the_admin(library, admin_client, admin_user):
    application = make_application("shop", "books:read")

    admin_client.post(f"/admin/oauth2_provider/application/{application.pk}/issue-token/",
                      {"scopes": ["books:read"], "expires_in": 60})

    [entry] = entries(action="token_issued")
    assert (entry.origin, entry.actor_user, entry.object_repr) == ("admin", admin_user, "shop: books:read")


def test_it_does_not_record_expired_tokens_being_cleared(library):
    from django.core.management import call_command

    application = make_application("shop", "books:read")
    fetch_token(Client(), application, "books:read")
    AccessToken.objects.update(expires=timezone.now() - timedelta(days=30))

    call_command("cleartokens")

    assert entries(action="token_revoked") == []


def test_it_shows_the_trail_read_only_in_the_admin(admin_client, library):
    APIClient().get("/api/v1/authors/")
    entry = AuditEntry.objects.first()

    listing = admin_client.get("/admin/access/auditentry/?action__exact=created&object_type=schema")
    detail = admin_client.get(f"/admin/access/auditentry/{entry.pk}/change/")

    assert listing.status_code == 200
    assert "authors" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert admin_client.get("/admin/access/auditentry/add/").status_code == 403
    deleting = admin_client.post(f"/admin/access/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert deleting.status_code == 403


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
def test_it_records_an_application_deleted_with_its_tokens():
    from access.oauth import issue_token

    application = make_application("retired", "read")
    issue_token(application, ["read"], 600)

    # Committed for real: a reference to the deleted application would fail here.
    application.delete()

    assert not Application.objects.exists()
    revoked = AuditEntry.objects.get(action="token_revoked")
    assert (revoked.actor_kind, revoked.actor_application, revoked.object_repr) == (
        "system", None, "retired: read")
    deleted = AuditEntry.objects.get(object_type="application", action="deleted")
    assert deleted.object_repr == "retired"


def test_it_writes_an_entry_in_one_statement_as_the_orm_reads_it_back(library, staff,
                                                                     django_assert_num_queries):
    from access import audit

    application = make_application("writer")
    details = {"rows": 3, "nested": {"b": [1, 2.5, None], "a": "ü"}}
    with django_assert_num_queries(1):
        entry = audit.record(AuditEntry.Action.ROWS_SEEDED, "rows", schema_slug="books",
                             actor=audit.Actor("application", "writer", user=staff, application=application),
                             object_id=7, object_repr="3 mock rows into books", after={"x": 1},
                             details=details)

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert entry.pk is not None and not entry._state.adding
    assert (stored.actor_user, stored.actor_application, stored.before) == (staff, application, None)
    for field in AuditEntry._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(entry, field.attname), field.name
