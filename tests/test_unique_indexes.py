"""A unique column's constraint on SQLite: an index of its own for columns made now, inline for older ones."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from schemas import fixture_tables, seeding
from schemas.builder import fixture_column, fixture_table_name
from schemas.catalog import current_catalog
from schemas.changes import add_field, remove_field
from schemas.models import Field
from tests.conftest import ALL_DATABASES
from tests.test_seeding import make_schema

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def on_sqlite() -> bool:
    return connections["fixtures"].vendor == "sqlite"


def column(slug, name) -> str:
    return fixture_column(Field.objects.get(schema__slug=slug, name=name))


def table(slug) -> str:
    return fixture_table_name(current_catalog().get(slug).schema.pk)


def unique_indexes(slug) -> dict[str, list[str]]:
    """Every index that refuses repeats, but the primary key's: name -> columns."""
    connection = connections["fixtures"]
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table(slug))
    return {name: info["columns"] for name, info in found.items()
            if info["unique"] and not info["primary_key"]}


def columns(slug) -> set[str]:
    connection = connections["fixtures"]
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table(slug))}


def table_sql(slug) -> str:
    with connections["fixtures"].cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table(slug)])
        return cursor.fetchone()[0]


def insert_twice(slug, **values):
    model = current_catalog().get(slug).model
    model.objects.create(**values)
    with pytest.raises(IntegrityError) as raised, transaction.atomic(using="fixtures"):
        model.objects.create(**values)
    return str(raised.value)


@pytest.fixture
def people():
    return make_schema("people", [dict(name="name", type="string", max_length=30),
                                  dict(name="email", type="email", unique=True)])


def test_a_new_unique_column_has_an_index_of_its_own_on_sqlite(people):
    email = column("people", "email")

    message = insert_twice("people", name="a", email="Zoë@example.org")

    if on_sqlite():
        assert unique_indexes("people") == {f"fx_{email}_uq": [email]}
        assert "UNIQUE" not in table_sql("people")
        assert message == f"UNIQUE constraint failed: {table('people')}.{email}"
    else:
        assert unique_indexes("people") == {f"{table('people')}_{email}_key": [email]}


def test_a_unique_column_added_to_a_table_with_rows_gets_distinct_values_and_its_index(people):
    seeding.seed("people", 120, seed=1)

    add_field(schema=people, name="badge", type="string", faker="word", unique=True, max_length=40,
              position=9)

    badges = list(current_catalog().get("people").model.objects.values_list("badge", flat=True))
    assert len(badges) == 120 and len(set(badges)) == 120 and None not in badges
    assert [column("people", "badge")] in unique_indexes("people").values()
    insert_twice("people", name="b", email="b@example.org", badge="ÉCOLE 🙂")


def test_an_older_table_keeps_its_inline_unique_constraint_and_gets_no_second_index(monkeypatch):
    if not on_sqlite():
        pytest.skip("PostgreSQL's unique constraints were always named ones")
    # A table made before unique indexes of their own: UNIQUE in its CREATE TABLE.
    with monkeypatch.context() as patched:
        patched.setattr(fixture_tables, "_unique_apart", lambda field, inline: False)
        people = make_schema("people", [dict(name="email", type="email", unique=True)])
    email = column("people", "email")
    assert "UNIQUE" in table_sql("people")

    # A change remakes nothing for it; a unique column added now gets an index of its own.
    add_field(schema=people, name="badge", type="string", unique=True, required=False, position=2)
    fixture_tables.sync_indexes(people, list(Field.objects.filter(schema=people)))

    badge = column("people", "badge")
    indexes = unique_indexes("people")
    assert sorted(indexes.values()) == sorted([[email], [badge]])
    assert f"fx_{badge}_uq" in indexes and f"fx_{email}_uq" not in indexes
    message = insert_twice("people", email="Zoë@example.org")
    assert message == f"UNIQUE constraint failed: {table('people')}.{email}"


def test_a_retired_unique_column_loses_its_own_index_and_is_dropped_later(people):
    seeding.seed("people", 30, seed=2)
    email = column("people", "email")

    remove_field(Field.objects.get(schema=people, name="email"))
    # On SQLite its own index goes with the field, so SQLite can drop the column in place;
    # PostgreSQL's constraint goes with the column.
    assert ([email] in unique_indexes("people").values()) == (not on_sqlite())
    assert fixture_tables.purge_retired_columns(timezone.now() + timedelta(days=1)) == 1

    assert email not in columns("people")
    assert current_catalog().get("people").model.objects.count() == 30
