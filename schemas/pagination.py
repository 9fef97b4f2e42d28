"""
Pagination of lists: page numbers, keyset cursors, and a count that stays cheap.

Every list answers ``{"count", "count_exact", "next", "previous", "results"}``.
The count is exact up to ``FAUXSITE_EXACT_COUNT_LIMIT`` rows: it is taken
over a subquery limited to one row more than that, so it never reads past
it, whatever the table's size. Where an engine counts a whole table without
reading its rows (SQLite), an unfiltered list asks instead whether a row
lies past the limit, and only if none does counts the table. Past it, ``count_exact`` is false and
``count`` is a lower bound (the limit plus one, or more when the page
served shows more rows exist). The same rows give the same answer on every
engine: nothing relies on an engine's estimate. A count that last found
more rows than the limit asks first for the row past it, which answers
without counting the rows before it; only when that row is gone are they
counted.

``page`` numbers pages from the start of the list, or with a ``cursor``
from the row the cursor names (``schemas.cursors``); a page past the end is
a 404 ("Invalid page."), found by fetching it when the count is not exact.
With a cursor, ``next`` and ``previous`` carry cursors, and a page costs the
same at any depth. Every combination of the documented parameters has a
meaning, so none is refused for the company it keeps.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from datasources.dialects import dialect_for
from schemas import cursors, order_hints
from schemas.rows import reads_one_table, reads_whole_table, where_of

PAGE_PARAMETER = "page"
PAGE_SIZE_PARAMETER = "page_size"
# Query parameters of a list that pagination reads, besides page and page_size.
LIST_PARAMETERS = (cursors.CURSOR_PARAMETER,)
# An offset past this reaches no row on any engine, and no engine takes a larger one.
LARGEST_OFFSET = 2**62
INVALID_PAGE = "Invalid page."


def exact_count_limit() -> int:
    """Rows counted exactly at most (``FAUXSITE_EXACT_COUNT_LIMIT``)."""
    return settings.FAUXSITE_EXACT_COUNT_LIMIT


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool
    # The table's largest id, when asked for with the count (``order_hints``).
    largest_id: int | None = field(default=None, compare=False)


def bounded_count(queryset, limit: int, *, with_largest_id: bool = False) -> Count:
    """The number of rows when at most ``limit``; otherwise "more than ``limit``".

    ``COUNT(*)`` over a subquery with ``LIMIT limit + 1``: no engine reads
    further than that. The statement is the one ``.count()`` of the limited
    query sends, written around the compiled subquery: ``.count()`` would
    clone and compile it once more inside its aggregation. A count of one
    table, whole or filtered by plain lookups, differs between requests only
    in its WHERE clause's parameters, so it is compiled once per model,
    database and WHERE clause, and only the WHERE clause per request.
    ``with_largest_id`` reads the table's largest id in the same statement.
    """
    connection = connections[queryset.db]
    whole_table = _whole_table(queryset)
    largest_id = None
    if whole_table and dialect_for(connection).counts_tables_without_reading_rows and not with_largest_id:
        counted = _count_whole_table(queryset, limit, connection)
    else:
        try:
            counted, largest_id = _count_rows(queryset, limit, with_largest_id, connection)
        except EmptyResultSet:  # a filter no row can match, such as an empty ``__in``
            counted, largest_id = 0, None
    if counted <= limit:
        return Count(counted, True, largest_id)
    return Count(limit + 1, False, largest_id)


def _whole_table(queryset) -> bool:
    return reads_whole_table(queryset.query, counting=True) and not queryset.query.is_sliced


def _count_whole_table(queryset, limit: int, connection) -> int:
    """Rows up to ``limit``, or ``limit + 1`` when more: a probe past the bound, then ``COUNT(*)``."""
    quote = connection.ops.quote_name
    table = quote(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} LIMIT 1 OFFSET %s", (limit,))
        if cursor.fetchone() is not None:
            return limit + 1
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def _count_rows(queryset, limit: int, with_largest_id: bool, connection) -> tuple[int, int | None]:
    """The rows up to ``limit + 1`` (no more when past the limit), and the largest id when asked for."""
    statements, params = _count_statement(queryset, limit, with_largest_id)
    remembered = _remembered_key(queryset.db, statements, params)
    if remembered is not None and remembered in _PAST_LIMIT:
        if _row_past_limit(connection, statements.past_limit, params):
            return limit + 1, None
        _PAST_LIMIT.pop(remembered, None)
    with connection.cursor() as cursor:
        cursor.execute(statements.count, params)
        counted, *largest = cursor.fetchone()
    if remembered is not None and counted > limit:
        _remember_past_limit(remembered)
    return counted, ((largest[0] or 0) if with_largest_id else None)


# Counts, as statement and parameters, that last found more rows than the
# limit. Paging through a long list counts the same rows on every page;
# asked first, the row past the limit answers "more than the limit" without
# counting the rows before it (a tenth of the count's work at the limit on
# PostgreSQL). When it is not there, the rows are counted as ever: the rows
# answer, never what is remembered.
_PAST_LIMIT: OrderedDict[tuple, None] = OrderedDict()
MAX_REMEMBERED_PAST_LIMIT = 256


def _remembered_key(alias: str, statements: _CountStatements, params: tuple) -> tuple | None:
    """The key of a count in ``_PAST_LIMIT``; None when the count cannot ask for the row past the limit."""
    if statements.past_limit is None:
        return None
    key = (alias, statements.count, params)
    try:
        hash(key)
    except TypeError:  # a parameter adapted for the driver, such as JSON
        return None
    return key


def _row_past_limit(connection, statement: str, params: tuple) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() is not None


def _remember_past_limit(key: tuple) -> None:
    if len(_PAST_LIMIT) >= MAX_REMEMBERED_PAST_LIMIT:
        with suppress(KeyError):  # another thread emptied it first
            _PAST_LIMIT.popitem(last=False)  # the oldest
    _PAST_LIMIT[key] = None


@dataclass(frozen=True)
class _CountStatements:
    """A count's statement, and the one that asks for a row past the limit (None when it has none)."""

    count: str
    past_limit: str | None = None


