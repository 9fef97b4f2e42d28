"""Lists whose cost does not grow with the table: a bounded count, keyset cursors, indexes."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.test.utils import CaptureQueriesContext

from schemas import changes
from schemas.builder import fixture_table_name
from schemas.catalog import current_catalog
from schemas.changes import add_field, create_schema, update_field
from schemas.models import Field, Schema
from schemas.schemafile import dump
from schemas.seeding import seed
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

# Text that sorts differently by code point than by any language's collation,
# repeated values for the id tie-break, and nulls.
TITLES = ["B", "a", "é", "e\u0301", "😀", "ß", "B", "Zebra", "zebra", "a", "Ω", "İ", " ", "a b"]
PRICES = ["9.99", "0.00", "9.99", "100.00", "0.50", "9.99", "7.25", "0.00", "3.00", "12.00", "7.25", "1.00",
          "5.00", "9.99"]
GENRES = ["fiction", "science", "history"]
ORDERINGS = ["id", "-id", "title", "-title", "price", "-price", "published", "-published", "genre,-price",
             "-in_stock,title", "author,-title", "sku"]


@pytest.fixture
def authors(api, library):
    made = [api.post("/api/v1/authors/", {"name": name, "email": f"{name}@example.com"}, format="json")
            for name in ("ann", "bob", "cyd")]
    return [response.json()["id"] for response in made]


@pytest.fixture
def hostile_shelf(api, authors):
    for index, (title, price) in enumerate(zip(TITLES, PRICES, strict=True)):
        body = {
            "title": title,
            "price": price,
            "genre": GENRES[index % 3],
            "author": authors[index % 3],
            "published": None if index % 4 == 0 else f"20{10 + index % 5}-0{1 + index % 3}-01",
            "in_stock": index % 2 == 0,
        }
        response = api.post("/api/v1/books/", body, format="json")
        assert response.status_code == 201, response.content
    return api.get("/api/v1/books/?page_size=100").json()["results"]


def expected_order(rows: list[dict], ordering: str) -> list[int]:
    """fauxsite's order, worked out in Python: code points, nulls first ascending, id last."""
    terms = ordering.split(",")
    if "id" not in {term.lstrip("-") for term in terms}:
        terms.append("id")
    ordered = list(rows)
    for term in reversed(terms):
        name, descending = term.lstrip("-"), term.startswith("-")
        present = [row for row in ordered if row[name] is not None]
        missing = [row for row in ordered if row[name] is None]
        present.sort(key=lambda row, name=name: _sort_value(row[name]), reverse=descending)
        ordered = present + missing if descending else missing + present
    return [row["id"] for row in ordered]


def _sort_value(value):
    return Decimal(value) if isinstance(value, str) and value.replace(".", "").isdigit() else value


def walk(api, query: str, cursor: str, link: str, slug: str = "books") -> list[int]:
    seen, url = [], f"/api/v1/{slug}/?{query}&cursor={cursor}"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids = [row["id"] for row in body["results"]]
        seen = seen + ids if link == "next" else ids + seen
        url = body[link]
        assert len(seen) <= 100, "the walk does not end"
    return seen


# The count -------------------------------------------------------------------------------


def test_it_counts_exactly_below_the_limit(api, hostile_shelf, settings):
    settings.FAUXSITE_EXACT_COUNT_LIMIT = 20

    body = api.get("/api/v1/books/").json()

    assert (body["count"], body["count_exact"]) == (14, True)


def test_it_counts_exactly_at_the_limit(api, hostile_shelf, settings):
    settings.FAUXSITE_EXACT_COUNT_LIMIT = 14

    body = api.get("/api/v1/books/?page_size=5").json()

    assert (body["count"], body["count_exact"]) == (14, True)
    assert body["next"].endswith("page=2&page_size=5") or "page=2" in body["next"]


def test_it_says_the_count_is_a_lower_bound_above_the_limit(api, hostile_shelf, settings):
    settings.FAUXSITE_EXACT_COUNT_LIMIT = 5

    first = api.get("/api/v1/books/?page_size=3").json()
    third = api.get("/api/v1/books/?page_size=3&page=3").json()
    last = api.get("/api/v1/books/?page_size=3&page=5").json()

    assert (first["count"], first["count_exact"]) == (6, False)
    # A page further in shows more rows exist: the bound grows with it.
    assert (third["count"], third["count_exact"]) == (10, False)
    assert (last["count"], last["count_exact"], last["next"]) == (14, False, None)
    assert [len(page["results"]) for page in (first, third, last)] == [3, 3, 2]


