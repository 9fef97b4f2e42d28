"""
Clients for the OWASP API Security Top 10 (2023) modules (tests/test_owasp_*.py).

Each module probes the paths of tests/access_probes.py with every client that
may not read the token-only authors: anonymous, a token with too few scopes,
a token of another application, and staff in each role without row access.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from access import roles
from tests.access_probes import make_world, token_client


def staff_in(role: str) -> APIClient:
    roles.ensure_roles(apps)
    user = get_user_model().objects.create_user(role.lower().replace(" ", "-"), None, None, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = APIClient()
    client.force_login(user)
    return client


def outsiders() -> dict[str, APIClient]:
    """Every client that must not read authors' rows."""
    return {
        "anonymous": APIClient(),
        "token with too few scopes": token_client("narrow", "books:read", "books:read"),
        "token of another application": token_client("other", "authors:write books:write",
                                                     "authors:write books:write"),
        "access admin": staff_in(roles.ACCESS_ADMINS),
        "auditor": staff_in(roles.AUDITORS),
    }


# Reading, and choosing the fixtures with X-Fauxsite-Source (which needs its own scope).
READER_SCOPES = "authors:read books:read fixtures"


def insiders() -> dict[str, APIClient]:
    """Clients that may read authors: the probes must find the row for them (no vacuous pass)."""
    return {
        "token with the scope": token_client("reader", READER_SCOPES, READER_SCOPES),
        "schema editor": staff_in(roles.SCHEMA_EDITORS),
        "operator": staff_in(roles.OPERATORS),
    }


@pytest.fixture
def world(library, api):
    return make_world(library, api)
