"""OWASP API1:2023 Broken Object Level Authorization: no client reaches rows it may not."""

import pytest

from tests import owasp_support
from tests.access_probes import PROBES, leaks
from tests.conftest import ALL_DATABASES
from tests.owasp_support import insiders, outsiders

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world

ROW_PROBES = [probe for probe in PROBES if not probe.names_schemas]


@pytest.mark.parametrize("probe", ROW_PROBES, ids=lambda probe: probe.name)
def test_it_shows_token_only_rows_to_no_outsider(world, probe):
    for name, client in outsiders().items():
        response = probe.get(client, world)
        assert not leaks(probe, response), f"{probe.name} leaks to {name}"
        assert response.status_code in (401, 403), (name, response.status_code)


@pytest.mark.parametrize("probe", ROW_PROBES, ids=lambda probe: probe.name)
def test_it_shows_them_to_those_who_may(world, probe):
    for name, client in insiders().items():
        response = probe.get(client, world)
        assert response.status_code == 200 and leaks(probe, response), name


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_it_lets_no_outsider_change_or_delete_a_row_by_id(world, method, api):
    url = f"/api/v1/authors/{world['author']}/"
    body = {"name": "Mallory", "email": "mallory@example.com"}
    for name, client in outsiders().items():
        if name == "token of another application":
            continue  # it holds authors:write: writing is its right, reading is not
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in (401, 403), (name, method, response.status_code)
    assert api.get(url).json()["name"] == "Zelda Secretwriter"