def test_it_counts_filtered_lists_against_the_same_limit(api, hostile_shelf, settings):
    settings.FAUXSITE_EXACT_COUNT_LIMIT = 5

    few = api.get("/api/v1/books/?genre=science").json()
    many = api.get("/api/v1/books/?price__gte=1&page_size=2").json()

    assert (few["count"], few["count_exact"]) == (5, True)
    assert (many["count"], many["count_exact"]) == (6, False)


@pytest.mark.parametrize("limit", [5, 10_000])
def test_it_answers_404_past_the_last_page_whether_counted_or_not(api, hostile_shelf, settings, limit):
    settings.FAUXSITE_EXACT_COUNT_LIMIT = limit

    response = api.get("/api/v1/books/?page_size=5&page=4")
    huge = api.get("/api/v1/books/?page=99999999999999999999999")

    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid page."
    assert huge.status_code == 404


def test_it_serves_an_empty_first_page_of_an_empty_list(api, library, settings):
    settings.FAUXSITE_EXACT_COUNT_LIMIT = 0

    body = api.get("/api/v1/books/").json()

    assert body == {"count": 0, "count_exact": True, "next": None, "previous": None, "results": []}


# Cursors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_it_walks_every_ordering_by_cursor_without_missing_or_repeating_a_row(api, hostile_shelf, ordering):
    expected = expected_order(hostile_shelf, ordering)

    forwards = walk(api, f"ordering={ordering}&page_size=4", "first", "next")
    backwards = walk(api, f"ordering={ordering}&page_size=4", "last", "previous")

    assert forwards == expected
    assert backwards == expected


def test_it_combines_cursors_with_filters_and_search(api, hostile_shelf):
    rows = [row for row in hostile_shelf if row["genre"] != "history" and "a" in row["title"].lower()]

    walked = walk(api, "genre__ne=history&search=a&ordering=-price&page_size=2", "first", "next")

    assert walked == expected_order(rows, "-price")


def test_it_links_pages_by_cursor_both_ways(api, hostile_shelf):
    first = api.get("/api/v1/books/?cursor=first&page_size=5").json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()

    assert first["previous"] is None
    assert parse_qs(urlsplit(first["next"]).query)["cursor"] == [f"after-{first['results'][-1]['id']}"]
    assert back["results"] == first["results"]
    assert (second["count"], second["count_exact"]) == (14, True)


def test_it_counts_pages_from_the_cursor(api, hostile_shelf):
    ids = expected_order(hostile_shelf, "id")

    body = api.get(f"/api/v1/books/?cursor=after-{ids[1]}&page=2&page_size=3").json()

    assert [row["id"] for row in body["results"]] == ids[5:8]
    assert "page" not in parse_qs(urlsplit(body["next"]).query)


def test_it_keeps_its_place_when_rows_are_added_before_it(api, hostile_shelf, authors):
    first = api.get("/api/v1/books/?cursor=first&page_size=5&ordering=-id").json()
    body = {"title": "New", "price": "1.00", "genre": "fiction", "author": authors[0]}
    assert api.post("/api/v1/books/", body, format="json").status_code == 201

    second = api.get(first["next"]).json()

    assert [row["id"] for row in second["results"]] == expected_order(hostile_shelf, "-id")[5:10]


@pytest.mark.parametrize("cursor", ["", "garbage", "after-", "after--1", "after-01", "before-x", "AFTER-1",
                                    "after-1 ", "after-1&", "after-99999999999999999999", "first,last"])
def test_it_refuses_a_cursor_it_did_not_make(api, hostile_shelf, cursor):
    response = api.get("/api/v1/books/", {"cursor": cursor})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]


def test_it_answers_404_for_a_cursor_whose_row_is_gone_in_another_ordering(api, hostile_shelf):
    gone = hostile_shelf[3]["id"]
    assert api.delete(f"/api/v1/books/{gone}/").status_code == 204

    by_id = api.get(f"/api/v1/books/?cursor=after-{gone}&page_size=2")
    by_title = api.get(f"/api/v1/books/?cursor=after-{gone}&ordering=title")

    assert [row["id"] for row in by_id.json()["results"]] == [hostile_shelf[4]["id"], hostile_shelf[5]["id"]]
    assert by_title.status_code == 404
    assert "cursor=first" in by_title.json()["detail"]


