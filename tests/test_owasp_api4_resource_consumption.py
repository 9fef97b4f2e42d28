"""OWASP API4:2023 Unrestricted Resource Consumption: pages, bodies and call rates are bounded."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import owasp_support
from tests.access_probes import token_client
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world


def test_it_serves_no_page_past_the_cap(world, api, settings):
    settings.FAUXSITE_MAX_PAGE_SIZE = 1
    api.post("/api/v1/books/", {"title": "Second", "price": "1.00", "genre": "fiction",
                                "author": world["author"]}, format="json")

    assert len(api.get("/api/v1/books/?page_size=100000").json()["results"]) == 1


def test_it_refuses_bodies_over_the_limit_and_bodies_without_a_length(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    writer = token_client("writer", "books:write", "books:write")

    too_large = writer.post("/api/v1/books/", {"title": "x" * 5000}, format="json")
    chunked = Client().generic("POST", "/api/v1/books/", b"", content_type="application/json",
                               HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")

    assert too_large.status_code == 413
    assert chunked.status_code == 411


def test_it_slows_a_runaway_client_then_blocks_it(world, settings):
    settings.FAUXSITE_READ_RATE_LIMIT = "2/m"
    settings.FAUXSITE_THROTTLED_LIMIT = "3/m"
    reader = token_client("runaway", "books:read", "books:read")

    answers = [reader.get("/api/v1/books/").status_code for _ in range(5)]
    blocked = reader.get("/api/v1/books/")

    assert answers == [200, 200, 429, 429, 429]
    assert blocked.status_code == 429 and "blocked" in blocked.json()["detail"]
    assert APIClient().get("/api/v1/books/").status_code == 200
