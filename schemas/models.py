"""
The contract: schemas (API resources) and their typed fields.

These models only hold definitions. Saving or deleting one has no side
effect: every change goes through ``schemas.changes``, which validates it,
alters the fixtures table, records it as a ``SchemaChange`` and bumps the
catalog revision once, so each worker serves the new contract on its next
request.
"""

from __future__ import annotations

import keyword
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import connections, models, router
from django.db.models import F
from django.utils import timezone

from schemas import field_guards, field_types
from schemas.rates import validate_rate

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9_-]{0,62}$",
    "Use 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter.",
)
FIELD_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# Query parameters and attributes a field name would shadow.
RESERVED_FIELD_NAMES = frozenset(
    {"id", "pk", "page", "page_size", "cursor", "ordering", "search", "fields", "expand", "format"}
    | {name for name in dir(models.Model) if not name.startswith("_")}
    | {"objects", "DoesNotExist", "MultipleObjectsReturned"}
    | set(keyword.kwlist)
)


class CatalogRevision(models.Model):
    """A single counter bumped on every schema edit; workers compare it per request."""

    value = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = "catalog revision"

    def __str__(self) -> str:
        return f"catalog revision {self.value}"

    @classmethod
    def current(cls) -> int:
        # Read on every API request: a plain SQL statement costs a tenth of
        # what building the ORM query does.
        connection = connections[router.db_for_read(cls)]
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {table} WHERE id = 1")
            row = cursor.fetchone()
        if row is None:
            cls.objects.get_or_create(pk=1)
            return 1
        return row[0]

    @classmethod
    def bump(cls) -> int:
        """Move the revision on by one; only the change service calls this."""
        if not cls.objects.filter(pk=1).update(value=F("value") + 1):
            cls.objects.get_or_create(pk=1, defaults={"value": 2})
        return cls.objects.values_list("value", flat=True).get(pk=1)


class Source(models.TextChoices):
    FIXTURES = "fixtures", "Fixtures (seeded mock rows)"
    LIVE = "live", "Live database"


class Access(models.TextChoices):
    PUBLIC = "public", "Public reads, token for writes"
    TOKEN = "token", "Token for reads and writes"


class Schema(models.Model):
    slug = models.CharField(
        max_length=63,
        unique=True,
        validators=[SLUG_VALIDATOR],
        help_text="Served at /api/v1/&lt;slug&gt;/. Lowercase letters, digits, '-' and '_'.",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    locale = models.CharField(
        max_length=16,
        default="en_US",
        help_text="Faker locale for mock rows, such as en_US, fr_FR or ja_JP.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    # Where rows live: the seeded fixtures, or a table of a real database.
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FIXTURES)
    data_source = models.ForeignKey(
        "datasources.DataSource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schemas",
        help_text="The real database this schema maps onto when its source is live.",
    )
    table_name = models.CharField(
        max_length=63, blank=True, help_text="Live table; the slug (with '_' for '-') if empty."
    )
    table_schema = models.CharField(
        max_length=63, blank=True, help_text="PostgreSQL schema of the live table; public if empty."
    )
    pk_column = models.CharField(
        max_length=63, default="id", help_text="Primary-key column of the live table."
    )

    # Who may call it, and how often.
    access = models.CharField(max_length=10, choices=Access.choices, default=Access.PUBLIC)
    read_rate_limit = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text="Reads per client, such as 600/m; empty uses the default, 'off' has none.",
    )
    write_rate_limit = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text="Writes per client, such as 60/m; empty uses the default, 'off' has none.",
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        from faker.config import AVAILABLE_LOCALES

        if self.locale not in AVAILABLE_LOCALES:
            raise ValidationError({"locale": f"Faker has no locale {self.locale!r}; try en_US."})

    @property
    def api_path(self) -> str:
        return f"/api/v1/{self.slug}/"


