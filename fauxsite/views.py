"""Error pages: problem details under the API, Django's pages elsewhere."""

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
