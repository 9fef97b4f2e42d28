"""Shared fixtures: a fresh catalog per test, API clients, and a schema set."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from api.docs_views import forget_documents
from schemas.catalog import forget_catalogs
from tests.library import make_library

# postgres_url: a real PostgreSQL server for the live path (see tests/postgres.py).
pytest_plugins = ["tests.postgres"]

ALL_DATABASES = ["default", "fixtures"]


@pytest.fixture(autouse=True)
def _fresh_catalog():
    # Tests roll back the catalog revision, so a revision number may come
    # back with other schemas behind it: never reuse a built catalog.
    forget_catalogs()
    forget_documents()
    yield
    forget_catalogs()
    forget_documents()


@pytest.fixture(autouse=True)
def _fresh_cache_fast_hashing(settings):
    # Rate-limit counts live in the cache and must not leak between tests;
    # client secrets are hashed like passwords, too slowly for a test suite.
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    # No password: hashing one costs more than the rest of a test. A superuser:
    # staff reach rows through the API only as their role allows.
    return get_user_model().objects.create_user("alice", "alice@example.com", None, is_staff=True,
                                                is_superuser=True)


@pytest.fixture
def api(staff):
    """A client logged into the admin: full access, as in the browsable docs."""
    client = APIClient()
    client.force_login(staff)
    return client


@pytest.fixture
def anonymous_api():
    return APIClient()


@pytest.fixture
def library():
    return make_library()
