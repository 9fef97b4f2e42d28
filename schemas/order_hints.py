"""
Serves a filtered list from its order's index when that is the cheaper plan.

A page of ``genre=poetry&ordering=-rank`` can be read two ways: from the
filter's index, every match then sorted, or down the order's index until a
page of matches has gone by. With ``m`` matches among ``n`` rows the first
costs about ``m`` rows and a sort, the second about ``n / m`` rows per row
of the page: the order's index wins once ``m * m > n * page_size``.
PostgreSQL weighs that itself. SQLite does not: its statistics, sampled to
keep ``ANALYZE`` cheap, put a common value at a thousand rows or so
whatever the table's size, and it reads the filter's index and sorts every
match (a page 20 times slower at 1,000,000 rows than at 10,000). So when the
count the page has just taken says the matches are that many, the equality
filters on other columns are written so that no index serves them (SQLite's
unary ``+``: the same value, and the same rows).

``m`` is the bounded count (a lower bound past the exact-count limit) and
``n`` the largest id, which is at least the rows; both err towards leaving
the planner alone. Both come from one statement, the list's count.
"""

from __future__ import annotations

from django.db import connections
from django.db.models.expressions import Col
from django.db.models.lookups import Exact
from django.db.models.sql.where import WhereNode

from datasources.dialects import dialect_for
from datasources.dialects.lookups import Unindexed

# Types stored as they are compared, so that a term no column affinity
# converts compares the same: not decimals, which SQLite is given as text.
PLAIN_TYPES = frozenset({"CharField", "TextField", "IntegerField", "BigIntegerField", "BooleanField",
                         "ForeignKey"})


def hinted_column(queryset, resource, terms: tuple[str, ...]) -> str | None:
    """The column of the order's index when the list could be steered to it, else None.

    ``terms`` is the list's order. Whether it is steered depends then on the
    count (``prefer_order_index``), which pagination takes together with the
    largest id this rule needs.
    """
    if not dialect_for(connections[queryset.db]).needs_order_hint:
        return None
    first = terms[0].lstrip("-") if terms else "id"
    if first == "id" or first not in _ordered_by_index(resource):
        return None  # the primary key serves id order with the filter's index
    order_column = queryset.model._meta.get_field(first).column
    return order_column if _has_equality(queryset.query.where, order_column) else None


def prefer_order_index(queryset, order_column: str, matches: int, largest_id: int, page_size: int):
    """``queryset`` with its equality filters kept from their indexes when the order's index is cheaper.

    ``matches`` is how many rows the filters let through (or a lower bound),
    ``largest_id`` the table's largest id (``largest_id_sql``).
    """
    if matches <= page_size or matches * matches <= largest_id * page_size:
        return queryset
    hinted = queryset.all()
    hinted.query.where = _unindexed(hinted.query.where, order_column)
    return hinted


def _ordered_by_index(resource) -> set[str]:
    """The fields whose indexes serve an order on them both ways (``fixture_tables.field_indexes``)."""
    return {field.name for field in resource.fields if field.indexed and field.field_type.indexable}


def largest_id_sql(model, connection) -> str:
    """A scalar subquery of the largest id, at least the table's rows, read from the primary key's index.

    Written by hand and sent inside the list's count: compiling the ORM's
    ``order_by("-pk").first()`` cost more than running it, and a statement
    of its own cost a round trip on every list this rule looks at.
    """
    quote = connection.ops.quote_name
    return f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"


def _has_equality(node, order_column: str) -> bool:
    if isinstance(node, WhereNode):
        return any(_has_equality(child, order_column) for child in node.children)
    return _hintable(node, order_column)


def _unindexed(node, order_column: str):
    if isinstance(node, WhereNode):
        children = [_unindexed(child, order_column) for child in node.children]
        return WhereNode(children, connector=node.connector, negated=node.negated)
    if _hintable(node, order_column):
        return Exact(Unindexed(node.lhs), node.rhs)
    return node


def _hintable(node, order_column: str) -> bool:
    """An equality on a plain column other than the order's and the primary key."""
    if not isinstance(node, Exact) or not isinstance(node.lhs, Col):
        return False
    target = node.lhs.target
    return (target.column != order_column and not target.primary_key
            and target.get_internal_type() in PLAIN_TYPES)
