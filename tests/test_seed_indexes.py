"""A large seed sets a table's indexes aside while it loads, and builds them once after (seed_indexes)."""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connections, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from schemas import mock_values, seed_indexes, seeding
from schemas.builder import fixture_column
from schemas.catalog import current_catalog
from schemas.fixture_tables import field_indexes
from schemas.models import Field, Schema
from tests.conftest import ALL_DATABASES
from tests.test_seeding import make_schema, rows

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

# Small, so that tests load a few hundred rows; the threshold itself is tested apart.
TEST_MIN_ROWS = 50
# Every type that can be indexed, indexed; those that can be unique, unique
# (with ``indexed`` on some, which adds the order indexes to the constraint).
INDEXED = [
    dict(name="title", type="string", max_length=60, indexed=True),
    dict(name="body", type="text", max_length=80, indexed=True, nullable=True, required=False),
    dict(name="contact", type="email", indexed=True),
    dict(name="site", type="url", max_length=80, indexed=True),
    dict(name="pages", type="integer", min_value=-(2**63), max_value=2**63 - 1, indexed=True),
    dict(name="price", type="decimal", max_digits=12, decimal_places=2, indexed=True),
    dict(name="ratio", type="float", indexed=True),
    dict(name="active", type="boolean", indexed=True),
    dict(name="born", type="date", indexed=True),
    dict(name="seen", type="datetime", indexed=True),
    dict(name="wakes", type="time", indexed=True),
    dict(name="token", type="uuid", indexed=True),
    dict(name="size", type="enum", choices=["s", "m", "l", "ÉÉ", "🙂"], indexed=True),
    dict(name="extra", type="json", required=False),
]
UNIQUE = [
    dict(name="email", type="email", unique=True, indexed=True),
    dict(name="rank", type="integer", unique=True),
    dict(name="day", type="date", unique=True, nullable=True, indexed=True),
    dict(name="stamp", type="datetime", unique=True),
    dict(name="alarm", type="time", unique=True),
    dict(name="key", type="uuid", unique=True, indexed=True),
]


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(seed_indexes, "MIN_ROWS", TEST_MIN_ROWS)


@pytest.fixture
def shelves(small_threshold):
    """A schema with every kind of index, referring to another and to itself."""
    authors = make_schema("authors", [dict(name="name", type="string", max_length=40)])
    seeding.seed("authors", 400, seed=3)
    schema = make_schema("shelves", [
        *INDEXED, *UNIQUE,
        dict(name="author", type="reference", to=authors),
        dict(name="sole_author", type="reference", to=authors, unique=True, nullable=True),
    ])
    return schema


def add_self_reference(schema):
    from schemas.changes import add_field

    add_field(schema=schema, name="parent", type="reference", to=schema, nullable=True, position=99)


def table(slug):
    return current_catalog().fixture_by_id[current_catalog().get(slug).schema.pk].model._meta.db_table


def constraints(slug):
    connection = connections["fixtures"]
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table(slug))


def seed_capturing(slug, count, **options):
    with CaptureQueriesContext(connections["fixtures"]) as captured:
        seeding.seed(slug, count, **options)
    return [query["sql"] for query in captured.captured_queries]


def dropped(statements):
    return [sql for sql in statements if sql.startswith("DROP INDEX") or " DROP CONSTRAINT " in sql]


@pytest.mark.parametrize("to_itself", [False, True], ids=["one-statement", "batch-by-batch"])
def test_it_builds_every_index_and_unique_constraint_again_exactly_as_it_was(shelves, to_itself):
    if to_itself:
        # A self-reference makes rows go in batch by batch, reading the ids before them.
        add_self_reference(shelves)
    before = constraints("shelves")

    statements = seed_capturing("shelves", 300, seed=5)

    assert constraints("shelves") == before
    # Every index fauxsite gives these fields went aside, and every unique constraint.
    fields = list(Field.objects.filter(schema=shelves))
    own = {index.name for field in fields for index in field_indexes(field)}
    unique = [fixture_column(field) for field in fields if field.unique]
    assert len(own) >= 30 and len(unique) == 7
    for name in own:
        assert any(f'"{name}"' in sql for sql in dropped(statements)), name
    # PostgreSQL's unique constraints are named ..._key; SQLite's are indexes of their own, ..._uq.
    suffix = "_key" if connections["fixtures"].vendor == "postgresql" else "_uq"
    for column in unique:
        assert any(f'_{column}{suffix}"' in sql for sql in dropped(statements)), column
    # Nothing but the primary key's index stayed while rows went in.
    assert len(dropped(statements)) == len(own) + len(unique)


