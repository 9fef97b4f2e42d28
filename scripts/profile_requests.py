"""
Where a request's CPU goes, phase by phase, in-process (no network).

    .venv/bin/python scripts/profile_requests.py                 # SQLite
    .venv/bin/python scripts/profile_requests.py --postgres postgres://postgres@127.0.0.1:5432
    .venv/bin/python scripts/profile_requests.py --redis redis://127.0.0.1:6379/15

Prepares a throwaway data directory (and PostgreSQL databases) with the
benchmark's ``authors`` and ``books`` (bench/books.py), then runs list 20, list 100,
retrieve, a filtered list and create through Django's WSGI handler, with
rate limits counted (limits too high to reach; counted in Redis with ``--redis``). For
each scenario it prints the wall and CPU time per request without a profiler
(and the hand-written baseline's, for the ratio), the health checks sent, the
statements sent per database, and cProfile's inclusive time per phase. Phases nest, so they do not add up.
cProfile counts this process's CPU time, not wall time: a phase that waits
for the database server is charged only what the client spends on it.
``--scenarios create`` runs only the named scenarios; ``--top 30`` also
prints the functions with the most CPU time of their own.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
PROFILED_REQUESTS = 300
TIMED_REQUESTS = 200
TIMED_ROUNDS = 5
SCENARIOS = ("list20", "list100", "retrieve", "filtered", "create")
# (label, functions): the outermost matching function's inclusive time.
PHASES = [
    ("whole request", ["django.core.handlers.wsgi.WSGIHandler.__call__"]),
    ("DRF dispatch", ["rest_framework.views.APIView.dispatch"]),
    ("initial()", ["rest_framework.views.APIView.initial", "api.views.ResourceViewSet.initial"]),
    ("  catalog lookup", ["schemas.catalog.current_catalog"]),
    ("  authentication", ["rest_framework.views.APIView.perform_authentication"]),
    ("  access", ["rest_framework.views.APIView.check_permissions"]),
    ("  rate limit", ["rest_framework.views.APIView.check_throttles"]),
    ("  query-parameter check", ["api.views.ResourceViewSet._check_query_parameters"]),
    ("filters", ["rest_framework.generics.GenericAPIView.filter_queryset"]),
    ("pagination (COUNT + page)", ["rest_framework.pagination.PageNumberPagination.paginate_queryset"]),
    ("get_object", ["rest_framework.generics.GenericAPIView.get_object"]),
    ("serializer construction", ["rest_framework.generics.GenericAPIView.get_serializer",
                                 "api.views.ResourceViewSet.get_serializer"]),
    ("serialization (.data)", ["rest_framework.serializers.BaseSerializer.data",
                               "rest_framework.serializers.Serializer.data",
                               "rest_framework.serializers.ListSerializer.data"]),
    ("validation (is_valid)", ["rest_framework.serializers.BaseSerializer.is_valid"]),
    ("save (INSERT)", ["rest_framework.serializers.BaseSerializer.save"]),
    ("audit", ["access.audit.record_api_write"]),
    ("rendering", ["rest_framework.response.Response.rendered_content"]),
    ("connection checks (request end)",
     ["django.db.backends.base.base.BaseDatabaseWrapper.close_if_unusable_or_obsolete"]),
    ("health checks (SELECT 1)",
     ["django.db.backends.base.base.BaseDatabaseWrapper.close_if_health_check_failed"]),
    ("SQL compilation", ["django.db.models.sql.compiler.SQLCompiler.as_sql",
                         "django.db.models.sql.compiler.SQLInsertCompiler.as_sql"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--redis", metavar="URL")
    parser.add_argument("--books", type=int, default=2000)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated, of " + ", ".join(SCENARIOS))
    parser.add_argument("--top", type=int, default=0, metavar="N",
                        help="print the N functions with the most CPU time of their own")
    parser.add_argument("--pstats", metavar="DIRECTORY",
                        help="write each scenario's cProfile statistics there, for pstats or snakeviz")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.prepare_only:
        print(json.dumps(prepare(options.books)))
        return
    scenarios = [name for name in options.scenarios.split(",") if name]
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if options.profile_only:
        print(json.dumps(profile(options.token, scenarios, options.top, options.pstats)))
        return
    with _environment(options) as environment:
        prepared = _child([__file__, "--prepare-only", "--books", str(options.books)], environment)
        results = _child([__file__, "--profile-only", f"--token={prepared['token']}",
                          f"--scenarios={','.join(scenarios)}", f"--top={options.top}",
                          *([f"--pstats={Path(options.pstats).resolve()}"] if options.pstats else [])],
                         environment)
    _print(results)


# Set-up ----------------------------------------------------------------------------


class _environment:
    def __init__(self, options):
        self.options = options
        self.data_dir = tempfile.mkdtemp(prefix="fauxsite-profile-")
        self.databases: list[str] = []

    def __enter__(self) -> dict:
        environment = {
            **os.environ, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "bench.settings",
            "FAUXSITE_DATA_DIR": self.data_dir, "DEBUG": "false", "LOG_LEVEL": "ERROR",
            "SECRET_KEY": "profile-only-" + uuid.uuid4().hex, "ALLOWED_HOSTS": "127.0.0.1",
            # Counted, as in production, but never reached.
            "FAUXSITE_READ_RATE_LIMIT": "100000000/m", "FAUXSITE_WRITE_RATE_LIMIT": "100000000/m",
        }
        if self.options.redis:
            environment["REDIS_URL"] = self.options.redis
        if self.options.postgres:
            import psycopg

            suffix = uuid.uuid4().hex[:8]
            self.databases = [f"fauxsite_profile_default_{suffix}", f"fauxsite_profile_fixtures_{suffix}"]
            with psycopg.connect(_with_database(self.options.postgres, "postgres"), autocommit=True) as db:
                for name in self.databases:
                    db.execute(f'CREATE DATABASE "{name}"')
            environment["DATABASE_URL"] = _with_database(self.options.postgres, self.databases[0])
            environment["FIXTURES_DATABASE_URL"] = _with_database(self.options.postgres, self.databases[1])
        return environment

    def __exit__(self, *exc) -> None:
        if self.databases:
            import psycopg

            with psycopg.connect(_with_database(self.options.postgres, "postgres"), autocommit=True) as db:
                for name in self.databases:
                    db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _child(arguments: list[str], environment: dict) -> dict:
    completed = subprocess.run([sys.executable, *arguments], cwd=REPO, env=environment,
                               capture_output=True, text=True)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"{arguments} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def prepare(books: int) -> dict:
    """The benchmark's schemas, made through the change service (which creates their tables)."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench import books as bench_books
    from schemas.changes import create_schema

    call_command("migrate", verbosity=0)
    call_command("migrate", database="fixtures", verbosity=0)
    authors = create_schema(slug="authors", name="Authors",
                            fields=[{"name": "name", "type": "string", "max_length": 100}])
    create_schema(slug="books", name="Books", fields=bench_books._book_fields(authors))
    bench_books.fill(200, books)
    return {"token": bench_books.write_token()}


