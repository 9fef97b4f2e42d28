"""A filter that is one lookup on one column is added as that lookup, answering as django-filter's path does.

Every comparison runs a query twice, on the plain-lookup path and with
every filter sent through its django-filter ``filter()`` (``_filter_path``),
and wants the same status and the same bytes, over hostile values: mixed
case, non-ASCII, emoji, nulls, ties, boundaries and malformed numbers.
"""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from schemas import filters
from schemas.catalog import current_catalog
from schemas.changes import create_schema
from schemas.filters import narrowed_filterset, ordering_expression
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

GENRES = ["fiction", "Fiction", "null", "ÉTUDE", "🐉"]
TITLES = ["war", "War", "WAR and peace", "ﬁre", "Straße", "STRASSE", "Ωmega", "ωmega", "🐉 dragon", " ", "",
          "a%b_c", "naïve", "NAÏVE"]
PRICES = ["0", "0.01", "49.99", "50", "50.00", "50.01", "999999.99"]
RANKS = [None, -(2**63), -1, 0, 1, 7, 2**63 - 1]
SCORES = [None, -1e308, -0.0, 0.0, 5e-324, 1.5, 1e308]
INSTANTS = [None, "0001-01-01T00:00:00Z", "2024-02-29T23:59:59.999999Z", "2024-03-01T00:00:00+14:00",
            "9999-12-31T23:59:59Z"]


def _rows():
    """35 rows in which every value recurs, so that filters and orders meet ties."""
    for number in range(35):
        yield {
            "title": TITLES[number % len(TITLES)],
            "price": PRICES[(number * 3) % len(PRICES)],
            "genre": GENRES[(number * 2) % len(GENRES)],
            "rank": RANKS[(number * 5) % len(RANKS)],
            "score": SCORES[(number * 3) % len(SCORES)],
            "seen": INSTANTS[number % len(INSTANTS)],
            "in_stock": number % 3 != 0,
            "published": None if number % 4 == 0 else f"20{10 + number % 15}-0{1 + number % 9}-2{number % 9}",
        }


@pytest.fixture
def stock(api):
    create_schema(slug="stock", name="Stock", fields=[
        {"name": "title", "type": "string", "max_length": 80, "required": False, "indexed": True},
        {"name": "price", "type": "decimal", "max_digits": 8, "decimal_places": 2, "min_value": 0},
        {"name": "genre", "type": "enum", "choices": GENRES, "indexed": True},
        {"name": "rank", "type": "integer", "required": False, "nullable": True},
        {"name": "score", "type": "float", "required": False, "nullable": True},
        {"name": "seen", "type": "datetime", "required": False, "nullable": True},
        {"name": "in_stock", "type": "boolean", "required": False, "default": True},
        {"name": "published", "type": "date", "required": False, "nullable": True},
    ])
    for row in _rows():
        response = api.post("/api/v1/stock/", row, format="json")
        assert response.status_code == 201, response.content
    return current_catalog().get("stock")


@contextmanager
def _filter_path():
    """Every filter applied by its own ``filter()``, as before plain lookups."""
    with mock.patch.object(filters.PlainLookup, "takes", lambda self, value: False):
        yield


def _both_paths(api, query: str):
    fast = api.get(f"/api/v1/stock/?{query}")
    with _filter_path():
        slow = api.get(f"/api/v1/stock/?{query}")
    assert fast.status_code == slow.status_code, query
    assert fast.content == slow.content, query
    return fast


VALUES = {
    "title": [*TITLES, "ß", "%", "_", "Ω", "a,b", "%F0%9F%90%89"],
    "genre": [*GENRES, "FICTION", "nul", ""],
    "price": [*PRICES, "1e999", "NaN", "-0", "", "-0.01", "12.345", "1234567.00", " 5", "5 ", "Infinity"],
    "rank": [str(value) for value in RANKS if value is not None]
    + [str(2**63), str(-(2**63) - 1), "-0", "1.0", "", "1e3", "٣"],
    "score": ["-1e308", "-0", "0", "5e-324", "1.5", "1e308", "1e999", "NaN", "inf", "-inf", "", "1,5"],
    "seen": [value.replace("+", "%2B") for value in INSTANTS if value is not None]
    + ["2024-02-30T00:00:00Z", "2024-05-01", "", "2024-05-01t12:30:00z"],
    "published": ["2015-01-21", "2020-02-29", "2019-02-29", "0001-01-01", "9999-12-31", "", "20150121"],
    "in_stock": ["true", "false", "1", "0", "TRUE", "yes", ""],
}
LOOKUPS = {
    "title": ["", "__ne", "__in", "__contains", "__icontains", "__startswith", "__isnull"],
    "genre": ["", "__ne", "__in", "__isnull"],
    "in_stock": ["", "__ne", "__isnull"],
}
ORDERED_LOOKUPS = ["", "__ne", "__gt", "__gte", "__lt", "__lte", "__in", "__isnull"]


