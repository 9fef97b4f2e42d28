"""Provisioning a live table creates the indexes the contract's fields ask for."""

import psycopg
import pytest

from golive.provision import apply_plan, provision_plan
from golive.readiness import readiness_report
from golive.switching import switch_source
from schemas import changes
from schemas.changes import add_field, create_schema
from tests import test_live_support as support
from tests.test_list_at_size import make_events, page_plan
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
        'CREATE INDEX IF NOT EXISTS "events_title_desc_idx" ON "public"."events" '
        '((("title")::text COLLATE "C") DESC NULLS LAST, "id")',
        'CREATE INDEX IF NOT EXISTS "events_rank_idx" ON "public"."events" ("rank")',
        'CREATE INDEX IF NOT EXISTS "events_rank_desc_idx" ON "public"."events" '
        '("rank" DESC NULLS LAST, "id")',
        'CREATE INDEX IF NOT EXISTS "events_team_idx" ON "public"."events" ("team")',
    ]
    with psycopg.connect(live_db.url) as connection:
        found = connection.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'events'")
        names = {row[0] for row in found}
    assert {"events_title_cp_idx", "events_title_desc_idx", "events_rank_idx", "events_rank_desc_idx",
            "events_team_idx"} <= names
    assert readiness_report(events).ready



def test_the_live_descending_indexes_serve_the_apis_descending_pages(api, live_db):
    source = make_source(live_db)
    events = make_events()
    changes.update_schema(events, data_source=source, table_name="ranked_events")
    apply_plan(provision_plan(events))
    switch_source(events, "live")
    live_db.execute(
        "INSERT INTO ranked_events (title, rank) SELECT 'title ' || n, n % 500 "
        "FROM generate_series(1, 2000) n"
    )
    live_db.execute("ANALYZE ranked_events")  # as autovacuum would: a plan for the table's real size

    for query, index in [
        ("ordering=-rank", "ranked_events_rank_desc_idx"),
        ("ordering=-rank&cursor=after-499", "ranked_events_rank_desc_idx"),  # a rank near the top
        ("ordering=-title&cursor=after-9", "ranked_events_title_desc_idx"),
    ]:
        plan = page_plan(api, "events", query)
        assert f"using {index}" in plan and "Sort" not in plan, (query, plan)
