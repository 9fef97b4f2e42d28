"""
The field-type registry: one class per type a schema field can have.

A type owns everything fauxsite knows about it, and code elsewhere asks the
type instead of comparing type names:

- the contract: which options apply and how their values are checked, the
  Django model field (hence validation and serializer field), the filter
  lookups, searchability and ordering, whether it is a relation;
- mock data: the value source seeding draws from (``schemas.mock_values``)
  and the default Faker provider;
- OpenAPI: how its values and filter values are documented, through
  ``openapi_value`` and ``openapi_filter_value`` (``schemas.openapi`` provides
  the building blocks);
- storage: its column type per engine (what provisioning creates), the live
  column types it accepts and those it accepts with a warning, and the
  checks readiness runs on a live column and its rows (``golive.readiness``
  provides the checks; the type says which apply).

Adding a type is adding one class and registering it; ``registered`` adds
types for the length of a ``with`` block (tests use it, so no type leaks).
A name the registry does not know raises ``UnknownFieldType``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core import validators
from django.db import models

from schemas import mock_values as mock
from schemas import model_fields

if TYPE_CHECKING:
    from schemas.models import Field

# Options every type accepts; the rest are listed per type.
COMMON_OPTIONS = frozenset({"required", "nullable", "unique", "default", "read_only", "faker"})

# SQLite keeps 15 significant digits of a number exactly (it stores decimals as
# doubles), so that is the most a decimal field may have on any engine.
MAX_DECIMAL_DIGITS = 15
DEFAULT_DECIMAL_DIGITS = 12
DEFAULT_DECIMAL_PLACES = 2

TEXT_COLUMNS = ("varchar", "bpchar", "text", "citext")
INTEGER_COLUMNS = ("int2", "int4", "int8")
INT_WEAK = {
    "int2": "smallint holds less than the API's 64-bit integers; large values will fail",
    "int4": "integer holds less than the API's 64-bit integers; large values will fail",
}

EQUALITY = ("exact", "ne", "in", "isnull")
ORDERED = ("exact", "ne", "gt", "gte", "lt", "lte", "in", "isnull")
TEXTUAL = ("exact", "ne", "in", "contains", "icontains", "startswith", "isnull")

# Faker providers offered in the admin. Any other Faker method name is also
# accepted from schema files, as long as the installed Faker has it.
FAKER_PROVIDERS = (
    "address", "boolean", "city", "color_name", "company", "country", "country_code",
    "currency_code", "date", "date_of_birth", "date_time", "date_time_this_decade",
    "domain_name", "ean13", "email", "file_name", "first_name", "free_email", "iban",
    "image_url", "ipv4", "isbn13", "job", "language_name", "last_name", "latitude",
    "longitude", "name", "paragraph", "phone_number", "postcode", "pybool", "pydecimal",
    "pyfloat", "pyint", "pystr", "safe_email", "sentence", "slug", "state", "street_address",
    "text", "time", "url", "user_name", "uuid4", "word", "zipcode",
)

# Field names that suggest a provider better than the type's own default.
NAME_HINTS = {
    "title": "sentence",
    "description": "paragraph",
    "summary": "sentence",
    "body": "text",
    "content": "text",
    "username": "user_name",
    "login": "user_name",
    "phone": "phone_number",
    "mobile": "phone_number",
    "website": "url",
    "homepage": "url",
    "street": "street_address",
    "zip": "zipcode",
    "full_name": "name",
    "firstname": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "birthday": "date_of_birth",
    "birth_date": "date_of_birth",
    "lat": "latitude",
    "lng": "longitude",
    "lon": "longitude",
}


# Options ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """A constraint option some types accept, declared once for the model, admin and schema files.

    ``kind`` says how a schema file writes it (count, number, text, json,
    flag or schema, a slug naming another schema); ``unset`` is the model's
    value for "not given"; ``row`` groups options on one line of the admin
    form. ``about_values`` is false for an option that says how values are
    stored, not which are valid, so changing it keeps the stored column. Each
    is a column of ``Field`` too: a new option needs a migration, a new type
    that uses these options does not.
    """

    name: str
    kind: str
    row: str
    unset: Any = None
    about_values: bool = True


# In the order a schema file writes them.
TYPED_OPTIONS = (
    Option("min_length", "count", "length"),
    Option("max_length", "count", "length"),
    Option("min_value", "number", "value"),
    Option("max_value", "number", "value"),
    Option("max_digits", "count", "digits"),
    Option("decimal_places", "count", "digits"),
    Option("pattern", "text", "length", unset=""),
    Option("choices", "json", "choices"),
    Option("to", "schema", "to"),
    # An index on the fixtures column (and in provisioned live tables), for
    # filters and orderings on the field; no part of the API contract.
    Option("indexed", "flag", "index", unset=False, about_values=False),
)


def option_rows() -> list[tuple[str, ...]]:
    """The typed options grouped in rows, in order of first appearance (the admin's layout)."""
    rows: dict[str, list[str]] = {}
    for option in TYPED_OPTIONS:
        rows.setdefault(option.row, []).append(option.name)
    return [tuple(names) for names in rows.values()]


# Types ------------------------------------------------------------------------------


class UnknownFieldType(LookupError):
    """A type name the registry does not know; the message names the known ones."""

    def __init__(self, name: str):
        self.name = name
        known = ", ".join(REGISTRY) or "none"
        super().__init__(f"Unknown field type {name!r}; the types are {known}.")


class FieldType:
    """Base class: a type with no options beyond the common ones."""

    name: str = ""
    label: str = ""
    options: frozenset[str] = frozenset()
    lookups: tuple[str, ...] = EQUALITY
    searchable = False
    # Text sorts by code point on every engine (docs/semantics.md), which
    # takes the dialect's ordering key; other types sort natively.
    orders_as_text = False
    orderable = True
    faker_provider = "pystr"
    # Name-based Faker hints only make sense for free-form text types.
    uses_name_hints = False
    # A reference to a row of another schema (a foreign key): built, seeded,
    # expanded and documented as such.
    is_relation = False
    # Values are JSON documents, which PostgreSQL's COPY takes wrapped.
    stores_json = False
    # Whether an index helps the type's filters and ordering (the ``indexed`` option).
    indexable = True
    # Where mock values come from (``schemas.mock_values``).
    values_class: type[mock.Values] | None = None
    # Column type per engine vendor, with {max_length}, {max_digits} and
    # {decimal_places} filled from the field: what Django creates for the
    # model field, and what provisioning creates on a live PostgreSQL.
    column_types: dict[str, str] = {}
    # pg_type names a live column may have, and those accepted with a warning.
    live_types: tuple[str, ...] = ()
    weak_live_types: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def allowed_options(self) -> frozenset[str]:
        return COMMON_OPTIONS | self.options | ({"indexed"} if self.indexable else frozenset())

    # The model field

    def build_model_field(self, field: Field) -> models.Field:
        """The Django model field for ``field``, without the common options."""
        raise NotImplementedError

    def model_field(self, field: Field, *, column: str, target: str | None = None) -> models.Field:
        """The model field with the common options; ``target``: the referenced model, for relations."""
        model_field = self.build_model_field(field)
        model_field.null = field.allows_null
        model_field.blank = not field.required or field.allows_null
        model_field.unique = field.unique
        model_field.db_column = column
        model_field.help_text = field.description
        if field.default is not None:
            model_field.default = self.python_default(field)
        return model_field

    def python_default(self, field: Field) -> Any:
        return self.build_model_field(field).to_python(field.default)

    # Validation

    def validate_options(self, field: Field) -> dict[str, str]:
        """Type-specific checks of the options' values; field name -> message."""
        return {}

    def default_errors(self, field: Field) -> dict[str, str]:
        """Whether ``field.default`` is a valid value of the field; field name -> message."""
        from django.core.exceptions import ValidationError

        try:
            value = self.python_default(field)
            model_field = self.build_model_field(field)
            model_field.run_validators(value)
            if model_field.choices:
                model_field.validate(value, None)
        except ValidationError as error:
            return {"default": f"Not a valid {self.name} value: {'; '.join(error.messages)}"}
        return {}

    def serializer_kwargs(self, field: Field) -> dict[str, Any]:
        """Arguments of the serializer field beyond those every type gets."""
        return {}

    # Mock values

    def default_faker(self, field_name: str) -> str:
        if self.uses_name_hints:
            from faker import Faker

            hinted = NAME_HINTS.get(field_name.lower())
            if hinted:
                return hinted
            if field_name in FAKER_PROVIDERS or hasattr(Faker(), field_name):
                return field_name
        return self.faker_provider

    def mock_values(self, field: Field, model_field: models.Field,
                    context: mock.GenerationContext) -> mock.Values:
        """The source of ``field``'s mock values."""
        if self.values_class is None:
            raise TypeError(f"{self.name} fields get their mock values from seeding's reference columns.")
        return self.values_class(field, model_field, context)

    # Columns

    def column_type(self, field: Field, vendor: str) -> str:
        """The column type of ``field`` on an engine (``connection.vendor``)."""
        template = self.column_types[vendor]
        model_field = self.build_model_field(field)
        return template.format(
            max_length=getattr(model_field, "max_length", None),
            max_digits=getattr(model_field, "max_digits", None),
            decimal_places=getattr(model_field, "decimal_places", None),
        )

    # Readiness of a live column (golive.readiness gives the checks)

    def accepts_live_column(self, type_name: str, type_kind: str) -> bool:
        """Whether a live column of this PostgreSQL type (pg_type name and kind) can hold the values."""
        return type_name in self.live_types

    def check_live_column(self, check) -> None:
        """Checks of the column's declaration beyond its type: sizes, labels, targets."""

    def live_row_rules(self, check) -> list:
        """Rules on the stored values, as SQL conditions (``RowRule``) the check builds."""
        return []

    def live_value_scan(self, check):
        """A scan of the stored values in Python, for what SQL cannot decide; None when none."""
        return None

    # OpenAPI (schemas.openapi gives the schemas)

    def openapi_value(self, hints, direction: str) -> dict:
        """The schema of a value in a body, ``direction`` "request" or "response"."""
        return hints.mapped

    def openapi_filter_value(self, hints) -> dict | None:
        """The schema of a filter value; None keeps what drf-spectacular documents."""
        return None


def _length_validators(field: Field) -> list:
    found = []
    if field.min_length is not None:
        found.append(validators.MinLengthValidator(field.min_length))
    if field.pattern:
        found.append(validators.RegexValidator(field.pattern))
    return found


def plain_decimal(value: Decimal) -> Decimal:
    """``Decimal('5.5000000000')`` as ``5.5`` and ``0E-10`` as ``0``, for messages and docs."""
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _value_validators(field: Field, cast=plain_decimal) -> list:
    found = []
    if field.min_value is not None:
        found.append(validators.MinValueValidator(cast(field.min_value)))
    if field.max_value is not None:
        found.append(validators.MaxValueValidator(cast(field.max_value)))
    return found


def _check_length_range(field: Field) -> dict[str, str]:
    if None not in (field.min_length, field.max_length) and field.min_length > field.max_length:
        return {"min_length": "Must not exceed max_length."}
    return {}


def _check_value_range(field: Field) -> dict[str, str]:
    if None not in (field.min_value, field.max_value) and field.min_value > field.max_value:
        return {"min_value": "Must not exceed max_value."}
    return {}


def _check_pattern(field: Field) -> dict[str, str]:
    if field.pattern:
        try:
            re.compile(field.pattern)
        except re.error as error:
            return {"pattern": f"Not a valid regular expression: {error}."}
    return {}


class StringType(FieldType):
    name, label = "string", "String (short text)"
    options = frozenset({"min_length", "max_length", "pattern"})
    lookups = TEXTUAL
    searchable = True
    orders_as_text = True
    faker_provider = "word"
    uses_name_hints = True
    default_max_length = 255
    values_class = mock.StringValues
    column_types = {"postgresql": "varchar({max_length})", "sqlite": "varchar({max_length})"}
    live_types = TEXT_COLUMNS

    def build_model_field(self, field):
        return model_fields.TextCharField(
            max_length=field.max_length or self.default_max_length,
            validators=_length_validators(field),
        )

    def validate_options(self, field):
        return {**_check_length_range(field), **_check_pattern(field)}

    def serializer_kwargs(self, field):
        if field.read_only:
            return {}
        # An empty string is a value only for an optional field with no
        # pattern or minimum length to break.
        return {"allow_blank": not field.required and not field.pattern and not field.min_length}

    def check_live_column(self, check):
        check.text_length()

    def live_row_rules(self, check):
        return check.text_rules()

    def live_value_scan(self, check):
        return check.text_scan()

    def openapi_value(self, hints, direction):
        return hints.text()


class TextType(StringType):
    name, label = "text", "Text (long)"
    faker_provider = "paragraph"
    column_types = {"postgresql": "text", "sqlite": "text"}

    def build_model_field(self, field):
        return model_fields.TextTextField(max_length=field.max_length, validators=_length_validators(field))


class EmailType(FieldType):
    name, label = "email", "Email address"
    options = frozenset({"max_length"})
    lookups = TEXTUAL
    searchable = True
    orders_as_text = True
    faker_provider = "email"
    values_class = mock.EmailValues
    column_types = StringType.column_types
    live_types = TEXT_COLUMNS

    def build_model_field(self, field):
        return model_fields.TextEmailField(max_length=field.max_length or 254)

    def check_live_column(self, check):
        check.text_length()

    def live_row_rules(self, check):
        return check.text_rules()

    def live_value_scan(self, check):
        is_email = check.format_rule("values that are not email addresses", validators.validate_email)
        return check.text_scan(is_email)

    def openapi_value(self, hints, direction):
        return hints.email(direction)

    def openapi_filter_value(self, hints):
        return hints.non_empty_text()


class URLType(FieldType):
    name, label = "url", "URL"
    options = frozenset({"max_length"})
    lookups = TEXTUAL
    searchable = True
    orders_as_text = True
    faker_provider = "url"
    values_class = mock.URLValues
    column_types = StringType.column_types
    live_types = TEXT_COLUMNS

    def build_model_field(self, field):
        return model_fields.TextURLField(max_length=field.max_length or 500)

    def check_live_column(self, check):
        check.text_length()

    def live_row_rules(self, check):
        return check.text_rules()

    def live_value_scan(self, check):
        return check.text_scan(check.format_rule("values that are not URLs", validators.URLValidator()))

    def openapi_value(self, hints, direction):
        return hints.url(direction)

    def openapi_filter_value(self, hints):
        return hints.non_empty_text()


class IntegerType(FieldType):
    name, label = "integer", "Integer"
    options = frozenset({"min_value", "max_value"})
    lookups = ORDERED
    faker_provider = "pyint"
    values_class = mock.IntegerValues
    column_types = {"postgresql": "bigint", "sqlite": "bigint"}
    live_types = INTEGER_COLUMNS
    weak_live_types = INT_WEAK

    def build_model_field(self, field):
        return models.BigIntegerField(validators=_value_validators(field, cast=int))

    def validate_options(self, field):
        errors = _check_value_range(field)
        for option in ("min_value", "max_value"):
            value = getattr(field, option)
            if value is not None and value != int(value):
                errors[option] = "Must be a whole number for an integer field."
        return errors

    def live_row_rules(self, check):
        # int2, int4 and int8 (the only accepted types) cannot leave the 64-bit range.
        return check.range_rules(int)

    def openapi_value(self, hints, direction):
        return hints.integer()

    def openapi_filter_value(self, hints):
        return hints.int64()


class DecimalType(FieldType):
    name, label = "decimal", "Decimal (exact)"
    options = frozenset({"max_digits", "decimal_places", "min_value", "max_value"})
    lookups = ORDERED
    faker_provider = "pydecimal"
    values_class = mock.DecimalValues
    column_types = {"postgresql": "numeric({max_digits}, {decimal_places})", "sqlite": "decimal"}
    live_types = ("numeric",)

    def build_model_field(self, field):
        return models.DecimalField(
            max_digits=field.max_digits or DEFAULT_DECIMAL_DIGITS,
            decimal_places=DEFAULT_DECIMAL_PLACES if field.decimal_places is None else field.decimal_places,
            validators=_value_validators(field),
        )

    def validate_options(self, field):
        errors = _check_value_range(field)
        digits = field.max_digits or DEFAULT_DECIMAL_DIGITS
        places = DEFAULT_DECIMAL_PLACES if field.decimal_places is None else field.decimal_places
        if digits > MAX_DECIMAL_DIGITS:
            errors["max_digits"] = (
                f"At most {MAX_DECIMAL_DIGITS}, the digits every engine stores exactly."
            )
        if places > digits:
            errors["decimal_places"] = "Must not exceed max_digits."
        return errors

    def check_live_column(self, check):
        check.decimal_digits()

    def live_row_rules(self, check):
        return check.decimal_rules()

    def openapi_value(self, hints, direction):
        return hints.decimal(direction)

    def openapi_filter_value(self, hints):
        return hints.decimal_filter()


class FloatType(FieldType):
    name, label = "float", "Float"
    options = frozenset({"min_value", "max_value"})
    lookups = ORDERED
    faker_provider = "pyfloat"
    values_class = mock.FloatValues
    column_types = {"postgresql": "double precision", "sqlite": "real"}
    live_types = ("float8", "float4")
    weak_live_types = {"float4": "real keeps about 6 digits; values come back rounded"}

    def build_model_field(self, field):
        return models.FloatField(validators=_value_validators(field, cast=float))

    def validate_options(self, field):
        return _check_value_range(field)

    def live_row_rules(self, check):
        return check.float_rules()


class BooleanType(FieldType):
    name, label = "boolean", "Boolean"
    lookups = ("exact", "ne", "isnull")
    faker_provider = "pybool"
    values_class = mock.BooleanValues
    column_types = {"postgresql": "boolean", "sqlite": "bool"}
    live_types = ("bool",)

    def build_model_field(self, field):
        return models.BooleanField()


class DateType(FieldType):
    name, label = "date", "Date"
    lookups = ORDERED
    faker_provider = "date_object"
    values_class = mock.DateValues
    column_types = {"postgresql": "date", "sqlite": "date"}
    live_types = ("date",)

    def build_model_field(self, field):
        return models.DateField()

    def live_row_rules(self, check):
        return check.date_rules()


class DateTimeType(FieldType):
    name, label = "datetime", "Date and time"
    lookups = ORDERED
    faker_provider = "date_time_this_decade"
    values_class = mock.DateTimeValues
    column_types = {"postgresql": "timestamp with time zone", "sqlite": "datetime"}
    live_types = ("timestamptz", "timestamp")
    weak_live_types = {"timestamp": "timestamp without time zone; values are read and written as UTC"}

    def build_model_field(self, field):
        return models.DateTimeField()

    def live_row_rules(self, check):
        return check.date_rules()


class TimeType(FieldType):
    name, label = "time", "Time of day"
    lookups = ORDERED
    faker_provider = "time_object"
    values_class = mock.TimeValues
    column_types = {"postgresql": "time", "sqlite": "time"}
    live_types = ("time", "timetz")
    weak_live_types = {"timetz": "time with time zone; the offset is not part of the API's value"}

    def build_model_field(self, field):
        return models.TimeField()

    def live_row_rules(self, check):
        return check.time_rules()

    def openapi_value(self, hints, direction):
        return hints.time(direction)

    def openapi_filter_value(self, hints):
        return hints.time_filter()


class UUIDType(FieldType):
    name, label = "uuid", "UUID"
    faker_provider = "uuid4"
    values_class = mock.UUIDValues
    column_types = {"postgresql": "uuid", "sqlite": "char(32)"}
    live_types = ("uuid",)

    def build_model_field(self, field):
        return models.UUIDField()


class EnumType(FieldType):
    name, label = "enum", "Enum (one of a list)"
    options = frozenset({"choices"})
    lookups = EQUALITY
    searchable = True
    orders_as_text = True
    faker_provider = "random_element"
    values_class = mock.EnumValues
    column_types = StringType.column_types
    live_types = TEXT_COLUMNS

    def build_model_field(self, field):
        choices = [(value, value) for value in field.choices or []]
        longest = max((len(value) for value in field.choices or []), default=1)
        return model_fields.TextCharField(max_length=max(longest, 1), choices=choices)

    def validate_options(self, field):
        choices = field.choices
        if not choices:
            return {"choices": "An enum field needs at least one choice."}
        if not isinstance(choices, list) or not all(isinstance(c, str) and c for c in choices):
            return {"choices": "Choices must be a list of non-empty strings."}
        if len(set(choices)) != len(choices):
            return {"choices": "Choices must not repeat."}
        return {}

    def accepts_live_column(self, type_name, type_kind):
        # A PostgreSQL enum type holds the choices as its labels.
        return type_kind == "e" or super().accepts_live_column(type_name, type_kind)

    def check_live_column(self, check):
        check.text_length()
        check.enum_labels()

    def live_row_rules(self, check):
        return check.choice_rules()


class JSONType(FieldType):
    name, label = "json", "JSON document"
    lookups = ("isnull",)
    orderable = False
    indexable = False
    faker_provider = "pydict"
    stores_json = True
    values_class = mock.JSONValues
    column_types = {"postgresql": "jsonb", "sqlite": "text"}
    live_types = ("jsonb", "json")
    weak_live_types = {"json": "json instead of jsonb; consider jsonb"}

    def build_model_field(self, field):
        return models.JSONField()

    def live_value_scan(self, check):
        return check.json_scan()

    def openapi_value(self, hints, direction):
        return hints.json()


class ReferenceType(FieldType):
    name, label = "reference", "Reference (many-to-one)"
    options = frozenset({"to"})
    lookups = EQUALITY
    faker_provider = ""
    is_relation = True
    # Ids of the referenced rows: bigint like the ids themselves.
    column_types = {"postgresql": "bigint", "sqlite": "bigint"}
    live_types = INTEGER_COLUMNS

    def build_model_field(self, field):
        raise TypeError("Reference fields are built by the model builder, which knows the target.")

    def model_field(self, field, *, column, target=None):
        # PROTECT: a referenced row cannot be deleted from under its referrers.
        # No database constraint, so the same model works whatever database
        # each side lives in; the API checks references on write.
        return models.ForeignKey(
            target,
            on_delete=models.PROTECT,
            db_constraint=False,
            null=field.allows_null,
            blank=not field.required or field.allows_null,
            unique=field.unique,
            db_column=column,
            related_name="+",
            help_text=field.description,
        )

    def python_default(self, field):
        return field.default

    def default_errors(self, field):
        # Any id: whether the row exists is the data's business, not the definition's.
        return {}

    def validate_options(self, field):
        if field.to_id is None:
            return {"to": "A reference field must name the schema it points to."}
        return {}

    def column_type(self, field, vendor):
        return self.column_types[vendor]

    def check_live_column(self, check):
        check.reference_target()

    def openapi_value(self, hints, direction):
        return hints.row_id()

    def openapi_filter_value(self, hints):
        return hints.int64()


# The registry -----------------------------------------------------------------------


REGISTRY: dict[str, FieldType] = {}


def register(field_type: FieldType) -> None:
    if not field_type.name:
        raise ValueError(f"{type(field_type).__name__} has no name.")
    if field_type.name in REGISTRY:
        raise ValueError(f"Field type {field_type.name!r} is registered twice.")
    REGISTRY[field_type.name] = field_type


def unregister(name: str) -> None:
    """Forget a type; fields of that type are then refused with ``UnknownFieldType``."""
    if REGISTRY.pop(name, None) is None:
        raise UnknownFieldType(name)


@contextmanager
def registered(*field_types: FieldType) -> Iterator[None]:
    """``field_types`` registered inside the block, and gone after it, whatever happens."""
    added: list[str] = []
    try:
        for field_type in field_types:
            register(field_type)
            added.append(field_type.name)
        yield
    finally:
        for name in reversed(added):
            REGISTRY.pop(name, None)


for _type in (
    StringType(), TextType(), IntegerType(), DecimalType(), FloatType(), BooleanType(),
    DateType(), DateTimeType(), TimeType(), EmailType(), URLType(), UUIDType(), EnumType(),
    JSONType(), ReferenceType(),
):
    register(_type)


def get_type(name: str) -> FieldType:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownFieldType(name) from None


def type_choices() -> list[tuple[str, str]]:
    return [(field_type.name, field_type.label) for field_type in REGISTRY.values()]