# Measuring (in the child, with Django set up) -------------------------------------------


def profile(token: str, scenarios: list[str], top: int, pstats_directory: str | None = None) -> dict:
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    from bench.profiling import _inclusive_ms, _request_maker

    application = get_wsgi_application()
    results = {}
    for scenario in scenarios:
        calls = {side: _request_maker(application, side, scenario, token) for side in ("dynamic", "static")}
        for call in calls.values():
            for _ in range(30):
                call()
        # CPU time: what bench/ charges a request, without the waits for the server.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(PROFILED_REQUESTS):
            calls["dynamic"]()
        profiler.disable()
        if pstats_directory:
            Path(pstats_directory).mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(Path(pstats_directory) / f"{scenario}.pstats")
        stats = pstats.Stats(profiler).stats
        results[scenario] = {
            "wall_ms": _times(calls, time.perf_counter),
            # This process's CPU only: the database server's is not in it.
            "cpu_ms": _times(calls, time.process_time),
            "statements": _statements(calls["dynamic"]),
            "health_checks": _health_checks(calls["dynamic"]),
            # bench.profiling divides by its own request count, the same as ours.
            "phases_ms": {label: _inclusive_ms(stats, targets) for label, targets in PHASES},
            "top_ms": _top_functions(stats, top),
        }
    return results


