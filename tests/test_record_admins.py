"""The records (audit trail, change log, source switches) cannot be added, edited or deleted in the admin."""

import pytest
from django.test import Client

from access.models import AuditEntry
from golive.models import SourceSwitch
from schemas.models import SchemaChange
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

RECORDS = {
    "audit trail": (AuditEntry, "/admin/access/auditentry/"),
    "change log": (SchemaChange, "/admin/schemas/schemachange/"),
    "source switches": (SourceSwitch, "/admin/golive/sourceswitch/"),
}


@pytest.fixture
def superuser(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize("record", list(RECORDS))
def test_a_superuser_lists_records_but_cannot_add_one(superuser, record):
    _model, url = RECORDS[record]

    listing = superuser.get(url)

    assert listing.status_code == 200
    assert f'href="{url}add/"' not in listing.content.decode()
    assert superuser.get(f"{url}add/").status_code == 403


@pytest.mark.parametrize("record", ["audit trail", "change log"])
def test_a_superuser_can_neither_edit_nor_delete_a_record(superuser, library, record):
    model, url = RECORDS[record]
    kept = model.objects.order_by("pk").first()
    assert kept is not None, "the library's set-up records what it did"
    before = {field.attname: getattr(kept, field.attname) for field in model._meta.fields}

    page = superuser.get(f"{url}{kept.pk}/change/")
    deleted = superuser.post(f"{url}{kept.pk}/delete/", {"post": "yes"})
    edited = superuser.post(f"{url}{kept.pk}/change/", {"action": "edited ✎"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert deleted.status_code == 403
    assert edited.status_code == 403
    kept.refresh_from_db()
    assert {field.attname: getattr(kept, field.attname) for field in model._meta.fields} == before
