"""
What a list costs at 10,000 and at 1,000,000 rows, in-process (no network).

    .venv/bin/python scripts/measure_list_size.py                          # SQLite
    .venv/bin/python scripts/measure_list_size.py --postgres postgresql://postgres@127.0.0.1:5432

In a throwaway data directory (and throwaway PostgreSQL databases), two
schemas, ``items10000`` and ``items1000000``, with indexed ``rank`` (integer)
and ``genre`` (enum) fields, an indexed nullable ``score`` (some of it
null) and an unindexed ``price``, are seeded with
fauxsite's own seeding, and each request runs through Django's test client,
middleware included, on both sizes in turns: the median wall time of
``--repeat`` runs after two warm-ups, in milliseconds.
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

    from schemas.seeding import seed

    call_command("migrate", verbosity=0)
    for size in SIZES:
        _make_items(f"items{size}")
        seed(f"items{size}", size, seed=size)
    fixtures = connections["fixtures"]
    if fixtures.vendor == "postgresql":
        with fixtures.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client(HTTP_HOST="localhost")
    paths = {size: _requests(client, f"/api/v1/items{size}/", size) for size in SIZES}
    results = {size: {} for size in SIZES}
    for label in paths[SIZES[0]]:
        # Both sizes in turns, so that a busy moment of the machine falls on both alike.
        samples = _time_in_turns(client, [paths[size][label] for size in SIZES], repeat)
        for size, sizes_samples in zip(SIZES, samples, strict=True):
            results[size][label] = round(statistics.median(sizes_samples), 2)
    return results


def _make_items(slug: str) -> None:
    from schemas.changes import create_schema

    create_schema(slug=slug, name=slug, read_rate_limit="off", fields=[
        dict(name="title", type="string", max_length=80),
        dict(name="genre", type="enum", choices=["fiction", "science", "history", "poetry"], indexed=True),
        dict(name="rank", type="integer", min_value=0, max_value=10_000_000, indexed=True),
        dict(name="price", type="decimal", max_digits=8, decimal_places=2, min_value=0),
        dict(name="score", type="integer", min_value=0, max_value=100_000, indexed=True, required=False,
             nullable=True),
    ])


def _requests(client, base: str, size: int) -> dict[str, str]:
    first_id = client.get(f"{base}?page_size=1").json()["results"][0]["id"]
    anchor = first_id + 5000
    some_rank = client.get(f"{base}?page_size=1&cursor=after-{anchor}").json()["results"][0]["rank"]
    return {
        "list, page 1": base,
        "list, page 400 (rows 7,981-8,000)": f"{base}?page=400",
        "list, last page": f"{base}?page={size // 20}",
        "cursor page, 1,000 rows from the end": f"{base}?cursor=after-{first_id + size - 1000}",
        "cursor page, ordering=rank (after row 5,000)": f"{base}?cursor=after-{anchor}&ordering=rank",
        "ordering=-rank, page 1": f"{base}?ordering=-rank",
        "cursor page, ordering=-rank (after row 5,000)": f"{base}?cursor=after-{anchor}&ordering=-rank",
        # Past the row with the median score: the rows below it, with the nulls still to come.
        "cursor page, ordering=-score, nullable (mid-list)":
            f"{base}?cursor=after-{_middle(client, base, 'score', size)}&ordering=-score",
        "filtered, rank=<value> (indexed)": f"{base}?rank={some_rank}",
        "filtered, genre=poetry (indexed)": f"{base}?genre=poetry",
        "filtered, genre=poetry&ordering=-rank (indexed)": f"{base}?genre=poetry&ordering=-rank",
        # The bench's filtered list, genre=fiction&price__gte=50&ordering=-price, on indexed fields.
        "filtered, genre&rank__gte&ordering=-rank (indexed)":
            f"{base}?genre=fiction&rank__gte=5000000&ordering=-rank",
        "filtered, price__lt=1 (not indexed)": f"{base}?price__lt=1",
    }


def _middle(client, base: str, name: str, size: int) -> int:
    """The id of a row halfway down the list in ``-name`` order (a cursor page deep in the table)."""
    page = client.get(f"{base}?ordering=-{name}&page_size=1&page={size // 2}").json()
    return page["results"][0]["id"]


def _time_in_turns(client, paths: list[str], repeat: int) -> list[list[float]]:
    for path in paths:
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
    samples: list[list[float]] = [[] for _ in paths]
    for _ in range(repeat):
        for index, path in enumerate(paths):
            started = time.perf_counter()
            client.get(path)
            samples[index].append((time.perf_counter() - started) * 1000)
    return samples


def _print(results: dict, engine: str) -> None:
    sizes = list(results)
    print(f"{engine}: median ms per request ({' / '.join(f'{int(s):,} rows' for s in sizes)}, ratio)")
    for label in results[sizes[0]]:
        small, large = results[sizes[0]][label], results[sizes[-1]][label]
        print(f"  {label:<52} {small:>8.2f} {large:>9.2f}  {large / small:5.2f}x")


if __name__ == "__main__":
    main()
