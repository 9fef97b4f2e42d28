"""After an upgrade, the current revision serves the document the running code generates, and says so.

Each test keeps, for the current revision, a document that differs from
what the code generates for it, as an older release of fauxsite would have
kept it (the name documented with a looser maximum length), then starts
afresh as a newly deployed worker does.
"""

from __future__ import annotations

import copy
import threading

import pytest
from django.db import connections

from api.docs_views import forget_documents
from schemas import changes, contracts
from schemas.models import CatalogRevision, ContractRevision, Field, Schema, SchemaChange
from tests.conftest import ALL_DATABASES
from tests.test_admin_schemas import admin_client  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def pets() -> Schema:
    return changes.create_schema(slug="pets", name="Pets", fields=[
        dict(name="name", type="string", max_length=40),
        dict(name="species", type="enum", choices=["cat", "dog"]),
    ])


def as_an_older_release_documented(document: dict) -> dict:
    older = copy.deepcopy(document)
    request = older["components"]["schemas"]["PetsRequest"]["properties"]["name"]
    assert request["maxLength"] == 40
    request["maxLength"] = 60
    return older


def keep_an_older_release_document() -> tuple[int, dict]:
    """Keep, for the current revision, what an older release generated; a fresh worker starts."""
    revision, document = contracts.current_document()
    older = as_an_older_release_documented(document)
    ContractRevision.objects.filter(revision=revision).delete()
    contracts.keep(revision, older)
    forget_documents()
    return revision, older


def upgrades():
    return SchemaChange.objects.filter(action=changes.UPGRADE_ACTION)


def test_it_serves_what_the_code_generates_and_records_the_upgrade_once(anonymous_api, pets):
    revision, _older = keep_an_older_release_document()

    served = anonymous_api.get("/api/schema/?format=json")

    assert served.status_code == 200
    assert served.json() == contracts.generate_document()
    assert CatalogRevision.current() == revision + 1
    upgrade = upgrades().get()
    assert upgrade.revision == revision + 1
    assert upgrade.summary.splitlines() == [
        changes.UPGRADE_SUMMARY,
        "pets.name: max length lowered from 60 to 40 (breaking)",
    ]
    assert contracts.stored_document(revision + 1) == served.json()

    forget_documents()  # another worker
    assert anonymous_api.get("/api/schema/?format=json").json() == served.json()
    assert upgrades().count() == 1
    assert CatalogRevision.current() == revision + 1


def test_the_older_revision_still_serves_what_it_served(anonymous_api, pets):
    revision, older = keep_an_older_release_document()
    anonymous_api.get("/api/schema/?format=json")

    response = anonymous_api.get(f"/api/schema/?format=json&revision={revision}")

    assert response.status_code == 200
    assert response.json() == older


def test_nothing_is_recorded_when_the_kept_document_is_the_generated_one(anonymous_api, pets):
    revision, _document = contracts.current_document()
    forget_documents()

    anonymous_api.get("/api/schema/?format=json")

    assert CatalogRevision.current() == revision
    assert not upgrades().exists()


def test_a_plan_compares_with_the_generated_document_not_the_older_one(pets):
    revision, _older = keep_an_older_release_document()

    plan = changes.plan("add field", lambda operation: operation.save_field(
        Field(schema=pets, position=3, name="age", type="integer", required=False)
    ))

    assert plan.revision == revision + 1
    assert plan.lines() == ["pets.age: new optional field (compatible)"]


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
def test_workers_finding_the_upgrade_at_once_record_it_once(pets):
    if connections["default"].vendor == "sqlite":
        # The SQLite test database is one in-memory cache: threads lock each other's tables.
        pytest.skip("needs a database that threads share, such as PostgreSQL")
    revision, _older = keep_an_older_release_document()
    start = threading.Barrier(2)
    found: list[tuple[int, dict]] = []

    def worker() -> None:
        try:
            start.wait()
            found.append(contracts.current_document())
        finally:
            for connection in connections.all():
                connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(found) == 2
    assert found[0] == found[1] == (revision + 1, contracts.generate_document())
    assert upgrades().count() == 1
    assert CatalogRevision.current() == revision + 1


def test_the_history_shows_what_the_upgrade_changed(admin_client, anonymous_api, pets):  # noqa: F811
    revision, _older = keep_an_older_release_document()
    anonymous_api.get("/api/schema/")

    page = admin_client.get(
        f"/admin/schemas/schemachange/contract/?from={revision}&to={revision + 1}"
    ).content.decode()

    assert f"From revision {revision} to revision {revision + 1}" in page
    assert "pets.name: max length lowered from 60 to 40 (breaking)" in page
    assert changes.UPGRADE_SUMMARY in page


def test_a_worker_of_the_older_release_records_no_change_back(anonymous_api, pets, monkeypatch):
    """While a release rolls out, old and new workers serve side by side without moving the revision."""
    revision, older = keep_an_older_release_document()
    newer = anonymous_api.get("/api/schema/?format=json").json()  # a new worker records the upgrade
    assert CatalogRevision.current() == revision + 1

    forget_documents()  # a worker of the older release, which still generates the older document
    monkeypatch.setattr(contracts, "generate_document", lambda only=None: copy.deepcopy(older))
    served_by_old, current = contracts.current_document()

    assert current == older  # it serves the contract it enforces
    assert served_by_old == revision + 1
    assert CatalogRevision.current() == revision + 1
    assert upgrades().count() == 1
    assert contracts.stored_document(revision + 1) == newer


def test_a_second_upgrade_is_recorded_after_the_first(anonymous_api, pets, monkeypatch):
    revision, _older = keep_an_older_release_document()
    newer = anonymous_api.get("/api/schema/?format=json").json()

    newest = copy.deepcopy(newer)
    newest["info"]["description"] = newest["info"].get("description", "") + " Newest release."
    forget_documents()
    monkeypatch.setattr(contracts, "generate_document", lambda only=None: copy.deepcopy(newest))
    served, current = contracts.current_document()

    assert (served, current) == (revision + 2, newest)
    assert upgrades().count() == 2
