"""
API errors as RFC 9457 problem details, one shape for every error.

Every error an API client can see is ``application/problem+json`` with
``type``, ``title``, ``status`` and ``detail``, plus ``errors`` (field name ->
messages) for validation. Database failures become 409, 503 or 504 with a
plain message; nothing leaks a traceback, SQL or settings.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from fauxsite.parsers import PayloadTooLarge
from schemas.errors import (
    RETRY_AFTER_SECONDS,
    Conflict,
    GatewayTimeout,
    RefusedValue,
    ServiceUnavailable,
    problem,
)
from schemas.field_types import UnknownFieldType

logger = logging.getLogger(__name__)


def problem_exception_handler(exc, context):
    exc = translate_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {
        name: value
        for name, value in response.items()
        if name in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, ServiceUnavailable):
        headers.setdefault("Retry-After", str(exc.retry_after))
    if isinstance(exc, exceptions.ValidationError):
        return _validation_problem(exc, headers)
    errors = getattr(exc, "errors", None)
    return problem(
        response.status_code, _flatten(exc.detail), code=exc.default_code, errors=errors, headers=headers
    )


def _validation_problem(exc: exceptions.ValidationError, headers):
    detail = exc.detail
    if isinstance(detail, dict):
        errors = {name: _messages(messages) for name, messages in detail.items()}
        names = ", ".join(errors)
        message = f"The request has invalid values for: {names}."
        return problem(400, message, code="validation", errors=errors, headers=headers)
    return problem(400, _flatten(detail), code="validation", headers=headers)


def _messages(value) -> list:
    if isinstance(value, list):
        return [item if isinstance(item, dict) else str(item) for item in value]
    if isinstance(value, dict):
        return [{name: _messages(inner) for name, inner in value.items()}]
    return [str(value)]


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{name}: {_flatten(value)}" for name, value in detail.items())
    return str(detail)


def translate_exception(exc: Exception) -> Exception:
    """Turn Django and database errors into API errors with a safe message."""
    if isinstance(exc, UnknownFieldType):
        # The catalog names a type this server's code does not define: a
        # deployment out of step with the database, not a client's error.
        logger.error("The catalog cannot be served: %s", exc)
        return ServiceUnavailable(
            f"The API cannot be served: a schema uses the field type {exc.name!r}, which this "
            "server does not define. Deploy the code that defines it, or change the field."
        )
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or "Not found.")
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Conflict("Other rows still reference this one; delete or change those first.")
    if isinstance(exc, IntegrityError):
        return Conflict("The change conflicts with existing data (a unique value or a reference).")
    if isinstance(exc, (DataError, OverflowError)):
        # Validation should have caught the value; answering 503 would make
        # clients retry a request that can never succeed.
        logger.warning("A value passed validation but the database refused it: %s", exc)
        return RefusedValue()
    if isinstance(exc, OperationalError):
        return _operational(exc)
    if isinstance(exc, DatabaseError) and _cause_is(exc, "ReadOnlySqlTransaction"):
        return exceptions.MethodNotAllowed("", detail="This resource is read-only; use GET.")
    if isinstance(exc, DatabaseError):
        logger.exception("Database error while serving the API")
        return ServiceUnavailable()
    return exc


def _operational(exc: OperationalError) -> exceptions.APIException:
    if _cause_is(exc, "QueryCanceled"):
        return GatewayTimeout()
    logger.warning("Database unavailable: %s", exc)
    # A source kept closed off by its circuit breaker knows when it will try again.
    return ServiceUnavailable(retry_after=getattr(exc.__cause__, "retry_after", RETRY_AFTER_SECONDS))


def _cause_is(exc: Exception, name: str) -> bool:
    # psycopg's error classes, named rather than imported: SQLite has none.
    return exc.__cause__ is not None and type(exc.__cause__).__name__ == name


def api_bad_request(request, exception=None):
    return problem(400, "The request could not be understood.", code="bad_request")


def api_not_found(request, exception=None):
    return problem(404, "No resource at this address.", code="not_found")


def api_server_error(request):
    return problem(500, "The server failed to handle the request; it has been logged.")
