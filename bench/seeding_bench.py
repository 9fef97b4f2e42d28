"""
Seeding throughput and memory against a Faker-only baseline of the same values.

``python -m bench.seeding_bench compare`` (see bench/README.md, "Seeding")
measures, per engine (SQLite, and PostgreSQL with ``--postgres URL``), in a
throwaway database:

- ratios: in one process, rounds that alternate the Faker-only baseline and
  ``schemas.seeding.seed`` end to end (the order flips every round), for two
  schemas: ``books`` (six fields, one a reference) and ``people`` (names and
  a unique email). Interleaving in one process keeps the ratio fair on a
  busy machine, where absolute rows/s are not. Each round also seeds with
  the table's indexes kept while it loads (``schemas.seed_indexes`` turned
  off: how seeding went before), and counts CPU seconds as well as elapsed
  ones: the process's, plus on PostgreSQL its server process's (read from
  ``/proc`` when the server runs on this machine), which a busy machine
  does not inflate the way it does elapsed time;
- memory: one process per schema and size (``--rows`` and ``--memory-rows``)
  that seeds once, so each peak RSS (``ru_maxrss``) is its own, with the
  indexes set aside and (``--keep-indexes``) kept.

The baseline generates the same values as seeding: each field's own seeded
stream, the field's Faker provider called once per value on a stock Faker
(no cached weights), numbers, dates and choices drawn as seeding draws them,
references as random ids; nothing checked, nothing stored. A unique email is
not a Faker call in seeding but an address composed from the locale's names
and domains (``schemas.mock_emails``): the baseline composes the same
addresses with the same code, in batches of 5,000 as seeding does. The run
checks that its first rows equal the rows seeding stored.

``--mode`` measures one thing in the current environment, for ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SEED = 1
AUTHORS = 1000
# Rows compared between the baseline and what seeding stored.
COMPARED = 1000
GENRES = ["fiction", "non-fiction", "poetry", "science", "history", "children"]
SCHEMAS = {
    "authors": [{"name": "name", "type": "string", "max_length": 100}],
    "books": [
        {"name": "title", "type": "string", "max_length": 200},
        {"name": "price", "type": "decimal", "max_digits": 8, "decimal_places": 2, "min_value": 0},
        {"name": "genre", "type": "enum", "choices": GENRES},
        {"name": "published", "type": "date", "required": False, "nullable": True},
        {"name": "in_stock", "type": "boolean", "required": False, "default": True},
        {"name": "author", "type": "reference", "to": "authors"},
    ],
    "people": [
        {"name": "first_name", "type": "string", "max_length": 40},
        {"name": "last_name", "type": "string", "max_length": 40},
        {"name": "email", "type": "email", "unique": True},
        {"name": "joined", "type": "date"},
    ],
}
MEASURED = ("books", "people")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=["compare", "rounds", "memory"])
    parser.add_argument("--mode", choices=["faker", "insert", "seed", "seed-tracemalloc"])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-rows", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--postgres", help="a server URL, e.g. postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--schema", choices=MEASURED, default="books")
    parser.add_argument("--keep-indexes", action="store_true",
                        help="keep the table's indexes while seeding (as before schemas.seed_indexes)")
    options = parser.parse_args()
    if options.command == "compare":
        _compare(options)
        return
    django.setup()
    if options.command == "rounds":
        result = _rounds(options.rows, options.rounds)
    elif options.command == "memory":
        result = _memory(options.schema, options.rows, keep_indexes=options.keep_indexes)
    else:
        result = {"mode": options.mode, "rows": options.rows, **_one_mode(options.mode, options.rows)}
    print(json.dumps(result, default=str))


# The comparison: one child process per measurement ----------------------------------


def _compare(options) -> None:
    engines = ["sqlite"] + (["postgresql"] if options.postgres else [])
    results = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "load_before": os.getloadavg()[0],
               "rows": options.rows, "rounds": options.rounds, "engines": {}}
    for engine in engines:
        measured = {"rounds": _in_database(engine, options, ["rounds", "--rounds", str(options.rounds)],
                                           options.rows)}
        sizes = [options.rows] + ([options.memory_rows] if options.memory_rows else [])
        measured["memory"] = [
            _in_database(engine, options, ["memory", "--schema", schema, *keep], rows)
            for schema in MEASURED for rows in sizes for keep in ([], ["--keep-indexes"])
        ]
        results["engines"][engine] = measured
        print(_markdown({**results, "engines": {engine: measured}}), flush=True)
    results["load_after"] = os.getloadavg()[0]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"seeding-{results['started'].replace(':', '')}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    stem.with_suffix(".md").write_text(_markdown(results))
    print(f"\n{_markdown(results)}\nResults: {stem}.json and {stem}.md")


def _in_database(engine: str, options, arguments: list[str], rows: int) -> dict:
    """Run this module with ``arguments`` in a child, against a fresh throwaway database."""
    with tempfile.TemporaryDirectory(prefix="fauxsite-seedbench-") as data_dir:
        environment = {**os.environ, "FAUXSITE_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT),
                       "DJANGO_SETTINGS_MODULE": "fauxsite.settings"}
        for variable in ("DATABASE_URL", "FIXTURES_DATABASE_URL"):
            environment.pop(variable, None)
        names = []
        if engine == "postgresql":
            # Named per run: two people benchmarking on one server must not drop each other's.
            names = [f"fauxsite_seedbench_{os.getpid()}_{alias}" for alias in ("default", "fixtures")]
            _recreate(options.postgres, names)
            environment["DATABASE_URL"] = _with_database(options.postgres, names[0])
            environment["FIXTURES_DATABASE_URL"] = _with_database(options.postgres, names[1])
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "bench.seeding_bench", *arguments, "--rows", str(rows)],
                env=environment, cwd=ROOT, capture_output=True, text=True, check=False,
            )
        finally:
            if names:
                _drop(options.postgres, names)
    if completed.returncode != 0:
        raise SystemExit(f"bench.seeding_bench {' '.join(arguments)} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _with_database(url: str, name: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def _recreate(url: str, names: list[str]) -> None:
    _drop(url, names)
    _admin_sql(url, [f'CREATE DATABASE "{name}"' for name in names])


def _drop(url: str, names: list[str]) -> None:
    _admin_sql(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names])


def _admin_sql(url: str, statements: list[str]) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


# In a child: the database and its schemas ------------------------------------------------


def _prepare() -> None:
    from django.core.management import call_command

    from schemas import seeding

    call_command("migrate", verbosity=0)
    created = {}
    for slug, fields in SCHEMAS.items():
        created[slug] = _make_schema(slug, fields, created)
    seeding.seed("authors", AUTHORS, seed=SEED)


def _make_schema(slug: str, fields: list[dict], created: dict):
    try:
        from schemas.changes import add_field, create_schema
    except ImportError:  # before the change service: saving a definition alters the table
        from schemas.models import Field, Schema

        def create_schema(**options):
            return Schema.objects.create(**options)

        def add_field(**options):
            return Field.objects.create(**options)

    schema = create_schema(slug=slug, name=slug.title())
    for position, options in enumerate(fields, start=1):
        if "to" in options:
            options = {**options, "to": created[options["to"]]}
        add_field(schema=schema, position=position, **options)
    return schema


def _resource(slug: str):
    from schemas.catalog import current_catalog

    return current_catalog().get(slug)


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# In a child: the measurements ------------------------------------------------------------


STEPS = ("baseline", "generation", "seed", "seed_kept")


def _rounds(rows: int, rounds: int) -> dict:
    """Baseline and seeding in alternating order, per schema; rows/s and CPU seconds per round."""
    from django.db import connections

    from schemas import seeding

    _prepare()
    measured = {slug: {**{name: [] for name in STEPS}, **{f"{name}_cpu": [] for name in STEPS}}
                for slug in MEASURED}
    for round_number in range(rounds):
        for slug in MEASURED:
            steps = [("baseline", lambda slug=slug: _baseline(slug, rows)),
                     ("generation", lambda slug=slug: _baseline(slug, rows, fast=True)),
                     ("seed", lambda slug=slug: seeding.seed(slug, rows, seed=SEED)),
                     ("seed_kept", lambda slug=slug: _seed_keeping_indexes(slug, rows))]
            for name, work in steps[:: 1 if round_number % 2 == 0 else -1]:
                seeding.reset(slug)
                cpu = _cpu_seconds()
                started = time.perf_counter()
                work()
                measured[slug][name].append(rows / (time.perf_counter() - started))
                measured[slug][f"{name}_cpu"].append(_cpu_seconds() - cpu)
    for slug in MEASURED:
        seeding.seed(slug, COMPARED, seed=SEED, reset=True)
        stored = _stored_rows(slug)
        expected = _baseline(slug, len(stored), keep=True)
        measured[slug]["same_values"] = sum(a == b for a, b in zip(stored, expected, strict=True))
        measured[slug]["compared"] = len(stored)
    return {"engine": connections["fixtures"].vendor, "rows": rows, "schemas": measured,
            "peak_rss_mb": _peak_rss_mb()}


def _memory(slug: str, rows: int, *, keep_indexes: bool = False) -> dict:
    from django.db import connections

    from schemas import seeding

    _prepare()
    before = _peak_rss_mb()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    if keep_indexes:
        _seed_keeping_indexes(slug, rows)
    else:
        seeding.seed(slug, rows, seed=SEED)
    seconds = time.perf_counter() - started
    return {"engine": connections["fixtures"].vendor, "schema": slug, "rows": rows,
            "indexes": "kept" if keep_indexes else "set aside", "rows_per_second": rows / seconds,
            "cpu_seconds": _cpu_seconds() - cpu, "rss_before_mb": before, "peak_rss_mb": _peak_rss_mb()}


def _seed_keeping_indexes(slug: str, rows: int) -> None:
    """Seed with the table's indexes maintained row by row, as seeding did before ``seed_indexes``."""
    from schemas import seed_indexes, seeding

    threshold = seed_indexes.MIN_ROWS
    seed_indexes.MIN_ROWS = rows + 1
    try:
        seeding.seed(slug, rows, seed=SEED)
    finally:
        seed_indexes.MIN_ROWS = threshold


