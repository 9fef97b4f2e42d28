"""
OWASP API5:2023 Broken Function Level Authorization: each staff role reaches its functions only.

In the admin a role sees and changes only its models; through the API an admin
session reads or writes rows only when its role says so.
"""

import pytest

from access import roles
from tests import owasp_support
from tests.conftest import ALL_DATABASES
from tests.owasp_support import staff_in

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

world = owasp_support.world

PAGES = {
    "schemas": "/admin/schemas/schema/",
    "data sources": "/admin/datasources/datasource/",
    "applications": "/admin/oauth2_provider/application/",
    "tokens": "/admin/oauth2_provider/accesstoken/",
    "blocks": "/admin/access/block/",
    "audit": "/admin/access/auditentry/",
}
ALLOWED = {
    roles.SCHEMA_EDITORS: {"schemas"},
    roles.OPERATORS: {"data sources"},
    roles.ACCESS_ADMINS: {"applications", "tokens", "blocks"},
    roles.AUDITORS: {"audit"},
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_it_shows_each_role_only_its_pages(world, role):
    client = staff_in(role)

    for page, url in PAGES.items():
        status = client.get(url).status_code
        assert status == (200 if page in ALLOWED[role] else 403), (role, page, status)


@pytest.mark.parametrize("role", list(ALLOWED))
def test_it_lists_only_the_roles_models_on_the_admin_index(world, role):
    index = staff_in(role).get("/admin/").content.decode()

    for page, url in PAGES.items():
        assert (f'href="{url}"' in index) == (page in ALLOWED[role]), (role, page)


def test_it_keeps_the_audit_trail_read_only_for_auditors(world):
    from access.models import AuditEntry

    entry = AuditEntry.objects.first()
    auditor = staff_in(roles.AUDITORS)

    assert auditor.get(f"/admin/access/auditentry/{entry.pk}/change/").status_code == 200
    assert auditor.post(f"/admin/access/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_it_lets_only_access_admins_issue_tokens(world):
    from tests.oauth_helpers import make_application

    application = make_application("shop", "books:read")
    url = f"/admin/oauth2_provider/application/{application.pk}/issue-token/"

    assert staff_in(roles.ACCESS_ADMINS).get(url).status_code == 200
    for role in (roles.SCHEMA_EDITORS, roles.OPERATORS, roles.AUDITORS):
        assert staff_in(role).post(url, {"scopes": ["books:read"], "expires_in": 60}).status_code == 403


@pytest.mark.parametrize("role", [roles.ACCESS_ADMINS, roles.AUDITORS, roles.OPERATORS])
def test_it_lets_no_session_without_the_write_role_write_rows(world, role):
    client = staff_in(role)

    created = client.post("/api/v1/books/", {"title": "Forged", "price": "1.00", "genre": "fiction",
                                             "author": world["author"]}, format="json")

    assert created.status_code == 403


def test_it_lets_schema_editors_write_rows(world):
    created = staff_in(roles.SCHEMA_EDITORS).post(
        "/api/v1/books/", {"title": "Draft", "price": "1.00", "genre": "fiction", "author": world["author"]},
        format="json")

    assert created.status_code == 201


def test_it_lets_operators_check_readiness(world):
    from schemas.models import Schema

    schema = Schema.objects.get(slug="books")
    url = f"/admin/datasources/datasource/schema/{schema.pk}/readiness/"

    assert staff_in(roles.OPERATORS).get(url).status_code != 403
