"""SQLite: a batch bound as one JSON text stores exactly what executemany stores (schemas.json_batches)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connections
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from schemas import json_batches, seeding
from schemas.builder import fixture_column
from schemas.catalog import current_catalog
from schemas.models import Field
from tests.conftest import ALL_DATABASES
from tests.test_seeding import make_schema

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

# Every type a batch goes as JSON for, optional so that nulls go too.
KINDS = [
    dict(name="name", type="string", max_length=80),
    dict(name="bio", type="text", max_length=200),
    dict(name="email", type="email"),
    dict(name="size", type="enum", choices=["s", "ÉÉ", "🙂"]),
    dict(name="rank", type="integer", min_value=-(2**63), max_value=2**63 - 1),
    dict(name="price", type="decimal", max_digits=12, decimal_places=2),
    dict(name="active", type="boolean"),
    dict(name="born", type="date"),
]
# Hostile text: every code point but surrogates (NUL, controls, quotes, backslashes, emoji).
TEXT = st.text(max_size=40)
VALUES = {
    "name": TEXT, "bio": TEXT, "email": TEXT, "size": TEXT,
    "rank": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "price": st.decimals(allow_nan=True, allow_infinity=True) | st.decimals(places=2, max_value=10**10),
    "active": st.booleans(),
    "born": st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
}
ROWS = st.lists(
    st.fixed_dictionaries({name: st.none() | values for name, values in VALUES.items()}),
    min_size=1, max_size=20,
)


@pytest.fixture
def kinds():
    if connections["fixtures"].vendor != "sqlite":
        pytest.skip("only SQLite's batches go as JSON")
    fields = [{**options, "required": False, "nullable": True} for options in KINDS]
    return make_schema("kinds", fields)


def stored(model, columns: list[str]) -> list[tuple]:
    """Each value as SQLite holds it: its storage class and its bytes, row by row."""
    quote = connections["fixtures"].ops.quote_name
    selected = ", ".join(f"typeof({quote(column)}), hex({quote(column)})" for column in columns)
    with connections["fixtures"].cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM {quote(model._meta.db_table)} ORDER BY id")
        return cursor.fetchall()


def insert_both_ways(model, model_fields, rows: list[dict]) -> tuple[list, list]:
    columns = [[row[field.name] for row in rows] for field in model_fields]
    names = [field.column for field in model_fields]
    as_json = seeding._Inserter(model, model_fields, with_ids=False)
    as_rows = seeding._Inserter(model, model_fields, with_ids=False)
    as_rows.json_statement = None
    found = []
    for inserter in (as_json, as_rows):
        inserter.insert(columns, [], len(rows))
        found.append(stored(model, names))
        model.objects.all().delete()
    return found[0], found[1]


def test_every_hostile_value_is_stored_as_executemany_stores_it(kinds):
    model = current_catalog().get("kinds").model
    model_fields = [model._meta.get_field(options["name"]) for options in KINDS]
    assert seeding._Inserter(model, model_fields, with_ids=False).json_statement

    @given(ROWS)
    @hypothesis_settings(max_examples=300, deadline=None)
    def check(rows):
        as_json, as_rows = insert_both_ways(model, model_fields, rows)
        assert as_json == as_rows
        assert len(as_json) == len(rows)

    check()


def test_a_batch_with_a_nul_character_goes_row_by_row():
    assert json_batches.encoded([("a\x00b", 1)]) is None
    assert json_batches.encoded([("a\\u0000b", 1)]) is None  # text that reads like the escape: cautious
    assert json_batches.encoded([("ÉÉ 🙂", Decimal("1.50"), date(1, 1, 1), True, None)]) == (
        '[["ÉÉ 🙂","1.50","0001-01-01",true,null]]'
    )


def test_a_table_with_a_column_json_does_not_carry_keeps_executemany(kinds):
    from schemas.changes import add_field

    add_field(schema=kinds.__class__.objects.get(slug="kinds"), name="ratio", type="float", position=99)
    model = current_catalog().get("kinds").model
    fields = [model._meta.get_field(field.name) for field in Field.objects.filter(schema__slug="kinds")]

    assert seeding._Inserter(model, fields, with_ids=False).json_statement is None
    assert seeding._Inserter(model, fields[:-1], with_ids=True).json_statement
    assert fixture_column(Field.objects.get(schema__slug="kinds", name="ratio")) == fields[-1].column


def test_a_seed_goes_as_json_and_gives_the_rows_it_gave_row_by_row(kinds, monkeypatch):
    seeding.seed("kinds", 300, seed=4)
    model = current_catalog().get("kinds").model
    columns = [model._meta.get_field(options["name"]).column for options in KINDS]
    as_json = stored(model, columns)

    monkeypatch.setattr(json_batches, "statement", lambda *arguments: None)
    seeding.seed("kinds", 300, seed=4, reset=True)

    assert stored(model, columns) == as_json
