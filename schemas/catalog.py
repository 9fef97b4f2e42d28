"""
The catalog: every schema built into a model, serializer and filterset.

Each worker keeps the catalogs of the last few revisions. A request reads the
global revision (one indexed query) and uses the catalog built for it, so an
edit in the admin reaches every worker on every host on its next request, with
no message bus. One private model registry per revision keeps references
between schemas right: any edit rebuilds them all, which costs milliseconds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import models

from core.requests import current_request
from schemas.builder import Storage, build_models, fixture_storage, live_storage
from schemas.models import CatalogRevision, Field, Schema, Source

KEEP_REVISIONS = 2


@dataclass
class Resource:
    """One schema as served: its definition and the classes built from it."""

    schema: Schema
    fields: list[Field]
    model: type[models.Model]
    catalog: Catalog = field(repr=False)
    # True for the twin served from the fixtures whatever the schema's source.
    fixtures: bool = False

    @property
    def slug(self) -> str:
        return self.schema.slug

    @property
    def is_live(self) -> bool:
        return self.model._fauxsite_alias != settings.FIXTURES_ALIAS

    @cached_property
    def serializer_class(self):
        from schemas.serializers import build_serializer

        return build_serializer(self)

    @cached_property
    def filterset_class(self):
        from schemas.filters import build_filterset

        return build_filterset(self)

    @cached_property
    def ordering_fields(self) -> list[str]:
        return ["id", *(f.name for f in self.fields if f.field_type.orderable)]

    @cached_property
    def text_ordered_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.field_type.orders_as_text)

    @cached_property
    def search_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.field_type.searchable]

    @cached_property
    def field_names(self) -> frozenset[str]:
        return frozenset(["id", *(f.name for f in self.fields)])

    @cached_property
    def reference_fields(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields if f.field_type.is_relation}

    def target(self, field_name: str) -> Resource:
        resources = self.catalog.fixture_by_id if self.fixtures else self.catalog.by_id
        return resources[self.reference_fields[field_name].to_id]

    def fixtures_twin(self) -> Resource:
        """This resource served from its fixtures, for QA after go-live."""
        return self.catalog.fixture_by_id[self.schema.pk]


class Catalog:
    def __init__(self, revision: int, schemas: list[Schema]):
        self.revision = revision
        pairs = [(schema, list(schema.fields.all())) for schema in schemas]
        self.by_id = self._resources(pairs, build_models(pairs, storage=serving_storage), False)
        if any(resource.is_live for resource in self.by_id.values()):
            self.fixture_by_id = self._resources(pairs, build_models(pairs), True)
        else:
            self.fixture_by_id = self.by_id
        self.by_slug = {resource.slug: resource for resource in self.by_id.values()}

    def _resources(self, pairs, built, fixtures: bool) -> dict[int, Resource]:
        return {
            schema.pk: Resource(schema, fields, built[schema.pk], self, fixtures)
            for schema, fields in pairs
        }

    def get(self, slug: str) -> Resource | None:
        return self.by_slug.get(slug)

    def __iter__(self):
        return iter(sorted(self.by_slug.values(), key=lambda resource: resource.slug))


def serving_storage(schema: Schema) -> Storage:
    """Where a schema's rows are served from: its live table or its fixtures."""
    if schema.source == Source.LIVE and schema.data_source is not None:
        from datasources.aliases import alias_for

        return live_storage(schema, alias_for(schema.data_source))
    return fixture_storage(schema)


_catalogs: OrderedDict[int, Catalog] = OrderedDict()
_lock = threading.Lock()


def current_catalog() -> Catalog:
    return catalog_at(CatalogRevision.current())


def bind_request_catalog(request, revision: int | None = None) -> Catalog:
    """The current catalog, kept on the (Django) request that is served from it.

    ``revision`` is the current revision when the caller has just read it.
    """
    catalog = current_catalog() if revision is None else catalog_at(revision)
    getattr(request, "_request", request).fauxsite_catalog = catalog
    return catalog


def serving_catalog() -> Catalog:
    """The catalog the current API request is served from, else the current one.

    An API request reads the revision once (``bind_request_catalog``); what it
    calls on the way, such as a token's scopes, must not read it again. Other
    requests (the admin) may change the catalog, so they always read it.
    """
    catalog = getattr(current_request(), "fauxsite_catalog", None)
    return catalog if catalog is not None else current_catalog()


def catalog_at(revision: int) -> Catalog:
    with _lock:
        catalog = _catalogs.get(revision)
        if catalog is None:
            schemas = Schema.objects.select_related("data_source").prefetch_related("fields")
            catalog = Catalog(revision, list(schemas))
            _catalogs[revision] = catalog
            while len(_catalogs) > KEEP_REVISIONS:
                _catalogs.popitem(last=False)
        return catalog


def forget_catalogs() -> None:
    """Drop every built catalog; tests that roll back revisions need this."""
    with _lock:
        _catalogs.clear()
