"""
fauxsite's benchmark, in one command: ``python bench/run.py``.

Serves the dynamic ``/api/v1/books/`` and a hand-written DRF ``ModelViewSet``
over an identical table (``/static-api/books/``) from the same gunicorn, and
measures both in the same run, in alternating rounds so drift in the machine
hits both alike. Then profiles one request of each kind in-process, and
measures seeding throughput and memory. Results go to ``bench/results/``.

See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the project root is
# what every import here and in the child processes expects.
sys.path[0] = str(REPO)

from bench import load, report  # noqa: E402

RESULTS = REPO / "bench" / "results"
DYNAMIC = "/api/v1/books/"
STATIC = "/static-api/books/"
FILTERED_QUERY = "?genre=fiction&price__gte=50&ordering=-price"
CREATE_BODY = json.dumps(
    {
        "title": "A benchmark of small things",
        "price": "12.50",
        "genre": "fiction",
        "published": "2020-02-29",
        "in_stock": True,
        "author": 1,
    }
)


def main() -> None:
    options = _parse_arguments()
    generator = load.available_generator(options.loadgen)
    started = datetime.now(UTC)
    with _data_directory(options) as environment:
        arguments = ["--authors", str(options.authors), "--books", str(options.rows)]
        prepared = _child_json(["bench.prepare", *arguments], environment)
        token = prepared.pop("token")
        print(f"prepared: {prepared}", flush=True)
        load_before = os.getloadavg()[0]
        with _gunicorn(environment, options.workers) as base_url:
            _check_same_payloads(base_url, token)
            http = _measure_http(base_url, generator, options, token)
        load_after = os.getloadavg()[0]
        profile = None
        if not options.skip_profile:
            arguments = ["--results", str(RESULTS), "--token", token]
            profile = _child_json(["bench.profiling", *arguments], environment)
        seeding = None if options.skip_seeding else _measure_seeding(environment, options.seed_rows)
    results = {
        "started": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        # Other work on the machine slows both endpoints; the ratios survive
        # it better than the absolute numbers.
        "load_average": {"before": load_before, "after": load_after},
        "engine": "postgresql" if options.postgres else "sqlite",
        "options": vars(options) | {"loadgen": generator},
        "prepared": prepared,
        "http": http,
        "profile": profile,
        "seeding": seeding,
    }
    _write(results)


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="books served over HTTP (10,000)")
    parser.add_argument("--authors", type=int, default=200, help="authors the books reference (200)")
    parser.add_argument("--seconds", type=float, default=5, help="length of one measurement (5)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per scenario (4)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent client connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--seed-rows", type=int, default=100_000, help="rows for the seeding measurement")
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--skip-profile", action="store_true")
    parser.add_argument("--skip-seeding", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2 rounds of 1 s, 10,000 seeded rows"
    )
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.rounds, options.seed_rows = 1, 2, 10_000
    return options


# Environment -------------------------------------------------------------------


@contextmanager
def _data_directory(options):
    data_dir = tempfile.mkdtemp(prefix="fauxsite-bench-")
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "FAUXSITE_DATA_DIR": data_dir,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": "benchmark-only-" + uuid.uuid4().hex,
        "LOG_LEVEL": "WARNING",
        # Both endpoints do the same work per request: a hand-written
        # viewset has no per-schema rate limit, so none is counted.
        "FAUXSITE_READ_RATE_LIMIT": "off",
        "FAUXSITE_WRITE_RATE_LIMIT": "off",
    }
    databases = []
    try:
        if options.postgres:
            databases = _create_postgres_databases(options.postgres)
            (_, default_url), (_, fixtures_url) = databases
            environment["DATABASE_URL"], environment["FIXTURES_DATABASE_URL"] = default_url, fixtures_url
        yield environment
    finally:
        if databases:
            _drop_postgres_databases(options.postgres, [name for name, _url in databases])
        shutil.rmtree(data_dir, ignore_errors=True)


def _create_postgres_databases(server_url: str) -> list[tuple[str, str]]:
    import psycopg

    suffix = uuid.uuid4().hex[:8]
    names = [f"fauxsite_bench_default_{suffix}", f"fauxsite_bench_fixtures_{suffix}"]
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    return [(name, _with_database(server_url, name)) for name in names]


def _drop_postgres_databases(server_url: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _child_json(module_and_args: list[str], environment: dict) -> dict:
    command = [sys.executable, "-m", *module_and_args]
    completed = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"{' '.join(module_and_args)} failed with exit code {completed.returncode}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@contextmanager
def _gunicorn(environment: dict, workers: int):
    """fauxsite as deployed (fauxsite/gunicorn.conf.py), on a free loopback port."""
    port = _free_port()
    server_environment = {**environment, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)}
    command = [sys.executable, "-m", "gunicorn", "--config", "fauxsite/gunicorn.conf.py"]
    log_path = Path(environment["FAUXSITE_DATA_DIR"]) / "gunicorn.log"
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            command, cwd=REPO, env=server_environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(base_url, server, log_path)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base_url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited before it served a request:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz within 30 seconds.")


# Fairness check ------------------------------------------------------------------


def _check_same_payloads(base_url: str, token: str) -> None:
    """Both endpoints must serve the same rows, or their speeds are not comparable."""
    created = [_post(base_url + path, CREATE_BODY, token) for path in (DYNAMIC, STATIC)]
    if [_without_id(row) for row in created] != [json.loads(CREATE_BODY)] * 2:
        raise SystemExit(f"The two endpoints create different rows: {created}; fix that first.")
    for query in ("?page_size=100", FILTERED_QUERY, "?search=the"):
        dynamic, static = _get(base_url + DYNAMIC + query), _get(base_url + STATIC + query)
        if (dynamic["count"], dynamic["results"]) != (static["count"], static["results"]):
            raise SystemExit(f"The two endpoints serve different rows for {query}; fix that first.")
    if _get(base_url + DYNAMIC + "1/") != _get(base_url + STATIC + "1/"):
        raise SystemExit("The two endpoints serve a different row 1; fix that first.")


def _post(url: str, body: str, token: str) -> dict:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _without_id(row: dict) -> dict:
    return {name: value for name, value in row.items() if name != "id"}


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


# HTTP measurement ----------------------------------------------------------------


def _write_headers(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def _scenarios(rows: int, token: str) -> list[tuple[str, str, load.Scenario, load.Scenario]]:
    def pair(key, label, method, query="", **extra):
        return (
            key,
            label,
            load.Scenario(key, method, DYNAMIC + query, **extra),
            load.Scenario(key, method, STATIC + query, **extra),
        )

    # Creates go last: they grow both tables alike but would slow the
    # list scenarios' COUNT if they came first.
    return [
        pair("list20", "list, 20 rows", "GET"),
        pair("list100", "list, 100 rows", "GET", "?page_size=100"),
        pair("filtered", "list, 20 rows, filtered + ordered", "GET", FILTERED_QUERY),
        pair("retrieve", "retrieve one row", "GET", max_id=rows),
        pair("create", "create one row", "POST", body=CREATE_BODY, headers=_write_headers(token)),
    ]


def _measure_http(base_url: str, generator: str, options, token: str) -> list[dict]:
    measured = []
    for key, label, dynamic, static in _scenarios(options.rows, token):
        sides = {"dynamic": dynamic, "static": static}
        measured.append(measure_alternating(key, label, sides, generator, base_url, options))
        print(report.http_line(measured[-1]), flush=True)
    return measured


def measure_alternating(key: str, label: str, sides: dict, generator: str, base_url: str, options) -> dict:
    """Warm each side up, then measure them in alternating rounds; the ratio is first / second."""
    for scenario in sides.values():
        # Warm-up: every worker builds its catalog, fills its caches, opens its pools.
        load.run(generator, base_url, scenario, seconds=1, connections=options.connections)
    runs = {side: [] for side in sides}
    order = list(sides)
    for round_number in range(options.rounds):
        for side in order if round_number % 2 == 0 else reversed(order):
            result = load.run(
                generator, base_url, sides[side], seconds=options.seconds, connections=options.connections
            )
            runs[side].append(asdict(result))
    return _summarise(key, label, runs)


def _summarise(key: str, label: str, runs: dict) -> dict:
    summary = {"scenario": key, "label": label, "runs": runs}
    for side, results in runs.items():
        summary[side] = {
            "median_rps": statistics.median(r["requests_per_second"] for r in results),
            "min_rps": min(r["requests_per_second"] for r in results),
            "max_rps": max(r["requests_per_second"] for r in results),
            "median_p50_ms": _median_of(results, "latency_p50_ms"),
            "median_p99_ms": _median_of(results, "latency_p99_ms"),
            "failures": sum(r["failures"] for r in results),
        }
    first, second = runs
    summary["ratio"] = summary[first]["median_rps"] / summary[second]["median_rps"]
    return summary


def _median_of(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if r[key] is not None]
    return statistics.median(values) if values else None


# Seeding ---------------------------------------------------------------------------


def _measure_seeding(environment: dict, rows: int) -> list[dict]:
    measured = []
    for mode in ("faker", "insert", "seed", "seed-tracemalloc"):
        result = _child_json(["bench.seeding_bench", "--mode", mode, "--rows", str(rows)], environment)
        measured.append(result)
        print(report.seeding_line(result), flush=True)
    return measured


# Output ------------------------------------------------------------------------------


def _machine() -> dict:
    import django
    import rest_framework

    return {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "drf": rest_framework.VERSION,
    }


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("+0000", "")
    stem = RESULTS / f"{stamp}-{results['engine']}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    markdown = report.markdown(results)
    stem.with_suffix(".md").write_text(markdown)
    print("\n" + markdown)
    print(f"Results: {stem}.json and {stem}.md")


if __name__ == "__main__":
    main()