def _cpu_seconds() -> float:
    """CPU time of this process, plus its PostgreSQL server process's when that runs on this machine."""
    from django.db import connections

    seconds = time.process_time()
    connection = connections["fixtures"]
    if connection.vendor != "postgresql":
        return seconds
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")  # a remote server: elapsed time only
    return seconds + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stored_rows(slug: str) -> list[tuple]:
    model = _resource(slug).model
    names = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    return list(model.objects.order_by("pk").values_list(*names)[:COMPARED])


def _baseline(slug: str, rows: int, *, keep: bool = False, fast: bool = False) -> list[tuple]:
    """The values seeding would give, made the plain way: one Faker call per value, nothing else.

    ``fast``: with seeding's Faker (cached weights, the same values), so the
    ratio to it is what inserting, checking and bookkeeping cost.
    """
    makers = _baseline_makers(_resource(slug), fast=fast)
    kept = []
    for _ in range(rows):
        row = tuple(make() for make in makers)
        if keep:
            kept.append(row)
    return kept


def _baseline_makers(resource, *, fast: bool) -> list:
    from faker import Faker

    from schemas.mock_values import (
        NULL_RATE,
        GenerationContext,
        IdRuns,
        derive_seed,
        field_values,
        seeded_faker,
    )

    number = derive_seed(SEED, resource.schema.slug)
    stock = seeded_faker(resource.schema.locale, None) if fast else Faker(resource.schema.locale)
    context = GenerationContext(stock, resource.schema.slug, seed=number)
    makers = []
    for field in resource.fields:
        model_field = resource.model._meta.get_field(field.name)
        if field.type == "reference":
            make = _random_id(IdRuns.of(model_field.related_model), context.stream(field.name))
        elif field.type == "email" and model_field.unique and (
            emails := field_values(field, model_field, context).distinct()
        ) is not None:
            # Seeding composes a unique email rather than calling Faker: the
            # baseline makes the same addresses the same way, a batch at a time.
            make = _in_batches(emails.take)
        elif field.type in ("string", "text", "email", "url") and not field.pattern:
            make = _provider_call(stock, field_values(field, model_field, context))
        else:
            make = field_values(field, model_field, context).candidate
        if model_field.null:
            make = _sometimes_null(make, context.stream(f"{field.name}:null"), NULL_RATE)
        makers.append(make)
    return makers


