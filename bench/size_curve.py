"""
How lists grow with the table: ``python bench/size_curve.py`` (or
``python bench/run.py --size-curve``).

Per engine (SQLite, and PostgreSQL with ``--postgres URL``), in a throwaway
database, ``books`` is seeded by fauxsite's own ``schemas.seeding.seed`` to
10,000 rows, measured, topped up to 100,000, measured, and to 1,000,000.
At each size, requests run in-process through Django's WSGI handler
(middleware included, no network), median of ``--repeat`` after a warm-up:

- list page 1, and a deep page (``page=400``, rows 7,981-8,000);
- the same rows by keyset cursor, when lists take one
  (``cursor=after-<last id of page 399>``);
- the filtered, ordered list of ``bench/run.py``;
- ``COUNT(*)`` of the table through the ORM, what a page-number list pays;
- the filtered list's bounded count alone (``schemas.pagination.bounded_count``).

Sizes are measured minutes apart, so the machine's load can differ between
them. Besides wall time each point gives CPU time (``cpu_ms``): this
process's and, on a PostgreSQL server on this machine, that of the server
processes serving its connections (``bench.cpu_time``). Time spent waiting
for a busy core counts in neither, so its ratios hold under load.

On PostgreSQL the table is ``VACUUM ANALYZE``d after each top-up, as
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
    points = []
    for size in options.sizes:
        seeded = _top_up(size, vacuum=not options.analyze_only)
        wall, cpu = _timings(application, options.repeat)
        point = {"rows": size, "seed_seconds": seeded, "ms": wall, "cpu_ms": cpu}
        points.append(point)
        print(f"{size:>9,} rows: {point['ms']}, CPU {point['cpu_ms']}", file=sys.stderr, flush=True)
    print(json.dumps({"points": points}))


def _top_up(size: int, *, vacuum: bool) -> float:
    """Seed ``books`` up to ``size`` rows; returns the seconds it took (not the VACUUM's)."""
    from django.db import connections

    from schemas.catalog import current_catalog
    from schemas.seeding import seed

    model = current_catalog().get("books").model
    started = time.perf_counter()
    seed("books", size - model.objects.count(), seed=size)
    elapsed = time.perf_counter() - started
    connection = connections[model.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The referenced authors were seeded too: both settle as in service.
            for table in {model._meta.db_table, *_referenced_tables(model)}:
                cursor.execute(f'{"VACUUM ANALYZE" if vacuum else "ANALYZE"} "{table}"')
    return elapsed


def _referenced_tables(model) -> list[str]:
    return [field.related_model._meta.db_table for field in model._meta.concrete_fields if field.is_relation]


def _timings(application, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU milliseconds per call, by label."""
    requests = {label: _getter(application, query) for label, query in LISTS.items()}
    cursor_query = _deep_cursor(application)
    if cursor_query:
        requests[f"cursor page {DEEP_PAGE}"] = _getter(application, cursor_query)
    requests["COUNT(*)"] = _counter()
    requests["filtered count (bounded)"] = _filtered_counter()
    medians = {label: _median_ms(call, repeat) for label, call in requests.items()}
    return ({label: wall for label, (wall, _cpu) in medians.items()},
            {label: cpu for label, (_wall, cpu) in medians.items()})


def _getter(application, query: str):
    from bench.profiling import _environ

    def call() -> dict:
        status = []
        environ = _environ("GET", run.DYNAMIC, query, b"", "")
        response = application(environ, lambda line, _headers: status.append(line))
        body = b"".join(response)
        response.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"GET {run.DYNAMIC}?{query} answered {status[0]}: {body[:300]!r}")
        return json.loads(body)

    return call


def _deep_cursor(application) -> str | None:
    """The query of the rows of page ``DEEP_PAGE`` named by keyset cursor, or None without cursors."""
    from bench.profiling import _environ

    status = []
    response = application(_environ("GET", run.DYNAMIC, "cursor=first", b"", ""),
                           lambda line, _headers: status.append(line))
    b"".join(response)
    response.close()
    if not status[0].startswith("200"):
        return None  # no keyset pagination in this version
    before = _getter(application, f"page={DEEP_PAGE - 1}")()["results"]
    return f"cursor=after-{before[-1]['id']}"


def _counter():
    from schemas.catalog import current_catalog

    model = current_catalog().get("books").model
    return lambda: model.objects.count()


def _filtered_counter():
    """The count of the filtered list, as its request takes it: what grows with the table there."""
    from django.http import QueryDict

    from schemas.catalog import current_catalog
    from schemas.pagination import bounded_count, exact_count_limit

    model = current_catalog().get("books").model
    lookups = QueryDict(run.FILTERED_QUERY.lstrip("?")).dict()
    lookups.pop("ordering", None)
    return lambda: bounded_count(model.objects.filter(**lookups), exact_count_limit())


def _median_ms(call, repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``call``, after a warm-up that opens its connections."""
    from bench.cpu_time import CpuClock

    for _ in range(3):
        call()
    clock = CpuClock()
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), clock.ns()
        call()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((clock.ns() - cpu_started) / 1e6)
    return statistics.median(walls), statistics.median(cpus)


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
    lines.append(f"\nSeeding {last['rows']:,} rows with `schemas.seeding.seed` took {seeded:.0f} s in all.")
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
