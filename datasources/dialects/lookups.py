"""
ORM lookups and expressions that carry fauxsite's text semantics to every engine.

Registered on the model fields of text types (``schemas.model_fields``), they
replace Django's engine-dependent ``contains``, ``startswith`` and
``icontains`` (LIKE, whose case rules differ between SQLite and PostgreSQL
and with the database's locale) with the dialect's SQL. ``CodePointOrder``
wraps an ordering term the same way.
"""

from __future__ import annotations

from django.db.models import Func, Lookup

from datasources.dialects import dialect_for


class _DialectLookup(Lookup):
    # Compared as they are: no LIKE, so no wildcard to escape.
    prepare_rhs = True

    def as_sql(self, compiler, connection):
        text, text_params = self.process_lhs(compiler, connection)
        value, value_params = self.process_rhs(compiler, connection)
        return self.dialect_sql(dialect_for(connection), text, value), [*text_params, *value_params]

    def dialect_sql(self, dialect, text: str, value: str) -> str:
        raise NotImplementedError


class CodePointContains(_DialectLookup):
    lookup_name = "contains"

    def dialect_sql(self, dialect, text, value):
        return dialect.contains(text, value)


class CodePointStartsWith(_DialectLookup):
    lookup_name = "startswith"

    def dialect_sql(self, dialect, text, value):
        return dialect.startswith(text, value)


class LowercaseContains(_DialectLookup):
    lookup_name = "icontains"

    def dialect_sql(self, dialect, text, value):
        return dialect.icontains(text, value)


TEXT_LOOKUPS = (CodePointContains, CodePointStartsWith, LowercaseContains)


class CodePointOrder(Func):
    """An ordering key that sorts text by code point on every engine."""

    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return dialect_for(connection).code_point_order(sql), params


class Unindexed(Func):
    """A column's value, as an expression the planner cannot serve from the column's index."""

    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return dialect_for(connection).unindexed(sql), params
