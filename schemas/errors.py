"""
The shape of every API error, RFC 9457 problem details, and the errors the
API raises beyond DRF's own.

The layers raise these (a taken unique value is a ``Conflict`` wherever it is
found); the project's exception handler (``fauxsite.errors``) turns them, and
every other error, into ``problem()`` responses.
"""

from __future__ import annotations

import math
from http import HTTPStatus

from django.http import JsonResponse
from rest_framework import exceptions

PROBLEM_CONTENT_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, *, errors: dict[str, list[str]] | None = None):
        super().__init__(detail, code)
        # Field name -> messages, as for validation: which values conflict.
        self.errors = errors


class RefusedValue(exceptions.APIException):
    """A value the database refused although it passed validation: never worth a retry."""

    status_code = 400
    default_detail = (
        "The database refused a value of this request (out of range or not representable); "
        "change the value rather than retrying."
    )
    default_code = "refused_value"


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The database is unavailable; try again shortly."
    default_code = "unavailable"

    def __init__(self, detail=None, code=None, *, retry_after: float = RETRY_AFTER_SECONDS):
        super().__init__(detail, code)
        self.retry_after = max(1, math.ceil(retry_after))


class GatewayTimeout(exceptions.APIException):
    status_code = 504
    default_detail = "The database did not answer in time; try again or narrow the request."
    default_code = "timeout"


def problem(status: int, detail: str, *, code: str | None = None, errors=None, headers=None):
    phrase = HTTPStatus(status).phrase
    body = {
        "type": f"urn:fauxsite:problem:{code or phrase.lower().replace(' ', '_')}",
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response