# Count statements per model (weakly: a catalog revision builds new ones),
# database, limit and WHERE clause; so many at most per model.
_COUNTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
MAX_COUNT_STATEMENTS = 64


def _count_statement(queryset, limit: int, with_largest_id: bool) -> tuple[_CountStatements, tuple]:
    query = queryset.query
    where = None
    if reads_one_table(query, counting=True) and not query.is_sliced:
        where = where_of(query, queryset.db)
    key = (queryset.db, limit, with_largest_id, where and where[0])
    if where is not None:
        statements = _COUNTS.get(queryset.model, {}).get(key)
        if statements is not None:
            return statements, where[1]
    counted = queryset.order_by().values_list("pk")[: limit + 1]
    subquery, params = counted.query.get_compiler(queryset.db).as_sql()
    columns = "COUNT(*)"
    if with_largest_id:
        columns += ", " + order_hints.largest_id_sql(queryset.model, connections[queryset.db])
    sql, params = f"SELECT {columns} FROM ({subquery}) subquery", tuple(params)
    if where is not None and _takes_only(sql, params, where):
        kept = _COUNTS.setdefault(queryset.model, {})
        if len(kept) < MAX_COUNT_STATEMENTS:
            # Compiled with the count, once: the largest id comes only with a count.
            past_limit = None if with_largest_id else _past_limit_statement(queryset, limit, where)
            kept[key] = _CountStatements(sql, past_limit)
            return kept[key], params
    return _CountStatements(sql), params


def _past_limit_statement(queryset, limit: int, where: tuple[str, tuple]) -> str | None:
    """The statement of the row past ``limit``, when it takes the WHERE clause's parameters alone."""
    past = queryset.order_by().values_list("pk")[limit : limit + 1]
    sql, params = past.query.get_compiler(queryset.db).as_sql()
    return sql if _takes_only(sql, tuple(params), where) else None


def _takes_only(sql: str, params: tuple, where: tuple[str, tuple]) -> bool:
    """True when the statement's parameters are the WHERE clause's alone, in the clause compiled alone."""
    return params == where[1] and (f" WHERE {where[0]}" in sql if where[0] else " WHERE " not in sql)


class ResourcePagination(BasePagination):
    page_query_param = PAGE_PARAMETER
    page_size_query_param = PAGE_SIZE_PARAMETER

    @property
    def page_size(self) -> int:
        return settings.FAUXSITE_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return settings.FAUXSITE_MAX_PAGE_SIZE

    # Serving a page ------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        number = self.get_page_number(request)
        raw_cursor = request.query_params.get(cursors.CURSOR_PARAMETER)
        cursor = None if raw_cursor is None else cursors.parse(raw_cursor)
        hinted_column = self._hinted_column(queryset, request, view)
        self.count = bounded_count(queryset, exact_count_limit(), with_largest_id=hinted_column is not None)
        if hinted_column is not None:
            queryset = order_hints.prefer_order_index(
                queryset, hinted_column, self.count.value, self.count.largest_id, size
            )
        if cursor is not None:
            page = _CursorPage(request, view, cursor)
            rows, self.next_link, self.previous_link = page.serve(queryset, number, size)
            return rows
        return self._numbered_page(queryset, number, size)

    def _numbered_page(self, queryset, number: int, size: int) -> list:
        offset = (number - 1) * size
        if self.count.exact:
            if number > 1 and offset >= self.count.value:
                raise NotFound(INVALID_PAGE)
            rows = list(queryset[offset : offset + size])
            has_next = offset + size < self.count.value
        else:
            # The end is not known: the page itself says whether it exists,
            # and one row more whether another follows.
            rows = _page_or_404(queryset, number, offset, size)
            has_next = len(rows) > size
            self.count = Count(max(self.count.value, offset + len(rows)), False)
            rows = rows[:size]
        url = self.request.build_absolute_uri()
        self.next_link = replace_query_param(url, self.page_query_param, number + 1) if has_next else None
        self.previous_link = _page_link(url, number - 1) if number > 1 else None
        return rows

    def _hinted_column(self, queryset, request, view) -> str | None:
        """The column of the order's index the page may be steered to, when the count shows it is cheaper."""
        from schemas.filters import StrictOrderingFilter

        if getattr(view, "resource", None) is None:
            return None
        terms = tuple(StrictOrderingFilter().get_ordering(request, None, view))
        return order_hints.hinted_column(queryset, view.resource, terms)

    def get_paginated_response(self, data):
        return Response({
            "count": self.count.value,
            "count_exact": self.count.exact,
            "next": self.next_link,
            "previous": self.previous_link,
            "results": data,
        })

    # Reading the query ----------------------------------------------------------

    def get_page_number(self, request) -> int:
        raw = request.query_params.get(self.page_query_param, "1")
        if not _positive_int(raw):
            raise ValidationError({self.page_query_param: ["Must be a whole number of 1 or more."]})
        return int(raw)

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _positive_int(raw):
            raise ValidationError(
                {self.page_size_query_param: ["Must be a whole number of 1 or more."]}
            )
        # Larger requests are served at the cap, as documented in the OpenAPI.
        return min(int(raw), self.max_page_size)

    # The OpenAPI document --------------------------------------------------------

    def get_schema_operation_parameters(self, view):
        from schemas.openapi import pagination_parameters

        return pagination_parameters(self.page_size, self.max_page_size)

    def get_paginated_response_schema(self, schema):
        from schemas.openapi import paginated_list_schema

        return paginated_list_schema(schema, exact_count_limit())


