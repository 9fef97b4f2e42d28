"""
Serializers built per schema from its runtime model.

``ModelSerializer`` turns the model fields' constraints into validation (and
drf-spectacular into OpenAPI: maxLength, minimum, enum, pattern). The base
class adds what a strict API needs: values are read by the strict fields of
``schemas.values`` (docs/semantics.md), unknown and read-only fields in a body
are refused by name, a unique value already taken is a 409 naming the field,
``fields=`` selects the fields served and ``expand=`` embeds referenced rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.db import models, router
from django.db.models import signals
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from datasources.plain_sql import insert_for
from schemas import values
from schemas.errors import Conflict
from schemas.row_readers import Readers, reader_of, rows_function, value_read
from schemas.rows import Row, column_positions

if TYPE_CHECKING:
    from schemas.catalog import Resource


STRICT_FIELDS = {
    models.BigIntegerField: values.StrictIntegerField,
    models.BigAutoField: values.StrictIntegerField,
    models.FloatField: values.StrictFloatField,
    models.DecimalField: values.StrictDecimalField,
    models.BooleanField: values.StrictBooleanField,
    models.CharField: values.StrictCharField,
    models.TextField: values.StrictCharField,
    models.EmailField: values.StrictEmailField,
    models.URLField: values.StrictURLField,
    models.DateField: values.StrictDateField,
    models.DateTimeField: values.StrictDateTimeField,
    models.TimeField: values.StrictTimeField,
    models.UUIDField: values.StrictUUIDField,
    models.JSONField: values.CanonicalJSONField,
}

# A selection's readers and the function serving a whole row, or Nones for DRF's walk.
BuiltReaders = tuple[Readers | None, Callable | None]
# Row readers are kept for this many ``fields=`` selections per schema.
MAX_CACHED_SELECTIONS = 64


class ResourceSerializer(serializers.ModelSerializer):
    resource: Resource
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, **STRICT_FIELDS}
    serializer_related_field = values.StrictPrimaryKeyRelatedField
    serializer_choice_field = values.StrictChoiceField

    def __init__(self, *args, only: frozenset[str] | None = None, expand=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._only = only
        self._expand = tuple(expand)

    def get_fields(self):
        prototypes = self._field_prototypes()
        names = prototypes if self._only is None else [name for name in prototypes if name in self._only]
        # A shallow copy each: binding gives the copy its own name and parent,
        # and these flat fields (no child fields) keep nothing else per use.
        return {name: _shallow_copy(prototypes[name]) for name in names}

    def _field_prototypes(self) -> dict:
        # ModelSerializer builds every field from the model on each use; the
        # class is built once per schema and catalog revision, so are these.
        cls = type(self)
        prototypes = cls.__dict__.get("_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()
            cls._prototypes = prototypes
        return prototypes

    def get_validators(self) -> list:
        # ModelSerializer derives these from the model's unique-together and
        # unique-for-date options and the fields on every validation; they
        # keep no state per use, and the class is built once per schema and
        # catalog revision. A write serializes every field (``only`` is None).
        if self._only is not None:
            return super().get_validators()
        cls = type(self)
        validators = cls.__dict__.get("_model_validators")
        if validators is None:
            validators = cls._model_validators = tuple(super().get_validators())
        return list(validators)

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {"non_field_errors": ["Expected a JSON object with the resource's fields."]}
            )
        errors = {name: ["Unknown field."] for name in data if name not in self.fields}
        errors.update(
            (name, ["This field is read-only."])
            for name in data
            if name in self.fields and self.fields[name].read_only and self._is_write(name, data)
        )
        known = {name: value for name, value in data.items() if name not in errors}
        try:
            value = super().to_internal_value(known)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **errors}) from error
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def build_field(self, field_name, info, model_class, nested_depth):
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        # A value taken is a conflict with the data, not a bad value: the
        # 409 comes from ``validate``, once every value is known to be valid.
        validators = [v for v in kwargs.get("validators", ()) if not isinstance(v, UniqueValidator)]
        if "validators" in kwargs:
            kwargs["validators"] = validators
        return field_class, kwargs

    def validate(self, attrs):
        # Valid values that conflict with the data: one 409 naming them all.
        # The rows of references left to the INSERT are looked for now when
        # a 409 is due anyway, or when a reference must be unique.
        if any(isinstance(attrs[name], values.PendingRow) for name in self._unique_names(attrs)):
            attrs = self._with_rows(attrs)
        taken = self._taken_values(attrs)
        if taken:
            attrs = self._with_rows(attrs)
        conflicts = {**self._missing_references(attrs), **taken}
        if conflicts:
            raise _conflict(conflicts)
        return attrs

    @property
    def references_checked_on_insert(self) -> frozenset[str]:
        """The references of a new row whose rows its INSERT looks for, rather than a lookup each.

        Those that point to a whole table on the database the row is written
        to; the others (a table on another database, such as a live source's)
        are looked up as each value is read.
        """
        if self.instance is not None:
            return frozenset()
        cls = type(self)
        names = cls.__dict__.get("_insert_checked")
        if names is None:
            alias = router.db_for_write(cls.Meta.model)
            names = cls._insert_checked = frozenset(
                name for name, field in self._field_prototypes().items()
                if isinstance(field, values.StrictPrimaryKeyRelatedField) and not field.read_only
                and field.looks_up_plainly and field.queryset.db == alias
            )
        return names

    def _with_rows(self, attrs) -> dict:
        """``attrs`` with each ``PendingRow`` looked up: its row, or ``MissingRow``."""
        fields = self.fields
        return {
            name: fields[name].row_or_missing(value.pk) if isinstance(value, values.PendingRow) else value
            for name, value in attrs.items()
        }

    def _missing_references(self, attrs) -> dict[str, list[str]]:
        return {
            name: [f"There is no {self.resource.target(name).slug} row with id {value.pk}."]
            for name, value in attrs.items()
            if isinstance(value, values.MissingRow)
        }

    def _taken_values(self, attrs) -> dict[str, list[str]]:
        return {
            name: ["A row with this value already exists."]
            for name in self._unique_names(attrs)
            if self._value_taken(name, attrs[name])
        }

    def _unique_names(self, attrs) -> list[str]:
        return [
            field.name for field in self.resource.fields
            if field.unique and attrs.get(field.name) is not None
            and not isinstance(attrs[field.name], values.MissingRow)
        ]

    def _value_taken(self, name: str, value) -> bool:
        rows = self.resource.model._default_manager.filter(**{name: value})
        if self.instance is not None:
            rows = rows.exclude(pk=self.instance.pk)
        return rows.exists()

    def _is_write(self, name: str, data: Mapping) -> bool:
        # Sending back a read-only value unchanged (GET, edit, PUT) is not a
        # write; changing it is.
        if self.instance is None:
            return True
        field = self.fields[name]
        current = field.get_attribute(self.instance)
        return data[name] != (None if current is None else field.to_representation(current))

    def create(self, validated_data):
        model = self.Meta.model
        if not _inserts_plainly(model, validated_data):
            return super().create(self._rows_or_conflict(validated_data))
        # What ``Model.objects.create()`` does, in an INSERT written once per
        # model (save() compiles its statement again for every row), which
        # inserts nothing when a pending reference's row is missing.
        pending = tuple(name for name, value in validated_data.items()
                        if isinstance(value, values.PendingRow))
        created = insert_for(model).save(model(**_with_ids(model, validated_data)), checked=pending)
        if created is None:
            # The same lookups as validation name the missing rows; if they
            # have all come since, the row is inserted with them.
            created = insert_for(model).save(model(**self._rows_or_conflict(validated_data)))
        return created

    def _rows_or_conflict(self, validated_data) -> dict:
        data = self._with_rows(validated_data)
        missing = self._missing_references(data)
        if missing:
            raise _conflict(missing)
        return data

    def update(self, instance, validated_data):
        if not self.partial:
            # PUT replaces the whole row: what the body leaves out goes back
            # to its default (or null), as on create.
            for field in self.fields.values():
                if not field.read_only and field.source not in validated_data:
                    model_field = instance._meta.get_field(field.source)
                    validated_data[field.source] = model_field.get_default()
        return super().update(instance, validated_data)

    def to_representation(self, instance):
        if isinstance(instance, Row):
            serve = self.row_function_for(self._only, rows=True)
        else:
            serve = self._row_function if isinstance(instance, models.Model) else None
        data = super().to_representation(instance) if serve is None else serve(instance)
        for name in self._expand:
            if name in data:
                related = getattr(instance, name)
                data[name] = None if related is None else self._expanded(name).to_representation(related)
        return data

    @property
    def _row_function(self) -> Callable | None:
        return type(self).row_function_for(self._only)

    @classmethod
    def readers_for(cls, only: frozenset[str] | None, *, rows: bool = False) -> Readers | None:
        """The readers of the fields ``only`` selects (all when None), or None for DRF's walk.

        They read model instances, or with ``rows`` ``schemas.rows.Row``
        tuples. Built once per class and selection, so once per schema and
        catalog revision: a request neither copies the fields nor builds
        readers. Each row then costs one read and one ``to_representation``
        per field.
        """
        return cls._built_readers(only, rows)[0]

    @classmethod
    def row_function_for(cls, only: frozenset[str] | None, *, rows: bool = False) -> Callable | None:
        """``readers_for``'s readers as one function that serves a whole row (``rows_function``)."""
        return cls._built_readers(only, rows)[1]

    @classmethod
    def _built_readers(cls, only: frozenset[str] | None, rows: bool) -> BuiltReaders:
        built = cls.__dict__.get("_readers_by_selection")
        if built is None:
            built = cls._readers_by_selection = {}
        key = (only, rows)
        if key in built:
            return built[key]
        # Bound to a serializer of their own, without a request's context:
        # none of these fields reads it to represent a value.
        model = cls.Meta.model
        positions = column_positions(model) if rows else None
        fields = cls(only=only)._readable_fields
        reads = [(field.field_name, value_read(field, model, positions)) for field in fields]
        if any(read is None for _name, read in reads):
            readers = (None, None)
        else:
            readers = ([(name, reader_of(read)) for name, read in reads],
                       rows_function([name for name, _read in reads], [read for _name, read in reads]))
        if len(built) < MAX_CACHED_SELECTIONS:
            built[key] = readers
        return readers

    def _expanded(self, name: str) -> ResourceSerializer:
        # One serializer per expanded field and page, not one per row.
        expanded = self.__dict__.setdefault("_expanded_serializers", {})
        if name not in expanded:
            expanded[name] = self.resource.target(name).serializer_class(context=self.context)
        return expanded[name]


class ResourceListSerializer(serializers.ListSerializer):
    """A page served by its rows' function, looked up once per page rather than once per row."""

    def to_representation(self, data):
        child = self.child
        serve = None if child._expand else child.row_function_for(child._only, rows=True)
        if serve is None or isinstance(data, models.manager.BaseManager):
            return super().to_representation(data)
        return [serve(item) if type(item) is Row else child.to_representation(item) for item in data]


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    """What ``copy.copy`` makes of a field, without its trip through ``__reduce_ex__``.

    A field defines no ``__copy__`` or ``__reduce__``: ``copy.copy`` calls
    the class's ``__new__`` without arguments and copies the instance's dict.
    """
    copied = type(field).__new__(type(field))
    copied.__dict__.update(field.__dict__)
    return copied


def _conflict(conflicts: dict[str, list[str]]) -> Conflict:
    return Conflict(f"The request conflicts with existing data: {', '.join(conflicts)}.", errors=conflicts)


def _with_ids(model, data) -> dict:
    """``data`` with each ``PendingRow`` as its id, under the foreign key's attribute (``author_id``)."""
    ids = {}
    for name, value in data.items():
        if isinstance(value, values.PendingRow):
            ids[model._meta.get_field(name).attname] = value.pk
        else:
            ids[name] = value
    return ids


def _inserts_plainly(model, validated_data) -> bool:
    """True when saving a new ``model`` row is one INSERT that the database numbers, and nothing else.

    Nothing else means no many-to-many value set after it, no parent
    table, and no ``pre_save``/``post_save`` receiver, which ``PlainInsert`` would not call.
    """
    meta = model._meta
    return (
        meta.pk is meta.auto_field
        and meta.pk.attname not in validated_data
        and meta.pk.name not in validated_data
        and not meta.many_to_many
        and not meta.parents
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
    )


def build_serializer(resource: Resource) -> type[ResourceSerializer]:
    meta = type(
        "Meta",
        (),
        {
            "model": resource.model,
            "fields": ["id", *(field.name for field in resource.fields)],
            "extra_kwargs": {field.name: _field_kwargs(field) for field in resource.fields},
            "list_serializer_class": ResourceListSerializer,
        },
    )
    # The class name becomes the OpenAPI component name, so it must be unique
    # per schema and stable across rebuilds.
    return type(
        _component_name(resource.slug),
        (ResourceSerializer,),
        {"Meta": meta, "resource": resource, "__module__": "schemas.dynamic"},
    )


def _field_kwargs(field) -> dict:
    kwargs = {"allow_null": field.allows_null}
    if field.read_only:
        kwargs["read_only"] = True
    else:
        kwargs["required"] = field.required and field.default is None
    kwargs.update(field.field_type.serializer_kwargs(field))
    if field.description:
        kwargs["help_text"] = field.description
    return kwargs


def _component_name(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.replace("-", "_").split("_"))
