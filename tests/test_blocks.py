"""Blocks: repeated invalid tokens and repeated 429s end in a temporary block, liftable in the admin."""

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from access.models import AuditEntry, Block
from schemas.changes import save_schema
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, fetch_token, make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def limits(settings):
    settings.FAUXSITE_INVALID_TOKEN_LIMIT = "3/m"
    settings.FAUXSITE_THROTTLED_LIMIT = "2/m"
    settings.FAUXSITE_BLOCK_SECONDS = 120
    return settings


def test_it_blocks_an_address_that_keeps_sending_invalid_tokens(library, limits):
    client = APIClient()

    answers = [client.get("/api/v1/authors/", **bearer(f"guess-{n}")).status_code for n in range(3)]
    blocked = client.get("/api/v1/authors/")

    assert answers == [401, 401, 401]
    assert blocked.status_code == 429
    assert 100 < int(blocked["Retry-After"]) <= 121
    assert blocked.json()["type"] == "urn:fauxsite:problem:blocked"
    # Every endpoint of the address, the token endpoint included.
    assert client.post("/o/token/").status_code == 429
    block = Block.objects.get()
    assert (block.key, block.reason, block.active) == ("ip:127.0.0.1", "invalid_tokens", True)


def test_it_blocks_a_client_that_keeps_calling_past_its_rate_limit(library, limits):
    _, books = library
    books.read_rate_limit = "1/m"
    save_schema(books)
    application = make_application("runaway", "books:read")
    token = bearer(fetch_token(Client(), application, "books:read"))
    client = APIClient()

    answers = [client.get("/api/v1/books/", **token).status_code for _ in range(3)]
    blocked = client.get("/api/v1/authors/", **token)

    assert answers == [200, 429, 429]
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 60
    assert "blocked" in blocked.json()["detail"]
    assert Block.objects.get().key == f"app:{application.pk}"
    # Another client is not held back by it.
    assert APIClient().get("/api/v1/authors/").status_code == 200


def test_it_records_blocks_and_their_lifting_in_the_audit_trail(library, limits, admin_client, admin_user):
    for n in range(3):
        APIClient().get("/api/v1/authors/", **bearer(f"guess-{n}"))
    block = Block.objects.get()

    listing = admin_client.get("/admin/access/block/")
    lifted = admin_client.post("/admin/access/block/",
                               {"action": "lift_action", "_selected_action": [block.pk]})

    assert "ip:127.0.0.1" in listing.content.decode()
    assert lifted.status_code == 302
    block.refresh_from_db()
    assert not block.active and block.lifted_by == admin_user
    assert APIClient().get("/api/v1/authors/").status_code == 200
    blocked, lifted_entry = AuditEntry.objects.filter(object_type="block").order_by("id")
    assert (blocked.action, blocked.actor_kind) == ("blocked", "anonymous")
    assert (lifted_entry.action, lifted_entry.actor_user) == ("block_lifted", admin_user)


def test_it_lifts_blocks_from_the_command_line(library, limits):
    for n in range(3):
        APIClient().get("/api/v1/authors/", **bearer(f"guess-{n}"))

    call_command("lift_blocks", "ip:127.0.0.1")

    assert not Block.objects.get().active
    assert APIClient().get("/api/v1/authors/").status_code == 200


def test_it_ends_a_block_by_itself(library, limits):
    for n in range(3):
        APIClient().get("/api/v1/authors/", **bearer(f"guess-{n}"))
    from datetime import timedelta

    from django.utils import timezone

    Block.objects.update(until=timezone.now() - timedelta(seconds=1))

    assert APIClient().get("/api/v1/authors/").status_code == 200


def test_it_fails_open_when_the_cache_is_down(library, limits, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2}}}

    assert APIClient().get("/api/v1/authors/").status_code == 200
