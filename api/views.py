"""
The one generic viewset behind ``/api/v1/<slug>/`` and ``/api/v1/<slug>/<pk>/``.

It resolves the slug to a resource of the current catalog, then behaves as a
plain DRF ``ModelViewSet`` over that resource's runtime model, through DRF's
own hooks (``get_queryset``, ``get_serializer_class``...).
"""

from __future__ import annotations

from django.http import Http404
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from access.bearer import read_revision_with_token
from access.policy import FIXTURES_SCOPE, may_access, may_choose_fixtures
from datasources.access import refuse_writes_to_read_only
from schemas.catalog import Resource, bind_request_catalog
from schemas.filters import NamedFiltersBackend, ResourceSearchFilter, StrictOrderingFilter
from schemas.models import Source
from schemas.pagination import ResourcePagination
from schemas.rows import LARGEST_KEY, as_rows, row_by_pk
from schemas.signals import resource_written

SOURCE_HEADER = "X-Fauxsite-Source"
# Read from the WSGI environ: ``request.headers`` would copy every header to find it.
SOURCE_HEADER_KEY = "HTTP_X_FAUXSITE_SOURCE"
CONTROL_PARAMETERS = frozenset(
    {"page", "page_size", "ordering", "search", "fields", "expand", "format"}
)
# The query parameters a retrieve read by its key alone may carry.
KEY_ONLY_PARAMETERS = frozenset({"fields", "format"})


