"""Filtered lists read by statements compiled once answer exactly as the ORM's compiled-every-time path.

A page and a count of one table filtered by plain lookups are compiled once
per WHERE clause (``schemas.rows.where_of``), and later requests only
compile their WHERE clause. Every list below is asked twice, through that
path and through the ORM's, over rows with mixed case, non-ASCII text,
emoji, nulls, ties in the ordered fields and boundary prices; the answers
(rows, order, count, links, errors) must be identical. The queries come one
after another on the same model, so statements kept for one filter are
reused, with other values, by the next.
"""

from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connections
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from datasources.dialects import dialect_for
from schemas import pagination, rows
from schemas.catalog import current_catalog
from schemas.changes import create_schema
from schemas.pagination import Count, bounded_count
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

GENRES = ["fiction", "Fiction", "science", "ÉTUDE", "🐉"]
TITLES = ["war", "War", "WAR and peace", "ﬁre", "Straße", "STRASSE", "Ωmega", "ωmega", "🐉 dragon", " ",
          "a%b_c", "naïve", "NAÏVE", "x" * 60]
PRICES = ["0", "0.01", "49.99", "50", "50.00", "50.01", "999999.99", "123.45"]
RANKS = [None, -(2**63) + 1, -1, 0, 1, 7, 2**63 - 1]
COUNT_LIMIT = 6


def _rows():
    """40 rows: each value recurs, so the ordered fields tie and pages split ties."""
    for number in range(40):
        yield {
            "title": TITLES[number % len(TITLES)],
            "price": PRICES[(number * 3) % len(PRICES)],
            "genre": GENRES[(number * 7) % len(GENRES)],
            "rank": RANKS[(number * 5) % len(RANKS)],
            "in_stock": number % 3 != 0,
            "published": None if number % 4 == 0 else f"20{10 + number % 15}-0{1 + number % 9}-2{number % 9}",
        }


@pytest.fixture
def shelf(api, settings):
    settings.FAUXSITE_EXACT_COUNT_LIMIT = COUNT_LIMIT
    create_schema(slug="shelf", name="Shelf", fields=[
        {"name": "title", "type": "string", "max_length": 80, "indexed": True},
        {"name": "price", "type": "decimal", "max_digits": 8, "decimal_places": 2, "min_value": 0,
         "indexed": True},
        {"name": "genre", "type": "enum", "choices": GENRES, "indexed": True},
        {"name": "rank", "type": "integer", "required": False, "nullable": True, "indexed": True},
        {"name": "in_stock", "type": "boolean", "required": False, "default": True},
        {"name": "published", "type": "date", "required": False, "nullable": True},
    ])
    for row in _rows():
        response = api.post("/api/v1/shelf/", row, format="json")
        assert response.status_code == 201, response.content
    return current_catalog().get("shelf").model


@contextmanager
def _orm_path():
    """Every page and count compiled whole by the ORM, as before statements were kept."""
    with mock.patch.object(rows, "where_of", lambda query, alias: None), \
         mock.patch.object(pagination, "where_of", lambda query, alias: None):
        yield


def _both_paths(api, query: str):
    kept = api.get(f"/api/v1/shelf/?{query}")
    with _orm_path():
        compiled = api.get(f"/api/v1/shelf/?{query}")
    assert kept.status_code == compiled.status_code, query
    assert kept.json() == compiled.json(), query
    return kept


FILTERS = st.one_of(
    st.sampled_from(GENRES).map(lambda value: f"genre={value}"),
    st.sampled_from(GENRES).map(lambda value: f"genre__ne={value}"),
    st.lists(st.sampled_from(GENRES), min_size=1, max_size=4).map(
        lambda values: f"genre__in={','.join(values)}"),
    st.tuples(st.sampled_from(["price", "price__gte", "price__gt", "price__lt", "price__lte"]),
              st.sampled_from(PRICES)).map("=".join),
    st.tuples(st.sampled_from(["title", "title__contains", "title__icontains", "title__startswith"]),
              st.sampled_from([*TITLES, "a", "ß", "🐉", "%", "_", "Ω"])).map("=".join),
    st.sampled_from(["rank__isnull=true", "rank__isnull=false", "published__isnull=true",
                     "in_stock=true", "in_stock=false"]),
    st.tuples(st.sampled_from(["rank", "rank__gte", "rank__lt", "rank__ne"]),
              st.sampled_from([value for value in RANKS if value is not None])).map(
        lambda pair: f"{pair[0]}={pair[1]}"),
    st.sampled_from(["search=war", "search=STRASSE", "search=🐉", "search=naïve ωmega"]),
)
ORDERED = ["price", "-price", "title", "-title", "genre", "-genre", "rank", "-rank", "published",
           "-published", "-id"]
ORDERINGS = st.lists(st.sampled_from(ORDERED), max_size=2, unique=True)


@st.composite
def list_queries(draw) -> str:
    parts = [*draw(st.lists(FILTERS, max_size=3, unique_by=lambda part: part.split("=")[0]))]
    ordering = draw(ORDERINGS)
    if ordering:
        parts.append(f"ordering={','.join(ordering)}")
    parts.append(f"page_size={draw(st.integers(1, 7))}")
    parts.append(f"page={draw(st.integers(1, 4))}")
    return "&".join(part.replace("+", "%2B") for part in parts)


