"""
Query-string filtering, ordering and search for resources, on django-filter.

Each field gets the operators its type lists in the registry: ``price=5``,
``price__gte=5``, ``genre__in=a,b``, ``title__icontains=war`` and so on.
Everything is strict: a malformed value, an unknown ordering field or an
unknown parameter is a 400 naming it, never silently ignored.
"""

from __future__ import annotations

import copy
from datetime import UTC
from functools import lru_cache
from typing import TYPE_CHECKING

import django_filters
import django_filters.constants
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F
from django.db.models.constants import LOOKUP_SEP
from django.db.models.sql.where import AND
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_datetime
from django_filters.fields import BaseCSVField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError as APIValidationError

from datasources.dialects.lookups import CodePointOrder
from schemas import field_types, values
from schemas.pagination import LIST_PARAMETERS

if TYPE_CHECKING:
    from schemas.catalog import Resource


class StrictBooleanField(forms.Field):
    TRUE, FALSE = {"true", "1"}, {"false", "0"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() in self.TRUE:
            return True
        if str(value).lower() in self.FALSE:
            return False
        raise ValidationError("Use true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class Int64Field(forms.IntegerField):
    """A whole number within the signed 64-bit range every engine stores."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", values.INT64_MIN)
        kwargs.setdefault("max_value", values.INT64_MAX)
        super().__init__(*args, **kwargs)


class DecimalTextField(forms.DecimalField):
    """A decimal written as in a body: digits and an optional point, no exponent."""

    def to_python(self, value):
        if value not in self.empty_values and not values.DECIMAL_PATTERN.match(str(value)):
            raise ValidationError("Enter a number such as 12.50.", code="invalid")
        return super().to_python(value)


class UTCDateTimeField(forms.DateTimeField):
    """An RFC 3339 instant, as in a body, converted to UTC.

    An offset reaches no database: PostgreSQL refuses offsets past ±15:59
    that Python and SQLite take, so the value is compared as UTC everywhere.
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(value.upper()) if values.DATETIME_PATTERN.match(value) else None
        except ValueError:  # well formed but impossible, such as 25:00
            parsed = None
        if parsed is None:
            raise ValidationError("Enter a date and time such as 2024-05-01T12:30:00Z.", code="invalid")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                "The instant must fall within the years 0001 to 9999 in UTC.", code="invalid"
            ) from None


@extend_schema_field(OpenApiTypes.DATETIME)
class UTCDateTimeFilter(django_filters.Filter):
    field_class = UTCDateTimeField


class _UncappedNumberFilter(django_filters.NumberFilter):
    # django-filter caps numbers at 1e50; the field's own range applies instead.
    def get_max_validator(self):
        return None


@extend_schema_field(OpenApiTypes.INT64)
class Int64Filter(_UncappedNumberFilter):
    field_class = Int64Field


@extend_schema_field(OpenApiTypes.DOUBLE)
class FiniteFloatFilter(_UncappedNumberFilter):
    # Django's FloatField refuses NaN and infinities.
    field_class = forms.FloatField


@extend_schema_field(OpenApiTypes.STR)
class DecimalFilter(_UncappedNumberFilter):
    field_class = DecimalTextField


class TextFilter(django_filters.CharFilter):
    """Text as sent: not stripped, and the empty string is a value to compare with."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strip", False)
        kwargs.setdefault("empty_value", "")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return self.get_method(qs)(**{f"{self.field_name}__{self.lookup_expr}": value})


class CappedCSVField(BaseCSVField):
    """Refuse ``__in`` lists longer than FAUXSITE_MAX_FILTER_VALUES."""

    def clean(self, value):
        values = super().clean(value)
        if values and len(values) > settings.FAUXSITE_MAX_FILTER_VALUES:
            raise ValidationError(
                f"At most {settings.FAUXSITE_MAX_FILTER_VALUES} values are allowed.",
                code="max_values",
            )
        return values


class ResourceFilterSet(django_filters.FilterSet):
    # A filter value is read like a body value (docs/semantics.md): within
    # the type's range and, for decimals, within the field's digits.
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateField: {"filter_class": django_filters.DateFilter, "extra": lambda f: {
            "input_formats": ["%Y-%m-%d"]}},
        models.DateTimeField: {"filter_class": UTCDateTimeFilter},
        models.BigAutoField: {"filter_class": Int64Filter},
        models.BigIntegerField: {"filter_class": Int64Filter},
        models.ForeignKey: {"filter_class": Int64Filter},
        models.FloatField: {"filter_class": FiniteFloatFilter},
        models.DecimalField: {"filter_class": DecimalFilter, "extra": lambda f: {
            "max_digits": f.max_digits, "decimal_places": f.decimal_places}},
        models.CharField: {"filter_class": TextFilter},
        models.TextField: {"filter_class": TextFilter},
    }

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if lookup_type == "in":
            filter_class = type(filter_class.__name__, (filter_class,), {"base_field_class": CappedCSVField})
        return filter_class, params


class PaginationParameter(django_filters.CharFilter):
    """A query parameter pagination reads (``cursor``), declared here so a list accepts it.

    A list accepts the parameters its filterset declares; this one filters
    nothing. ``schemas.pagination`` reads and documents it.
    """

    def filter(self, qs, value):
        return qs


def filter_name(field_name: str, lookup: str) -> str:
    return field_name if lookup == "exact" else f"{field_name}__{lookup}"


def build_filterset(resource: Resource) -> type[ResourceFilterSet]:
    declared = {}
    for field in resource.fields:
        model_field = resource.model._meta.get_field(field.name)
        for lookup in field_types.get_type(field.type).lookups:
            declared[filter_name(field.name, lookup)] = _filter(model_field, field.name, lookup)
    declared["id"] = _filter(resource.model._meta.pk, "id", "exact")
    declared["id__in"] = _filter(resource.model._meta.pk, "id", "in")
    for name in LIST_PARAMETERS:
        declared[name] = PaginationParameter(field_name=name)
    meta = type("Meta", (), {"model": resource.model, "fields": []})
    return type(f"{resource.slug}FilterSet", (ResourceFilterSet,), {**declared, "Meta": meta})


def _filter(model_field, name: str, lookup: str):
    if lookup == "isnull":
        # Built directly: on a JSONField django-filter reads "isnull" as a key.
        return StrictBooleanFilter(field_name=name, lookup_expr="isnull")
    if lookup == "ne":
        built = ResourceFilterSet.filter_for_field(model_field, name, "exact")
        built.exclude = True
        return built
    return ResourceFilterSet.filter_for_field(model_field, name, lookup)


class NamedFiltersBackend(DjangoFilterBackend):
    """Builds a filterset from only the filters a request names.

    A filterset copies every filter and builds a form field for each on
    every request, about half the cost of a read, even with no filter asked
    for. ``get_filterset_class`` is left alone: the OpenAPI document lists
    every filter from it.
    """

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        named = frozenset(
            name
            for name in request.query_params
            if name in filterset_class.base_filters and name not in LIST_PARAMETERS
        )
        if not named:
            return None
        narrowed = narrowed_filterset(filterset_class, named)
        return narrowed(**self.get_filterset_kwargs(request, queryset, view))


class NarrowedFilterSet:
    """A filterset of the few filters a request names, sharing them with other requests.

    django-filter deep-copies its filters and builds a form class on every
    request. These filters keep no state between requests (none has a
    ``method``, which is what reads ``parent``), so each narrowed class holds
    one set of them and one form class.

    Values are read by the form class's own field instances, shared too:
    cleaning a value changes no field. The form, which deep-copies its
    fields, is built only when a value is refused, so the 400 is the form's
    own, named and worded as ever.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = self._meta.model._default_manager.all() if queryset is None else queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters
        self._values = None

    def get_form_class(self):
        return self.form_class

    def is_valid(self):
        if self.is_bound:
            self._values = self._clean_values()
        return self._values is not None or super().is_valid()

    @property
    def qs(self):
        if self._values is None:  # not checked yet, or refused: the form's path
            return super().qs
        if not hasattr(self, "_qs"):
            queryset = self.queryset.all()
            # In the form's field order, as django-filter applies them.
            for name, value in self._values.items():
                plain = self.plain_lookups.get(name)
                if plain is not None and plain.takes(value):
                    plain.add_to(queryset.query, value)
                else:
                    queryset = self.filters[name].filter(queryset, value)
            self._qs = queryset
        return self._qs

    def _clean_values(self) -> dict | None:
        """Each named value as the form's field cleans it, or None once one is refused."""
        values = {}
        for name, field in self.form_class.base_fields.items():
            html_name = f"{self.form_prefix}-{name}" if self.form_prefix else name
            try:
                values[name] = field.clean(field.widget.value_from_datadict(self.data, _NO_FILES, html_name))
            except ValidationError:
                return None
        return values


# A filter reads no files; the form is given none either.
_NO_FILES = MultiValueDict()


class PlainLookup:
    """A filter that is one lookup on one column, added to a query as ``QuerySet.filter`` would.

    ``filter(price__gte=v)`` resolves the name, finds the column and wraps
    the lookup in a Q and nodes on every request, to add the same lookup
    object to the WHERE clause; here the column and lookup class are found
    once per narrowed filterset. Only a filter that is exactly that takes
    this path (``plain_lookup``), and only with a value Django would turn
    into that lookup (``takes``).
    """

    def __init__(self, model_field, lookup_class, skips_empty: bool, null_value=None):
        self.model_field = model_field
        self.lookup_class = lookup_class
        self.skips_empty = skips_empty
        self.null_value = null_value

    def takes(self, value) -> bool:
        # None becomes IS NULL in Django, a choice's null value IS NULL in
        # django-filter, and an empty value filters nothing there: all stay
        # on the filter's own path.
        if value is None or (self.null_value is not None and value == self.null_value):
            return False
        return not (self.skips_empty and value in django_filters.constants.EMPTY_VALUES)

    def add_to(self, query, value) -> None:
        column = self.model_field.get_col(query.get_initial_alias())
        query.where.add(self.lookup_class(column, value), AND)


def plain_lookup(model, named_filter) -> PlainLookup | None:
    """The filter as a ``PlainLookup``, or None when it is anything more than one lookup on a column."""
    if (
        named_filter.exclude
        or named_filter.distinct
        or named_filter.method is not None
        or named_filter.lookup_expr in ("isnull", "regex", "iregex")
        or LOOKUP_SEP in named_filter.lookup_expr
        or LOOKUP_SEP in named_filter.field_name
        or type(named_filter).filter not in _PLAIN_FILTER_METHODS
    ):
        return None
    try:
        model_field = model._meta.get_field(named_filter.field_name)
    except FieldDoesNotExist:
        return None
    if model_field.is_relation or not model_field.concrete or isinstance(model_field, models.JSONField):
        return None
    lookup_class = model_field.get_lookup(named_filter.lookup_expr)
    if lookup_class is None:
        return None
    null_value = named_filter.null_value if isinstance(named_filter, django_filters.ChoiceFilter) else None
    return PlainLookup(model_field, lookup_class, skips_empty=not isinstance(named_filter, TextFilter),
                       null_value=null_value)


# The ``filter`` methods that do no more than ``qs.filter(name__lookup=value)``
# for the values ``PlainLookup.takes``.
_PLAIN_FILTER_METHODS = (django_filters.Filter.filter, django_filters.ChoiceFilter.filter, TextFilter.filter)


@lru_cache(maxsize=512)
def narrowed_filterset(filterset_class, names: frozenset[str]):
    filters = {
        name: _needing_a_value(named_filter)
        for name, named_filter in filterset_class.base_filters.items()
        if name in names
    }
    for named_filter in filters.values():
        named_filter.model = filterset_class._meta.model
    narrowed = type(filterset_class.__name__, (NarrowedFilterSet, filterset_class), {})
    narrowed.base_filters = filters
    narrowed.plain_lookups = {
        name: plain
        for name, named_filter in filters.items()
        if (plain := plain_lookup(filterset_class._meta.model, named_filter)) is not None
    }
    form_fields = {name: named_filter.field for name, named_filter in filters.items()}
    narrowed.form_class = type(f"{filterset_class.__name__}Form", (filterset_class._meta.form,), form_fields)
    return narrowed


def _needing_a_value(named_filter):
    """A copy of a filter a request names, which must then carry a value.

    ``published=`` is a 400, not an unfiltered list. Text is the exception:
    there the empty string is a value (``title=`` finds empty titles). Only
    the copy is required; the OpenAPI document, built from the full
    filterset, keeps every filter optional.
    """
    # A copy even when not required: the narrowed filterset gives it its model.
    required = copy.deepcopy(named_filter)
    if not isinstance(named_filter, TextFilter) or named_filter.lookup_expr == "in":
        required.extra["required"] = True
    return required


class StrictOrderingFilter(drf_filters.OrderingFilter):
    """``ordering=-price,title``; an unknown field is a 400, not ignored."""

    ordering_description = "Comma-separated fields to sort by; prefix with '-' for descending."

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        terms = [term.strip() for term in params.split(",") if term.strip()]
        valid = {name for name, _label in self.get_valid_fields(queryset, view)}
        unknown = [term for term in terms if _field_of(term) not in valid]
        if unknown:
            raise APIValidationError(
                {self.ordering_param: [f"Cannot order by {', '.join(unknown)}; use one of the fields."]}
            )
        # The primary key last keeps pages stable when values repeat.
        return [*terms, "id"] if "id" not in {_field_of(t) for t in terms} else terms

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        text_fields = view.resource.text_ordered_fields
        return queryset.order_by(*(ordering_expression(term, text_fields) for term in ordering))

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in view.ordering_fields]


