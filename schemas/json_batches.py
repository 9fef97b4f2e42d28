"""
A batch of rows inserted into SQLite as one JSON text, unpacked by SQLite itself.

``executemany`` binds every value of every row from Python, about 2 µs a
row for four columns: as much as a seed's storing may cost in all.
``INSERT ... SELECT json_extract(value, '$[0]'), ... FROM json_each(%s)``
takes the whole batch as one orjson-encoded array of rows instead, and
SQLite unpacks it in C (0.5 µs a row less, measured on seeding's own rows).

Only columns whose JSON form stores exactly what the driver's binding
stores go this way: text, integers, booleans (JSON true is 1), dates (ISO
text, as Django's adapter writes them) and decimals (``str``, Django's
adapter). A table with another kind of column (floats, whose text form
SQLite parses itself; date-times; times; UUIDs; JSON) keeps
``executemany``, and so does a batch JSON cannot carry exactly: a NUL
character, or a value orjson refuses (``encoded`` returns None).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import orjson
from django.db import models

# Django's internal types whose values JSON carries to SQLite unchanged.
JSON_KINDS = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
    "DecimalField", "EmailField", "ForeignKey", "IntegerField", "PositiveBigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField",
    "URLField",
})
# How JSON escapes the character SQLite's text would stop at in some functions.
_ESCAPED_NUL = b"\\u0000"


def statement(table: str, columns: Sequence[str], model_fields: Iterable[models.Field]) -> str | None:
    """The INSERT that takes a batch as one JSON parameter; None when a column's type cannot go this way.

    ``table`` and ``columns`` are quoted already.
    """
    if not columns or any(field.get_internal_type() not in JSON_KINDS for field in model_fields):
        return None
    values = ", ".join(f"json_extract(value, '$[{position}]')" for position in range(len(columns)))
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM json_each(%s)"


def encoded(rows: Sequence[Sequence]) -> str | None:
    """``rows`` as one JSON array of arrays; None when JSON would not carry them exactly."""
    try:
        text = orjson.dumps(rows, default=_decimal)
    except orjson.JSONEncodeError:
        return None
    if _ESCAPED_NUL in text:
        return None
    return text.decode()


def _decimal(value):
    # Django registers str() as SQLite's adapter of Decimal: the same text.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError
