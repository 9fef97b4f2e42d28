"""Shared fixtures: a fresh catalog per test, and an API client."""

import pytest
from rest_framework.test import APIClient

from schemas.catalog import forget_catalogs
from schemas.docs_views import forget_documents


@pytest.fixture(autouse=True)
def _fresh_catalog():
    # Tests roll back the catalog revision, so a revision number may come
    # back with other schemas behind it: never reuse a built catalog.
    forget_catalogs()
    forget_documents()
    yield
    forget_catalogs()
    forget_documents()


@pytest.fixture
def api():
    return APIClient()
