"""
The field-type registry: one class per type a schema field can have.

Each type knows which constraint options apply to it, how to build the Django
model field that stores it, which filter lookups it offers and which Faker
provider fills it by default. Adding a type is adding one class here and
registering it; nothing else in fauxsite changes.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core import validators
from django.db import models

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

    def allowed_options(self) -> frozenset[str]:
        return COMMON_OPTIONS | self.options

    def build_model_field(self, field: Field) -> models.Field:
        """The Django model field for ``field``, without the common options."""
        raise NotImplementedError

    def model_field(self, field: Field, *, column: str) -> models.Field:
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

    def default_faker(self, field_name: str) -> str:
        if self.uses_name_hints:
            from faker import Faker

            hinted = NAME_HINTS.get(field_name.lower())
            if hinted:
                return hinted
            if field_name in FAKER_PROVIDERS or hasattr(Faker(), field_name):
                return field_name
        return self.faker_provider

    def validate_options(self, field: Field) -> dict[str, str]:
        """Type-specific checks of the options' values; field name -> message."""
        return {}


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

    def build_model_field(self, field):
        return model_fields.TextCharField(
            max_length=field.max_length or self.default_max_length,
            validators=_length_validators(field),
        )

    def validate_options(self, field):
        return {**_check_length_range(field), **_check_pattern(field)}


class TextType(StringType):
    name, label = "text", "Text (long)"
    faker_provider = "paragraph"

    def build_model_field(self, field):
        return model_fields.TextTextField(max_length=field.max_length, validators=_length_validators(field))


class EmailType(FieldType):
    name, label = "email", "Email address"
    options = frozenset({"max_length"})
    lookups = TEXTUAL
    searchable = True
    orders_as_text = True
    faker_provider = "email"

    def build_model_field(self, field):
        return model_fields.TextEmailField(max_length=field.max_length or 254)


class URLType(FieldType):
    name, label = "url", "URL"
    options = frozenset({"max_length"})
    lookups = TEXTUAL
    searchable = True
    orders_as_text = True
    faker_provider = "url"

    def build_model_field(self, field):
        return model_fields.TextURLField(max_length=field.max_length or 500)


class IntegerType(FieldType):
    name, label = "integer", "Integer"
    options = frozenset({"min_value", "max_value"})
    lookups = ORDERED
    faker_provider = "pyint"

    def build_model_field(self, field):
        return models.BigIntegerField(validators=_value_validators(field, cast=int))

    def validate_options(self, field):
        errors = _check_value_range(field)
        for option in ("min_value", "max_value"):
            value = getattr(field, option)
            if value is not None and value != int(value):
                errors[option] = "Must be a whole number for an integer field."
        return errors


class DecimalType(FieldType):
    name, label = "decimal", "Decimal (exact)"
    options = frozenset({"max_digits", "decimal_places", "min_value", "max_value"})
    lookups = ORDERED
    faker_provider = "pydecimal"

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


class FloatType(FieldType):
    name, label = "float", "Float"
    options = frozenset({"min_value", "max_value"})
    lookups = ORDERED
    faker_provider = "pyfloat"

    def build_model_field(self, field):
        return models.FloatField(validators=_value_validators(field, cast=float))

    def validate_options(self, field):
        return _check_value_range(field)


class BooleanType(FieldType):
    name, label = "boolean", "Boolean"
    lookups = ("exact", "ne", "isnull")
    faker_provider = "pybool"

    def build_model_field(self, field):
        return models.BooleanField()


class DateType(FieldType):
    name, label = "date", "Date"
    lookups = ORDERED
    faker_provider = "date_object"

    def build_model_field(self, field):
        return models.DateField()


class DateTimeType(FieldType):
    name, label = "datetime", "Date and time"
    lookups = ORDERED
    faker_provider = "date_time_this_decade"

    def build_model_field(self, field):
        return models.DateTimeField()


class TimeType(FieldType):
    name, label = "time", "Time of day"
    lookups = ORDERED
    faker_provider = "time_object"

    def build_model_field(self, field):
        return models.TimeField()


class UUIDType(FieldType):
    name, label = "uuid", "UUID"
    faker_provider = "uuid4"

    def build_model_field(self, field):
        return models.UUIDField()


class EnumType(FieldType):
    name, label = "enum", "Enum (one of a list)"
    options = frozenset({"choices"})
    lookups = EQUALITY
    searchable = True
    orders_as_text = True
    faker_provider = "random_element"

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


class JSONType(FieldType):
    name, label = "json", "JSON document"
    lookups = ("isnull",)
    orderable = False
    faker_provider = "pydict"

    def build_model_field(self, field):
        return models.JSONField()


class ReferenceType(FieldType):
    name, label = "reference", "Reference (many-to-one)"
    options = frozenset({"to"})
    lookups = EQUALITY
    faker_provider = ""

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

    def validate_options(self, field):
        if field.to_id is None:
            return {"to": "A reference field must name the schema it points to."}
        return {}


REGISTRY: dict[str, FieldType] = {}


def register(field_type: FieldType) -> None:
    if field_type.name in REGISTRY:
        raise ValueError(f"Field type {field_type.name!r} is registered twice.")
    REGISTRY[field_type.name] = field_type


for _type in (
    StringType(), TextType(), IntegerType(), DecimalType(), FloatType(), BooleanType(),
    DateType(), DateTimeType(), TimeType(), EmailType(), URLType(), UUIDType(), EnumType(),
    JSONType(), ReferenceType(),
):
    register(_type)


def get_type(name: str) -> FieldType:
    return REGISTRY[name]


def type_choices() -> list[tuple[str, str]]:
    return [(field_type.name, field_type.label) for field_type in REGISTRY.values()]
