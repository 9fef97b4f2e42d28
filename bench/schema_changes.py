"""
What a schema change costs: one admin save of a new schema with eight fields
(queries per database, DDL and INSERT statements on the fixtures database,
catalog revision bumps), and the time a worker spends rebuilding its catalog
after an edit, and the time planning a one-field edit takes (what the admin
and ``import_schemas`` show before applying), with the demo schemas and with
50 schemas.

    python bench/schema_changes.py          # SQLite files in a temporary folder
    DATABASE_URL=... FIXTURES_DATABASE_URL=... python bench/schema_changes.py

Runs against fresh databases of its own (it migrates them), never the
project's data folder. Schemas are created with the admin and
``import_schemas``, which both versions of fauxsite offer, so the same script
measures before and after a change to the change path.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
ROUNDS = 15
PLAN_ROUNDS = 5
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


def setup_django() -> None:
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("FAUXSITE_DATA_DIR", tempfile.mkdtemp(prefix="fauxsite-bench-changes-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fauxsite.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def admin_form(slug: str) -> dict[str, str]:
    data = {
        "slug": slug, "name": slug.title(), "description": "", "locale": "en_US", "access": "public",
        "read_rate_limit": "", "write_rate_limit": "", "data_source": "", "table_schema": "",
        "table_name": "", "pk_column": "id", "_save": "Save",
        "fields-TOTAL_FORMS": str(len(EIGHT_FIELDS)), "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "1000",
    }
    for index, options in enumerate(EIGHT_FIELDS):
        form = {"position": str(index), "required": "on", "faker": "", **options}
        data.update({f"fields-{index}-{key}": value for key, value in form.items()})
    return data


def admin_save_costs() -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from schemas.models import CatalogRevision

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench")
    client = Client()
    client.force_login(user)
    client.get("/admin/schemas/schema/add/")
    before = CatalogRevision.current()
    with CaptureQueriesContext(connections["default"]) as default, \
            CaptureQueriesContext(connections["fixtures"]) as fixtures:
        response = client.post("/admin/schemas/schema/add/", admin_form("shelf"))
    assert response.status_code == 302, response.content[:2000]
    writes = [q["sql"] for q in fixtures.captured_queries
              if q["sql"].lstrip().upper().startswith(("CREATE", "ALTER", "DROP", "INSERT", "UPDATE"))]
    return {
        "queries": len(default.captured_queries) + len(fixtures.captured_queries),
        "queries_default": len(default.captured_queries),
        "queries_fixtures": len(fixtures.captured_queries),
        "fixtures_ddl_or_writes": len(writes),
        "revision_bumps": CatalogRevision.current() - before,
    }


def rebuild_seconds() -> float:
    """Median time to build the catalog of the current revision, as a worker does after an edit."""
    from schemas.catalog import Catalog
    from schemas.models import CatalogRevision, Schema

    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        schemas = Schema.objects.select_related("data_source").prefetch_related("fields")
        catalog = Catalog(CatalogRevision.current(), list(schemas))
        # What the first request per schema builds too.
        for resource in catalog:
            resource.serializer_class, resource.filterset_class  # noqa: B018
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def plan_seconds(slug: str, field_name: str) -> float:
    """Median time to plan one field's new max length, as the admin does before saving."""
    from schemas import changes
    from schemas.models import Field

    def narrow(operation) -> None:
        field = Field.objects.get(schema__slug=slug, name=field_name)
        field.max_length = 40
        operation.save_field(field)

    timings = []
    for _ in range(PLAN_ROUNDS):
        started = time.perf_counter()
        planned = changes.plan("edit field", narrow)
        timings.append(time.perf_counter() - started)
    assert planned.changes_anything, "the planned edit changes nothing"
    return statistics.median(timings)


def fifty_schemas_file() -> str:
    lines = ["schemas:"]
    for number in range(50):
        lines += [f"  - slug: s{number:02d}", f"    name: Schema {number}", "    fields:"]
        plain = [f for f in EIGHT_FIELDS if f["type"] != "enum"]
        lines += [f"      - {{name: {f['name']}, type: {f['type']}}}" for f in plain]
        lines.append("      - {name: genre, type: enum, choices: [fiction, history]}")
        if number:
            lines.append(f"      - {{name: previous, type: reference, to: s{number - 1:02d}}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    setup_django()
    from django.core.management import call_command

    costs = admin_save_costs()
    print("Admin save of a new schema with 8 fields:")
    for name, value in costs.items():
        print(f"  {name}: {value}")
    quiet = io.StringIO()
    call_command("import_schemas", str(PROJECT_DIR / "demo" / "schemas.yaml"), stdout=quiet)
    print(f"Catalog rebuild, demo schemas + shelf: {rebuild_seconds() * 1000:.1f} ms")
    print(f"Plan of a one-field edit, demo schemas + shelf: {plan_seconds('books', 'title') * 1000:.1f} ms")
    path = Path(os.environ["FAUXSITE_DATA_DIR"]) / "fifty.yaml"
    path.write_text(fifty_schemas_file())
    call_command("import_schemas", str(path), stdout=quiet)
    from schemas.models import Schema

    count = Schema.objects.count()
    print(f"Catalog rebuild, {count} schemas: {rebuild_seconds() * 1000:.1f} ms")
    print(f"Plan of a one-field edit, {count} schemas: {plan_seconds('s25', 'title') * 1000:.1f} ms")


if __name__ == "__main__":
    main()