class ResourceViewSet(viewsets.ModelViewSet):
    pagination_class = ResourcePagination
    filter_backends = [NamedFiltersBackend, StrictOrderingFilter, ResourceSearchFilter]
    lookup_value_regex = r"[0-9]+"
    # Set per request (or per documented schema) by ``bind``.
    resource: Resource

    def initial(self, request, *args, **kwargs):
        # Bound first: authentication, permissions and throttles read it. A
        # bearer token is looked up in the statement that reads the revision.
        revision = read_revision_with_token(request)
        self.bind(bind_request_catalog(request, revision).get(self.kwargs["slug"]))
        super().initial(request, *args, **kwargs)
        self._check_expanded_access(request)
        self._choose_source(request)
        refuse_writes_to_read_only(self, request)
        self._check_query_parameters()

    def bind(self, resource: Resource | None) -> None:
        if resource is None:
            raise NotFound(f"There is no resource called {self.kwargs['slug']!r}.")
        self.resource = resource

    def _check_expanded_access(self, request) -> None:
        """``expand`` returns the referenced schema's rows: its own policy decides."""
        for name in self.expand_fields:
            target = self.resource.target(name).schema
            if not may_access(request, target, "GET"):
                message = f"expand={name} returns {target.slug} rows, which this client may not read."
                self.permission_denied(request, message=message)

    def _choose_source(self, request) -> None:
        """Serve a live schema from its fixtures when QA asks with the header."""
        wanted = request.META.get(SOURCE_HEADER_KEY)
        if wanted is None:
            return
        if wanted not in Source.values:
            raise ValidationError({SOURCE_HEADER: ["Use fixtures (or live, the default)."]})
        if wanted == Source.LIVE:
            return
        # Asked of every schema, whatever its source today: a client must not
        # be able to tell a live schema from one on its fixtures by this answer.
        if not may_choose_fixtures(request):
            raise PermissionDenied(
                f"Only staff and tokens with the '{FIXTURES_SCOPE}' scope may use {SOURCE_HEADER}."
            )
        if self.resource.is_live:
            self.resource = self.resource.fixtures_twin()

    # DRF hooks ---------------------------------------------------------------

    def get_queryset(self):
        queryset = self.resource.model.objects.all()
        if self._reads_rows():
            return as_rows(queryset)
        joined = [name for name in self.expand_fields if self._same_database(name)]
        fetched = [name for name in self.expand_fields if not self._same_database(name)]
        if joined:
            queryset = queryset.select_related(*joined)
        if fetched:
            # A row in another database cannot be joined; one query per field.
            queryset = queryset.prefetch_related(*fetched)
        return queryset

    def _reads_rows(self) -> bool:
        """A read serializes each row once: from its values, not a model instance built for it."""
        if self.request is None or self.request.method not in ("GET", "HEAD") or self.expand_fields:
            return False
        return self.resource.serializer_class.readers_for(self.selected_fields, rows=True) is not None

    def _reads_one_row_by_key(self) -> bool:
        """A plain retrieve: no filter, search or ordering to check or apply, only the key."""
        return (
            self._reads_rows()
            and self.request.query_params.keys() <= KEY_ONLY_PARAMETERS
            and int(self.kwargs["pk"]) <= LARGEST_KEY
        )

    def _same_database(self, field_name: str) -> bool:
        target = self.resource.target(field_name).model
        return target._fauxsite_alias == self.resource.model._fauxsite_alias

    def get_object(self):
        if self._reads_one_row_by_key():
            row = row_by_pk(self.get_queryset(), int(self.kwargs["pk"]))
            if row is None:
                raise NotFound(f"There is no {self.resource.slug} row with id {self.kwargs['pk']}.")
            self.check_object_permissions(self.request, row)
            return row
        try:
            return super().get_object()
        except Http404:
            # Django's message names the runtime model class; clients know the schema.
            raise NotFound(f"There is no {self.resource.slug} row with id {self.kwargs['pk']}.") from None

    def get_serializer_class(self):
        return self.resource.serializer_class

    def get_serializer(self, *args, **kwargs):
        if self.request is not None and self.request.method == "GET":
            kwargs.setdefault("only", self.selected_fields)
            kwargs.setdefault("expand", self.expand_fields)
        return super().get_serializer(*args, **kwargs)

    def get_success_headers(self, data):
        return {"Location": f"{self.request.build_absolute_uri(self.resource.schema.api_path)}{data['id']}/"}

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self._written(serializer.instance.pk)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self._written(serializer.instance.pk)

    def perform_destroy(self, instance):
        from schemas.references import delete_row

        object_id = instance.pk
        delete_row(self.resource, object_id)
        self._written(object_id)

    def _written(self, object_id) -> None:
        resource_written.send(
            sender=type(self),
            resource=self.resource,
            action=self.action,
            object_id=object_id,
            request=self.request,
        )

    @property
    def filterset_class(self):
        return self.resource.filterset_class

    @property
    def ordering_fields(self) -> list[str]:
        return self.resource.ordering_fields

    @property
    def search_fields(self) -> list[str]:
        return self.resource.search_fields

    ordering = ["id"]

    # Query parameters --------------------------------------------------------

    @property
    def selected_fields(self) -> frozenset[str] | None:
        raw = self.request.query_params.get("fields")
        if not raw:
            return None
        names = {name.strip() for name in raw.split(",") if name.strip()}
        unknown = sorted(names - self.resource.field_names)
        if unknown:
            raise ValidationError({"fields": [f"Unknown fields: {', '.join(unknown)}."]})
        return frozenset(names)

    @property
    def expand_fields(self) -> tuple[str, ...]:
        raw = self.request.query_params.get("expand") if self.request else None
        if not raw:
            return ()
        names = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in names if name not in self.resource.reference_fields]
        if unknown:
            raise ValidationError(
                {"expand": [f"Only reference fields can be expanded, not {', '.join(unknown)}."]}
            )
        return tuple(dict.fromkeys(names))

    def _check_query_parameters(self) -> None:
        filters = self.filterset_class.base_filters
        unknown = sorted(
            name
            for name in self.request.query_params
            if name not in CONTROL_PARAMETERS and name not in filters
        )
        if unknown:
            raise ValidationError(
                {name: ["Unknown query parameter; see the OpenAPI document."] for name in unknown}
            )
