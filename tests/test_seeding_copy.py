"""Seeding's COPY on PostgreSQL: the binary form stores exactly what the text form does."""

import pytest
from django.db import connections, models

from schemas import seeding
from tests.conftest import ALL_DATABASES
from tests.test_seeding import EVERY_TYPE, assert_valid, make_schema, rows

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture
def postgresql():
    if connections["fixtures"].vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")


@pytest.mark.parametrize("locale", ["en_US", "ja_JP", "el_GR"])
def test_the_binary_form_stores_the_rows_the_text_form_stores(postgresql, monkeypatch, locale):
    fields = [*EVERY_TYPE, dict(name="note", type="text", max_length=200, nullable=True),
              dict(name="big", type="integer", min_value=-(2**63), max_value=2**63 - 1),
              dict(name="tiny", type="decimal", max_digits=15, decimal_places=15,
                   min_value="-0.9999999999", max_value="0.9999999999")]
    make_schema("people", fields, locale=locale)
    statements = []
    copy = seeding._Inserter._copy

    def recording(self, cursor, **options):
        statements.append(self.binary_types)
        return copy(self, cursor, **options)

    monkeypatch.setattr(seeding._Inserter, "_copy", recording)
    seeding.seed("people", 400, seed=3)
    binary = rows("people")
    monkeypatch.setattr(seeding, "_binary_types", lambda model_fields, connection: None)
    seeding.seed("people", 400, seed=3, reset=True)

    assert statements[0] and statements[-1] is None
    assert rows("people") == binary
    assert_valid("people")


def test_a_column_type_without_a_binary_form_sends_the_whole_copy_as_text(postgresql):
    connection = connections["fixtures"]
    assert seeding._binary_types([models.CharField(max_length=5), models.BigIntegerField()], connection) == [
        "varchar", "int8"]
    assert seeding._binary_types([models.CharField(max_length=5), models.DurationField()], connection) is None
