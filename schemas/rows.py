"""
Rows read as tuples of column values, for serving reads without model instances.

A read serializes each row once; building a model instance for it (its
``__init__``, state and signals) costs about as much as serializing it.
``as_rows`` makes a queryset yield ``Row`` tuples of the model's concrete
field values instead, converted by the same database converters, so each
value is what the instance's attribute would hold. A row's ``pk`` is its
first value, as pagination reads it.
"""

from __future__ import annotations

from django.db.models.query import BaseIterable


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
        compiler = queryset.query.get_compiler(using=queryset.db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        # Extra and annotated columns around the model's: the same slice ModelIterable takes.
        columns = compiler.klass_info["select_fields"]
        start, end = columns[0], columns[-1] + 1
        whole = start == 0 and end == len(compiler.select)
        for row in compiler.results_iter(results):
            yield Row(row if whole else row[start:end])


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
