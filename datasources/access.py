"""
Writes to a schema served from a read-only data source are refused with 405.

The generic viewset calls ``refuse_writes_to_read_only(view, request)`` once
the resource is bound. The database session is read-only as well
(``default_transaction_read_only``), so a write that slipped past this check
would still change nothing.
"""

from __future__ import annotations

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import SAFE_METHODS

READ_METHODS = ", ".join(sorted(SAFE_METHODS))


class ReadOnlySource(MethodNotAllowed):
    default_code = "read_only"


def is_read_only(resource) -> bool:
    source = resource.schema.data_source
    return resource.is_live and source is not None and source.read_only


def refuse_writes_to_read_only(view, request) -> None:
    if request.method in SAFE_METHODS or not is_read_only(view.resource):
        return
    # DRF's default Allow header lists every method the view routes.
    view.headers["Allow"] = READ_METHODS
    raise ReadOnlySource(
        request.method,
        detail=f"{view.resource.slug} is read-only: its data source accepts no writes. Use GET.",
    )
