"""The bounded COUNT of a list: written around the compiled subquery, a whole table's written once."""

import itertools

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from schemas import pagination
from schemas.catalog import current_catalog
from schemas.pagination import Count, bounded_count
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)
# Names that sort and compare differently by code point, case and collation.
HOSTILE_NAMES = ["ann", "Ann", "ANN", "é", "e\u0301", "😀", "ß", "ss", "İ", "i", " ", "x" * 80]


@pytest.fixture(autouse=True)
def _nothing_remembered_past_the_limit():
    pagination._PAST_LIMIT.clear()
    yield
    pagination._PAST_LIMIT.clear()


def _add_author(api, name: str) -> int:
    response = api.post("/api/v1/authors/", {"name": name, "email": f"{name}@example.com"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_it_counts_the_rows_of_a_whole_table_as_they_are_now(api, library):
    assert api.get("/api/v1/authors/").json()["count"] == 0
    first = _add_author(api, "ann")
    _add_author(api, "bob")
    assert api.get("/api/v1/authors/").json()["count"] == 2
    assert api.delete(f"/api/v1/authors/{first}/").status_code == 204
    assert api.get("/api/v1/authors/").json()["count"] == 1


def test_it_counts_a_whole_table_and_a_filtered_list_under_each_limit(api, library):
    for name in ("ann", "bob", "cyd"):
        _add_author(api, name)
    authors = current_catalog().get("authors").model.objects.all()
    assert bounded_count(authors, 3) == Count(3, True)
    assert bounded_count(authors, 2) == Count(3, False)
    assert bounded_count(authors, 1) == Count(2, False)
    # What expand adds joins rows in and counts none.
    assert bounded_count(authors.select_related(), 3) == Count(3, True)
    assert bounded_count(authors.select_related(), 2) == Count(3, False)
    assert bounded_count(authors.filter(name__in=["ann", "cyd"]), 2) == Count(2, True)
    assert bounded_count(authors.filter(name__gt="ann"), 1) == Count(2, False)


def test_it_counts_no_rows_for_a_filter_nothing_can_match(api, library):
    _add_author(api, "ann")
    authors = current_catalog().get("authors").model.objects.all()
    assert bounded_count(authors.filter(pk__in=[]), 10) == Count(0, True)



def _counted(queryset, limit: int) -> tuple[Count, list[str]]:
    """The bounded count and the statements it sent."""
    with CaptureQueriesContext(connections[queryset.db]) as sent:
        count = bounded_count(queryset, limit)
    return count, [query["sql"] for query in sent.captured_queries]


def test_a_count_past_the_limit_asks_next_time_for_the_row_past_it_alone(api, library):
    for name in ("ann", "bob", "cyd"):
        _add_author(api, name)
    named = current_catalog().get("authors").model.objects.filter(name__in=["ann", "bob", "cyd"])

    first, first_sent = _counted(named, 1)
    again, again_sent = _counted(named, 1)

    assert first == again == Count(2, False)
    assert len(first_sent) == 1 and "COUNT(" in first_sent[0]
    assert len(again_sent) == 1 and "COUNT(" not in again_sent[0] and "OFFSET 1" in again_sent[0]


def test_it_counts_the_rows_again_once_the_row_past_the_limit_is_gone(api, library):
    ids = [_add_author(api, name) for name in ("ann", "bob", "cyd")]
    named = current_catalog().get("authors").model.objects.filter(name__in=["ann", "bob", "cyd"])
    assert bounded_count(named, 2) == Count(3, False)
    assert api.delete(f"/api/v1/authors/{ids[0]}/").status_code == 204

    shrunk, shrunk_sent = _counted(named, 2)
    again, again_sent = _counted(named, 2)

    assert shrunk == again == Count(2, True)
    assert len(shrunk_sent) == 2 and "COUNT(" in shrunk_sent[1]
    assert len(again_sent) == 1 and "COUNT(" in again_sent[0]


def test_a_whole_table_past_the_limit_is_answered_next_time_by_the_row_past_it(api, library):
    for name in ("ann", "bob"):
        _add_author(api, name)
    authors = current_catalog().get("authors").model.objects.all()

    first, _sent = _counted(authors, 1)
    again, again_sent = _counted(authors, 1)

    assert first == again == Count(2, False)
    assert len(again_sent) == 1 and "COUNT(" not in again_sent[0]


def test_counts_of_other_values_or_limits_are_not_taken_for_the_one_past_the_limit(api, library):
    for name in ("ann", "bob", "cyd"):
        _add_author(api, name)
    Author = current_catalog().get("authors").model
    assert bounded_count(Author.objects.filter(name__in=["ann", "bob"]), 1) == Count(2, False)

    assert bounded_count(Author.objects.filter(name__in=["ann", "zed"]), 1) == Count(1, True)
    assert bounded_count(Author.objects.filter(name__in=["ann", "bob"]), 2) == Count(2, True)


# Each step: add a row of a name, remove the oldest row of a name, or count
# the rows of some names under a limit; the table carries over between
# examples, so what was remembered of one is stale in the next.
SERIALS = itertools.count()
STEPS = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(HOSTILE_NAMES)),
    st.tuples(st.just("remove"), st.sampled_from(HOSTILE_NAMES)),
    st.tuples(st.just("count"), st.sets(st.sampled_from(HOSTILE_NAMES), min_size=1, max_size=3),
              st.integers(0, 4)),
)


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=1, max_size=12))
def test_every_count_is_the_rows_as_they_are_now_whatever_was_counted_before(library, steps):
    Author = current_catalog().get("authors").model
    for step in steps:
        if step[0] == "add":
            Author.objects.create(name=step[1], email=f"{next(SERIALS)}@example.com")
        elif step[0] == "remove":
            Author.objects.filter(pk__in=Author.objects.filter(name=step[1]).order_by("pk")[:1]).delete()
        else:
            names, limit = sorted(step[1]), step[2]
            rows = Author.objects.filter(name__in=names).count()
            expected = Count(rows, True) if rows <= limit else Count(limit + 1, False)
            assert bounded_count(Author.objects.filter(name__in=names), limit) == expected, (names, limit)
