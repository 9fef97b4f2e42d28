"""
The OpenAPI document view, cached per catalog revision.

The document depends only on the catalog, so each worker builds it once per
revision instead of once per request.
"""

from __future__ import annotations

import threading

from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

from schemas.catalog import current_catalog

_documents: dict[tuple, dict] = {}
_documents_lock = threading.Lock()


class CachedSchemaView(SpectacularAPIView):
    """Serves the OpenAPI document, built once per catalog revision per worker."""

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (current_catalog().revision, version, self.serve_public)
        with _documents_lock:
            document = _documents.get(key)
        if document is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            document = generator.get_schema(request=request, public=self.serve_public)
            with _documents_lock:
                _documents.clear()
                _documents[key] = document
        return Response(
            data=document,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )


def forget_documents() -> None:
    with _documents_lock:
        _documents.clear()