def test_it_stores_the_same_rows_as_a_seed_that_keeps_its_indexes(shelves, monkeypatch):
    statements = seed_capturing("shelves", 300, seed=9)
    aside = rows("shelves")
    monkeypatch.setattr(seed_indexes, "MIN_ROWS", 10**9)
    kept = seed_capturing("shelves", 300, seed=9, reset=True)

    assert dropped(statements) and not dropped(kept)
    assert rows("shelves") == aside
    assert len(aside) == 300


def test_it_keeps_the_indexes_while_a_seed_adds_fewer_rows_than_the_table_holds(shelves):
    seeding.seed("shelves", 200, seed=1)
    before = constraints("shelves")

    assert not dropped(seed_capturing("shelves", 199, seed=2))
    assert dropped(seed_capturing("shelves", 400, seed=3))
    assert constraints("shelves") == before
    assert len(rows("shelves")) == 799


def test_it_keeps_the_indexes_for_a_small_seed_into_an_empty_table(shelves):
    assert not dropped(seed_capturing("shelves", TEST_MIN_ROWS - 1, seed=1))
    assert dropped(seed_capturing("shelves", TEST_MIN_ROWS, seed=2))


@pytest.mark.django_db(databases=[])
def test_it_sets_indexes_aside_from_ten_thousand_rows_that_at_least_double_the_table():
    assert seed_indexes.worth_setting_aside(10_000, 0)
    assert seed_indexes.worth_setting_aside(10_000, 10_000)
    assert not seed_indexes.worth_setting_aside(10_000, 10_001)
    assert not seed_indexes.worth_setting_aside(9_999, 0)


def test_it_keeps_the_index_of_a_column_each_batch_is_checked_against(small_threshold):
    # A unique word from a provider is checked against the rows already in,
    # batch by batch: without its index each check would read the whole table.
    make_schema("tags", [dict(name="word", type="string", faker="word", max_length=20, unique=True),
                         dict(name="label", type="string", max_length=20, indexed=True)])
    before = constraints("tags")
    word, label = (fixture_column(field) for field in Field.objects.filter(schema__slug="tags")
                   .order_by("position"))

    statements = seed_capturing("tags", 300, seed=4, batch_size=64)

    assert [sql for sql in dropped(statements) if word in sql] == []
    assert any(f"fx_{label}_cp" in sql for sql in dropped(statements))
    assert constraints("tags") == before
    words = [row[0] for row in rows("tags")]
    assert len(set(words)) == len(words) == 300


def test_it_rebuilds_around_rows_already_there_with_hostile_values(shelves):
    model = current_catalog().get("shelves").model
    hostile = [
        dict(title="ÉCOLE ß 🙂", contact="Zoë@Example.ORG", pages=2**63 - 1, price=Decimal("-9999999999.99"),
             born=date(1, 1, 1), email="ÄBC@xn--bcher-kva.example", rank=-(2**63), size="🙂"),
        dict(title="école", contact="zoë@example.org", pages=-(2**63), price=Decimal("0.01"),
             born=date(9999, 12, 31), email="äbc@xn--bcher-kva.example", rank=2**63 - 1, size="ÉÉ"),
    ]
    author = current_catalog().get("authors").model.objects.order_by("pk").first()
    kept = [model.objects.create(author_id=author.pk, **values).pk for values in hostile]
    before = constraints("shelves")

    statements = seed_capturing("shelves", 300, seed=6)

    assert dropped(statements)
    assert constraints("shelves") == before
    assert model.objects.count() == 302
    for pk, values in zip(kept, hostile, strict=True):
        assert model.objects.filter(pk=pk, **values).exists()
    # The rebuilt indexes answer: extreme keys at both ends, in the API's order.
    assert list(model.objects.order_by("pages", "id").values_list("pk", flat=True)[:1]) == [kept[1]]
    assert list(model.objects.order_by("-pages", "id").values_list("pk", flat=True)[:1]) == [kept[0]]
    assert model.objects.filter(email="ÄBC@xn--bcher-kva.example").count() == 1


