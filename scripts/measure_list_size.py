"""
What a list costs at 10,000 and at 1,000,000 rows, in-process (no network).

    .venv/bin/python scripts/measure_list_size.py                          # SQLite
    .venv/bin/python scripts/measure_list_size.py --postgres postgresql://postgres@127.0.0.1:5432

In a throwaway data directory (and throwaway PostgreSQL databases), a schema
``items`` with indexed ``rank`` (integer) and ``genre`` (enum) fields and an
unindexed ``price`` is seeded with fauxsite's own seeding to each size, and
each request runs through Django's test client, middleware included: the
median wall time of ``--repeat`` runs after two warm-ups, in milliseconds.
PostgreSQL tables are ANALYZEd after seeding, as autovacuum would. Not a
test: figures for the record, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
SIZES = (10_000, 1_000_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a superuser URL; measures PostgreSQL instead of SQLite")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(_measure(options.repeat)))
        return
    environment = {**os.environ, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "fauxsite.settings",
                   "FAUXSITE_DATA_DIR": tempfile.mkdtemp(prefix="fauxsite-measure-")}
    databases = []
    if options.postgres:
        import psycopg

        databases = [f"fauxsite_measure_{uuid.uuid4().hex[:8]}_{role}" for role in ("default", "fixtures")]
        with psycopg.connect(options.postgres, autocommit=True) as admin:
            for name in databases:
                admin.execute(f'CREATE DATABASE "{name}"')
        environment["DATABASE_URL"] = _with_database(options.postgres, databases[0])
        environment["FIXTURES_DATABASE_URL"] = _with_database(options.postgres, databases[1])
    try:
        completed = subprocess.run([sys.executable, __file__, "--child", "--repeat", str(options.repeat)],
                                   cwd=REPO, env=environment, capture_output=True, text=True, check=True)
    finally:
        if databases:
            with psycopg.connect(options.postgres, autocommit=True) as admin:
                for name in databases:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    _print(results, "PostgreSQL" if options.postgres else "SQLite")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _measure(repeat: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from schemas.changes import create_schema
    from schemas.seeding import seed

    call_command("migrate", verbosity=0)
    create_schema(slug="items", name="Items", read_rate_limit="off", fields=[
        dict(name="title", type="string", max_length=80),
        dict(name="genre", type="enum", choices=["fiction", "science", "history", "poetry"], indexed=True),
        dict(name="rank", type="integer", min_value=0, max_value=10_000_000, indexed=True),
        dict(name="price", type="decimal", max_digits=8, decimal_places=2, min_value=0),
    ])
    client, results, seeded = Client(HTTP_HOST="localhost"), {}, 0
    for size in SIZES:
        seed("items", size - seeded, seed=size)
        seeded = size
        fixtures = connections["fixtures"]
        if fixtures.vendor == "postgresql":
            with fixtures.cursor() as cursor:
                cursor.execute("ANALYZE")
        some_rank = client.get("/api/v1/items/?page_size=1&cursor=after-5000").json()["results"][0]["rank"]
        deep_id = size - 1000
        requests = {
            "list, page 1": "/api/v1/items/",
            "list, page 400 (rows 7,981-8,000)": "/api/v1/items/?page=400",
            "list, last page": f"/api/v1/items/?page={size // 20}",
            "cursor page, 1,000 rows from the end": f"/api/v1/items/?cursor=after-{deep_id}",
            "cursor page, ordering=rank (after row 5000)": "/api/v1/items/?cursor=after-5000&ordering=rank",
            "cursor page, ordering=-rank (after row 5000)": "/api/v1/items/?cursor=after-5000&ordering=-rank",
            "filtered, rank=<value> (indexed)": f"/api/v1/items/?rank={some_rank}",
            "filtered, genre=poetry&ordering=-rank (indexed)": "/api/v1/items/?genre=poetry&ordering=-rank",
            "filtered, price__lt=1 (not indexed)": "/api/v1/items/?price__lt=1",
        }
        results[size] = {label: _time(client, path, repeat) for label, path in requests.items()}
    return results


def _time(client, path: str, repeat: int) -> dict:
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    body = response.json()
    return {"ms": round(statistics.median(samples), 2), "count": body["count"], "exact": body["count_exact"]}


def _print(results: dict, engine: str) -> None:
    sizes = list(results)
    print(f"{engine}: median ms per request ({' / '.join(f'{int(s):,} rows' for s in sizes)}, ratio)")
    for label in results[sizes[0]]:
        small, large = results[sizes[0]][label]["ms"], results[sizes[-1]][label]["ms"]
        print(f"  {label:<52} {small:>8.2f} {large:>9.2f}  {large / small:5.2f}x")


if __name__ == "__main__":
    main()
