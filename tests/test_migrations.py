"""The migrations describe the models exactly, so a deploy's `migrate` builds what tests use."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Where every app stood before access and golive took over models of fauxsite and datasources.
BEFORE_THE_LAYERS = [
    ("fauxsite", "0004_audit_definitions_and_details"),
    ("datasources", "0002_sourceswitch"),
    ("schemas", None),
    ("oauth2_provider", None),
    ("admin", None),
    ("sessions", None),
]

# Migrates to the old state, then records in it an audit entry and the admin's log entries.
BEFORE = """
from django.core.management import call_command
for app_label, target in %r:
    call_command("migrate", app_label, *([target] if target else []), verbosity=0)
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("INSERT INTO fauxsite_auditentry (time, action, origin, object_type, object_id, "
                   "object_repr, schema_slug, actor_kind, actor_name, request_id, method, path, details) "
                   "VALUES (CURRENT_TIMESTAMP, 'pruned', 'command', 'audit trail', '', 'kept', '', "
                   "'system', 'system', '', '', '', '{}')")
admin = User.objects.create_superuser("old-admin", password="x")
for app_label, model in (("fauxsite", "auditentry"), ("datasources", "sourceswitch")):
    content_type = ContentType.objects.get(app_label=app_label, model=model)
    LogEntry.objects.create(user=admin, content_type=content_type, object_id="1", object_repr="kept",
                            action_flag=ADDITION)
"""

# Run after the upgrade: what the content types, roles and log entries became.
REPORT_AFTER = """
import json
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from access.models import AuditEntry
print(json.dumps({
    "left behind": sorted(f"{c.app_label}.{c.model}" for c in ContentType.objects.filter(
        app_label__in=["fauxsite", "datasources"]).exclude(model="datasource")),
    "log entries": sorted(f"{entry.content_type.app_label}.{entry.content_type.model}"
                          for entry in LogEntry.objects.all()),
    "auditors": sorted(f"{p.content_type.app_label}.{p.codename}"
                       for p in Group.objects.get(name="Auditors").permissions.all()),
    "operators see switches": Group.objects.get(name="Operators").permissions.filter(
        content_type__app_label="golive", codename="view_sourceswitch").exists(),
    "audit entries": list(AuditEntry.objects.filter(action="pruned").values_list("object_repr", flat=True)),
}))
"""


@pytest.mark.django_db
def test_it_has_no_model_change_without_a_migration():
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


def test_it_upgrades_a_database_migrated_before_the_layers(tmp_path):
    with _empty_database(tmp_path) as environment:
        _manage(environment, "shell", "-c", BEFORE % (BEFORE_THE_LAYERS,))

        _manage(environment, "migrate")
        report = json.loads(_manage(environment, "shell", "-c", REPORT_AFTER).splitlines()[-1])

    assert report == {
        "left behind": [],
        "log entries": ["access.auditentry", "golive.sourceswitch"],
        "auditors": ["access.view_auditentry"],
        "operators see switches": True,
        "audit entries": ["kept"],
    }


def _manage(environment: dict, *arguments: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *arguments, "--verbosity", "0"], cwd=PROJECT_DIR,
                          env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def _empty_database(tmp_path: Path) -> Iterator[dict]:
    """The environment of a project whose ``default`` is a new, empty database of this run's engine."""
    environment = {**os.environ, "FAUXSITE_DATA_DIR": str(tmp_path)}
    environment.pop("FIXTURES_DATABASE_URL", None)
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        environment.pop("DATABASE_URL", None)
        yield environment
        return
    name = f"fauxsite_upgrade{os.environ.get('FAUXSITE_TEST_DB_SUFFIX', '')}"
    url = urlsplit(os.environ["DATABASE_URL"])
    server = url._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        environment["DATABASE_URL"] = url._replace(path=f"/{name}").geturl()
        yield environment
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