def repeat_one_value(monkeypatch):
    """The next unique column drawn repeats its first value in its last row."""
    take = mock_values.DistinctColumn.take
    calls = []

    def repeating(self, count, *, up_to=False):
        values = take(self, count, up_to=up_to)
        if not calls and len(values) > 1:
            calls.append(values[0])
            values[-1] = values[0]
        return values

    monkeypatch.setattr(mock_values.DistinctColumn, "take", repeating)
    return calls


def failed_seed(slug, count, monkeypatch):
    repeated = repeat_one_value(monkeypatch)
    with pytest.raises(IntegrityError) as raised:
        seeding.seed(slug, count, seed=8)
    assert repeated, "no unique value was drawn"
    return str(raised.value), repeated[0]


@pytest.mark.parametrize("count", [300, TEST_MIN_ROWS - 1], ids=["set-aside", "kept"])
def test_a_unique_value_repeated_fails_the_seed_and_leaves_the_table_as_it_was(
        small_threshold, monkeypatch, count):
    make_schema("people", [dict(name="name", type="string", max_length=30, indexed=True),
                           dict(name="email", type="email", unique=True)])
    before = constraints("people")
    email = fixture_column(Field.objects.get(schema__slug="people", name="email"))

    message, value = failed_seed("people", count, monkeypatch)

    # The same error whether the constraint was checked row by row or rebuilt.
    if connections["fixtures"].vendor == "postgresql":
        assert f"{table('people')}_{email}_key" in message and value in message
    else:
        assert f"UNIQUE constraint failed: {table('people')}.{email}" in message
    assert rows("people") == []
    assert constraints("people") == before


def test_a_hand_made_partial_unique_index_comes_back_and_is_checked_at_rebuild(small_threshold, monkeypatch):
    make_schema("people", [dict(name="name", type="string", max_length=30),
                           dict(name="email", type="email")])
    email = fixture_column(Field.objects.get(schema__slug="people", name="email"))
    connection = connections["fixtures"]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNIQUE INDEX {quote('hand_made_email')} ON {quote(table('people'))} "
                       f"(LOWER({quote(email)})) WHERE {quote(email)} IS NOT NULL")
    before = constraints("people")
    assert before["hand_made_email"]["unique"]

    seeding.seed("people", 200, seed=2)
    assert constraints("people") == before
    seeding.reset("people")

    # A repeated email, only caught when the index is made again.
    take = mock_values.ValueColumn.take
    repeated = []

    def repeating(self, count, *, up_to=False):
        values = take(self, count, up_to=up_to)
        if self.values.field.name == "email" and not repeated:
            repeated.append(values[0])
            values[-1] = values[0].upper()
        return values

    monkeypatch.setattr(mock_values.ValueColumn, "take", repeating)
    with CaptureQueriesContext(connection) as captured, pytest.raises(IntegrityError):
        seeding.seed("people", 200, seed=2)
    assert any("hand_made_email" in query["sql"] and query["sql"].startswith("DROP INDEX")
               for query in captured.captured_queries)
    assert rows("people") == []
    assert constraints("people") == before


