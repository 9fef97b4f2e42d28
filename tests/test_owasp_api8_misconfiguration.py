"""OWASP API8:2023 Security Misconfiguration: CORS, docs exposure, errors and headers as configured."""

import pytest
from rest_framework.test import APIClient

from tests import owasp_support
from tests.access_probes import PROBES, leaks
from tests.conftest import ALL_DATABASES
from tests.owasp_support import outsiders

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world

NAME_PROBES = [probe for probe in PROBES if probe.names_schemas]


@pytest.mark.parametrize("probe", NAME_PROBES, ids=lambda probe: probe.name)
def test_it_names_no_schema_to_outsiders_when_the_docs_are_for_staff(world, probe, settings):
    settings.FAUXSITE_DOCS_ACCESS = "staff"
    for name, client in outsiders().items():
        if name in ("access admin", "auditor"):
            continue  # staff read staff-only docs; rows stay closed to them (API1)
        response = probe.get(client, world)
        assert not leaks(probe, response), f"{probe.name} names authors to {name}"
        assert "/api/v1/books/" not in response.content.decode()


def test_it_answers_cors_only_to_configured_origins_with_no_credentials(world, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    allowed = APIClient().get("/api/v1/books/", HTTP_ORIGIN="https://app.example.com")
    other = APIClient().get("/api/v1/books/", HTTP_ORIGIN="https://evil.example.net")

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Credentials" not in allowed
    assert "Access-Control-Allow-Origin" not in other


def test_it_keeps_internals_out_of_errors(world):
    for path in ("/api/v1/authors/?page=zz", "/api/v1/nope/", "/api/v1/authors/999999/"):
        text = APIClient().get(path).content.decode()
        for leak in ("Traceback", "SELECT", "django.", "SECRET_KEY"):
            assert leak not in text, (path, leak)


def test_it_sends_security_headers(world):
    response = APIClient().get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