def _random_id(runs, random):
    return lambda: runs.at(random.randrange(runs.total))


def _provider_call(stock, values):
    provide = getattr(stock, values.provider)
    generator = stock.factories[0]

    def make():
        generator.random = values.random
        return provide()

    return make


def _in_batches(take, size: int = 5000):
    """One value per call from ``take(size)`` batches, as seeding draws them."""
    batch = iter(())

    def make():
        nonlocal batch
        value = next(batch, None)
        if value is None:
            batch = iter(take(size))
            value = next(batch)
        return value

    return make


def _sometimes_null(make, random, rate: float):
    return lambda: None if random.random() < rate else make()


# bench/run.py's single measurements -------------------------------------------------------


def _one_mode(mode: str, rows: int) -> dict:
    from schemas import seeding

    resource_ = _resource("books")
    if resource_ is None:
        return {"skipped": "no books schema in this database"}
    if mode == "faker":
        return _timed(lambda: _baseline("books", rows), rows)
    if mode == "insert":
        return {"skipped": "seeding inserts with COPY / executemany; see `seeding_bench compare`"}
    resource_.model.objects.all().delete()
    if mode == "seed":
        return _timed(lambda: seeding.seed("books", rows, seed=SEED), rows)
    tracemalloc.start()
    result = _timed(lambda: seeding.seed("books", rows, seed=SEED), rows)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {**result, "tracemalloc_peak_mb": peak / 1024 / 1024}


