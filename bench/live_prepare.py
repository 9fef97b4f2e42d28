"""
Prepares the fixtures-versus-live comparison: migrates, creates the
``authors`` and ``books`` schemas, seeds them, then takes ``books`` live the
way an admin does: registers the live database as a data source, provisions
the table (plan, then apply), and switches with the fixture rows copied.

Afterwards ``/api/v1/books/`` serves the live table and, with
``X-Fauxsite-Source: fixtures``, the untouched fixtures: the same schema, the
same rows, ids included, from two databases.

Run by ``bench/live.py`` in its own process, with the environment it set up.
"""

from __future__ import annotations

import argparse
import json
import time
from urllib.parse import urlsplit

import django

SOURCE_NAME = "bench-live"
TOKEN_SCOPES = ["fixtures", "books:read", "books:write"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--authors", type=int, required=True)
    parser.add_argument("--books", type=int, required=True)
    parser.add_argument("--live-url", required=True, help="the live database, postgres://.../name")
    options = parser.parse_args()

    django.setup()

    from bench import books
    from schemas.seeding import seed

    books.prepare_databases()
    seed("authors", options.authors, seed=1)
    seed("books", options.books, seed=1)
    source = register_source(options.live_url)
    switched = go_live("books", source)
    print(json.dumps({"token": token(), **switched}))


def register_source(url: str):
    """The live database as a data source, as an admin would enter it."""
    from datasources.models import DataSource

    parts = urlsplit(url)
    source = DataSource.objects.filter(name=SOURCE_NAME).first() or DataSource(
        name=SOURCE_NAME,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        database=parts.path.lstrip("/"),
        user=parts.username or "postgres",
        sslmode="disable",
    )
    source.set_password(parts.password or "")
    source.full_clean()
    source.save()
    return source


def go_live(slug: str, source) -> dict:
    """Provision the live table and switch with the rows copied; returns timings."""
    from golive.provision import apply_plan, provision_plan
    from golive.readiness import readiness_report
    from golive.switching import switch_source
    from schemas.models import Schema

    schema = Schema.objects.get(slug=slug)
    schema.data_source = source
    schema.save()
    plan = provision_plan(schema)
    apply_plan(plan)
    started = time.perf_counter()
    readiness_report(schema)
    readiness_seconds = time.perf_counter() - started
    started = time.perf_counter()
    switch = switch_source(schema, "live", copy_rows=True, actor="benchmark")
    return {
        "slug": slug,
        "provision_sql": plan.sql_text,
        "rows_copied": switch.rows_copied,
        "switch_seconds": time.perf_counter() - started,
        "readiness_seconds": readiness_seconds,
    }


def token() -> str:
    """A bearer token for both sources: it may read, create and ask for the fixtures."""
    from oauth2_provider.models import get_application_model

    from access.models import ApplicationScopes
    from access.oauth import issue_token

    application = get_application_model().objects.create(
        name="benchmark-live",
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )
    ApplicationScopes.objects.create(application=application, scopes=" ".join(TOKEN_SCOPES))
    _token, plaintext = issue_token(application, TOKEN_SCOPES, 36_000)
    return plaintext


if __name__ == "__main__":
    main()
