"""
The admin's session, CSRF, authentication and messages middlewares, which a
resource request that sends no cookie skips.

They serve the admin and the docs' staff login. A request to ``/api/v1/``
that sends no cookie has no session, CSRF token or message to read, so it
pays nothing for them; its ``request.user`` is the anonymous user they would
find, and reading it varies the response on ``Cookie``, as reading the empty
session does. A request that sends any cookie runs them all. They are
subclasses so that the admin's system checks still find each one.
"""

from __future__ import annotations

from django.contrib.auth import middleware as auth
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

RESOURCE_PREFIX = "/api/v1/"


def is_cookieless_resource_request(request: HttpRequest) -> bool:
    return not request.META.get("HTTP_COOKIE") and request.path.startswith(RESOURCE_PREFIX)


class _SkippedWithoutCookie:
    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_cookieless_resource_request(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_SkippedWithoutCookie, sessions.SessionMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = super().__call__(request)
        if request.__dict__.pop("_anonymous_user_read", False):
            patch_vary_headers(response, ("Cookie",))
        return response


class CsrfViewMiddleware(_SkippedWithoutCookie, csrf.CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        if is_cookieless_resource_request(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(_SkippedWithoutCookie, auth.AuthenticationMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_cookieless_resource_request(request):
            request.user = SimpleLazyObject(lambda: _anonymous_user_read(request))
        return super().__call__(request)


class MessageMiddleware(_SkippedWithoutCookie, messages.MessageMiddleware):
    pass


def _anonymous_user_read(request: HttpRequest) -> AnonymousUser:
    request._anonymous_user_read = True
    return AnonymousUser()
