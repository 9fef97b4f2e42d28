"""
Request-scoped context: a request id on every request, response and log line,
and the rate-limit headers of the throttle that counted the request; and two
early refusals: blocked addresses, and API bodies without a length.

An ``X-Request-ID`` sent by a proxy or client is kept when it looks like an
id (so one id follows a call across services); otherwise a new one is made.
The current request is bound in ``core.requests`` for code that has no
request argument, such as model signal handlers writing the audit trail.
"""

from __future__ import annotations

import logging
import re
import uuid

from django.http import HttpRequest, HttpResponse

from core.requests import current_request_id, serving

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

logger = logging.getLogger("fauxsite.requests")


def _request_id(request: HttpRequest) -> str:
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    return offered if _ACCEPTED_ID.match(offered) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = _request_id(request)
        with serving(request):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs 4xx/5xx after the middleware has returned, but
        # passes the request along with the record.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or current_request_id() or "-"
        return True


class RateLimitHeadersMiddleware:
    """Copies the counted rate limit into RateLimit-* headers, on 2xx and 429 alike.

    The throttle runs inside DRF and cannot touch the response; it leaves its
    numbers on the request (``access.ratelimits.remember_usage``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from access.ratelimits import rate_limit_headers

        response = self.get_response(request)
        usage = getattr(request, "fauxsite_rate_limit", None)
        if usage is not None:
            for name, value in rate_limit_headers(usage).items():
                response[name] = value
        return response


class BlockMiddleware:
    """Refuses blocked addresses on the API and OAuth endpoints, before any other work.

    429 problem details with ``Retry-After``; the block, why and until when,
    is in the admin (``access.blocks``).
    """

    PREFIXES = ("/api/", "/o/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.PREFIXES):
            from access import blocks
            from schemas.errors import problem

            seconds = blocks.seconds_blocked([blocks.address_key(request)])
            if seconds:
                return problem(429, f"This address is blocked for repeated abuse; try again in {seconds} "
                               "seconds.", code="blocked", headers={"Retry-After": str(seconds)})
        return self.get_response(request)


class LengthRequiredMiddleware:
    """Answers 411 to an API body sent chunked, without Content-Length.

    Django reads a body only as far as Content-Length says, so a chunked body
    would be read as empty and answered "field required"; the body size limit
    is also checked on that header before anything is read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not request.META.get("CONTENT_LENGTH") and request.path.startswith("/api/"):
            from schemas.errors import problem

            return problem(411, "Send the body with a Content-Length header; chunked bodies are not read.",
                           code="length_required")
        return self.get_response(request)
