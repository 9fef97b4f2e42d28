"""
How lists grow with the table: ``python bench/size_curve.py`` (or
``python bench/run.py --size-curve``).

Per engine (SQLite, and PostgreSQL with ``--postgres URL``), in a throwaway
database, a copy of ``books`` per size (``books10000``, ``books100000``,
``books1000000``) is seeded by fauxsite's own ``schemas.seeding.seed``.
Then requests run in-process through Django's WSGI handler (middleware
included, no network), each at every size in turns, so that a busy moment
of the machine falls on every size alike; median of ``--repeat`` after a
warm-up:

- list page 1, and a deep page (``page=400``, rows 7,981-8,000);
- the same rows by keyset cursor, when lists take one
  (``cursor=after-<last id of page 399>``);
- the filtered, ordered list of ``bench/run.py``;
- ``COUNT(*)`` of the table through the ORM, what a page-number list pays;
- the filtered list's bounded count alone (``schemas.pagination.bounded_count``).

Besides wall time each point gives CPU time (``cpu_ms``): this process's
and, on a PostgreSQL server on this machine, that of the server processes
serving its connections (``bench.cpu_time``). Time spent waiting for a busy
core counts in neither.

On PostgreSQL each table is ``VACUUM ANALYZE``d after seeding, as
autovacuum does in service to a table rows were inserted into (since
PostgreSQL 13 it vacuums for inserts too); left to autovacuum, that work
would run during the measurements. ``--analyze-only`` only ANALYZEs, as
earlier runs did. PostgreSQL settings can be given as the URL's
``options``, such as ``?options=-c%20random_page_cost%3D1.1``. SQLite gets
nothing fauxsite does not do itself.
Results go to ``bench/results/<time>-size-curve.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)

from bench import run  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
DEEP_PAGE = 400
LISTS = {
    "list page 1": "",
    f"list page {DEEP_PAGE}": f"page={DEEP_PAGE}",
    "filtered + ordered": run.FILTERED_QUERY.lstrip("?"),
}


def main() -> None:
    options = _parse_arguments()
    if options.measure:
        _measure_here(options)
        return
    started = datetime.now(UTC)
    curves = {}
    for engine in options.engines:
        print(f"size curve on {engine}: seeding and measuring {options.sizes}", flush=True)
        postgres = options.postgres if engine == "postgresql" else None
        with run._data_directory(SimpleNamespace(postgres=postgres)) as environment:
            arguments = ["--measure", "--sizes", ",".join(map(str, options.sizes))]
            arguments += ["--repeat", str(options.repeat)]
            arguments += ["--analyze-only"] if options.analyze_only else []
            curves[engine] = run._child_json(["bench.size_curve", *arguments], environment)
        print(markdown_table(engine, curves[engine]), flush=True)
    _write({"started": started.isoformat(timespec="seconds"), "machine": run._machine(), "curves": curves})


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default="sqlite,postgresql", type=lambda text: text.split(","))
    parser.add_argument("--postgres", metavar="URL", default=run.POSTGRES)
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), type=lambda text: [int(n) for n in text.split(",")]
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per point (15)")
    parser.add_argument("--analyze-only", action="store_true",
                        help="on PostgreSQL, ANALYZE after seeding without VACUUM")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# In the prepared environment (a child process) ----------------------------------


def _measure_here(options) -> None:
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    from bench import books

    books.prepare_databases()
    application = get_wsgi_application()
    seeded = {size: _seed_table(size, vacuum=not options.analyze_only) for size in options.sizes}
    tables = {size: _Table(application, _slug(size)) for size in options.sizes}
    wall, cpu = _timings(tables, options.repeat)
    points = [{"rows": size, "seed_seconds": seeded[size], "ms": wall[size], "cpu_ms": cpu[size]}
              for size in options.sizes]
    for point in points:
        print(f"{point['rows']:>9,} rows: {point['ms']}, CPU {point['cpu_ms']}", file=sys.stderr, flush=True)
    print(json.dumps({"points": points}))


def _slug(size: int) -> str:
    return f"books{size}"


def _seed_table(size: int, *, vacuum: bool) -> float:
    """A copy of ``books`` seeded with ``size`` rows; returns the seconds seeding took (not the VACUUM's)."""
    from django.db import connections

    from bench import books
    from schemas.catalog import current_catalog
    from schemas.changes import create_schema
    from schemas.models import Schema
    from schemas.seeding import seed

    authors = Schema.objects.get(slug="authors")
    create_schema(slug=_slug(size), name=f"Books, {size:,}", fields=books._book_fields(authors))
    started = time.perf_counter()
    seed(_slug(size), size, seed=size)
    elapsed = time.perf_counter() - started
    model = current_catalog().get(_slug(size)).model
    connection = connections[model.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The referenced authors were seeded with the first table: both settle as in service.
            for table in {model._meta.db_table, *_referenced_tables(model)}:
                cursor.execute(f'{"VACUUM ANALYZE" if vacuum else "ANALYZE"} "{table}"')
    return elapsed


def _referenced_tables(model) -> list[str]:
    return [field.related_model._meta.db_table for field in model._meta.concrete_fields if field.is_relation]


class _Table:
    """The measured calls on one size's table, by label."""

    def __init__(self, application, slug: str):
        self.application, self.path = application, f"/api/v1/{slug}/"
        self.calls = {label: self._getter(query) for label, query in LISTS.items()}
        cursor_query = self._deep_cursor()
        if cursor_query:
            self.calls[f"cursor page {DEEP_PAGE}"] = self._getter(cursor_query)
        self.calls["COUNT(*)"] = _counter(slug)
        self.calls["filtered count (bounded)"] = _filtered_counter(slug)

    def _getter(self, query: str):
        def call() -> dict:
            status, body = self._get(query)
            if not status.startswith("200"):
                raise SystemExit(f"GET {self.path}?{query} answered {status}: {body[:300]!r}")
            return json.loads(body)

        return call

    def _get(self, query: str) -> tuple[str, bytes]:
        from bench.profiling import _environ

        status = []
        response = self.application(_environ("GET", self.path, query, b"", ""),
                                    lambda line, _headers: status.append(line))
        body = b"".join(response)
        response.close()
        return status[0], body

    def _deep_cursor(self) -> str | None:
        """The query of the rows of page ``DEEP_PAGE`` named by keyset cursor, or None without cursors."""
        status, _body = self._get("cursor=first")
        if not status.startswith("200"):
            return None  # no keyset pagination in this version
        before = self._getter(f"page={DEEP_PAGE - 1}")()["results"]
        return f"cursor=after-{before[-1]['id']}"


def _counter(slug: str):
    from schemas.catalog import current_catalog

    model = current_catalog().get(slug).model
    return lambda: model.objects.count()


def _filtered_counter(slug: str):
    """The count of the filtered list, as its request takes it: what grows with the table there."""
    from django.http import QueryDict

    from schemas.catalog import current_catalog
    from schemas.pagination import bounded_count, exact_count_limit

    model = current_catalog().get(slug).model
    lookups = QueryDict(run.FILTERED_QUERY.lstrip("?")).dict()
    lookups.pop("ordering", None)
    return lambda: bounded_count(model.objects.filter(**lookups), exact_count_limit())


def _timings(tables: dict[int, _Table], repeat: int) -> tuple[dict, dict]:
    """Median wall and CPU milliseconds per call, by size and label: each label at every size in turns."""
    wall: dict[int, dict[str, float]] = {size: {} for size in tables}
    cpu: dict[int, dict[str, float]] = {size: {} for size in tables}
    for label in next(iter(tables.values())).calls:
        calls = {size: table.calls[label] for size, table in tables.items() if label in table.calls}
        for size, (walls, cpus) in _samples_in_turns(calls, repeat).items():
            wall[size][label], cpu[size][label] = statistics.median(walls), statistics.median(cpus)
    return wall, cpu


def _samples_in_turns(calls: dict, repeat: int) -> dict[int, tuple[list[float], list[float]]]:
    """Wall and CPU milliseconds of ``repeat`` calls each, one of each in turn, after a warm-up.

    In turns, a busy moment of the machine falls on every size alike. The
    warm-up opens the connections the CPU clock follows.
    """
    from bench.cpu_time import CpuClock

    for call in calls.values():
        for _ in range(3):
            call()
    clock = CpuClock()
    samples = {size: ([], []) for size in calls}
    for _ in range(repeat):
        for size, call in calls.items():
            started, cpu_started = time.perf_counter(), clock.ns()
            call()
            samples[size][0].append((time.perf_counter() - started) * 1000)
            samples[size][1].append((clock.ns() - cpu_started) / 1e6)
    return samples


# Output -----------------------------------------------------------------------------


def markdown_table(engine: str, curve: dict) -> str:
    points = curve["points"]
    first, last = points[0], points[-1]
    sizes = [f"{point['rows']:,} rows ms" for point in points]
    lines = [
        f"| {engine} | " + " | ".join(sizes) + f" | {last['rows'] // first['rows']:,}x rows: time ratio |",
        "|---|" + "---:|" * (len(points) + 1),
    ]
    lines += _rows(points, "ms")
    if "cpu_ms" in first:
        lines += ["", f"| {engine}, CPU | " + " | ".join(sizes).replace(" ms", " CPU ms") + " | ratio |",
                  "|---|" + "---:|" * (len(points) + 1), *_rows(points, "cpu_ms")]
    seeded = sum(point["seed_seconds"] for point in points)
    tables = " + ".join(f"{point['rows']:,}" for point in points)
    lines.append(f"\nSeeding the tables ({tables} rows) with `schemas.seeding.seed` took {seeded:.0f} s.")
    return "\n".join(lines)


def _rows(points: list[dict], key: str) -> list[str]:
    lines = []
    for label in points[0][key]:
        cells = [f"{point[key].get(label, float('nan')):.2f}" for point in points]
        ratio = points[-1][key][label] / points[0][key][label]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | **{ratio:.2f}** |")
    return lines


def _write(results: dict) -> None:
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("+0000", "")
    stem = run.RESULTS / f"{stamp}-size-curve"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2))
    markdown = "\n\n".join(markdown_table(engine, curve) for engine, curve in results["curves"].items())
    stem.with_suffix(".md").write_text(markdown + "\n")
    print(f"Results: {stem}.json and {stem}.md")


if __name__ == "__main__":
    main()
