"""
Content negotiation: DRF's, answered at once for what nearly every API client sends.

A resource view renders JSON only. DRF parses the ``Accept`` header and
matches it against the renderers on every request; for no header, ``*/*``
or ``application/json`` with a single renderer and no ``format`` its answer
is always that renderer and its media type, so that is returned without the
parsing. Anything else (``text/html``, parameters, several renderers, as the
docs pages have) goes through DRF's own negotiation, 406 included.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

ANSWERED_AT_ONCE = frozenset({"*/*", "application/json"})


class JSONContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if (
            len(renderers) == 1
            and accept in ANSWERED_AT_ONCE
            and format_suffix is None
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
