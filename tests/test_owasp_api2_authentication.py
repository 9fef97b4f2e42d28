"""OWASP API2:2023 Broken Authentication: dead, forged, misplaced tokens get nothing; guessers are blocked."""

import pytest
from rest_framework.test import APIClient

from tests import owasp_support
from tests.access_probes import PROBES, leaks
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, fetch_token, make_application, revoke

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: probe.name)
def test_it_refuses_revoked_and_forged_tokens_on_every_path(world, probe):
    application = make_application("gone", "authors:read")
    revoked = fetch_token(APIClient(), application, "authors:read")
    revoke(APIClient(), application, revoked)
    for token in (revoked, "forged-token-value"):
        client = APIClient()
        client.credentials(**bearer(token))
        response = probe.get(client, world)
        assert not leaks(probe, response)
        if probe.asks:
            assert response.status_code == 401 and 'error="invalid_token"' in response["WWW-Authenticate"]


def test_it_takes_tokens_only_from_the_authorization_header(world):
    application = make_application("query", "authors:read")
    token = fetch_token(APIClient(), application, "authors:read")

    response = APIClient().get(f"/api/v1/authors/?access_token={token}")

    assert response.status_code in (400, 401)
    assert not leaks(PROBES[0], response)


def test_it_blocks_an_address_guessing_tokens(world, settings):
    settings.FAUXSITE_INVALID_TOKEN_LIMIT = "5/m"
    client = APIClient()

    for n in range(5):
        assert client.get("/api/v1/authors/", **bearer(f"guess-{n}")).status_code == 401
    blocked = client.get("/api/v1/books/")

    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0


def test_it_refuses_a_client_secret_guessed_at_speed(world, settings):
    from tests.oauth_helpers import request_token

    settings.FAUXSITE_TOKEN_RATE_LIMIT = "3/m"
    application = make_application("target", "authors:read")
    answers = [request_token(APIClient(), application, "authors:read", secret=f"guess-{n}").status_code
               for n in range(4)]

    assert answers == [401, 401, 401, 429]
