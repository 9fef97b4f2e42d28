"""
Readers of served values: what ``Serializer.to_representation`` does per field, built once.

A list serializes every field of every row; DRF's walk costs a source walk,
an exception handler and a ``PKOnlyObject`` per value. A reader is the same
answer with that work done once per schema and field selection, so a row
costs one read and one representation per field. Where the column's type
says what the value is (a text column's ``str``, a date column's ``date``),
the representation DRF would compute for that exact type is written once
here, and any other value still goes through the field's own.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Sequence
from operator import attrgetter, itemgetter
from typing import NamedTuple

from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

# Each served field's name and the function that reads its value from a row.
Readers = list[tuple[str, Callable]]
MAX_PLACES_WRITTEN_BY_STR = 6

# The fields whose ``to_representation`` returns a value of this exact type as it is.
_SERVED_AS_READ = {
    serializers.CharField.to_representation: str,
    serializers.IntegerField.to_representation: int,
    serializers.FloatField.to_representation: float,
    serializers.BooleanField.to_representation: bool,
}


class ValueRead(NamedTuple):
    """How one served value is read and represented: what a reader does, as data.

    ``column`` is a ``Row``'s position, or the getter of a model attribute.
    ``represent`` is None when the value is served as read (a reference's
    id); otherwise None is served as None, a value of exactly ``kind`` as it
    is (``convert`` None) or as ``convert(value)``, and any other value as
    ``represent(value)``.
    """

    column: int | Callable
    kind: type | None
    convert: Callable | None
    represent: Callable | None


def value_read(field, model, positions: dict[str, int] | None = None) -> ValueRead | None:
    """What ``Serializer.to_representation`` does for one field of a model row, minus the detour.

    DRF reads a value through ``get_attribute`` (a source walk, an exception
    handler, a ``PKOnlyObject`` for a reference) and then skips
    ``to_representation`` for None. The read takes the model attribute
    straight, or with ``positions`` (``schemas.rows.column_positions``) the
    same value from a ``Row``, and represents it as the field would, so
    the output is the same. None for a field it cannot read that way: the
    row keeps DRF's path.
    """
    if len(field.source_attrs) != 1 or field.source == "*":
        return None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        if field.pk_field is not None or not field.use_pk_only_optimization():
            return None
        # The id column itself, which is what ``serializable_value`` reads.
        column = _column(model._meta.get_field(field.source).attname, positions)
        return None if column is None else ValueRead(column, None, None, None)
    if type(field).get_attribute is not serializers.Field.get_attribute:
        return None
    column = _column(field.source, positions)
    if column is None:
        return None
    kind, convert = _exact_type_representation(field)
    return ValueRead(column, kind, convert, _representation(field))


def row_reader(field, model, positions: dict[str, int] | None = None) -> Callable | None:
    """``value_read`` as a function of a row (a model instance, or a ``Row`` with ``positions``)."""
    read = value_read(field, model, positions)
    return None if read is None else reader_of(read)


def reader_of(value: ValueRead) -> Callable:
    read = itemgetter(value.column) if isinstance(value.column, int) else value.column
    if value.represent is None:
        return read
    if value.kind is None:
        return _reader(read, value.represent)
    if value.convert is None:
        return _reader_of_served_type(read, value.kind, value.represent)
    return _reader_of_converted_type(read, value.kind, value.convert, value.represent)


def _reader(read: Callable, represent: Callable) -> Callable:
    def reader(instance):
        value = read(instance)
        return None if value is None else represent(value)

    return reader


def _reader_of_served_type(read: Callable, kind: type, represent: Callable) -> Callable:
    # A value of the column's exact type is served as it is: DRF's ``str(value)``
    # of a str, ``int(value)`` of an int... return the value itself.
    def reader(instance):
        value = read(instance)
        if type(value) is kind or value is None:
            return value
        return represent(value)

    return reader


def _reader_of_converted_type(read: Callable, kind: type, convert: Callable, represent: Callable) -> Callable:
    def reader(instance):
        value = read(instance)
        if type(value) is kind:
            return convert(value)
        return None if value is None else represent(value)

    return reader


def rows_function(names: Sequence[str], reads: Sequence[ValueRead]) -> Callable:
    """One function that serves a whole row as the readers of ``reads`` do, field by field.

    A dict built from one reader call per field costs a call, a closure and
    a loop step per value; this function reads every value inline, compiled
    once per schema and field selection. Its source holds only generated
    local names and column positions: the field names, types and
    representations are passed to it as values, never written into it.
    """
    body = []
    for i, read in enumerate(reads):
        if isinstance(read.column, int):
            body.append(f"v{i} = row[{int(read.column)}]")
        else:
            body.append(f"v{i} = column{i}(row)")
        if read.represent is None:
            continue
        if read.kind is None:
            body.append(f"if v{i} is not None: v{i} = represent{i}(v{i})")
        elif read.convert is None:
            body.append(f"if type(v{i}) is not kind{i} and v{i} is not None: v{i} = represent{i}(v{i})")
        else:
            body.append(f"if type(v{i}) is kind{i}: v{i} = convert{i}(v{i})")
            body.append(f"elif v{i} is not None: v{i} = represent{i}(v{i})")
    body.append("return {" + ", ".join(f"name{i}: v{i}" for i in range(len(reads))) + "}")
    # Bound as the arguments of a factory, so each is a closure cell read by one LOAD_DEREF.
    bound = {}
    for i, (name, read) in enumerate(zip(names, reads, strict=True)):
        bound.update({f"name{i}": name, f"column{i}": read.column, f"kind{i}": read.kind,
                      f"convert{i}": read.convert, f"represent{i}": read.represent})
    source = "\n".join([f"def make({', '.join(bound)}):", "    def serve_row(row):",
                        *(f"        {line}" for line in body), "    return serve_row\n"])
    namespace: dict = {"__builtins__": {"type": type}}
    exec(compile(source, "<served row>", "exec"), namespace)
    return namespace["make"](**bound)


def _column(name: str, positions: dict[str, int] | None) -> int | Callable | None:
    if positions is None:
        return attrgetter(name)
    return positions.get(name)


def _representation(field) -> Callable:
    """``field.to_representation``, or the same function with its per-call set-up done once."""
    if type(field).to_representation is serializers.DecimalField.to_representation:
        return _decimal_representation(field)
    return field.to_representation


def _exact_type_representation(field) -> tuple[type | None, Callable | None]:
    """The type of value ``field`` serves from its column, and its representation of exactly that type.

    ``(kind, None)`` when a value of exactly ``kind`` is served as it is,
    ``(kind, convert)`` when ``convert(value)`` is what ``to_representation``
    makes of it, and ``(None, None)`` when no type is known for the field. The
    output formats are the field's or DRF's settings when the reader is
    built, as for decimals.
    """
    method = type(field).to_representation
    if method in _SERVED_AS_READ:
        return _SERVED_AS_READ[method], None
    if method is serializers.ChoiceField.to_representation and all(isinstance(k, str) for k in field.choices):
        # ``choice_strings_to_values`` maps each str choice to itself; any other str is served as it is.
        return str, None
    if method is serializers.DateField.to_representation and _iso_format(field, api_settings.DATE_FORMAT):
        return datetime.date, datetime.date.isoformat
    if method is serializers.TimeField.to_representation and _iso_format(field, api_settings.TIME_FORMAT):
        return datetime.time, datetime.time.isoformat
    if method is serializers.UUIDField.to_representation and field.uuid_format == "hex_verbose":
        return uuid.UUID, str
    return None, None


def _iso_format(field, default: str | None) -> bool:
    output_format = getattr(field, "format", default)
    return output_format is not None and output_format.lower() == ISO_8601


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
    # A decimal quantized to at most this many places is written by str()
    # as by format(..., "f"), in a quarter of the time: str() turns to an
    # exponent only past six places after the point.
    write = str if field.decimal_places <= MAX_PLACES_WRITTEN_BY_STR else "{:f}".format

    def represent(value) -> str:
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value).strip())
        return write(value.quantize(exponent, rounding=rounding, context=context))

    return represent
