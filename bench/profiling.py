"""
Where the time goes: each scenario's requests run in-process through Django's
WSGI handler (middleware included, no network), for both endpoints.

Three views of the same requests:
- wall time per request without a profiler, in alternating rounds;
- SQL queries per request, per database;
- cProfile's inclusive time in the stages of a DRF request (``BUCKETS``),
  and a pyinstrument call tree of the 20-row list, written to bench/results/.

Run by ``bench/run.py`` in its own process, after the HTTP measurement.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import inspect
import io
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

PROFILED_REQUESTS = 300
TIMED_REQUESTS = 200
TIMED_ROUNDS = 5
CREATE_BODY = (
    b'{"title": "A benchmark of small things", "price": "12.50", "genre": "fiction",'
    b' "published": "2020-02-29", "in_stock": true, "author": 1}'
)
SCENARIOS = {
    "list20": ("GET", "", ""),
    "list100": ("GET", "", "page_size=100"),
    "filtered": ("GET", "", "genre=fiction&price__gte=50&ordering=-price"),
    "retrieve": ("GET", "1/", ""),
    "create": ("POST", "", ""),
}
ENDPOINTS = {"dynamic": "/api/v1/books/", "static": "/static-api/books/"}

# (label, functions): inclusive time of the outermost of the functions, per
# request. Stages nest (SQL runs inside pagination), so the column does not
# add up to 100%.
BUCKETS = [
    ("whole request (WSGI handler)", ["django.core.handlers.wsgi.WSGIHandler.__call__"]),
    ("DRF view dispatch", ["rest_framework.views.APIView.dispatch"]),
    (
        "initial(): auth, permissions (+ catalog, parameter check)",
        ["rest_framework.views.APIView.initial", "api.views.ResourceViewSet.initial"],
    ),
    ("  catalog lookup (current_catalog)", ["schemas.catalog.current_catalog"]),
    ("  query-parameter check", ["api.views.ResourceViewSet._check_query_parameters"]),
    ("filter backends (filter_queryset)", ["rest_framework.generics.GenericAPIView.filter_queryset"]),
    ("  django-filter", ["django_filters.rest_framework.backends.DjangoFilterBackend.filter_queryset"]),
    ("  ordering filter", ["rest_framework.filters.OrderingFilter.filter_queryset"]),
    ("  search filter", ["rest_framework.filters.SearchFilter.filter_queryset"]),
    ("pagination: COUNT + page fetch", ["rest_framework.pagination.PageNumberPagination.paginate_queryset"]),
    ("get_object (retrieve)", ["rest_framework.generics.GenericAPIView.get_object"]),
    (
        "serializer construction (get_serializer)",
        [
            "rest_framework.generics.GenericAPIView.get_serializer",
            "api.views.ResourceViewSet.get_serializer",
        ],
    ),
    (
        "serializer output (.data)",
        [
            "rest_framework.serializers.BaseSerializer.data",
            "rest_framework.serializers.Serializer.data",
            "rest_framework.serializers.ListSerializer.data",
        ],
    ),
    (
        "  serializer fields built (get_fields)",
        [
            "rest_framework.serializers.ModelSerializer.get_fields",
            "schemas.serializers.ResourceSerializer.get_fields",
        ],
    ),
    ("validation (is_valid)", ["rest_framework.serializers.BaseSerializer.is_valid"]),
    ("save (create + INSERT)", ["rest_framework.serializers.BaseSerializer.save"]),
    (
        "SQL compilation (as_sql)",
        [
            "django.db.models.sql.compiler.SQLCompiler.as_sql",
            "django.db.models.sql.compiler.SQLInsertCompiler.as_sql",
        ],
    ),
    ("model instances (Model.from_db)", ["django.db.models.base.Model.from_db"]),
    ("JSON rendering", ["rest_framework.renderers.JSONRenderer.render",
                        "api.renderers.FastJSONRenderer.render"]),
]
SQLITE_CALLS = {
    "<method 'execute' of 'sqlite3.Cursor' objects>",
    "<method 'fetchmany' of 'sqlite3.Cursor' objects>",
    "<method 'fetchone' of 'sqlite3.Cursor' objects>",
    "<method 'fetchall' of 'sqlite3.Cursor' objects>",
    "<method 'commit' of 'sqlite3.Connection' objects>",
}
PSYCOPG_CALLS = {"execute", "fetchmany", "fetchone", "fetchall", "commit"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--token", required=True, help="a bearer token that may create books")
    options = parser.parse_args()
    django.setup()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    output = {"scenarios": {}}
    for scenario in SCENARIOS:
        calls = {side: _request_maker(application, side, scenario, options.token) for side in ENDPOINTS}
        for call in calls.values():
            for _ in range(20):
                call()
        output["scenarios"][scenario] = {
            "wall_ms": _wall_times(calls),
            "queries": {side: _queries(call) for side, call in calls.items()},
            "buckets": {side: _buckets(call) for side, call in calls.items()},
        }
    options.results.mkdir(parents=True, exist_ok=True)
    output["pyinstrument"] = _pyinstrument(application, options.results)
    print(json.dumps(output))


def _request_maker(application, side: str, scenario: str, token: str = "") -> Callable[[], int]:
    method, suffix, query = SCENARIOS[scenario]
    body = CREATE_BODY if method == "POST" else b""
    path = ENDPOINTS[side] + suffix

    def call() -> int:
        status = []
        environ = _environ(method, path, query, body, token)
        response = application(environ, lambda line, headers: status.append(line))
        answer = b"".join(response)
        response.close()
        code = int(status[0].split()[0])
        if code >= 300:
            raise SystemExit(f"{method} {path}?{query} answered {status[0]}: {answer[:500]!r}")
        return code

    return call


def _environ(method: str, path: str, query: str, body: bytes, token: str) -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json" if body else "",
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return environ


def _wall_times(calls: dict[str, Callable]) -> dict[str, float]:
    rounds: dict[str, list[float]] = {side: [] for side in calls}
    for round_number in range(TIMED_ROUNDS):
        sides = list(calls) if round_number % 2 == 0 else list(reversed(calls))
        for side in sides:
            started = time.perf_counter()
            for _ in range(TIMED_REQUESTS):
                calls[side]()
            rounds[side].append((time.perf_counter() - started) * 1000 / TIMED_REQUESTS)
    return {side: statistics.median(values) for side, values in rounds.items()}


def _queries(call: Callable) -> dict[str, list[str]]:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "fixtures")}
    for context in captured.values():
        context.__enter__()
    try:
        call()
    finally:
        for context in captured.values():
            context.__exit__(None, None, None)
    return {
        alias: [query["sql"][:160] for query in context.captured_queries]
        for alias, context in captured.items()
    }


def _buckets(call: Callable) -> dict[str, float]:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(PROFILED_REQUESTS):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    found = {label: _inclusive_ms(stats, targets) for label, targets in BUCKETS}
    found["database driver (execute + fetch + commit)"] = _driver_ms(stats)
    return found


def _inclusive_ms(stats: dict, targets: list[str]) -> float:
    # The outermost of several matching functions has the largest inclusive
    # time (ListSerializer.data wraps Serializer.data...).
    keys = [key for key in map(_code_key, targets) if key is not None]
    return max((stats[key][3] for key in keys if key in stats), default=0.0) * 1000 / PROFILED_REQUESTS


def _code_key(dotted: str) -> tuple[str, int, str] | None:
    """cProfile's key (file, first line, name) for a function given by dotted path."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for name in parts[split:]:
                target = inspect.getattr_static(target, name)
        except AttributeError:
            return None
        target = getattr(target, "fget", None) or getattr(target, "__func__", None) or target
        target = getattr(target, "func", target)  # cached_property
        code = getattr(target, "__code__", None)
        return (code.co_filename, code.co_firstlineno, code.co_name) if code else None
    return None


def _driver_ms(stats: dict) -> float:
    total = 0.0
    for (filename, _line, function), (_calls, _primitive, _total, cumulative, _callers) in stats.items():
        if function in SQLITE_CALLS or (_is_psycopg(filename) and function in PSYCOPG_CALLS):
            total += cumulative
    return total * 1000 / PROFILED_REQUESTS


def _is_psycopg(filename: str) -> bool:
    return "/psycopg/" in filename and filename.endswith(("cursor.py", "connection.py"))


def _pyinstrument(application, results: Path) -> dict[str, str]:
    from pyinstrument import Profiler

    written = {}
    for side in ENDPOINTS:
        call = _request_maker(application, side, "list20")
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(PROFILED_REQUESTS):
            call()
        profiler.stop()
        path = results / f"profile-list20-{side}.txt"
        path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        written[side] = str(path)
    return written


if __name__ == "__main__":
    main()