def _timed(work, rows: int) -> dict:
    before = _peak_rss_mb()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows_per_second": rows / seconds, "rss_before_mb": before,
            "peak_rss_mb": _peak_rss_mb()}


# Report ----------------------------------------------------------------------------------


def _markdown(results: dict) -> str:
    lines = [
        f"Seeding, {results['rows']:,} rows, {results['rounds']} alternating rounds "
        f"(load average {results['load_before']:.1f} before)",
        "",
        "| Engine | Schema | Faker-only baseline rows/s | seeding rows/s | **seeding / baseline** (range) "
        "| generation only, seeding's Faker, rows/s | seeding / generation (range) "
        "| rows equal to the baseline |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, measured in results["engines"].items():
        for slug, runs in measured["rounds"]["schemas"].items():
            seed, baseline, generation = runs["seed"], runs["baseline"], runs["generation"]
            lines.append(
                f"| {engine} | {slug} | {statistics.median(baseline):,.0f} | "
                f"{statistics.median(seed):,.0f} | {_ratios(seed, baseline, bold=True)} | "
                f"{statistics.median(generation):,.0f} | "
                f"{_ratios(seed, generation)} | {runs['same_values']}/{runs['compared']} |"
            )
    lines += [
        "", "Seeding / generation, indexes set aside against kept, in the same rounds "
        "(CPU: generation's CPU seconds over seeding's, the server's included):", "",
        "| Engine | Schema | set aside: rows/s | kept: rows/s | set aside / generation (range) "
        "| kept / generation (range) | CPU, set aside | CPU, kept |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, measured in results["engines"].items():
        for slug, runs in measured["rounds"]["schemas"].items():
            generation, generation_cpu = runs["generation"], runs["generation_cpu"]
            lines.append(
                f"| {engine} | {slug} | {statistics.median(runs['seed']):,.0f} | "
                f"{statistics.median(runs['seed_kept']):,.0f} | "
                f"{_ratios(runs['seed'], generation, bold=True)} | "
                f"{_ratios(runs['seed_kept'], generation)} | {_ratios(generation_cpu, runs['seed_cpu'])} | "
                f"{_ratios(generation_cpu, runs['seed_kept_cpu'])} |"
            )
    lines += ["", "| Engine | Schema | rows | indexes | seeding rows/s | CPU s "
                  "| peak RSS MB (before seeding) |", "|---|---|---:|---|---:|---:|---:|"]
    for engine, measured in results["engines"].items():
        for run in measured["memory"]:
            lines.append(
                f"| {engine} | {run['schema']} | {run['rows']:,} | {run['indexes']} | "
                f"{run['rows_per_second']:,.0f} | {run['cpu_seconds']:.1f} | "
                f"{run['peak_rss_mb']:.0f} ({run['rss_before_mb']:.0f}) |"
            )
    return "\n".join(lines)


def _ratios(numerators: list[float], denominators: list[float], *, bold: bool = False) -> str:
    """The median ratio of paired rounds, and its range."""
    ratios = [a / b for a, b in zip(numerators, denominators, strict=True)]
    median = f"{statistics.median(ratios):.2f}"
    return f"{'**' + median + '**' if bold else median} ({min(ratios):.2f}-{max(ratios):.2f})"


if __name__ == "__main__":
    main()