def _top_functions(stats: dict, count: int) -> list[tuple[str, float, float]]:
    """(function, own ms, inclusive ms) per request of the ``count`` with the most own time."""
    rows = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return [(f"{Path(file).name}:{line}({name})", own * 1000 / PROFILED_REQUESTS,
             inclusive * 1000 / PROFILED_REQUESTS)
            for (file, line, name), (_calls, _primitive, own, inclusive, _callers) in rows]


def _times(calls: dict, clock) -> dict[str, float]:
    """Median milliseconds per request by ``clock``, in rounds that alternate the sides."""
    rounds: dict[str, list[float]] = {side: [] for side in calls}
    for number in range(TIMED_ROUNDS):
        for side in (list(calls) if number % 2 == 0 else list(reversed(calls))):
            started = clock()
            for _ in range(TIMED_REQUESTS):
                calls[side]()
            rounds[side].append((clock() - started) * 1000 / TIMED_REQUESTS)
    return {side: statistics.median(values) for side, values in rounds.items()}


def _statements(call) -> dict[str, list[str]]:
    """Every statement one request sends, per database, through execute wrappers."""
    from contextlib import ExitStack

    from django.db import connections

    sent: dict[str, list[str]] = {"default": [], "fixtures": []}

    def wrapper_for(alias):
        def wrapper(execute, sql, params, many, context):
            sent[alias].append(sql[:110])
            return execute(sql, params, many, context)
        return wrapper

    with ExitStack() as stack:
        for alias in sent:
            stack.enter_context(connections[alias].execute_wrapper(wrapper_for(alias)))
        call()
    return sent


def _health_checks(call) -> int:
    """SELECT 1 health checks in one request (sent outside execute wrappers)."""
    from django.db import connections

    checks = []
    wrappers = [connections[alias] for alias in ("default", "fixtures")]
    for wrapper in wrappers:
        original = type(wrapper).is_usable
        wrapper.is_usable = lambda original=original, wrapper=wrapper: checks.append(1) or original(wrapper)
    try:
        call()
    finally:
        for wrapper in wrappers:
            del wrapper.is_usable
    return len(checks)


# Output ------------------------------------------------------------------------------------


def _print(results: dict) -> None:
    for scenario, result in results.items():
        wall, cpu = result["wall_ms"], result["cpu_ms"]
        print(f"\n## {scenario}: wall {wall['dynamic']:.2f} ms/request (baseline {wall['static']:.2f} ms, "
              f"{wall['static'] / wall['dynamic']:.2f}x); CPU {cpu['dynamic']:.2f} ms "
              f"(baseline {cpu['static']:.2f} ms, {cpu['static'] / cpu['dynamic']:.2f}x); "
              f"health checks: {result['health_checks']}")
        for label, value in result["phases_ms"].items():
            if value:
                print(f"  {label:<34} {value:7.3f} ms")
        for function, own, inclusive in result["top_ms"]:
            print(f"  {own:7.3f} ms own {inclusive:7.3f} ms in all  {function}")
        for alias, statements in result["statements"].items():
            print(f"  {alias}: {len(statements)} statements")
            for sql in statements:
                print(f"    {sql}")
    print("\n" + json.dumps(results))


if __name__ == "__main__":
    main()
