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

from schemas.builder import build_models
from schemas.models import CatalogRevision, Field, Schema

KEEP_REVISIONS = 2


@dataclass
class Resource:
    """One schema as served: its definition and the classes built from it."""

    schema: Schema
    fields: list[Field]
    model: type[models.Model]
    catalog: Catalog = field(repr=False)

    @property
    def slug(self) -> str:
        return self.schema.slug

    @cached_property
    def serializer_class(self):
        from schemas.serializers import build_serializer

        return build_serializer(self)

    @cached_property
    def filterset_class(self):
        from schemas.filters import build_filterset

        return build_filterset(self)

    @cached_property
    def reference_fields(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields if f.type == "reference"}

    def target(self, field_name: str) -> Resource:
        return self.catalog.by_id[self.reference_fields[field_name].to_id]


class Catalog:
    def __init__(self, revision: int, schemas: list[Schema]):
        self.revision = revision
        pairs = [(schema, list(schema.fields.all())) for schema in schemas]
        built = build_models(pairs, alias=storage_alias)
        self.by_id = {
            schema.pk: Resource(schema, fields, built[schema.pk], self) for schema, fields in pairs
        }
        self.by_slug = {resource.slug: resource for resource in self.by_id.values()}

    def get(self, slug: str) -> Resource | None:
        return self.by_slug.get(slug)

    def __iter__(self):
        return iter(sorted(self.by_slug.values(), key=lambda resource: resource.slug))


def storage_alias(schema: Schema) -> str:
    """The database alias a schema's rows live in."""
    return settings.FIXTURES_ALIAS


_catalogs: OrderedDict[int, Catalog] = OrderedDict()
_lock = threading.Lock()


def current_catalog() -> Catalog:
    return catalog_at(CatalogRevision.current())


def catalog_at(revision: int) -> Catalog:
    with _lock:
        catalog = _catalogs.get(revision)
        if catalog is None:
            catalog = Catalog(revision, list(Schema.objects.prefetch_related("fields")))
            _catalogs[revision] = catalog
            while len(_catalogs) > KEEP_REVISIONS:
                _catalogs.popitem(last=False)
        return catalog


def forget_catalogs() -> None:
    """Drop every built catalog; tests that roll back revisions need this."""
    with _lock:
        _catalogs.clear()
