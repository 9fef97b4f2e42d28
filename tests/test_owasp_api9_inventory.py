"""
OWASP API9:2023 Improper Inventory Management: every routed endpoint is known and guarded.

A new route fails here until it is listed, so it cannot ship unnoticed, and
the toolkit's self-service application pages stay unrouted.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests import owasp_support
from tests.access_probes import PROBES
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world

KNOWN = {
    "", "api/v1/<slug:slug>/", "api/v1/<slug:slug>/<int:pk>/", "api/schema/", "api/docs/",
    "api/docs/oauth2-redirect.html", "api/redoc/", "o/authorize/", "o/token/", "o/revoke_token/",
    "o/introspect/", "healthz", "readyz", "admin/login/",
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) == "admin/":
                continue  # the admin's own pages: guarded by the admin (API5)
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_it_routes_only_known_endpoints():
    routes = set(_routes(get_resolver().url_patterns))

    assert routes - KNOWN == set(), "a new route: list it here and probe it in tests/access_probes.py"


def test_it_probes_both_resource_routes():
    paths = {probe.path.split("?")[0] for probe in PROBES}

    assert "/api/v1/authors/" in paths and "/api/v1/authors/{author}/" in paths


@pytest.mark.parametrize("path", ["/o/applications/", "/o/authorized_tokens/", "/o/userinfo/",
                                  "/api/v2/authors/", "/api/v1/authors/1/extra/"])
def test_it_serves_nothing_at_unlisted_paths(world, path):
    assert APIClient().get(path).status_code == 404