class _CursorPage:
    """A page of a list walked by key from the row a cursor names, with its links."""

    def __init__(self, request, view, cursor: cursors.Cursor):
        from schemas.filters import StrictOrderingFilter

        self.request, self.cursor = request, cursor
        self.resource = view.resource
        self.text_fields = self.resource.text_ordered_fields
        self.terms = tuple(StrictOrderingFilter().get_ordering(request, None, view))

    def serve(self, queryset, number: int, size: int) -> tuple[list, str | None, str | None]:
        cursor = self.cursor
        key = cursors.anchor_key(cursor, self.terms, queryset.model, self.resource.slug)
        offset = (number - 1) * size
        rows = _parts_page_or_404(self._parts(queryset, key), number, offset, size)
        more = len(rows) > size
        rows = rows[:size]
        if cursor.before:
            rows.reverse()
        # Forwards, rows follow when the page overflowed and came before it
        # when it starts after a row or a page in; backwards, the other way round.
        started = cursor.anchor is not None or number > 1
        has_next, has_previous = (started, more) if cursor.before else (more, started)
        return rows, *self._links(rows, has_next, has_previous)

    def _parts(self, queryset, key: tuple | None) -> list:
        """The rows past ``key`` in the walk's order, as parts read one after another."""
        walked = queryset.alias(**cursors.key_annotations(self.terms, self.text_fields))
        order = cursors.ordering(self.terms, self.text_fields, reverse=self.cursor.before)
        if key is None:
            return [walked.order_by(*order)]
        parts = cursors.past(key, self.terms, self.text_fields, before=self.cursor.before)
        return [walked.filter(part).order_by(*order) for part in parts]

    def _links(self, rows: list, has_next: bool, has_previous: bool) -> tuple[str | None, str | None]:
        if not rows:
            # Past either end of the list: the way back is the other end.
            if self.cursor.before:
                return (self._link(cursors.Cursor()) if has_next else None), None
            return None, (self._link(cursors.Cursor(before=True)) if has_previous else None)
        first, last = rows[0].pk, rows[-1].pk
        next_link = self._link(cursors.Cursor(last)) if has_next else None
        previous_link = self._link(cursors.Cursor(first, before=True)) if has_previous else None
        return next_link, previous_link

    def _link(self, cursor: cursors.Cursor) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), PAGE_PARAMETER)
        return replace_query_param(url, cursors.CURSOR_PARAMETER, str(cursor))


def _page_or_404(queryset, number: int, offset: int, size: int) -> list:
    """The page's rows and one more, to tell whether another follows; a 404 when it is past the end."""
    return _parts_page_or_404([queryset], number, offset, size)


def _parts_page_or_404(parts: list, number: int, offset: int, size: int) -> list:
    """``_page_or_404`` of the rows of ``parts`` read one after another, each in its own order.

    A part is read only when those before it do not fill the page, so a
    page served by the first costs one query.
    """
    if offset > LARGEST_OFFSET:
        raise NotFound(INVALID_PAGE)
    rows: list = []
    for part in parts:
        found = list(part[offset : offset + size + 1 - len(rows)])
        rows += found
        if len(rows) > size:
            break
        # The page goes on into the next part: from its start when this one
        # gave rows, or after what is left of the offset.
        offset = 0 if found or not offset else offset - part[:offset].count()
    if not rows and number > 1:
        raise NotFound(INVALID_PAGE)
    return rows


def _page_link(url: str, number: int) -> str:
    if number == 1:
        return remove_query_param(url, PAGE_PARAMETER)
    return replace_query_param(url, PAGE_PARAMETER, number)


def _positive_int(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and int(raw) >= 1
