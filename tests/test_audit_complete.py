"""
The audit trail is complete: every source of change leaves an entry with its
actor, origin, time and request (or run) id, definitions before and after and
no secret; it is filtered and exported as JSON lines, and kept for a while.
"""

import getpass
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework.test import APIClient

from access import roles
from access.models import AuditEntry
from datasources.aliases import forget_aliases
from schemas.changes import save_schema, update_field
from schemas.models import Field, Schema
from tests import test_live_support as support
from tests.conftest import ALL_DATABASES
from tests.library import make_authors
from tests.oauth_helpers import make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)
live = pytest.mark.django_db(transaction=True, databases=support.LIVE_DATABASES)

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db

AccessToken = get_access_token_model()
CHANGELIST = "/admin/access/auditentry/"
SECRET_PASSWORD = "s3cret-Pass-word"
EXPORT_KEYS = {
    "action", "actor_application_id", "actor_kind", "actor_name", "actor_user_id", "after", "before",
    "details", "id", "method", "object_id", "object_repr", "object_type", "origin", "path", "request_id",
    "schema_slug", "time",
}


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def command_actor(name: str) -> str:
    return f"manage.py {name} ({getpass.getuser()})"


def every_value(entry: AuditEntry) -> str:
    """Everything an entry holds, as exported."""
    return json.dumps([getattr(entry, field.attname) for field in AuditEntry._meta.concrete_fields],
                      default=str)


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


# Rows in bulk ------------------------------------------------------------------------


def test_it_records_the_seed_command_with_the_command_and_os_user(library):
    call_command("seed", "books", count=3, seed=7)

    seeded = entries(action="rows_seeded")
    # An empty referenced schema is seeded first, and recorded as well.
    assert [(entry.schema_slug, entry.details["rows"]) for entry in seeded] == [("authors", 3), ("books", 3)]
    for entry in seeded:
        assert (entry.origin, entry.actor_kind, entry.actor_name) == (
            "command", "command", command_actor("seed"))
        assert entry.details["seed"] == 7 and entry.details["count"] == 3
    # One run, one id, like a request's.
    assert seeded[0].request_id and seeded[0].request_id == seeded[1].request_id


def test_it_records_the_reset_rows_command(library):
    call_command("seed", "authors", count=4, seed=1)

    call_command("reset_rows", "authors")

    [entry] = entries(action="rows_deleted")
    assert (entry.schema_slug, entry.details, entry.actor_name) == (
        "authors", {"rows": 4}, command_actor("reset_rows"))


def test_it_records_the_admin_seed_and_delete_all_actions(library, admin_client, admin_user):
    authors, _books = library
    form = {"_selected_action": [str(authors.pk)], "index": "0"}

    seeded = admin_client.post("/admin/schemas/schema/", {**form, "action": "seed_rows"})
    emptied = admin_client.post("/admin/schemas/schema/", {**form, "action": "reset_rows"})

    [seed] = entries(action="rows_seeded")
    [reset] = entries(action="rows_deleted")
    assert (seed.schema_slug, seed.details["rows"], reset.details["rows"]) == ("authors", 50, 50)
    for entry, response in ((seed, seeded), (reset, emptied)):
        assert (entry.origin, entry.actor_kind, entry.actor_user) == ("admin", "user", admin_user)
        assert entry.request_id == response["X-Request-ID"]


# Data sources ---------------------------------------------------------------------------


def test_it_records_a_data_source_edit_with_the_password_changed_but_never_shown(admin_client, settings):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = ["127.0.0.1"]
    DataSource = apps.get_model("datasources", "DataSource")
    source = DataSource(name="warehouse", host="127.0.0.1", database="shop", user="reader")
    source.set_password("first-Pass-1")
    source.save()

    response = admin_client.post(f"/admin/datasources/datasource/{source.pk}/change/", {
        "name": "warehouse", "host": "127.0.0.1", "port": "6543", "database": "shop", "user": "reader",
        "password": SECRET_PASSWORD, "sslmode": "require", "options": "",
    })

    assert response.status_code == 302
    [entry] = entries(object_type="data source", action="updated")
    assert (entry.origin, entry.object_repr) == ("admin", "warehouse")
    assert (entry.before["port"], entry.after["port"]) == (5432, 6543)
    assert (entry.before["sslmode"], entry.after["sslmode"]) == ("prefer", "require")
    assert (entry.before["password"], entry.after["password"]) == ("set", "changed")
    stored = DataSource.objects.get(pk=source.pk).password_encrypted
    for recorded in AuditEntry.objects.all():
        assert SECRET_PASSWORD not in every_value(recorded)
        assert "first-Pass-1" not in every_value(recorded)
        assert stored not in every_value(recorded)


