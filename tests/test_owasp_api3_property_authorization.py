"""OWASP API3:2023 Broken Object Property Level Authorization: no property past the policy, either way."""

import pytest

from tests import owasp_support
from tests.access_probes import PROBES, leaks, token_client
from tests.conftest import ALL_DATABASES
from tests.owasp_support import outsiders

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world

PROPERTY_PROBES = [probe for probe in PROBES if probe.name in ("expand", "retrieve with expand", "fields")]


@pytest.mark.parametrize("probe", PROPERTY_PROBES, ids=lambda probe: probe.name)
def test_it_embeds_no_token_only_row_for_an_outsider(world, probe):
    for name, client in outsiders().items():
        assert not leaks(probe, probe.get(client, world)), f"{probe.name} leaks to {name}"


def test_it_serves_a_public_row_with_the_reference_as_an_id_only(world):
    books_only = token_client("books", "books:read", "books:read")

    book = books_only.get(f"/api/v1/books/{world['book']}/").json()

    assert book["author"] == world["author"]


def test_it_refuses_to_write_read_only_and_unknown_properties(world, api):
    writer = token_client("writer", "authors:write", "authors:write")
    url = f"/api/v1/authors/{world['author']}/"

    for body in ({"id": 999}, {"is_staff": True}, {"version": 2}):
        response = writer.patch(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert api.get(url).json()["id"] == world["author"]
