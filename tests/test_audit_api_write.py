"""
An API write's audit entry, written from its values without an ``AuditEntry`` built for it.

``record_api_write`` hands ``PlainInsert.insert`` the values ``record``
gives an entry; the stored row must be the one ``record`` stores, whoever
acts and whatever the slug and id hold, on every database.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIRequestFactory

from access import audit
from access.models import AuditEntry
from core.actors import Actor
from datasources.plain_sql import PlainInsert
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

# Every column but the key and the moment it was written.
COMPARED = [field.attname for field in AuditEntry._meta.concrete_fields if field.name not in ("id", "time")]


def _request(path: str, *, auth=None, user=None, request_id: str = "req-1"):
    request = APIRequestFactory().post(path, {}, format="json")
    request.request_id = request_id
    request.auth = auth
    if user is not None:
        request.user = user
    return request


def _stored(entry_id) -> dict:
    return {name: getattr(AuditEntry.objects.get(pk=entry_id), name) for name in COMPARED}


def _write_both_ways(request, slug: str, object_id, action: str = "create") -> tuple[dict, dict]:
    """The row ``record_api_write`` stores and the one ``record`` stores for the same write."""
    before = set(AuditEntry.objects.values_list("id", flat=True))
    audit.record_api_write(sender=None, resource=SimpleNamespace(slug=slug), action=action,
                           object_id=object_id, request=request)
    [written] = set(AuditEntry.objects.values_list("id", flat=True)) - before
    recorded = audit.record(audit.API_ACTIONS[action], "row", request=request, object_id=object_id,
                            schema_slug=slug, object_repr=f"{slug} {object_id}")
    return _stored(written), _stored(recorded.pk)


def test_it_stores_an_application_write_as_record_does(staff):
    application = make_application("shop 🛒")
    token = SimpleNamespace(application=application, user=staff)
    written, recorded = _write_both_ways(_request("/api/v1/books/", auth=token), "books", 41)

    assert written == recorded
    assert (written["actor_kind"], written["actor_name"]) == ("application", "shop 🛒 (for alice)")
    assert (written["actor_application_id"], written["actor_user_id"]) == (application.pk, staff.pk)
    assert (written["origin"], written["method"], written["path"]) == ("api", "POST", "/api/v1/books/")
    assert (written["before"], written["after"], written["details"]) == (None, None, {})


def test_it_stores_a_session_write_and_an_anonymous_one_as_record_does(staff):
    by_user = _write_both_ways(_request("/api/v1/books/", user=staff), "books", 1, "partial_update")
    anonymous = _write_both_ways(_request("/api/v1/books/", request_id=""), "books", 2, "destroy")

    assert by_user[0] == by_user[1]
    assert (by_user[0]["actor_kind"], by_user[0]["actor_user_id"]) == ("user", staff.pk)
    assert by_user[0]["action"] == "updated"
    assert anonymous[0] == anonymous[1]
    assert (anonymous[0]["actor_kind"], anonymous[0]["request_id"], anonymous[0]["action"]) == (
        "anonymous", "", "deleted")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slug=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=120),
    object_id=st.one_of(st.integers(min_value=-(2**63), max_value=2**63 - 1),
                        st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=90)),
)
def test_it_cuts_hostile_slugs_and_ids_where_record_cuts_them(staff, slug, object_id):
    written, recorded = _write_both_ways(_request("/api/v1/Ünïcode-🦉/", user=staff), slug, object_id)

    assert written == recorded
    assert len(written["object_id"]) <= 64 and len(written["schema_slug"]) <= 63


def test_it_writes_an_api_entry_in_one_statement():
    request = _request("/api/v1/books/")
    with CaptureQueriesContext(connections["default"]) as default:
        audit.record_api_write(sender=None, resource=SimpleNamespace(slug="books"), action="create",
                               object_id=3, request=request)

    assert len(default) == 1 and default[0]["sql"].startswith("INSERT"), default.captured_queries


def test_insert_numbers_the_row_and_prepares_each_value_as_save_does(staff):
    application = make_application("writer")
    values = audit._entry_values("created", "row", None, Actor("application", "writer", staff, application),
                                 "9", "books 9", "books", [1, "ü"], {"é": 2.5}, {"nested": {"a": None}})
    inserts = PlainInsert(AuditEntry)

    first = inserts.insert(values)
    second = inserts.insert(values)

    assert isinstance(first, int) and second > first
    stored = AuditEntry.objects.get(pk=first)
    assert stored.time == values["time"]
    assert (stored.before, stored.after, stored.details) == ([1, "ü"], {"é": 2.5}, {"nested": {"a": None}})
    assert (stored.actor_user, stored.actor_application) == (staff, application)