def test_it_records_key_rotation_naming_the_sources_not_the_keys(settings):
    DataSource = apps.get_model("datasources", "DataSource")
    source = DataSource(name="warehouse", host="db.example.com", database="shop", user="reader")
    source.set_password(SECRET_PASSWORD)
    source.save()

    call_command("rotate_datasource_keys")

    [entry] = entries(action="keys_rotated")
    assert entry.details == {"data_sources": ["warehouse"]}
    assert entry.actor_name == command_actor("rotate_datasource_keys")
    assert DataSource.objects.get().password_encrypted not in every_value(entry)


# Tokens, applications and roles ---------------------------------------------------------------


def test_it_records_a_token_issued_by_command_and_revoked_in_the_admin_never_the_token(
        library, admin_client, admin_user, capsys):
    application = make_application("shop", "books:read")

    call_command("issue_token", application="shop", scopes="books:read", expires=600)
    plaintext = capsys.readouterr().out.strip()
    token = AccessToken.objects.get()
    admin_client.post("/admin/oauth2_provider/accesstoken/", {
        "action": "revoke_tokens", "_selected_action": [str(token.pk)], "index": "0"})

    issued, revoked = entries(object_type="access token")
    assert (issued.action, issued.origin, issued.actor_kind, issued.actor_name) == (
        "token_issued", "command", "command", command_actor("issue_token"))
    assert issued.details["scopes"] == ["books:read"] and issued.details["application"] == "shop"
    assert (revoked.action, revoked.origin, revoked.actor_user) == ("token_revoked", "admin", admin_user)
    assert revoked.request_id
    for entry in (issued, revoked):
        assert plaintext and plaintext not in every_value(entry)
        assert token.token_checksum not in every_value(entry)
    assert application.pk


def test_it_records_allowed_scopes_before_and_after():
    application = make_application("shop", "books:read")
    allowed = application.allowed_scopes
    allowed.scopes = "books:read books:write"
    allowed.save()

    entry = entries(object_type="allowed scopes", action="updated")[-1]
    assert (entry.before, entry.after) == (
        {"application": "shop", "scopes": "books:read"},
        {"application": "shop", "scopes": "books:read books:write"},
    )
    created = entries(object_type="application", action="created")[-1]
    assert created.after["client_secret"] == "set"
    assert application.client_secret not in every_value(created)


def test_it_records_group_membership_changes():
    roles.ensure_roles(apps)
    user = get_user_model().objects.create_user("bob", password=None, is_staff=True)
    editors, auditors = Group.objects.get(name=roles.SCHEMA_EDITORS), Group.objects.get(name=roles.AUDITORS)
    already = AuditEntry.objects.order_by("id").last().pk

    user.groups.add(editors)
    auditors.user_set.add(user)
    user.groups.remove(editors)

    changes = entries(object_type__in=["user", "group"], action="updated", pk__gt=already)
    assert [(entry.object_type, entry.object_repr, entry.before, entry.after) for entry in changes] == [
        ("user", "bob", {"groups": []}, {"groups": [roles.SCHEMA_EDITORS]}),
        ("group", roles.AUDITORS, {"members": []}, {"members": ["bob"]}),
        ("user", "bob", {"groups": [roles.AUDITORS, roles.SCHEMA_EDITORS]}, {"groups": [roles.AUDITORS]}),
    ]


def test_it_records_staff_flags_but_not_logins():
    user = get_user_model().objects.create_user("bob", password=None)
    user.is_staff = True
    user.save()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])

    [entry] = entries(object_type="user", action="updated")
    assert (entry.before["is_staff"], entry.after["is_staff"]) == (False, True)
    assert entry.after["password"] == "not set"


# Schemas and fields ---------------------------------------------------------------------------