class ResourceSearchFilter(drf_filters.SearchFilter):
    search_description = (
        "Case-insensitive text search across the resource's text fields: every term (split on "
        "spaces and commas) must occur in one of them."
    )

    def filter_queryset(self, request, queryset, view):
        # No search asked for: DRF would still build and run a field to read "".
        if self.search_param not in request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except APIValidationError as error:
            # Named, like every other parameter's error.
            raise APIValidationError({self.search_param: error.detail}) from error


def _field_of(term: str) -> str:
    # Exactly one '-' means descending; "--price" names no field.
    return term[1:] if term.startswith("-") else term


@lru_cache(maxsize=1024)
def ordering_expression(term: str, text_fields: frozenset[str]):
    # One expression per term and text fields, shared by every query as a
    # model's Meta.ordering is: kept statements are looked up by the
    # query's order, which hashes as fast as its expressions' identities.
    name = _field_of(term)
    # Text sorts by code point on every engine, not by the database's locale.
    key = CodePointOrder(F(name)) if name in text_fields else F(name)
    if name == "id":
        # Never null; a plain key lets the primary-key index serve the order.
        return key.desc() if term.startswith("-") else key.asc()
    # SQLite sorts nulls first and PostgreSQL last: saying where they go
    # keeps pages identical whichever database serves the schema.
    if term.startswith("-"):
        return key.desc(nulls_last=True)
    return key.asc(nulls_first=True)
