"""
fauxsite's benchmark, in one command: ``python bench/run.py``.

On SQLite and on PostgreSQL, serves fauxsite's dynamic ``/api/v1/books/``
and three independent baselines over the same rows of the same table, each
its own server with its own settings (``bench/baselines/``):

- a hand-written DRF ``ModelViewSet`` with DRF's stock filter backends;
- plain Django views returning ``JsonResponse`` from ``.values()``;
- json-server 1.0 over a ``db.json`` of the same rows.

Every scenario runs in rotated rounds (A B C D, then B C D A, ...) with the
server's CPU time per request beside requests per second. Then it profiles
fauxsite in-process against a DRF twin inside fauxsite's own settings,
measures seeding (``bench/seeding_bench.py``), and with ``--size-curve``
how lists grow with the table (``bench/size_curve.py``). Results go to
``bench/results/``.

See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the project root is
# what every import here and in the child processes expects.
sys.path[0] = str(REPO)

from bench import load, report, rounds, servers  # noqa: E402

RESULTS = REPO / "bench" / "results"
DYNAMIC = "/api/v1/books/"
DJANGO_PATHS = {"fauxsite": DYNAMIC, "drf": "/drf/books/", "plain": "/plain/books/"}
JSON_SERVER = "/books"
SIDES = [*DJANGO_PATHS, "json-server"]
FILTERED_QUERY = "?genre=fiction&price__gte=50&ordering=-price"
JSON_SERVER_QUERIES = {
    "?page_size=100": "?_page=1&_per_page=100",
    FILTERED_QUERY: "?genre=fiction&price_gte=50&_sort=-price&_page=1&_per_page=20",
}
BOOK = {
    "title": "A benchmark of small things",
    "price": "12.50",
    "genre": "fiction",
    "published": "2020-02-29",
    "in_stock": True,
    "author": 1,
}
CREATE_BODY = json.dumps(BOOK)
# json-server compares prices only as numbers (see books.export_json_server).
JSON_SERVER_CREATE_BODY = json.dumps({**BOOK, "price": 12.5})
POSTGRES = "postgres://postgres@127.0.0.1:5432"


def main() -> None:
    options = _parse_arguments()
    generator = load.available_generator(options.loadgen)
    started = datetime.now(UTC)
    results = {
        "started": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        "options": vars(options) | {"loadgen": generator},
        "engines": {},
        "seeding": None,
    }
    for engine in options.engines:
        # Seeding is measured once, in the first engine's prepared databases.
        seed_rows = None if options.skip_seeding or results["engines"] else options.seed_rows
        measured = _measure_engine(engine, generator, options, seed_rows)
        results["seeding"] = results["seeding"] or measured.pop("seeding")
        results["engines"][engine] = measured
        # Written after each engine, so a later failure loses nothing measured.
        _write(results)
    if options.size_curve:
        _run_size_curve(options)


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="books served over HTTP (10,000)")
    parser.add_argument("--authors", type=int, default=200, help="authors the books reference (200)")
    parser.add_argument("--seconds", type=float, default=4, help="length of one measurement (4)")
    parser.add_argument("--rounds", type=int, default=4, help="rotated rounds per scenario (4)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent client connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server (2)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--seed-rows", type=int, default=100_000, help="rows for the seeding measurement")
    parser.add_argument("--postgres", metavar="URL", default=POSTGRES, help=f"PostgreSQL server ({POSTGRES})")
    parser.add_argument(
        "--engines", default="sqlite,postgresql", type=lambda text: text.split(","),
        help="engines to measure, in order (sqlite,postgresql)",
    )
    parser.add_argument("--skip-profile", action="store_true")
    parser.add_argument("--skip-seeding", action="store_true")
    parser.add_argument(
        "--size-curve", action="store_true",
        help="then run bench/size_curve.py: lists at 10k, 100k and 1M rows (a few more minutes)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2 rounds of 1 s, 10,000 seeded rows"
    )
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.rounds, options.seed_rows = 1, 2, 10_000
    unknown = set(options.engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engine {', '.join(sorted(unknown))}: use sqlite and/or postgresql")
    return options


# One engine ---------------------------------------------------------------------


def _measure_engine(engine: str, generator: str, options, seed_rows: int | None) -> dict:
    print(f"\n== {engine} ==", flush=True)
    postgres = options.postgres if engine == "postgresql" else None
    with _data_directory(SimpleNamespace(postgres=postgres)) as environment:
        db_json = Path(environment["FAUXSITE_DATA_DIR"]) / "db.json"
        arguments = ["--authors", str(options.authors), "--books", str(options.rows)]
        arguments += ["--json-server-db", str(db_json)]
        prepared = _child_json(["bench.prepare", *arguments], environment)
        token = prepared.pop("token")
        print(f"prepared: { {k: v for k, v in prepared.items() if k != 'tables'} }", flush=True)
        load_before = os.getloadavg()[0]
        with _all_servers(environment, prepared["tables"], db_json, options.workers) as running:
            _check_same_payloads(running, token)
            http = _measure_http(running, generator, options, token)
        load_after = os.getloadavg()[0]
        profile = None if options.skip_profile else _profile(environment, token)
        seeding = _measure_seeding(environment, seed_rows) if seed_rows else None
    return {
        "seeding": seeding,
        "prepared": prepared,
        # Other work on the machine slows every side; the CPU per request and
        # the ratios survive it better than requests per second.
        "load_average": {"before": load_before, "after": load_after},
        "http": http,
        "profile": profile,
    }


def _profile(environment: dict, token: str) -> dict | None:
    """The in-process profile; a failure there is reported, and the HTTP figures kept."""
    try:
        return _child_json(["bench.profiling", "--results", str(RESULTS), "--token", token], environment)
    except SystemExit as failure:
        print(f"profiling failed, left out: {failure}", flush=True)
        return None


@contextmanager
def _all_servers(environment: dict, tables: dict, db_json: Path, workers: int):
    """fauxsite, the baseline project and json-server, each its own process tree."""
    data_dir = Path(environment["FAUXSITE_DATA_DIR"])
    baseline_environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "bench.baselines.drfapp.settings",
        # The fixtures database, where fauxsite keeps the rows.
        "BENCH_DATABASE_URL": environment.get("FIXTURES_DATABASE_URL", f"sqlite:///{data_dir}/fixtures.sqlite3"),
        "BENCH_TABLES": json.dumps(tables),
    }
    with ExitStack() as stack:
        fauxsite = stack.enter_context(servers.gunicorn(
            "fauxsite", environment, "fauxsite/gunicorn.conf.py", workers, data_dir / "fauxsite.log"
        ))
        baseline = stack.enter_context(servers.gunicorn(
            "baselines", baseline_environment, "bench/baselines/drfapp/gunicorn.conf.py", workers,
            data_dir / "baselines.log",
        ))
        json_server = stack.enter_context(servers.json_server(db_json, data_dir / "json-server.log"))
        yield {"fauxsite": fauxsite, "drf": baseline, "plain": baseline, "json-server": json_server}


# Environment -------------------------------------------------------------------


@contextmanager
def _data_directory(options):
    data_dir = tempfile.mkdtemp(prefix="fauxsite-bench-")
    # Database URLs of the calling shell would point a SQLite run elsewhere.
    inherited = {name: value for name, value in os.environ.items() if not name.endswith("DATABASE_URL")}
    environment = {
        **inherited,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "FAUXSITE_DATA_DIR": data_dir,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": "benchmark-only-" + uuid.uuid4().hex,
        "LOG_LEVEL": "WARNING",
        # Every default feature on: requests are counted against a limit
        # too high for the load to reach, so fauxsite pays for rate limiting
        # (which the baselines do not have) without answering 429.
        "FAUXSITE_READ_RATE_LIMIT": "1000000000/m",
        "FAUXSITE_WRITE_RATE_LIMIT": "1000000000/m",
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
    """fauxsite alone, as deployed (for bench/live.py and bench/outage.py)."""
    log_path = Path(environment["FAUXSITE_DATA_DIR"]) / "gunicorn.log"
    with servers.gunicorn("fauxsite", environment, "fauxsite/gunicorn.conf.py", workers, log_path) as server:
        yield server.base_url


_free_port = servers.free_port


# Fairness check ------------------------------------------------------------------


def _check_same_payloads(running: dict, token: str) -> None:
    """Every side must serve the same rows, or their speeds are not comparable."""
    for query in ("?page_size=100", FILTERED_QUERY, "?search=the"):
        expected = _get(running["fauxsite"].base_url + DYNAMIC + query)
        # The plain views have no search, as a developer writing them for speed would not.
        sides = ["drf"] if query == "?search=the" else ["drf", "plain"]
        for side in sides:
            served = _get(running[side].base_url + DJANGO_PATHS[side] + query)
            if (served["count"], served["results"]) != (expected["count"], expected["results"]):
                raise SystemExit(f"{side} serves other rows than fauxsite for {query}; fix that first.")
        if query in JSON_SERVER_QUERIES:
            served = _get(running["json-server"].base_url + JSON_SERVER + JSON_SERVER_QUERIES[query])
            if [_from_json_server(row) for row in served["data"]] != expected["results"]:
                raise SystemExit(f"json-server serves other rows than fauxsite for {query}; fix that first.")
    expected = _get(running["fauxsite"].base_url + DYNAMIC + "1/")
    for side, path in DJANGO_PATHS.items():
        if _get(running[side].base_url + path + "1/") != expected:
            raise SystemExit(f"{side} serves another row 1 than fauxsite; fix that first.")
    if _from_json_server(_get(running["json-server"].base_url + JSON_SERVER + "/1")) != expected:
        raise SystemExit("json-server serves another row 1 than fauxsite; fix that first.")
    _check_same_creates(running, token)


def _check_same_creates(running: dict, token: str) -> None:
    for side, path in DJANGO_PATHS.items():
        created = _post(running[side].base_url + path, CREATE_BODY, token if side == "fauxsite" else None)
        if _without_id(created) != BOOK:
            raise SystemExit(f"{side} creates another row than asked: {created}; fix that first.")
    created = _post(running["json-server"].base_url + JSON_SERVER, JSON_SERVER_CREATE_BODY, None)
    if _without_id(_from_json_server(created)) != BOOK:
        raise SystemExit(f"json-server creates another row than asked: {created}; fix that first.")


def _from_json_server(row: dict) -> dict:
    """A json-server row as fauxsite serves it: integer ids, decimal strings."""
    identifier = int(row["id"]) if row["id"].isdigit() else row["id"]
    return {**row, "id": identifier, "price": f"{Decimal(str(row['price'])):.2f}"}


def _post(url: str, body: str, token: str | None) -> dict:
    request = urllib.request.Request(url, data=body.encode(), headers=_write_headers(token), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _without_id(row: dict) -> dict:
    return {name: value for name, value in row.items() if name != "id"}


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


# HTTP measurement ----------------------------------------------------------------


def _write_headers(token: str | None) -> dict[str, str]:
    # fauxsite's creates carry a bearer token; the baselines have no users.
    headers = {"Content-Type": "application/json"}
    return headers | {"Authorization": f"Bearer {token}"} if token else headers


def _scenarios(rows: int, token: str) -> list[tuple[str, str, dict]]:
    def sides(key, method, query="", json_server_path="", **extra):
        scenarios = {
            side: load.Scenario(key, method, path + query, **extra) for side, path in DJANGO_PATHS.items()
        }
        json_server = JSON_SERVER + json_server_path
        scenarios["json-server"] = load.Scenario(key, method, json_server, id_suffix="", **extra)
        return key, scenarios

    anonymous, with_token = _write_headers(None), _write_headers(token)
    create_key, create = sides("create", "POST", body=CREATE_BODY, headers=anonymous)
    create["fauxsite"] = load.Scenario(create_key, "POST", DYNAMIC, body=CREATE_BODY, headers=with_token)
    create["json-server"] = load.Scenario(
        create_key, "POST", JSON_SERVER, body=JSON_SERVER_CREATE_BODY, headers=anonymous
    )
    # Creates go last: they grow the tables, and would slow the lists' COUNT if they came first.
    return [
        ("list, 20 rows", *sides("list20", "GET", json_server_path="?_page=1&_per_page=20")),
        ("list, 100 rows", *sides("list100", "GET", "?page_size=100", JSON_SERVER_QUERIES["?page_size=100"])),
        (
            "list, 20 rows, filtered + ordered",
            *sides("filtered", "GET", FILTERED_QUERY, JSON_SERVER_QUERIES[FILTERED_QUERY]),
        ),
        ("retrieve one row", *sides("retrieve", "GET", json_server_path="/", max_id=rows)),
        ("create one row", create_key, create),
    ]


def _measure_http(running: dict, generator: str, options, token: str) -> list[dict]:
    measured = []
    for label, key, scenarios in _scenarios(options.rows, token):
        sides = {
            side: rounds.Side(running[side].base_url, scenarios[side], running[side].pid) for side in SIDES
        }
        measured.append(rounds.measure(key, label, sides, generator, options))
        print(report.http_line(measured[-1]), flush=True)
    return measured


def measure_alternating(key: str, label: str, sides: dict, generator: str, base_url: str, options) -> dict:
    """Two scenarios on one server in alternating rounds; the ratio is first / second (bench/live.py)."""
    sides = {name: rounds.Side(base_url, scenario) for name, scenario in sides.items()}
    return rounds.measure(key, label, sides, generator, options)


# Seeding and the size curve ------------------------------------------------------------


def _measure_seeding(environment: dict, rows: int) -> list[dict]:
    """Single-process lines per seeding step; ``python -m bench.seeding_bench compare`` has the ratios.

    Runs last in an engine's prepared databases: the ``seed`` steps replace its books.
    """
    measured = []
    for mode in ("faker", "insert", "seed", "seed-tracemalloc"):
        arguments = ["bench.seeding_bench", "--mode", mode, "--rows", str(rows)]
        measured.append(_child_json(arguments, environment))
        print(report.seeding_line(measured[-1]), flush=True)
    return measured


def _run_size_curve(options) -> None:
    command = [sys.executable, str(REPO / "bench" / "size_curve.py"), "--engines", ",".join(options.engines)]
    if "postgresql" in options.engines:
        command += ["--postgres", options.postgres]
    subprocess.run(command, cwd=REPO, check=True)


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
    stem = RESULTS / f"{stamp}-{'-'.join(results['options']['engines'])}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    markdown = report.markdown(results)
    stem.with_suffix(".md").write_text(markdown)
    print("\n" + markdown)
    print(f"Results: {stem}.json and {stem}.md")


if __name__ == "__main__":
    main()
