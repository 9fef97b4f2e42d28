"""Health endpoints for load balancers: the process is up, the databases answer."""

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    checks = {alias: _database_answers(alias) for alias in ("default", settings.FIXTURES_ALIAS)}
    ready = all(checks.values())
    body = {"status": "ok" if ready else "unavailable", "databases": {
        alias: "ok" if answers else "unavailable" for alias, answers in checks.items()
    }}
    return JsonResponse(body, status=200 if ready else 503)


def _database_answers(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False