def test_it_pages_past_the_largest_id(api, hostile_shelf):
    body = api.get("/api/v1/books/?cursor=after-9999999999999999999").json()

    assert body["results"] == [] and body["next"] is None
    assert "cursor=last" in body["previous"]


# The document ----------------------------------------------------------------------------


def test_the_document_describes_the_cursor_and_the_count(api, hostile_shelf):
    document = api.get("/api/schema/?format=json").json()
    operation = document["paths"]["/api/v1/books/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    envelope = document["components"]["schemas"]["PaginatedBooksList"]

    assert parameters["cursor"]["schema"]["pattern"].startswith("^(first|last|")
    assert "after-<id>" in parameters["cursor"]["description"]
    assert envelope["required"] == ["count", "count_exact", "next", "previous", "results"]
    assert envelope["properties"]["count_exact"]["type"] == "boolean"
    assert "lower bound" in envelope["description"]


# The plan --------------------------------------------------------------------------------


def page_plan(api, slug: str, query: str, part: int = 0) -> str:
    """PostgreSQL's plan of the query that reads a list's page (or its ``part``), no sequential reads."""
    connection, page_query = _page_query(api, slug, query, part)
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's; run with FIXTURES_DATABASE_URL")
    with connection.cursor() as cursor:
        # A table this small is read whole unless that is ruled out; the
        # question is whether an index serves the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {page_query}")
        return "\n".join(row[0] for row in cursor.fetchall())


def sqlite_page_plan(api, slug: str, query: str, part: int = 0) -> str:
    """SQLite's ``EXPLAIN QUERY PLAN`` of the query that reads a list's page (or its ``part``)."""
    connection, page_query = _page_query(api, slug, query, part)
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {page_query}")
        return "\n".join(row[-1] for row in cursor.fetchall())


def _page_query(api, slug: str, query: str, part: int = 0):
    model = current_catalog().get(slug).model
    connection = connections[model._fauxsite_alias]
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        assert api.get(f"/api/v1/{slug}/?{query}").status_code == 200
    # Not the cursor's row, read first (one row); a page not filled by its
    # first part reads the next one.
    page_parts = [q["sql"] for q in captured
                  if table in q["sql"] and "ORDER BY" in q["sql"] and not q["sql"].endswith("LIMIT 1")]
    return connection, page_parts[part]


@pytest.mark.parametrize("query", ["page=2&page_size=3", "cursor=after-3&page_size=3", "cursor=before-9"])
def test_postgresql_serves_a_page_from_the_primary_key_index(api, hostile_shelf, query):
    plan = page_plan(api, "books", query)

    assert "Index Scan using fx_" in plan or "Index Scan Backward using fx_" in plan, plan
    assert "_pkey" in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("query, indexed", [
    ("rank=7", "rank"),  # an equality filter, served in id order
    ("ordering=rank", "rank"),
    ("ordering=title&cursor=after-3", "title"),  # text: its code-point key
    ("title=Orbit", "title"),
])
def test_postgresql_serves_filters_and_orderings_from_a_fields_index(api, db, query, indexed):
    events = make_events()
    seed("events", 40, seed=5)
    name = f"fx_f{field(events, indexed).pk}_"

    plan = page_plan(api, "events", query)

    assert f"Index Scan using {name}" in plan, plan
    assert "Sort" not in plan, plan


# Descending orders: ties stay by id ascending, which only an index of their own serves.
DESCENDING_PAGES = [
    ("ordering=-rank", "rank"),
    ("ordering=-rank&cursor=after-3", "rank"),
    ("ordering=-rank&cursor=before-9", "rank"),
    ("ordering=-title&cursor=after-3", "title"),  # text: its code-point key, descending
    ("rank__gte=3&ordering=-rank", "rank"),  # a filter and the order from one index
]


@pytest.mark.parametrize("query, indexed", DESCENDING_PAGES)
def test_postgresql_serves_descending_pages_from_the_descending_index(api, db, query, indexed):
    events = make_events()
    seed("events", 40, seed=5)

    plan = page_plan(api, "events", query)

    assert f"using fx_f{field(events, indexed).pk}_dx" in plan, plan
    assert "Sort" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("query, indexed", DESCENDING_PAGES)
def test_sqlite_serves_descending_pages_from_the_descending_index(api, db, query, indexed):
    events = make_events()
    seed("events", 40, seed=5)

    plan = sqlite_page_plan(api, "events", query)

    assert f"USING INDEX fx_f{field(events, indexed).pk}_dx" in plan, plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_a_descending_cursor_page_starts_from_its_value_when_no_null_follows(api, db):
    events = make_events()  # rank is required: no row has a null rank
    seed("events", 40, seed=5)
    rank = f"fx_f{field(events, 'rank').pk}_dx"
    query = "ordering=-rank&cursor=after-3"

    if connections[settings.FIXTURES_ALIAS].vendor == "postgresql":
        plan = page_plan(api, "events", query)
        assert f"Index Scan using {rank}" in plan and "Index Cond" in plan, plan
    else:
        plan = sqlite_page_plan(api, "events", query)
        assert f"SEARCH fx_{events.pk} USING INDEX {rank} (f{field(events, 'rank').pk}<?)" in plan, plan


@pytest.mark.parametrize("ordering", ["-rank", "-title", "rank", "title"])
def test_it_walks_a_descending_order_with_nulls_both_ways_by_cursor(api, db, ordering):
    make_events(required=False, nullable=True)
    update_field(field(Schema.objects.get(slug="events"), "rank"), required=False, nullable=True)
    seed("events", 30, seed=7)
    model = current_catalog().get("events").model
    model.objects.filter(pk__in=[2, 3, 11, 17, 29]).update(rank=None, title=None)
    model.objects.filter(pk__in=[5, 6, 7, 8]).update(rank=4, title="same")
    rows = api.get("/api/v1/events/?page_size=100").json()["results"]
    expected = expected_order(rows, ordering)

    forwards = walk(api, f"ordering={ordering}&page_size=4", "first", "next", slug="events")
    backwards = walk(api, f"ordering={ordering}&page_size=4", "last", "previous", slug="events")

    assert forwards == expected and backwards == expected


def crowded_events(rows: int = 60) -> list[dict]:
    """Events whose nullable rank and title are a third null and otherwise tied in fours."""
    make_events(required=False, nullable=True)
    update_field(field(Schema.objects.get(slug="events"), "rank"), required=False, nullable=True)
    seed("events", rows, seed=11)
    model = current_catalog().get("events").model
    for pk in model.objects.values_list("pk", flat=True):
        null = pk % 3 == 0
        title = None if pk % 4 == 1 else f"t{pk % 6}"
        model.objects.filter(pk=pk).update(rank=None if null else pk % 5, title=title)
    return list(model.objects.values("id", "rank", "title"))


CROWDED_ORDERINGS = ["-rank", "rank", "-title", "title", "-rank,title", "rank,-title", "-title,-rank"]


@pytest.mark.parametrize("ordering", CROWDED_ORDERINGS)
def test_it_walks_many_nulls_and_ties_by_cursor_in_the_documented_order(api, db, ordering):
    rows = crowded_events()
    expected = expected_order(rows, ordering)

    forwards = walk(api, f"ordering={ordering}&page_size=7", "first", "next", slug="events")
    backwards = walk(api, f"ordering={ordering}&page_size=7", "last", "previous", slug="events")

    assert forwards == expected and backwards == expected


@pytest.mark.parametrize("ordering", ["-rank", "rank"])
def test_numbered_pages_from_a_cursor_run_on_into_the_nulls(api, db, ordering):
    rows = crowded_events()
    expected = expected_order(rows, ordering)
    # Walking forwards on -rank, or backwards on rank, the nulls come after every value.
    anchor = next(row["id"] for row in rows if row["rank"] == 3)
    cursor, ahead = (f"after-{anchor}", expected[expected.index(anchor) + 1:]) if ordering == "-rank" else \
        (f"before-{anchor}", expected[:expected.index(anchor)][::-1])

    pages, number = [], 1
    while (response := api.get(f"/api/v1/events/?ordering={ordering}&cursor={cursor}&page_size=4"
                               f"&page={number}")).status_code == 200:
        ids = [row["id"] for row in response.json()["results"]]
        pages += ids if ordering == "-rank" else ids[::-1]
        number += 1

    assert response.status_code == 404
    assert pages == ahead


@pytest.mark.parametrize("query, indexed, scan", [
    ("ordering=-rank&cursor=after-4", "rank", "Index Scan using fx_f{}_dx"),
    # Walked backwards, descending with ties by id descending: the ascending index backwards.
    ("ordering=rank&cursor=before-4", "rank", "Index Scan Backward using fx_f{}_ix"),
    ("ordering=-title&cursor=after-2", "title", "Index Scan using fx_f{}_dx"),
])
def test_postgresql_serves_a_descending_cursor_page_over_nulls_from_an_index(api, db, query, indexed, scan):
    crowded_events(30)
    events = Schema.objects.get(slug="events")
    scan = scan.format(field(events, indexed).pk)

    below = page_plan(api, "events", f"{query}&page_size=50", part=0)
    nulls = page_plan(api, "events", f"{query}&page_size=50", part=1)

    for plan in (below, nulls):
        assert scan in plan and "Index Cond" in plan, plan
        assert "Sort" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("query, indexed", [
    ("ordering=-rank&cursor=after-4", "rank"),
    ("ordering=-title&cursor=after-2", "title"),
])
def test_sqlite_serves_a_descending_cursor_page_over_nulls_from_the_descending_index(api, db, query, indexed):
    crowded_events(30)
    events = Schema.objects.get(slug="events")
    column = f"f{field(events, indexed).pk}"

    below = sqlite_page_plan(api, "events", f"{query}&page_size=50", part=0)
    nulls = sqlite_page_plan(api, "events", f"{query}&page_size=50", part=1)

    assert f"USING INDEX fx_{column}_dx ({column}<?)" in below, below
    assert f"({column}=?)" in nulls and "USE TEMP B-TREE" not in below + nulls, nulls


def common_and_rare_events(rows: int = 6000):
    """Events whose kind is one of four but for a rare one, with more rows than SQLite's statistics sample."""
    schema = create_schema(slug="events", name="Events", fields=[
        dict(name="kind", type="enum", choices=["talk", "workshop", "panel", "rare"], indexed=True),
        dict(name="rank", type="integer", indexed=True),
    ])
    seed("events", rows, seed=5)
    model = current_catalog().get("events").model
    model.objects.filter(kind="rare").update(kind="talk")
    model.objects.filter(pk__in=[7, 70, 700]).update(kind="rare")
    return schema


@pytest.mark.parametrize("query", ["kind=talk&ordering=-rank", "kind=talk&ordering=rank&page=3",
                                   "kind=talk&ordering=-rank&cursor=after-40",
                                   "kind=panel&rank__gte=100&ordering=-rank"])
def test_sqlite_serves_a_common_values_page_from_the_orders_index(api, db, query):
    """Sampled statistics put every value at a thousand rows or so: SQLite would read the filter's
    index and sort every match. The count shows the matches are many, so the order's index serves."""
    schema = common_and_rare_events()
    rank = field(schema, "rank").pk

    plan = sqlite_page_plan(api, "events", query)

    assert f"USING INDEX fx_f{rank}_" in plan, plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_sqlite_serves_a_rare_values_page_from_the_filters_index(api, db):
    schema = common_and_rare_events()

    plan = sqlite_page_plan(api, "events", "kind=rare&ordering=-rank")

    assert f"USING INDEX fx_f{field(schema, 'kind').pk}_ix (f{field(schema, 'kind').pk}=?)" in plan, plan


@pytest.mark.parametrize("query", ["kind=talk&ordering=-rank", "kind=rare&ordering=-rank",
                                   "kind=workshop&ordering=rank"])
def test_a_steered_page_holds_the_same_rows_in_the_same_order(api, db, query):
    common_and_rare_events()
    model = current_catalog().get("events").model
    kind = parse_qs(query)["kind"][0]
    ordering = parse_qs(query)["ordering"][0]
    expected = expected_order(list(model.objects.filter(kind=kind).values("id", "rank")), ordering)

    numbered = [row["id"] for number in (1, 2, 30) for row in
                api.get(f"/api/v1/events/?{query}&page_size=50&page={number}").json().get("results", [])]
    by_cursor = api.get(f"/api/v1/events/?{query}&page_size=50&cursor=after-{expected[1]}").json()

    assert numbered == [*expected[:100], *expected[1450:1500]]
    assert [row["id"] for row in by_cursor["results"]] == expected[2:52]


# Indexes ---------------------------------------------------------------------------------


def fixture_indexes(schema) -> dict[str, list]:
    connection = connections[settings.FIXTURES_ALIAS]
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, fixture_table_name(schema.pk))
    return {name: info["columns"] for name, info in found.items()
            if info["index"] and not info["primary_key"]}


