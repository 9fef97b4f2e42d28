"""
Query-string filtering, ordering and search for resources, on django-filter.

Each field gets the operators its type lists in the registry: ``price=5``,
``price__gte=5``, ``genre__in=a,b``, ``title__icontains=war`` and so on.
Everything is strict: a malformed value, an unknown ordering field or an
unknown parameter is a 400 naming it, never silently ignored.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django_filters.fields import BaseCSVField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError as APIValidationError

from schemas import field_types

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
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateTimeField: {"filter_class": django_filters.IsoDateTimeFilter},
        models.ForeignKey: {"filter_class": django_filters.NumberFilter},
    }

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if lookup_type == "in":
            filter_class = type(filter_class.__name__, (filter_class,), {"base_field_class": CappedCSVField})
        return filter_class, params


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
        named = frozenset(name for name in request.query_params if name in filterset_class.base_filters)
        if not named:
            return None
        narrowed = narrowed_filterset(filterset_class, named)
        return narrowed(**self.get_filterset_kwargs(request, queryset, view))


@lru_cache(maxsize=512)
def narrowed_filterset(filterset_class, names: frozenset[str]):
    narrowed = type(filterset_class.__name__, (filterset_class,), {})
    narrowed.base_filters = {name: filterset_class.base_filters[name] for name in names}
    return narrowed


class StrictOrderingFilter(drf_filters.OrderingFilter):
    """``ordering=-price,title``; an unknown field is a 400, not ignored."""

    ordering_description = "Comma-separated fields to sort by; prefix with '-' for descending."

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        terms = [term.strip() for term in params.split(",") if term.strip()]
        valid = {name for name, _label in self.get_valid_fields(queryset, view)}
        unknown = [term for term in terms if term.lstrip("-") not in valid]
        if unknown:
            raise APIValidationError(
                {self.ordering_param: [f"Cannot order by {', '.join(unknown)}; use one of the fields."]}
            )
        # The primary key last keeps pages stable when values repeat.
        return [*terms, "id"] if "id" not in {t.lstrip("-") for t in terms} else terms

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        # SQLite sorts nulls first and PostgreSQL last: saying where they go
        # keeps pages identical whichever database serves the schema.
        return queryset.order_by(*(_ordering_expression(term) for term in ordering))

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in view.ordering_fields]


class ResourceSearchFilter(drf_filters.SearchFilter):
    search_description = "Case-insensitive text search across the resource's text fields."


def _ordering_expression(term: str):
    if term.startswith("-"):
        return F(term[1:]).desc(nulls_last=True)
    return F(term).asc(nulls_first=True)
