"""
Every path that returns rows or schema names asks the one access decision.

The paths are listed once (tests/access_probes.py); adding a path there
without it asking ``may_access``, or answering past it, fails here.
"""

import pytest
from rest_framework.test import APIClient

from tests.access_probes import PROBES, asked, leaks, make_world, token_client
from tests.conftest import ALL_DATABASES
from tests.owasp_support import READER_SCOPES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

ROW_PROBES = [probe for probe in PROBES if probe.asks]


@pytest.fixture
def world(library, api):
    return make_world(library, api)


@pytest.mark.parametrize("probe", ROW_PROBES, ids=lambda probe: probe.name)
def test_it_asks_the_policy_for_every_schema_whose_rows_a_path_returns(world, probe):
    reader = token_client("reader", READER_SCOPES, READER_SCOPES)

    response = probe.get(reader, world)

    assert response.status_code == 200, response.content
    assert {slug for slug, _method in asked(response)} >= set(probe.asks)


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: probe.name)
@pytest.mark.parametrize("docs", ["public", "staff"])
def test_it_shows_token_only_rows_and_names_to_no_one_without_the_scope(world, probe, docs, settings):
    settings.FAUXSITE_DOCS_ACCESS = docs
    clients = {"anonymous": APIClient(), "books only": token_client("books", "books:read", "books:read")}

    for name, client in clients.items():
        response = probe.get(client, world)
        if probe.name == "docs document" and docs == "public":
            continue  # public docs describe every schema, by the operator's choice
        assert not leaks(probe, response), f"{probe.name} leaks to {name}: {response.status_code}"


def test_it_lists_on_the_landing_page_only_what_the_viewer_may_read(world, api, settings):
    anonymous = APIClient().get("/").content.decode()
    staff = api.get("/").content.decode()
    settings.FAUXSITE_DOCS_ACCESS = "staff"
    anonymous_staff_docs = APIClient().get("/").content.decode()

    assert "/api/v1/books/" in anonymous and "/api/v1/authors/" not in anonymous
    assert "/api/v1/books/" in staff and "/api/v1/authors/" in staff
    assert "/api/v1/books/" not in anonymous_staff_docs and "/api/v1/authors/" not in anonymous_staff_docs


def test_it_asks_the_policy_for_each_schema_on_the_landing_page(world):
    response = APIClient().get("/")

    assert sorted(asked(response)) == [("authors", "GET"), ("books", "GET")]