@hypothesis_settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries=st.lists(list_queries(), min_size=2, max_size=4))
def test_it_answers_every_filtered_list_as_the_orm_does(api, shelf, queries):
    for query in queries:
        _both_paths(api, query)


def test_it_reuses_a_kept_statement_with_each_request_s_own_values(api, shelf):
    matched = {}
    for price in PRICES:
        body = _both_paths(api, f"price__gte={price}&genre=fiction&ordering=-price&page_size=3").json()
        matched[price] = (body["count"], [row["price"] for row in body["results"]])
    # The same WHERE clause, its own values each time: the counts differ as the prices do.
    assert matched["0"][0] > matched["999999.99"][0]
    assert all(Decimal(price) >= Decimal("50") for price in matched["50"][1])
    # One WHERE clause, or two where SQLite's order hint rewrites it for some counts: not one per price.
    kept = [key for key in shelf.__dict__["_fauxsite_page_statements"] if key[-1]]
    assert 1 <= len(kept) <= 2, kept


def test_it_counts_a_filtered_list_exactly_up_to_the_limit_and_bounds_it_past(api, shelf):
    every = shelf.objects.all()
    for genre in GENRES:
        exact = every.filter(genre=genre).count()
        expected = Count(exact, True) if exact <= COUNT_LIMIT else Count(COUNT_LIMIT + 1, False)
        assert bounded_count(every.filter(genre=genre), COUNT_LIMIT) == expected, genre
        body = api.get(f"/api/v1/shelf/?genre={genre}&page_size=1").json()
        assert (body["count"], body["count_exact"]) == (expected.value, expected.exact), genre
    assert bounded_count(every.filter(genre__in=[]), COUNT_LIMIT) == Count(0, True)
    assert bounded_count(every.exclude(genre__in=[]), 100) == Count(40, True)


def test_it_reads_the_same_rows_as_model_instances_hold(shelf):
    fields = [field.attname for field in shelf._meta.concrete_fields]
    for low, high in (("0", "50"), ("50", "999999.99"), ("0.01", "0.01")):
        queryset = shelf.objects.filter(price__gte=low, price__lte=high).order_by("-price", "id")
        served = [tuple(row) for row in rows.as_rows(queryset)[:30]]
        assert served == list(queryset.values_list(*fields)[:30]), (low, high)


def test_it_reads_the_largest_id_for_the_order_hint_inside_the_count(api, shelf):
    connection = connections[shelf.objects.db]
    query = "genre=fiction&ordering=-price&page_size=1"
    with CaptureQueriesContext(connection) as sent:
        body = _both_paths(api, query).json()
    kept_path = sent.captured_queries[: len(sent.captured_queries) // 2]
    assert body["count"] == COUNT_LIMIT + 1 and len(body["results"]) == 1
    assert len(kept_path) == 2, [entry["sql"] for entry in kept_path]
    count, page = (entry["sql"] for entry in kept_path)
    if dialect_for(connection).needs_order_hint:
        # 8 matches of 40 rows: 8 * 8 > 40 * 1, so the page walks the price index.
        assert "MAX(" in count and '+"' in page
    else:
        assert "MAX(" not in count and '+"' not in page


def _where_queries(model):
    every = model.objects.all()
    return [
        every.filter(genre="🐉", price__gte="49.99"),
        every.filter(title__icontains="STRASSE") | every.filter(rank__lt=-1),
        every.exclude(genre__in=["fiction", "ÉTUDE"]).filter(rank__isnull=True),
        every.filter(~Q(title__startswith="ω") & Q(published__gte="2015-01-01")),
        every.filter(genre__in=[]) | every.filter(rank=2**63 - 1),
        every.filter(Q(genre="Fiction") ^ Q(in_stock=False)),
    ]


def test_it_compiles_a_where_clause_as_the_orm_does_and_reuses_its_lookups(shelf):
    for queryset in _where_queries(shelf):
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.compile(queryset.query.where)
        assert rows.where_of(queryset.query, queryset.db) == (sql, tuple(params))
        # The page's clone holds the same lookups: the same clause again, from what was kept.
        page = queryset.order_by("-price")[2:5]
        assert rows.where_of(page.query, page.db) == (sql, tuple(params))
        narrower = page.query.chain()
        narrower.clear_limits()
        narrower.add_q(Q(price__lt="50.01"))
        wider_sql, wider_params = narrower.get_compiler(using=queryset.db).compile(narrower.where)
        assert rows.where_of(narrower, queryset.db) == (wider_sql, tuple(wider_params))
        assert wider_sql != sql


def test_a_kept_lookup_is_compiled_again_once_its_sides_are_relabeled(shelf):
    queryset = shelf.objects.filter(genre="fiction", price__lte="50")
    rows.where_of(queryset.query, queryset.db)
    inner = queryset.query.chain()
    inner.bump_prefix(queryset.query)
    relabeled = inner.where.relabeled_clone({shelf._meta.db_table: "U0"})
    compiler = inner.get_compiler(using=queryset.db)

    sql, _params = rows._compiled_node(relabeled, compiler)

    assert sql == compiler.compile(relabeled)[0]
    assert "U0" in sql
