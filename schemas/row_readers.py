"""
Readers of served values: what ``Serializer.to_representation`` does per field, built once.

A list serializes every field of every row; DRF's walk costs a source walk,
an exception handler and a ``PKOnlyObject`` per value. A reader is the same
answer with that work done once per schema and field selection, so a row
costs one read and one representation per field.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from operator import attrgetter, itemgetter

from rest_framework import serializers
from rest_framework.settings import api_settings

# Each served field's name and the function that reads its value from a row.
Readers = list[tuple[str, Callable]]


def row_reader(field, model, positions: dict[str, int] | None = None) -> Callable | None:
    """What ``Serializer.to_representation`` does for one field of a model row, minus the detour.

    DRF reads a value through ``get_attribute`` (a source walk, an exception
    handler, a ``PKOnlyObject`` for a reference) and then skips
    ``to_representation`` for None. The reader takes the model attribute
    straight, or with ``positions`` (``schemas.rows.column_positions``) the
    same value from a ``Row``, and calls the same ``to_representation``, so
    the output is the same. None for a field it cannot read that way: the
    row keeps DRF's path.
    """
    if len(field.source_attrs) != 1 or field.source == "*":
        return None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        if field.pk_field is not None or not field.use_pk_only_optimization():
            return None
        # The id column itself, which is what ``serializable_value`` reads.
        return _column_reader(model._meta.get_field(field.source).attname, positions)
    if type(field).get_attribute is not serializers.Field.get_attribute:
        return None
    read, represent = _column_reader(field.source, positions), _representation(field)
    if read is None:
        return None

    def reader(instance):
        value = read(instance)
        return None if value is None else represent(value)

    return reader


def _column_reader(name: str, positions: dict[str, int] | None) -> Callable | None:
    if positions is None:
        return attrgetter(name)
    return itemgetter(positions[name]) if name in positions else None


def _representation(field) -> Callable:
    """``field.to_representation``, or the same function with its per-call set-up done once."""
    if type(field).to_representation is serializers.DecimalField.to_representation:
        return _decimal_representation(field)
    return field.to_representation


def _decimal_representation(field) -> Callable:
    # DRF's DecimalField copies the decimal context and computes the
    # exponent on every value; both depend on the field alone.
    coerce_to_string = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce_to_string or field.localize or field.normalize_output or field.decimal_places is None:
        return field.to_representation
    exponent = decimal.Decimal(".1") ** field.decimal_places
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    rounding = field.rounding

    def represent(value) -> str:
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value).strip())
        return f"{value.quantize(exponent, rounding=rounding, context=context):f}"

    return represent
