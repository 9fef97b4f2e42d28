"""Error pages: problem details under the API, Django's pages elsewhere; the guarded admin login."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.views import defaults

from fauxsite.errors import api_bad_request, api_not_found, api_server_error

API_PREFIXES = ("/api/", "/o/")


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def bad_request(request, exception=None):
    if _is_api(request):
        return api_bad_request(request, exception)
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return api_server_error(request)
    return defaults.server_error(request)


def admin_login(request, extra_context=None):
    """The admin login (``/o/authorize/`` logs in here too), with failures counted and blocks applied.

    A blocked address or username is refused with 429 and ``Retry-After``
    before the password is even checked, so the right one does not get in
    either until the block ends (``access.blocks``).
    """
    from access import blocks

    username = request.POST.get("username", "") if request.method == "POST" else ""
    if request.method == "POST":
        seconds = blocks.login_seconds_blocked(request, username)
        if seconds:
            return _login_blocked(request, seconds)
    response = admin.site.login(request, extra_context)
    if request.method == "POST" and not request.user.is_authenticated:
        blocks.login_failed(request, username)
    return response


def _login_blocked(request, seconds: int):
    minutes = max(1, round(seconds / 60))
    context = {**admin.site.each_context(request), "title": "Too many failed logins",
               "seconds": seconds, "minutes": minutes}
    response = TemplateResponse(request, "admin/fauxsite/login_blocked.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
