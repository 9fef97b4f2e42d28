"""
fixtures versus live, in one command:
``python bench/live.py --postgres postgres://postgres@127.0.0.1:5432``.

One schema, ``books``, taken live the way an admin does it (data source,
provisioning, switch with the fixture rows copied), then served by the same
gunicorn from its live table and, with ``X-Fauxsite-Source: fixtures``, from
its untouched fixtures: the same endpoint, the same rows, ids included,
measured in alternating rounds with the same token and headers on both sides.
Done once with the fixtures on PostgreSQL (the same server as the live
database) and once with the embedded SQLite fixtures.

Then, with PostgreSQL fixtures, copies ``--copy-rows`` fixture rows into an
empty live table three ways (``bench/live_copy.py``): the switch's own copy,
ORM reads written with COPY, and plain COPY, the limit.

Every database is created for the run with a unique suffix and dropped at the
end. Results go to ``bench/results/<time>-live.{json,md}``; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the project root is
# what every import here and in the child processes expects.
sys.path[0] = str(REPO)

from bench import load, report, run  # noqa: E402

PATH = "/api/v1/books/"
SIDES = ("fixtures", "live")
ENGINES = ("postgresql", "sqlite")


def main() -> None:
    options = _parse_arguments()
    generator = load.available_generator(options.loadgen)
    started = datetime.now(UTC)
    setups = [_measure_setup(engine, options, generator) for engine in options.fixtures]
    results = {
        "started": started.isoformat(timespec="seconds"),
        "machine": run._machine(),
        "options": vars(options) | {"loadgen": generator},
        "setups": setups,
    }
    _write(results)


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", metavar="URL", required=True,
        help="the PostgreSQL server for the live database, e.g. postgres://postgres@127.0.0.1:5432",
    )
    parser.add_argument(
        "--fixtures", default="postgresql,sqlite",
        type=lambda text: [engine for engine in text.split(",") if engine],
        help="where the fixtures live, one setup each: postgresql (same server), sqlite (default: both)",
    )
    parser.add_argument("--rows", type=int, default=10_000, help="books served over HTTP (10,000)")
    parser.add_argument("--authors", type=int, default=200, help="authors the books reference (200)")
    parser.add_argument("--seconds", type=float, default=5, help="length of one measurement (5)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per scenario (4)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent client connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--copy-rows", type=int, default=100_000, help="rows for the copy measurement")
    parser.add_argument("--copy-rounds", type=int, default=3, help="rounds of the three copies (3)")
    parser.add_argument("--skip-copy", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2 rounds of 1 s, 2,000 books, 5,000 rows copied"
    )
    options = parser.parse_args()
    unknown = set(options.fixtures) - set(ENGINES)
    if unknown or not options.fixtures:
        parser.error(f"--fixtures takes {' and/or '.join(ENGINES)}, not {','.join(sorted(unknown))}")
    if options.quick:
        options.seconds, options.rounds, options.rows = 1, 2, 2_000
        options.copy_rows, options.copy_rounds = 5_000, 1
    return options


# One setup: fixtures on one engine, the live table on PostgreSQL ------------------------


def _measure_setup(engine: str, options, generator: str) -> dict:
    fixtures_server = options.postgres if engine == "postgresql" else None
    with run._data_directory(SimpleNamespace(postgres=fixtures_server)) as environment, \
            _live_database(options.postgres) as live_url:
        print(f"fixtures on {engine}, live on postgresql", flush=True)
        arguments = ["--authors", str(options.authors), "--books", str(options.rows), "--live-url", live_url]
        prepared = run._child_json(["bench.live_prepare", *arguments], environment)
        token = prepared.pop("token")
        print(f"prepared: {prepared}", flush=True)
        load_before = os.getloadavg()[0]
        with run._gunicorn(environment, options.workers) as base_url:
            _check_same_payloads(base_url, token)
            http = _measure_http(base_url, generator, options, token)
        load_after = os.getloadavg()[0]
        copy = None
        if engine == "postgresql" and not options.skip_copy:
            copy = _measure_copy(environment, options, live_url)
    return {
        "fixtures_engine": engine,
        "prepared": prepared,
        # Other work on the machine slows both sources; the ratios survive it
        # better than the absolute numbers.
        "load_average": {"before": load_before, "after": load_after},
        "http": http,
        "copy": copy,
    }


@contextmanager
def _live_database(server_url: str):
    """An empty database standing for the production one, dropped afterwards."""
    import psycopg

    name = f"fauxsite_bench_live_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(run._with_database(server_url, "postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield run._with_database(server_url, name)
    finally:
        run._drop_postgres_databases(server_url, [name])


# Fairness check ------------------------------------------------------------------


def _check_same_payloads(base_url: str, token: str) -> None:
    """Both sources must serve the same rows, or their speeds are not comparable."""
    created = [_request(base_url + PATH, side, token, run.CREATE_BODY) for side in SIDES]
    if [run._without_id(row) for row in created] != [json.loads(run.CREATE_BODY)] * 2:
        raise SystemExit(f"The two sources create different rows: {created}; fix that first.")
    for query in ("?page_size=100", run.FILTERED_QUERY, "?search=the", "1/"):
        fixtures, live = (_request(base_url + PATH + query, side, token) for side in SIDES)
        if fixtures != live:
            raise SystemExit(f"The two sources serve different rows for {query}; fix that first.")


def _request(url: str, side: str, token: str, body: str | None = None) -> dict:
    request = urllib.request.Request(
        url, data=body.encode() if body else None, headers=_headers(side, token, post=bool(body))
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _headers(side: str, token: str, *, post: bool = False) -> dict[str, str]:
    # The same token and header on both sides: only the source differs.
    headers = {"Authorization": f"Bearer {token}", "X-Fauxsite-Source": side}
    if post:
        headers["Content-Type"] = "application/json"
    return headers


# HTTP measurement ----------------------------------------------------------------


def _scenarios(rows: int, token: str) -> list[tuple[str, str, dict[str, load.Scenario]]]:
    def pair(key, label, method, query="", **extra):
        return key, label, {
            side: load.Scenario(
                key, method, PATH + query, headers=_headers(side, token, post=method == "POST"), **extra
            )
            for side in SIDES
        }

    # Creates go last: they grow both tables alike but would slow the list
    # scenarios' COUNT if they came first.
    return [
        pair("list20", "list, 20 rows", "GET"),
        pair("list100", "list, 100 rows", "GET", "?page_size=100"),
        pair("filtered", "list, 20 rows, filtered + ordered", "GET", run.FILTERED_QUERY),
        pair("retrieve", "retrieve one row", "GET", max_id=rows),
        pair("create", "create one row", "POST", body=run.CREATE_BODY),
    ]


def _measure_http(base_url: str, generator: str, options, token: str) -> list[dict]:
    measured = []
    for key, label, scenarios in _scenarios(options.rows, token):
        # Live first, so the ratio is live / fixtures.
        sides = {"live": scenarios["live"], "fixtures": scenarios["fixtures"]}
        measured.append(run.measure_alternating(key, label, sides, generator, base_url, options))
        print(report.live_http_line(measured[-1]), flush=True)
    return measured


def _measure_copy(environment: dict, options, live_url: str) -> dict:
    print(f"copying {options.copy_rows:,} rows, {options.copy_rounds} rounds", flush=True)
    arguments = ["--rows", str(options.copy_rows), "--rounds", str(options.copy_rounds)]
    arguments += ["--live-url", live_url]
    copy = run._child_json(["bench.live_copy", *arguments], environment)
    print(report.copy_line(copy), flush=True)
    return copy


# Output ------------------------------------------------------------------------------


def _write(results: dict) -> None:
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("+0000", "")
    stem = run.RESULTS / f"{stamp}-live"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    markdown = report.live_markdown(results)
    stem.with_suffix(".md").write_text(markdown)
    print("\n" + markdown)
    print(f"Results: {stem}.json and {stem}.md")


if __name__ == "__main__":
    main()