def make_events(**title_options):
    return create_schema(slug="events", name="Events", fields=[
        dict(name="title", type="string", max_length=80, indexed=True, **title_options),
        dict(name="rank", type="integer", indexed=True),
        dict(name="notes", type="text", required=False),
    ])


def field(schema, name):
    return Field.objects.get(schema=schema, name=name)


def test_it_indexes_the_columns_of_indexed_fields(db):
    events = make_events()
    title, rank = field(events, "title"), field(events, "rank")

    indexes = fixture_indexes(events)

    assert indexes[f"fx_f{title.pk}_ix"] == [f"f{title.pk}", "id"]
    assert f"fx_f{title.pk}_cp" in indexes  # text: its code-point key too
    assert indexes[f"fx_f{rank.pk}_ix"] == [f"f{rank.pk}", "id"]
    assert indexes[f"fx_f{rank.pk}_dx"] == [f"f{rank.pk}", "id"]  # descending, ties by id
    assert f"fx_f{title.pk}_dx" in indexes  # text: on its code-point key
    assert not any(name.startswith(f"fx_f{field(events, 'notes').pk}") for name in indexes)


def test_turning_the_option_on_and_off_adds_and_drops_the_index_and_keeps_the_column(db):
    events = make_events()
    seed("events", 30, seed=3)
    notes = field(events, "notes")
    model = current_catalog().get("events").model
    values = sorted(row["notes"] or "" for row in model.objects.values("notes"))

    update_field(notes, indexed=True)
    wanted = {f"fx_f{notes.pk}_{kind}" for kind in ("ix", "cp", "dx")}
    assert wanted <= fixture_indexes(events).keys()
    update_field(field(events, "rank"), indexed=False)

    assert field(events, "notes").pk == notes.pk
    assert not any(name.startswith(f"fx_f{field(events, 'rank').pk}_") for name in fixture_indexes(events))
    model = current_catalog().get("events").model
    assert sorted(row["notes"] or "" for row in model.objects.values("notes")) == values