def test_it_records_a_field_change_with_its_definition_before_and_after(library):
    authors, _books = library
    field = Field.objects.get(schema=authors, name="name")

    update_field(field, description="As printed on the cover.", faker="name")

    [updated] = entries(object_type="field", action="updated")
    assert (updated.before["description"], updated.after["description"]) == ("", "As printed on the cover.")
    assert (updated.before["faker"], updated.after["faker"]) == ("", "name")
    [changed] = entries(action="definition_changed", details__change="edit field")
    assert (changed.object_type, changed.schema_slug) == ("schema definition", "authors")
    assert changed.details["summary"] == ["authors: changed field name (description, faker)"]
    assert [f["faker"] for f in changed.before["fields"] if f["name"] == "name"] == [""]
    assert [f["faker"] for f in changed.after["fields"] if f["name"] == "name"] == ["name"]
    assert changed.details["revision"] and changed.details["schema_change_id"]


def test_it_records_a_schema_edit_in_the_admin_with_the_admin_user(library, admin_client, admin_user):
    _authors, books = library

    admin_client.post("/admin/schemas/schema/", {
        "_selected_action": [str(books.pk)], "action": "delete_selected", "post": "yes"})

    [deleted] = entries(action="definition_changed", schema_slug="books")[-1:]
    assert (deleted.origin, deleted.actor_user, deleted.after) == ("admin", admin_user, None)
    assert deleted.before["slug"] == "books" and not Schema.objects.filter(slug="books").exists()


# The admin ---------------------------------------------------------------------------------


def test_it_filters_the_trail_by_action_actor_origin_schema_and_date(library, admin_client):
    call_command("seed", "authors", count=2, seed=1)
    old = AuditEntry.objects.create(action="rows_seeded", origin="admin", object_type="rows",
                                    schema_slug="authors", actor_kind="user", actor_name="carol",
                                    time=timezone.now() - timedelta(days=40))

    listing = admin_client.get(CHANGELIST, {
        "action__exact": "rows_seeded", "origin__exact": "command", "schema_slug": "authors",
        "actor_name": command_actor("seed"), "time__gte": str(timezone.now() - timedelta(days=1)),
    })
    by_carol = admin_client.get(CHANGELIST, {"actor_name": "carol"})

    assert listing.status_code == 200
    assert [entry.pk for entry in listing.context["cl"].result_list] == [
        entry.pk for entry in entries(action="rows_seeded", origin="command")]
    assert [entry.pk for entry in by_carol.context["cl"].result_list] == [old.pk]
    assert "Download as JSON lines" in listing.content.decode()


def test_it_shows_what_changed_and_stays_read_only(library, admin_client):
    update_field(Field.objects.get(schema=library[0], name="name"), description="As printed.")
    entry = entries(object_type="field", action="updated")[-1]

    page = admin_client.get(f"{CHANGELIST}{entry.pk}/change/").content.decode()

    assert "<th>description</th><td>changed</td><td>&quot;&quot;</td><td>&quot;As printed.&quot;</td>" in page
    assert 'name="_save"' not in page
    assert admin_client.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_admin_downloads_the_filtered_changelist_as_json_lines(library, admin_client):
    APIClient().get("/api/v1/authors/")

    response = admin_client.get(f"{CHANGELIST}export/", {"object_type": "field", "schema_slug": "books"})

    assert response["Content-Type"] == "application/x-ndjson"
    assert "attachment" in response["Content-Disposition"]
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert len(lines) == Field.objects.filter(schema__slug="books").count()
    assert {(line["object_type"], line["schema_slug"]) for line in lines} == {("field", "books")}


# Export ------------------------------------------------------------------------------------


def test_export_audit_writes_one_json_object_per_line_with_stable_keys_in_utc(library, tmp_path):
    output = tmp_path / "audit.jsonl"

    call_command("export_audit", output=str(output))

    lines = output.read_text().splitlines()
    assert len(lines) == AuditEntry.objects.count() > 0
    parsed = [json.loads(line) for line in lines]
    assert all(set(line) == EXPORT_KEYS for line in parsed)
    assert all(list(line) == sorted(line) for line in parsed)
    assert all(line["time"].endswith("Z") for line in parsed)
    times = [datetime.fromisoformat(line["time"]) for line in parsed]
    assert times == sorted(times)
    assert {line["id"] for line in parsed} == set(AuditEntry.objects.values_list("id", flat=True))


