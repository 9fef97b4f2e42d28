"""
Health endpoints for load balancers: the process is up, the databases answer.

``/readyz`` answers 503 only when ``default`` or the fixtures database does
not answer: without them the process serves nothing. A live data source that
is down makes the status ``degraded`` with 200, because the process still
serves every other schema; taking it out of the load balancer would spread
one database's outage to all of them. Live sources are named, never their
host or user, and asked through their pools with a short timeout, so an open
circuit breaker answers for a dead source at once.
"""

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import JsonResponse

from datasources.aliases import source_health
from datasources.models import DataSource
from schemas.models import Source

# Seconds a live source may take to hand out a connection (the least libpq
# and psycopg wait for a new one).
LIVE_SOURCE_TIMEOUT = 2


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    databases = {alias: _database_answers(alias) for alias in ("default", settings.FIXTURES_ALIAS)}
    body = {"status": "ok", "databases": {alias: _word(answers) for alias, answers in databases.items()}}
    if not all(databases.values()):
        body["status"] = "unavailable"
        return JsonResponse(body, status=503)
    live_sources = _live_source_report()
    body["live_sources"] = live_sources
    if any(report["status"] != "ok" for report in live_sources.values()):
        body["status"] = "degraded"
    return JsonResponse(body)


def _live_source_report() -> dict[str, dict[str, str]]:
    report = {}
    for source in _live_sources_in_use():
        health = source_health(source, LIVE_SOURCE_TIMEOUT)
        report[source.name] = {"status": _word(health.available), "breaker": health.breaker}
    return report


def _live_sources_in_use():
    return DataSource.objects.filter(schemas__source=Source.LIVE).distinct().order_by("name")


def _word(answers: bool) -> str:
    return "ok" if answers else "unavailable"


def _database_answers(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False