def test_it_indexes_references_whatever_the_option(db, library):
    _authors, books = library
    author = field(books, "author")

    assert fixture_indexes(books)[f"fx_f{author.pk}_ix"] == [f"f{author.pk}", "id"]


def test_an_index_change_is_no_contract_change(db):
    events = make_events()
    notes = field(events, "notes")

    def index_notes(change):
        notes.indexed = True
        change.save_field(notes)

    plan = changes.plan("edit field", index_notes)

    assert plan.summary == ("events: changed field notes (indexed)",)
    assert plan.lines() == [] and not plan.is_breaking


def test_indexes_survive_a_table_remade_for_a_new_unique_column(db):
    events = make_events()
    title = field(events, "title")

    add_field(schema=events, name="code", type="string", unique=True, required=False, position=9)

    assert {f"fx_f{title.pk}_cp", f"fx_f{title.pk}_dx"} <= fixture_indexes(events).keys()


def test_json_fields_cannot_be_indexed(db):
    events = make_events()

    with pytest.raises(ValidationError) as refused:
        add_field(schema=events, name="extra", type="json", indexed=True, required=False)

    assert "Does not apply to json fields." in str(refused.value)


def test_schema_files_read_and_write_the_option(db):
    events = make_events()

    exported = dump([events])

    assert "{name: rank, type: integer, indexed: true}" in exported
    assert "indexed" not in next(line for line in exported.splitlines() if "notes" in line)


def test_seeding_tells_sqlite_how_the_values_spread_so_an_ordered_index_serves_filtered_pages(api, db):
    """Without statistics SQLite takes an equality filter for a needle: it reads the filter's index
    and sorts every match. Seeding analyses the table, so a common value is read in order instead."""
    schema = create_schema(slug="events", name="Events", fields=[
        dict(name="kind", type="enum", choices=["talk", "workshop"], indexed=True),
        dict(name="rank", type="integer", indexed=True),
    ])
    seed("events", 2000, seed=5)

    plan = sqlite_page_plan(api, "events", "kind=talk&ordering=-rank")

    assert f"USING INDEX fx_f{field(schema, 'rank').pk}_dx" in plan, plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
