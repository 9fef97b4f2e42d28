"""A deploy's `migrate` gives every fixtures table the indexes its fields call for."""

import logging

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

from schemas.builder import fixture_table_name
from schemas.changes import create_schema
from schemas.index_repair import repair_indexes
from tests.conftest import ALL_DATABASES
from tests.test_list_at_size import field, fixture_indexes, make_events

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def fixtures_sql(statement: str) -> None:
    with connections[settings.FIXTURES_ALIAS].cursor() as cursor:
        cursor.execute(statement)


def migrate(caplog) -> str:
    """What ``manage.py migrate`` logs (the test run silences its output)."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="schemas.index_repair"):
        call_command("migrate", interactive=False)
    return caplog.text


def test_it_recreates_a_missing_descending_index_at_migrate_and_then_does_nothing(db, caplog):
    events = make_events()
    descending = f"fx_f{field(events, 'rank').pk}_dx"
    before = fixture_indexes(events)
    fixtures_sql(f'DROP INDEX "{descending}"')
    assert descending not in fixture_indexes(events)

    first = migrate(caplog)
    second = migrate(caplog)

    assert f"Created the indexes {descending} on the fixtures table {fixture_table_name(events.pk)}" in first
    assert fixture_indexes(events) == before
    assert "Created" not in second


def test_it_reports_what_it_created(db):
    events = make_events()
    title = field(events, "title").pk
    for kind in ("cp", "dx"):
        fixtures_sql(f'DROP INDEX "fx_f{title}_{kind}"')

    repair = repair_indexes()

    assert repair.lines() == [f"Created fx_f{title}_cp, fx_f{title}_dx on {fixture_table_name(events.pk)}"]


def test_it_reads_the_catalog_once_when_nothing_is_missing(db):
    make_events()
    create_schema(slug="notes", name="Notes", fields=[dict(name="body", type="text", indexed=True)])

    with CaptureQueriesContext(connections[settings.FIXTURES_ALIAS]) as fixtures_queries:
        repair = repair_indexes()

    assert repair.created == {} and repair.failed == []
    assert len(fixtures_queries) == 2  # the tables, and their indexes


def test_it_drops_an_index_no_field_calls_for(db):
    events = make_events()
    notes = field(events, "notes")
    table = fixture_table_name(events.pk)
    fixtures_sql(f'CREATE INDEX "fx_f{notes.pk}_ix" ON "{table}" ("f{notes.pk}")')

    repair_indexes()

    assert not any(name.startswith(f"fx_f{notes.pk}_") for name in fixture_indexes(events))


def test_one_odd_table_is_logged_and_the_others_still_get_their_indexes(db, caplog):
    odd = make_events()
    rank = field(odd, "rank")
    sound = create_schema(slug="scores", name="Scores", fields=[dict(name="points", type="integer",
                                                                     indexed=True)])
    points = f"fx_f{field(sound, 'points').pk}_dx"
    # A stray table holds the name of an index the odd table lacks: that index cannot be made.
    fixtures_sql(f'DROP INDEX "fx_f{rank.pk}_dx"')
    fixtures_sql(f'CREATE TABLE "fx_f{rank.pk}_dx" (stray integer)')
    fixtures_sql(f'DROP INDEX "{points}"')

    logged = migrate(caplog)

    assert f"The indexes of the fixtures table {fixture_table_name(odd.pk)} could not be synced" in logged
    assert points in fixture_indexes(sound)
