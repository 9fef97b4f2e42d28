"""Fixture tables carry no LIKE pattern indexes: fauxsite's text filters never run LIKE."""


import pytest
from django.conf import settings
from django.db import connections

from schemas.builder import fixture_table_name
from schemas.changes import add_field, create_schema
from schemas.index_repair import repair_indexes
from tests.conftest import ALL_DATABASES
from tests.test_index_repair import migrate
from tests.test_list_at_size import field, fixture_indexes

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

EMAILS = ["Ann@Example.com", "bob@example.org", "emile@Éxemple.fr", "Zoe@EXAMPLE.com", "anna@example.net"]
CODES = ["AB-1", "ab-2", "Straße", "STRASSE", "a_b%"]


def make_people():
    return create_schema(slug="people", name="People", fields=[
        dict(name="email", type="email", unique=True),
        dict(name="code", type="string", max_length=20, unique=True),
        dict(name="nick", type="string", max_length=20, required=False, indexed=True),
    ])


def pattern_indexes(schema) -> list[str]:
    return [name for name in fixture_indexes(schema) if name.endswith("_like")]


def column_indexes(schema, name: str) -> list[str]:
    """The unique constraints and indexes whose first column is the field's."""
    connection = connections[settings.FIXTURES_ALIAS]
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, fixture_table_name(schema.pk))
    column = f"f{field(schema, name).pk}"
    return [index for index, info in found.items()
            if (info["unique"] or info["index"]) and info["columns"][:1] == [column]]


def test_a_new_table_has_its_unique_and_own_indexes_but_no_pattern_index(db):
    people = make_people()
    add_field(schema=people, name="badge", type="string", unique=True, required=False, position=9)

    assert pattern_indexes(people) == []
    for name in ("email", "code", "nick", "badge"):
        assert column_indexes(people, name), f"{name} lost its index"


def test_djangos_own_tables_keep_their_pattern_indexes(db):
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("only Django's PostgreSQL schema editor makes pattern indexes")
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "auth_user")
    assert any(name.endswith("_like") for name in found)


def add_pattern_index(schema, name: str) -> str:
    """A pattern index as Django's PostgreSQL schema editor named and made it for a unique text field."""
    connection = connections[settings.FIXTURES_ALIAS]
    table, column = fixture_table_name(schema.pk), f"f{field(schema, name).pk}"
    index = f"{table}_{column}_0123abcd_like"
    opclass = " varchar_pattern_ops" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE INDEX "{index}" ON "{table}" ("{column}"{opclass})')
    return index


def test_migrate_drops_an_existing_pattern_index_and_then_does_nothing(db, caplog):
    people = make_people()
    index = add_pattern_index(people, "email")
    own_before = {name for name in fixture_indexes(people) if name != index}

    first = migrate(caplog)
    second = migrate(caplog)

    table = fixture_table_name(people.pk)
    assert f"Dropped the pattern indexes {index} on the fixtures table {table}" in first
    assert set(fixture_indexes(people)) == own_before
    assert "Dropped" not in second and "Created" not in second


def test_the_repair_reports_what_it_dropped(db):
    people = make_people()
    indexes = sorted([add_pattern_index(people, "code"), add_pattern_index(people, "nick")])

    repair = repair_indexes()

    assert repair.lines() == [f"Dropped {', '.join(indexes)} on {fixture_table_name(people.pk)}"]
    assert repair_indexes().lines() == []


@pytest.fixture
def people(api):
    make_people()
    for email, code in zip(EMAILS, CODES, strict=True):
        response = api.post("/api/v1/people/", {"email": email, "code": code}, format="json")
        assert response.status_code == 201, response.content
    return api


def codes(api, query: str) -> list[str]:
    response = api.get(f"/api/v1/people/?{query}&ordering=id")
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("code=ab-2", ["ab-2"]),
    ("code=AB-2", []),
    ("email=emile@Éxemple.fr", ["Straße"]),
    ("email=emile@éxemple.fr", []),
    ("code__contains=a_b%25", ["a_b%"]),
    ("code__contains=_", ["a_b%"]),
    ("code__contains=B", ["AB-1"]),
    ("code__startswith=ab", ["ab-2"]),
    ("code__startswith=%25", []),
    ("code__icontains=strasse", ["STRASSE"]),
    ("email__icontains=ÉXEMPLE", ["Straße"]),
    ("email__icontains=EXAMPLE.COM", ["AB-1", "STRASSE"]),
    ("search=ann", ["AB-1", "a_b%"]),
    ("search=straße", ["Straße"]),
])
def test_text_filters_on_unique_fields_match_as_before(people, query, expected):
    assert codes(people, query) == expected