def test_export_audit_takes_since_and_until(capsys):
    moments = [datetime(2025, 1, day, 12, tzinfo=UTC) for day in (1, 2, 3)]
    for moment in moments:
        AuditEntry.objects.create(time=moment, action="created", origin="command", object_type="schema",
                                  actor_kind="system", actor_name="system")

    call_command("export_audit", since="2025-01-02", until="2025-01-03T12:00:00Z")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["time"] for line in lines] == ["2025-01-02T12:00:00.000000Z"]


# Retention ---------------------------------------------------------------------------------


def _aged(days: int) -> AuditEntry:
    return AuditEntry.objects.create(time=timezone.now() - timedelta(days=days), action="created",
                                     origin="command", object_type="schema", actor_kind="system")


def test_prune_audit_deletes_older_entries_in_batches_and_records_itself(settings):
    settings.FAUXSITE_AUDIT_RETENTION_DAYS = 30
    old = [_aged(days) for days in (31, 45, 400)]
    kept = [_aged(days) for days in (1, 29)]

    call_command("prune_audit", batch_size=2)

    assert not AuditEntry.objects.filter(pk__in=[entry.pk for entry in old]).exists()
    assert AuditEntry.objects.filter(pk__in=[entry.pk for entry in kept]).count() == 2
    [pruned] = entries(action="pruned")
    assert (pruned.details["deleted"], pruned.details["retention_days"]) == (3, 30)
    assert pruned.actor_name == command_actor("prune_audit")


def test_a_retention_of_zero_days_keeps_everything(settings):
    settings.FAUXSITE_AUDIT_RETENTION_DAYS = 0
    _aged(4000)

    call_command("prune_audit")

    assert AuditEntry.objects.count() == 1


def test_the_retention_defaults_to_a_year():
    from django.conf import settings

    assert settings.FAUXSITE_AUDIT_RETENTION_DAYS == 365


# Going live (PostgreSQL) ------------------------------------------------------------------


@pytest.fixture
def live_authors(live_db, settings, transactional_db):
    support._allow_live_aliases()
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "::1"]
    settings.FAUXSITE_LIVE_CONNECT_TIMEOUT = 2
    authors = make_authors()
    authors.data_source = support.make_source(live_db)
    authors.table_name = f"authors_audit_{live_db.name[-6:]}"
    save_schema(authors)
    yield authors
    live_db.execute(f'DROP TABLE IF EXISTS "{authors.table_name}"')
    forget_aliases()


@live
def test_it_records_provisioning_with_the_sql_run_the_source_and_the_outcome(live_authors):
    call_command("provision", "authors", apply=True)

    [entry] = entries(action="provisioned")
    assert (entry.schema_slug, entry.origin, entry.actor_name) == (
        "authors", "command", command_actor("provision"))
    assert entry.details["data_source"] == "warehouse" and entry.details["outcome"] == "applied"
    assert entry.details["creates_table"] is True
    [statement] = entry.details["statements"]
    assert statement.startswith(f'CREATE TABLE "public"."{live_authors.table_name}"')


@live
def test_it_records_a_switch_with_its_row_copy(live_authors, live_db):
    call_command("seed", "authors", count=3, seed=1)
    call_command("provision", "authors", apply=True)

    call_command("switch_source", "authors", "live", copy_rows=True)

    [copied] = entries(action="rows_copied")
    [switched] = entries(action="switched")
    changed = entries(action="definition_changed", details__change="switch source")
    assert (copied.schema_slug, copied.details["rows"], copied.details["data_source"]) == (
        "authors", 3, "warehouse")
    assert (switched.before, switched.after, switched.details["rows_copied"]) == (
        {"source": "fixtures"}, {"source": "live"}, 3)
    assert [entry.details["summary"] for entry in changed] == [["authors: changed source"]]
    run = {entry.request_id for entry in (copied, switched, *changed)}
    assert len(run) == 1 and run != {""}
    for entry in (copied, switched, *changed):
        assert (entry.origin, entry.actor_name) == ("command", command_actor("switch_source"))
