"""
The OpenAPI document view: the current contract, or the one of any kept revision.

The document depends only on the catalog and on the code. The current
revision's document is the one the running code generates, once per
revision per worker (``schemas.contracts.current_document``, which keeps it,
or records an upgrade when the kept copy differs).
``?revision=N`` serves revision N's kept document, exactly as it was served.
"""

from __future__ import annotations

import threading

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from schemas import contracts
from schemas.models import CatalogRevision

_documents: dict[tuple, dict] = {}
_documents_lock = threading.Lock()

REVISION_PARAMETER = OpenApiParameter(
    "revision",
    OpenApiTypes.INT,
    description=(
        "Serve the document of this catalog revision, as it was served then; the current one if "
        "absent. A revision whose document was not kept answers 404."
    ),
)


def _schema_kwargs() -> dict:
    # drf-spectacular documents its own view only with SERVE_INCLUDE_SCHEMA;
    # fauxsite leaves it out of the contract, so ``revision`` shows there only then.
    if "exclude" in SCHEMA_KWARGS:
        return SCHEMA_KWARGS
    return {**SCHEMA_KWARGS, "parameters": [*SCHEMA_KWARGS.get("parameters", []), REVISION_PARAMETER]}


class CachedSchemaView(SpectacularAPIView):
    """Serves the OpenAPI document of the current or a requested catalog revision."""

    @extend_schema(**_schema_kwargs())
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        requested = _requested_revision(request)
        if requested is not None:
            document = contracts.stored_document(requested)
            if document is None:
                raise NotFound(f"No contract is kept for revision {requested}; see the history in the admin.")
        else:
            document = self._current_document(request, version)
        return Response(
            data=document,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )

    def _current_document(self, request, version) -> dict:
        revision = CatalogRevision.current()
        with _documents_lock:
            document = _documents.get((revision, version, self.serve_public))
        if document is not None:
            return document
        if version is None and self.serve_public:
            # The contract clients see, as kept for history.
            revision, document = contracts.current_document()
        else:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            document = generator.get_schema(request=request, public=self.serve_public)
        with _documents_lock:
            _documents.clear()
            _documents[(revision, version, self.serve_public)] = document
        return document


def _requested_revision(request) -> int | None:
    value = request.query_params.get("revision")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValidationError({"revision": ["Must be a catalog revision: a whole number, 1 or more."]})
    return int(value)


def forget_documents() -> None:
    with _documents_lock:
        _documents.clear()
    contracts.forget_generated()
