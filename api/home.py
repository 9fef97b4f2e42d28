"""The landing page: what is served here and where to read about it.

It names only the schemas the viewer may read, by asking the same access
decision as the API (``access.policy.may_access``); with staff-only docs,
only staff see any.
"""

from django.shortcuts import render

from access.policy import InsufficientScope, docs_are_public, is_staff_session, may_access
from schemas.catalog import current_catalog


def home(request):
    return render(request, "home.html", {"resources": _readable(request)})


def _readable(request) -> list:
    if not (docs_are_public() or is_staff_session(request)):
        return []
    return [resource for resource in current_catalog() if _may_read(request, resource.schema)]


def _may_read(request, schema) -> bool:
    try:
        return may_access(request, schema, "GET")
    except InsufficientScope:
        return False