@st.composite
def filter_parameters(draw) -> str:
    field = draw(st.sampled_from(sorted(VALUES)))
    lookup = draw(st.sampled_from(LOOKUPS.get(field, ORDERED_LOOKUPS)))
    if lookup == "__isnull":
        value = draw(st.sampled_from(["true", "false", "maybe", ""]))
    elif lookup == "__in":
        value = ",".join(draw(st.lists(st.sampled_from(VALUES[field]), min_size=1, max_size=3)))
    else:
        value = draw(st.sampled_from(VALUES[field]))
    return f"{field}{lookup}={value}"


ORDERINGS = ["price", "-price", "title", "-title", "genre", "-rank", "score", "-seen", "published", "-id"]


@st.composite
def list_queries(draw) -> str:
    # Repeated parameters too: the last value is the one read.
    parts = draw(st.lists(filter_parameters(), min_size=1, max_size=4))
    ordering = draw(st.lists(st.sampled_from(ORDERINGS), max_size=2, unique=True))
    if ordering:
        parts.append(f"ordering={','.join(ordering)}")
    parts.append(f"page_size={draw(st.integers(1, 6))}")
    parts.append(f"page={draw(st.integers(1, 3))}")
    return "&".join(parts)


@hypothesis_settings(max_examples=200, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries=st.lists(list_queries(), min_size=1, max_size=4))
def test_it_answers_every_filtered_list_as_django_filter_does(api, stock, queries):
    for query in queries:
        _both_paths(api, query)


@pytest.mark.parametrize("query", [
    "price__gte=1e999", "price__gte=NaN", "price__gte=-0", "price__gte=", "price__gte=50&price__gte=0.01",
    "genre=null", "genre=", "genre__in=null,fiction", "genre__in=", "title=", "title__in=,",
    "rank=9223372036854775808", "rank__lt=-9223372036854775808", "score__gte=-0", "score=NaN",
    "seen__gte=2024-03-01T00:00:00%2B14:00", "title__contains=🐉&genre=🐉", "title__icontains=ß",
    "genre=fiction&price__gte=50&ordering=-price", "in_stock=TRUE&published__lte=2020-02-29",
])
def test_it_answers_each_boundary_as_django_filter_does(api, stock, query):
    _both_paths(api, query)


def test_a_plain_lookup_matches_the_rows_its_value_names(api, stock):
    found = _both_paths(api, "genre=Fiction&price__gte=50&ordering=-price,title&page_size=100").json()

    expected = sorted(
        (row for row in _rows() if row["genre"] == "Fiction" and float(row["price"]) >= 50),
        key=lambda row: (-float(row["price"]), row["title"]),
    )
    assert [(row["title"], row["price"]) for row in found["results"]] == [
        (row["title"], f"{float(row['price']):.2f}") for row in expected
    ]
    assert found["count"] == len(expected) > 0


def test_only_one_lookup_on_one_column_takes_the_plain_path(stock):
    names = frozenset({"genre", "genre__ne", "genre__in", "price__gte", "title__icontains", "rank__isnull",
                       "seen__lt"})
    narrowed = narrowed_filterset(stock.filterset_class, names)

    # Exclusions and IS NULL keep django-filter's path.
    assert set(narrowed.plain_lookups) == {"genre", "genre__in", "price__gte", "title__icontains", "seen__lt"}
    assert not narrowed.plain_lookups["genre"].takes("null")  # the choice's null value: IS NULL
    assert not narrowed.plain_lookups["price__gte"].takes(None)
    assert narrowed.plain_lookups["title__icontains"].takes("")


def test_a_plain_lookup_compiles_the_statement_django_filter_builds(stock):
    narrowed = narrowed_filterset(stock.filterset_class, frozenset({"genre", "price__gte", "title__in"}))
    data = QueryDict("genre=ÉTUDE&price__gte=49.99&title__in=War,%F0%9F%90%89 dragon")

    def compiled(queryset):
        query = queryset.query
        return query.get_compiler(using=queryset.db).as_sql()

    fast = narrowed(data, stock.model.objects.all())
    assert fast.is_valid()
    with _filter_path():
        slow = narrowed(data, stock.model.objects.all())
        assert slow.is_valid()
        slow_sql = compiled(slow.qs)
    assert compiled(fast.qs) == slow_sql
    assert list(fast.qs.values_list("pk", flat=True)) == list(slow.qs.values_list("pk", flat=True))


def test_an_order_s_expressions_are_shared_and_sort_text_by_code_point(api, stock):
    text = stock.text_ordered_fields
    assert "title" in text
    assert ordering_expression("-title", text) is ordering_expression("-title", frozenset(text))
    assert ordering_expression("-title", text) != ordering_expression("-title", frozenset())
    assert ordering_expression("title", text) != ordering_expression("-title", text)

    body = _both_paths(api, "ordering=-title,id&page_size=100").json()
    titles = [row["title"] for row in body["results"]]
    # Code point order: "ﬁ" (U+FB01) and emoji after every Latin and Greek letter.
    assert titles == sorted(titles, key=lambda title: [ord(c) for c in title], reverse=True)
    assert titles[0] == "🐉 dragon"