def test_it_sets_indexes_aside_only_inside_a_transaction_on_the_fixtures_database(shelves):
    fixtures = connections["fixtures"]
    with pytest.raises(ValueError, match="live database"), \
            seed_indexes.built_afterwards(connections["default"], table("shelves")):
        pass
    # Tests run inside a transaction: leave it for a moment on a connection of its own.
    fixtures.in_atomic_block, was = False, fixtures.in_atomic_block
    try:
        with pytest.raises(ValueError, match="inside a transaction"), \
                seed_indexes.built_afterwards(fixtures, table("shelves")):
            pass
    finally:
        fixtures.in_atomic_block = was


def test_it_rolls_the_indexes_back_with_the_rows_when_the_block_fails(shelves):
    before = constraints("shelves")
    with pytest.raises(RuntimeError), transaction.atomic(using="fixtures"), \
            seed_indexes.built_afterwards(connections["fixtures"], table("shelves")) as aside:
        assert aside
        assert constraints("shelves") != before
        raise RuntimeError("the load failed")
    assert constraints("shelves") == before


def test_it_marks_a_table_seeded_from_empty_visible_to_all_on_postgresql(shelves):
    connection = connections["fixtures"]
    if connection.vendor != "postgresql":
        pytest.skip("the visibility map is PostgreSQL's")
    make_schema("people", [dict(name="email", type="email", unique=True)])

    statements = seed_capturing("people", 2000, seed=1)

    # COPY's own text goes to the driver unlogged; the TRUNCATE before it is what FREEZE needs.
    assert any(sql.startswith("TRUNCATE") for sql in statements)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE relname = %s", [table("people")])
        pages, visible = cursor.fetchone()
    assert pages > 1 and visible == pages
    # A second seed finds rows and loads them as usual.
    again = seed_capturing("people", 2000, seed=2)
    assert not any("FREEZE" in sql or "TRUNCATE" in sql for sql in again)
    assert len(rows("people")) == 4000


# Any mix of fields -------------------------------------------------------------------

# (type, options) that can be indexed, and whether a few hundred rows can be unique.
FIELD_KINDS = [
    ("string", dict(max_length=30), True),
    ("text", dict(max_length=60), False),
    ("email", {}, True),
    ("url", dict(max_length=80), False),
    ("integer", dict(min_value=-5, max_value=10**12), True),
    ("decimal", dict(max_digits=9, decimal_places=3), True),
    ("float", {}, False),
    ("boolean", {}, False),
    ("date", {}, True),
    ("datetime", {}, True),
    ("time", {}, True),
    ("uuid", {}, True),
    ("enum", dict(choices=["a", "A", "ä", "🙂"]), False),
    ("reference", {}, True),
]
SLUGS = itertools.count()


@st.composite
def field_mixes(draw):
    kinds = draw(st.lists(st.sampled_from(FIELD_KINDS), min_size=1, max_size=5))
    fields = []
    for position, (kind, options, can_be_unique) in enumerate(kinds):
        unique = can_be_unique and draw(st.booleans())
        fields.append(dict(name=f"f_{position}", type=kind, indexed=draw(st.booleans()), unique=unique,
                           nullable=draw(st.booleans()), required=False, **options))
    return fields


@hypothesis_settings(max_examples=12, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fields=field_mixes(), seed=st.integers(0, 2**32 - 1))
def test_any_mix_of_fields_gets_its_indexes_and_rows_as_kept(small_threshold, monkeypatch, fields, seed):
    authors = Schema.objects.filter(slug="authors").first()
    if authors is None:
        authors = make_schema("authors", [dict(name="name", type="string", max_length=40)])
        seeding.seed("authors", 300, seed=1)
    fields = [{**field, "to": authors} if field["type"] == "reference" else field for field in fields]
    slug = f"mix{next(SLUGS)}"
    make_schema(slug, fields)
    before = constraints(slug)

    seeding.seed(slug, 120, seed=seed)
    set_aside = rows(slug)
    assert constraints(slug) == before
    monkeypatch.setattr(seed_indexes, "MIN_ROWS", 10**9)
    seeding.seed(slug, 120, seed=seed, reset=True)
    monkeypatch.setattr(seed_indexes, "MIN_ROWS", TEST_MIN_ROWS)
    assert rows(slug) == set_aside
