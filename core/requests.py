"""
The request being served, for code that has no request argument.

``fauxsite.middleware.RequestIdMiddleware`` binds each request here; model
signal handlers and the change service read it to say who acted and to tie
what they record to the request id in the logs.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "fauxsite_request", default=None
)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def current_request_id() -> str:
    request = current_request()
    return getattr(request, "request_id", "") if request is not None else ""


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    """``current_request()`` is ``request`` inside."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)
