"""
Serializer fields that accept exactly the values docs/semantics.md allows.

DRF's stock fields are lenient in ways the OpenAPI document does not allow:
``"5"`` for an integer, ``"yes"`` for a boolean, ``20240501`` for a date,
whitespace trimmed from text, and any JSON a parser returns. Some of those
values differ between engines once stored (a JSON ``-0.0``, an integer past
2^53 inside a JSON document) and some break an engine (a NUL in a JSON
string). These subclasses refuse what the contract refuses, with a message
that says why, and serve values in one canonical form whatever engine they
were read from.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC

from django.db.models import Manager
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from datasources.plain_sql import lookup_by_key

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# The integers every JSON parser reads exactly (I-JSON, RFC 7493).
JSON_SAFE_INTEGER = 2**53 - 1
JSON_MAX_DEPTH = 32

FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# [0-9], not \d: Python's \d also matches other scripts' digits, which the
# document's patterns (ECMA regular expressions) do not.
DATE_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATETIME_PATTERN = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
TIME_PATTERN = re.compile(r"^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$")
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
DECIMAL_PATTERN = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def is_number(value) -> bool:
    # bool is an int in Python, never a number in JSON.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class StrictTextMixin:
    """Text only: a number is not a string, and nothing is trimmed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictTextMixin, serializers.CharField):
    pass


class StrictEmailField(StrictTextMixin, serializers.EmailField):
    pass


class StrictURLField(StrictTextMixin, serializers.URLField):
    pass


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (``5`` or ``5.0``), never a string or a boolean."""

    def to_internal_value(self, data):
        if isinstance(data, float) and math.isfinite(data) and data.is_integer():
            data = int(data)
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    """A finite JSON number."""

    default_error_messages = {"not_finite": "NaN and infinite numbers are not allowed."}

    def to_internal_value(self, data):
        if not is_number(data):
            self.fail("invalid")
        try:
            value = float(data)
        except OverflowError:
            self.fail("overflow")
        if not math.isfinite(value):
            self.fail("not_finite")
        return super().to_internal_value(value)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictDecimalField(serializers.DecimalField):
    """A decimal as a string of digits (``"12.50"``), or a JSON number."""

    def validate_empty_values(self, data):
        # DRF reads "" (and "  ") as null for a nullable decimal; JSON has null for that.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data):
        if isinstance(data, str):
            if not DECIMAL_PATTERN.match(data):
                self.fail("invalid")
        elif is_number(data):
            # repr is the shortest text that reads back as the same double.
            data = repr(data) if isinstance(data, float) else str(data)
        else:
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value):
        if not isinstance(value, str) or not DATE_PATTERN.match(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictDateTimeField(serializers.DateTimeField):
    """RFC 3339 with an offset; an instant that UTC cannot write in years 1-9999 is refused."""

    default_error_messages = {"out_of_range": "The instant must fall within the years 0001 to 9999 in UTC."}

    def to_internal_value(self, value):
        if not isinstance(value, str) or not DATETIME_PATTERN.match(value):
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss[.ffffff]Z or ±hh:mm")
        try:
            parsed = parse_datetime(value.upper())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss[.ffffff]Z or ±hh:mm")
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            self.fail("out_of_range")
        return super().to_internal_value(parsed)

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("out_of_range")


class StrictTimeField(serializers.TimeField):
    def to_internal_value(self, value):
        if not isinstance(value, str) or not TIME_PATTERN.match(value):
            self.fail("invalid", format="hh:mm[:ss[.ffffff]]")
        return super().to_internal_value(value)


class StrictUUIDField(serializers.UUIDField):
    def to_internal_value(self, data):
        if not isinstance(data, str) or not UUID_PATTERN.match(data):
            self.fail("invalid", value=data)
        return uuid.UUID(data)


class MissingRow:
    """A well-formed id of a row that does not exist: a conflict with the data, not a bad value."""

    def __init__(self, pk: int):
        self.pk = pk


class PendingRow:
    """A well-formed id whose row the INSERT that writes it looks for (``ResourceSerializer.create``)."""

    def __init__(self, pk: int):
        self.pk = pk


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """The id of a row: a JSON integer within the 64-bit range.

    Whether the row exists is the data's state, which no document can say;
    a missing row comes back as ``MissingRow`` for the serializer to answer
    with a 409 once every value is known to be valid. Where the serializer
    looks for the row in the statement that writes the reference (its
    ``references_checked_on_insert``), the id comes back as ``PendingRow``.
    """

    default_error_messages = {"out_of_range": "Ids are whole numbers within the signed 64-bit range."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not INT64_MIN <= data <= INT64_MAX:
            self.fail("out_of_range")
        if self.field_name in getattr(self.parent, "references_checked_on_insert", ()):
            return PendingRow(data)
        return self.row_or_missing(data)

    def row_or_missing(self, pk: int):
        """The row whose id is ``pk``, or ``MissingRow``."""
        row = self._row(pk)
        return MissingRow(pk) if row is None else row

    @property
    def looks_up_plainly(self) -> bool:
        """True when the rows are the whole table, so ``lookup_by_key`` finds one as ``get()`` does."""
        return type(self.queryset) is Manager

    def _row(self, pk: int):
        if self.looks_up_plainly:
            # The lookup written once does what get() does, without compiling
            # a query for every write.
            return lookup_by_key(self.queryset.model).get(pk, using=self.queryset.db)
        queryset = self.get_queryset()
        try:
            return queryset.get(pk=pk)
        except queryset.model.DoesNotExist:
            return None


class CanonicalJSONField(serializers.JSONField):
    """Any JSON document within the limits, served in one canonical form."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        problem = json_problem(data)
        if problem:
            raise serializers.ValidationError(problem)
        return canonical_json(data)

    def to_representation(self, value):
        return canonical_json(value)


def json_problem(value) -> str | None:
    """Why ``value`` is not a JSON document fauxsite accepts, or None."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth >= JSON_MAX_DEPTH:
                return f"JSON documents may nest at most {JSON_MAX_DEPTH} levels deep."
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str) and FORBIDDEN_CHARACTERS.search(key):
                    return "Object keys must not contain NUL or lone surrogate characters."
                pending.append((child, depth + 1))
        elif isinstance(item, str):
            if FORBIDDEN_CHARACTERS.search(item):
                return "Strings must not contain NUL or lone surrogate characters."
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "NaN and infinite numbers are not allowed."
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > JSON_SAFE_INTEGER:
            return (
                f"Integers must lie within ±{JSON_SAFE_INTEGER}; send larger numbers as strings."
            )
    return None


def canonical_json(value):
    """Keys sorted by code point; numbers as docs/semantics.md says they are served.

    PostgreSQL's jsonb reorders keys and writes a double such as 1e300 as a
    301-digit integer; this form is the same whichever engine the value came from.
    """
    if isinstance(value, dict):
        return {key: canonical_json(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical_json(item) for item in value]
    if isinstance(value, float):
        return 0.0 if value == 0 else value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > JSON_SAFE_INTEGER:
        # Only a double written out in full gets here (fauxsite refuses such
        # integers), so it is read back as the double it was.
        try:
            return float(value)
        except OverflowError:
            return value
    return value
