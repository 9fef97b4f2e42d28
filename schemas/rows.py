"""
Rows read as tuples of column values, for serving reads without model instances.

A read serializes each row once; building a model instance for it (its
``__init__``, state and signals) costs about as much as serializing it.
``as_rows`` makes a queryset yield ``Row`` tuples of the model's concrete
field values instead, converted by the same database converters, so each
value is what the instance's attribute would hold. A row's ``pk`` is its
first value, as pagination reads it.

``row_by_pk`` reads one row by its key with a statement Django compiled
once per model and connection: a retrieve's query differs only in the key.
A page of a table, whole or filtered on its own columns by plain lookups,
is read by a statement compiled once per order, slice and WHERE clause:
only the WHERE is compiled per request (``where_of``), which is what
differs, and its parameters are the statement's. Anything else (joins,
annotations, subqueries, expressions as values) takes the ORM's path.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models.expressions import Col, Func
from django.db.models.lookups import Lookup
from django.db.models.query import MAX_GET_RESULTS, BaseIterable
from django.db.models.sql.where import AND, OR, WhereNode

from datasources.plain_sql import convert_columns

# Keys past a 64-bit integer are left to the ORM, which answers them "no row".
LARGEST_KEY = 2**63 - 1
# Whole-table page statements kept per model: one per order and slice served.
MAX_PAGE_STATEMENTS = 64


class Row(tuple):
    """A row's values in the order of its model's concrete fields."""

    __slots__ = ()

    @property
    def pk(self):
        return self[0]


class RowIterable(BaseIterable):
    """``ModelIterable`` without the model: the model's columns of each row, as a ``Row``."""

    def __iter__(self):
        queryset = self.queryset
        if not self.chunked_fetch and reads_one_table(queryset.query):
            where = where_of(queryset.query, queryset.db)
            if where is not None:
                yield from _page_of_one_table(queryset, where)
                return
        compiler = queryset.query.get_compiler(using=queryset.db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        # Extra and annotated columns around the model's: the same slice ModelIterable takes.
        columns = compiler.klass_info["select_fields"]
        start, end = columns[0], columns[-1] + 1
        whole = start == 0 and end == len(compiler.select)
        for row in compiler.results_iter(results):
            yield Row(row if whole else row[start:end])


def reads_whole_table(query, *, counting: bool = False) -> bool:
    """True when ``query`` is its model's table as it is, ordered or sliced at most.

    Nothing filters, joins, annotates, groups or locks it: its statement
    depends only on the model, the order and the slice. With ``counting``,
    ``select_related`` is allowed: it only joins referenced rows in, and a
    count drops it.
    """
    return not query.where and reads_one_table(query, counting=counting)


def reads_one_table(query, *, counting: bool = False) -> bool:
    """``reads_whole_table`` but for the WHERE clause, which may filter it on anything."""
    return (
        len(query.alias_map) <= 1
        and not query.annotations
        and not query.extra
        and not query.extra_tables
        and not query.distinct
        and query.group_by is None
        and query.combinator is None
        and not query.select_for_update
        and (counting or not query.select_related)
        and not query.select
        and not query.values_select
        and query.deferred_loading == (frozenset(), True)
    )


# A query's WHERE clause as compiled alone: its SQL and parameters ("" and () without one).
Where = tuple[str, tuple]


def where_of(query, alias: str) -> Where | None:
    """The WHERE clause of a one-table ``query``, compiled alone; None when the ORM must compile it all.

    That is when it filters by anything but plain lookups on the table's
    columns (a subquery, an expression as a value), matches no row or every
    row (which the ORM writes its own way), or finds a column the statement
    does not select.
    """
    if not query.where:
        return "", ()
    if not _plain_condition(query.where):
        return None
    compiler = query.get_compiler(using=alias)
    try:
        sql, params = _compiled_node(query.where, compiler)
    except (EmptyResultSet, FullResultSet):
        return None
    return sql, tuple(params)


def _compiled_node(node, compiler) -> tuple[str, list]:
    """``compiler.compile(node)``, with each lookup compiled once however many queries hold it.

    A list's count and its page hold the same lookup objects (a queryset's
    clone copies its WHERE tree, not the lookups in it), so the page reuses
    what the count compiled. This is ``WhereNode.as_sql`` for AND and OR.
    """
    if not isinstance(node, WhereNode):
        return _compiled_lookup(node, compiler) if isinstance(node, Lookup) else compiler.compile(node)
    if node.connector not in (AND, OR):
        return compiler.compile(node)
    full_needed, empty_needed = (len(node.children), 1) if node.connector == AND else (1, len(node.children))
    result, result_params = [], []
    for child in node.children:
        try:
            sql, params = _compiled_node(child, compiler)
        except EmptyResultSet:
            empty_needed -= 1
        except FullResultSet:
            full_needed -= 1
        else:
            if sql:
                result.append(sql)
                result_params.extend(params)
            else:
                full_needed -= 1
        if empty_needed == 0:
            raise FullResultSet if node.negated else EmptyResultSet
        if full_needed == 0:
            raise EmptyResultSet if node.negated else FullResultSet
    sql = f" {node.connector} ".join(result)
    if not sql:
        raise FullResultSet
    if node.negated:
        sql = f"NOT ({sql})"
    elif len(result) > 1 or node.resolved:
        sql = f"({sql})"
    return sql, result_params


def _compiled_lookup(lookup, compiler) -> tuple[str, list]:
    # Kept on the lookup with the connection, left and right sides it was
    # compiled with: a copy that relabels or resolves them replaces them.
    kept = lookup.__dict__.get("_fauxsite_compiled")
    connection = compiler.connection
    if kept is not None and kept[0] == id(connection) and kept[1] is lookup.lhs and kept[2] is lookup.rhs:
        return kept[3], list(kept[4])
    sql, params = compiler.compile(lookup)
    lookup._fauxsite_compiled = (id(connection), lookup.lhs, lookup.rhs, sql, tuple(params))
    return sql, list(params)


def _plain_condition(node) -> bool:
    if isinstance(node, WhereNode):
        return all(_plain_condition(child) for child in node.children)
    if not isinstance(node, Lookup) or not _plain_column_expression(node.lhs):
        return False
    values = node.rhs if isinstance(node.rhs, (list, tuple, set, frozenset)) else (node.rhs,)
    return not any(hasattr(value, "resolve_expression") for value in values)


def _plain_column_expression(expression) -> bool:
    """A column, or functions of columns alone (a transform, ``Unindexed``)."""
    if isinstance(expression, Col):
        return True
    return isinstance(expression, Func) and all(
        _plain_column_expression(source) for source in expression.get_source_expressions()
    )


def _page_of_one_table(queryset, where: Where):
    """The rows of a page of one table, by a statement compiled once per order, slice and WHERE."""
    connection = connections[queryset.db]
    statement, params = _page_statement(queryset, connection, where)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        found = cursor.fetchall()
    for row in found:
        yield Row(statement.converted(row, connection))


def as_rows(queryset):
    """``queryset`` yielding ``Row`` tuples; it must select every concrete field and join nothing."""
    if queryset.query.select_related or queryset.query.deferred_loading != (frozenset(), True):
        raise ValueError("Rows are read from a plain queryset: no select_related, only() or defer().")
    rows = queryset.all()
    rows._iterable_class = RowIterable
    return rows


def column_positions(model) -> dict[str, int]:
    """Each concrete field's ``attname`` and its position in a ``Row`` of ``model``."""
    return {field.attname: position for position, field in enumerate(model._meta.concrete_fields)}


def row_by_pk(queryset, pk: int) -> Row | None:
    """The ``Row`` of ``queryset``'s model and database whose primary key is ``pk``, or None.

    The statement ``queryset.model.objects.get(pk=pk)`` sends, compiled once
    per model and connection, with the same converters applied.
    """
    if not 0 <= pk <= LARGEST_KEY:
        raise ValueError(f"{pk} is not a key a row can have.")
    connection = connections[queryset.db]
    statement = _key_statement(queryset.model, queryset.db, connection)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, (pk,))
        found = cursor.fetchone()
    return None if found is None else Row(statement.converted(found, connection))


class _Statement:
    """A query's SQL and parameters as compiled once, and the converters of its columns."""

    def __init__(self, query, alias: str):
        compiler = query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        self.params = tuple(params)
        columns = [column for column, _sql, _alias in compiler.select]
        self.converters = list(compiler.get_converters(columns).items())

    def takes_only(self, where: Where) -> bool:
        """True when the statement's parameters are ``where``'s alone, in the WHERE clause it compiled."""
        sql, params = where
        return bool(sql) and self.params == params and f" WHERE {sql}" in self.sql

    def converted(self, found: tuple, connection) -> tuple:
        if not self.converters:
            return found
        return tuple(convert_columns(list(found), self.converters, connection))


class _KeyStatement(_Statement):
    def __init__(self, model, alias: str):
        queryset = model._default_manager.using(alias).filter(pk=0).order_by()[:MAX_GET_RESULTS]
        super().__init__(queryset.query, alias)
        if self.params != (0,):
            raise ValueError(f"{model.__name__}'s key lookup takes {self.params!r}, not the key alone.")


def _page_statement(queryset, connection, where: Where) -> tuple[_Statement, tuple]:
    # Kept on the model like the key statements; a page differs by its order,
    # slice and WHERE clause, so only so many of them are kept (the first
    # pages and the most asked-for filters, in practice). A WHERE clause is
    # its SQL: the same SQL takes its parameters in the same places.
    query = queryset.query
    statements = _kept_on(queryset.model, "_fauxsite_page_statements")
    key = (queryset.db, id(connection), query.order_by, query.extra_order_by, query.default_ordering,
           query.standard_ordering, query.low_mark, query.high_mark, where[0])
    statement = statements.get(key)
    if statement is not None:
        return statement, where[1] if where[0] else statement.params
    statement = _Statement(query, queryset.db)
    if len(statements) < MAX_PAGE_STATEMENTS and (not where[0] or statement.takes_only(where)):
        statements[key] = statement
    return statement, statement.params


def _key_statement(model, alias: str, connection) -> _KeyStatement:
    # Kept on the model, so a catalog revision's statements go with its models;
    # per connection, whose operations the converters belong to.
    statements = _kept_on(model, "_fauxsite_key_statements")
    key = (alias, id(connection))
    if key not in statements:
        statements[key] = _KeyStatement(model, alias)
    return statements[key]


def _kept_on(model, name: str) -> dict:
    """A dict of statements kept on ``model`` itself, so they go with its catalog revision."""
    statements = model.__dict__.get(name)
    if statements is None:
        statements = {}
        setattr(model, name, statements)
    return statements
