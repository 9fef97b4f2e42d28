"""Provisioning a live table creates the indexes the contract's fields ask for."""

import psycopg
import pytest

from golive.provision import apply_plan, provision_plan
from golive.readiness import readiness_report
from schemas import changes
from schemas.changes import add_field, create_schema
from tests import test_live_support as support
from tests.test_list_at_size import make_events
from tests.test_live_support import LIVE_DATABASES, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings


def test_provisioning_creates_the_indexes_of_indexed_fields_and_references(live_db):
    source = make_source(live_db)
    teams = create_schema(slug="teams", name="Teams", data_source=source,
                          fields=[dict(name="name", type="string")])
    events = make_events(unique=True)
    changes.update_schema(events, data_source=source, table_name="events")
    add_field(schema=events, name="team", type="reference", to=teams, required=False, position=5)

    plan = provision_plan(events)
    apply_plan(plan)

    assert plan.sql_text[1:] == [
        'CREATE INDEX IF NOT EXISTS "events_title_cp_idx" ON "public"."events" '
        '((("title")::text COLLATE "C"))',
        'CREATE INDEX IF NOT EXISTS "events_rank_idx" ON "public"."events" ("rank")',
        'CREATE INDEX IF NOT EXISTS "events_team_idx" ON "public"."events" ("team")',
    ]
    with psycopg.connect(live_db.url) as connection:
        found = connection.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'events'")
        names = {row[0] for row in found}
    assert {"events_title_cp_idx", "events_rank_idx", "events_team_idx"} <= names
    assert readiness_report(events).ready