class Field(models.Model):
    schema = models.ForeignKey(Schema, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(
        max_length=63,
        help_text="The name in the API: lowercase letters, digits and '_', starting with a letter.",
    )
    type = models.CharField(max_length=20, choices=field_types.type_choices)
    description = models.CharField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)

    required = models.BooleanField(default=True, help_text="Must be given on create.")
    nullable = models.BooleanField(default=False, help_text="Accepts null.")
    unique = models.BooleanField(default=False)
    read_only = models.BooleanField(default=False, help_text="Served but never written by clients.")
    default = models.JSONField(null=True, blank=True, help_text="JSON value used when none is given.")

    min_length = models.PositiveIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    min_value = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    max_value = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    max_digits = models.PositiveSmallIntegerField(null=True, blank=True)
    decimal_places = models.PositiveSmallIntegerField(null=True, blank=True)
    pattern = models.CharField(max_length=500, blank=True, help_text="Regular expression.")
    choices = models.JSONField(null=True, blank=True, help_text='Enum values, as ["a", "b"].')
    to = models.ForeignKey(
        Schema,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referenced_by",
        help_text="The schema a reference field points to.",
    )
    indexed = models.BooleanField(
        default=False,
        help_text="Index the column, for fast filters and ordering on large tables.",
    )
    faker = models.CharField(
        max_length=100,
        blank=True,
        help_text="Faker provider for mock rows; empty picks one from the type and name.",
    )
    db_column = models.CharField(
        max_length=63, blank=True, help_text="Column of the live table; the field name if empty."
    )

    # Options that only some types accept, with the value meaning "not set"
    # (declared once, in the field-type registry).
    TYPED_OPTIONS = {option.name: option.unset for option in field_types.TYPED_OPTIONS}

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["schema", "name"], name="unique_field_name_per_schema")
        ]

    def __str__(self) -> str:
        return f"{self.schema_id and self.schema.slug}.{self.name}"

    @property
    def allows_null(self) -> bool:
        # An optional field with no default is null when a client leaves it
        # out, so it is served (and documented) as nullable.
        return self.nullable or (not self.required and self.default is None)

    @property
    def field_type(self) -> field_types.FieldType:
        return field_types.get_type(self.type)

    def option_is_set(self, option: str) -> bool:
        attribute = "to_id" if option == "to" else option
        return getattr(self, attribute) != self.TYPED_OPTIONS[option]

    def clean(self) -> None:
        errors = self._name_errors()
        try:
            field_types.get_type(self.type)
        except field_types.UnknownFieldType as error:
            errors["type"] = str(error)
            raise ValidationError(errors) from None
        errors.update(self._option_errors())
        if not errors:
            errors.update(self._default_errors())
        if not errors:
            errors.update(self._live_column_errors())
        if errors:
            raise ValidationError(errors)

    def _name_errors(self) -> dict[str, str]:
        if not FIELD_NAME_PATTERN.match(self.name or ""):
            return {"name": "Use lowercase letters, digits and '_', starting with a letter."}
        if "__" in self.name:
            return {"name": "A double underscore is kept for filter operators."}
        if self.name in RESERVED_FIELD_NAMES:
            return {"name": f"{self.name!r} is reserved; choose another name."}
        return {}

    def _option_errors(self) -> dict[str, str]:
        field_type = self.field_type
        allowed = field_type.allowed_options()
        errors = {
            option: f"Does not apply to {self.type} fields."
            for option in self.TYPED_OPTIONS
            if option not in allowed and self.option_is_set(option)
        }
        errors.update(field_type.validate_options(self))
        if self.faker and not _faker_has(self.faker):
            errors["faker"] = f"Faker has no provider {self.faker!r}."
        return errors

    def _default_errors(self) -> dict[str, str]:
        if self.default is None:
            return {}
        return self.field_type.default_errors(self)

    def _live_column_errors(self) -> dict[str, str]:
        # Asked last, once the field is valid: a guard may connect to the live database.
        message = field_guards.refusal(self)
        if message is None:
            return {}
        return {"db_column" if self.db_column else "name": message}


class SchemaChange(models.Model):
    """One operation of the change service: what changed, with the definitions before and after."""

    time = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, help_text="create schema, edit schema, delete schemas, ...")
    schema_slugs = models.CharField(max_length=500, blank=True, db_index=True)
    summary = models.TextField(blank=True, help_text="What changed, one line per change.")
    # Each a list of schema definitions (as ``schemas.changes.definition`` writes them).
    before = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    revision = models.PositiveBigIntegerField(help_text="The catalog revision this change made.")
    actor_name = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.schema_slugs} (revision {self.revision})"


class ContractDocument(models.Model):
    """An OpenAPI document as ``/api/schema/?format=json`` serves it, once per content."""

    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the text.")
    text = models.TextField(help_text="The document as compact JSON.")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"contract {self.digest[:12]}"


class ContractRevision(models.Model):
    """The contract a catalog revision served; written by ``schemas.contracts`` only."""

    revision = models.PositiveBigIntegerField(unique=True)
    document = models.ForeignKey(ContractDocument, on_delete=models.PROTECT, related_name="revisions")
    # The change that made the revision; none for the revisions before history was kept.
    change = models.ForeignKey(
        SchemaChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="contracts"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-revision"]

    def __str__(self) -> str:
        return f"contract of revision {self.revision}"


class RetiredColumn(models.Model):
    """A fixtures column no field uses any more, kept while a worker may still read it."""

    table = models.CharField(max_length=63)
    column = models.CharField(max_length=63)
    # The retired field's definition, to rebuild the column if its table is remade.
    definition = models.JSONField(encoder=DjangoJSONEncoder)
    retired = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "column"], name="unique_retired_column")]

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"


def _faker_has(provider: str) -> bool:
    from faker import Faker

    return not provider.startswith("_") and callable(getattr(Faker(), provider, None))


def fixtures_alias() -> str:
    return settings.FIXTURES_ALIAS
