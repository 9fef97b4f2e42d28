"""
Who may call a resource: OAuth2 scopes per schema, bearer tokens, staff sessions.

Every schema has two scopes, ``<slug>:read`` and ``<slug>:write``, from the
moment it exists; the global ``read`` and ``write`` cover every schema. A
public schema serves GET to anyone; a token schema needs a read scope; a
write always needs a write scope. A write scope does not imply reading.
A staff user logged into the admin reads and writes every schema as their
role allows (``schemas.read_rows``, ``schemas.write_rows``; superusers have
both), so the browsable docs work with the session (CSRF applies to session
writes); a staff user without them is no more than anonymous.

Client-credentials tokens carry no user (``request.user`` is None); the
token's application is the client. Nothing here assumes a user exists.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.scopes import BaseScopes
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from access import bearer

REALM = "api"
FIXTURES_SCOPE = "fixtures"
# Permissions of staff roles (access/roles.py) for rows through an admin session.
READ_ROWS = "schemas.read_rows"
WRITE_ROWS = "schemas.write_rows"

GLOBAL_SCOPES = {
    "read": "Read every schema.",
    "write": "Create, change and delete rows of every schema.",
    "introspection": "Introspect tokens at /o/introspect/ (for resource servers).",
    FIXTURES_SCOPE: "Read live schemas from their mock rows with X-Fauxsite-Source: fixtures (QA).",
}


# Scope names -------------------------------------------------------------------


def read_scope(slug: str) -> str:
    return f"{slug}:read"


def write_scope(slug: str) -> str:
    return f"{slug}:write"


def is_read(method: str) -> bool:
    return method.upper() in SAFE_METHODS


def accepted_scopes(slug: str, method: str) -> list[str]:
    """Scopes of which any one lets a token make this call, most specific first."""
    if is_read(method):
        return [read_scope(slug), "read"]
    return [write_scope(slug), "write"]


def anonymous_allowed(schema, method: str) -> bool:
    from schemas.models import Access

    return is_read(method) and schema.access == Access.PUBLIC


def schema_scopes() -> dict[str, str]:
    # From the catalog each worker already holds, not a query per token check;
    # within an API request, the catalog it is served from (read once).
    from schemas.catalog import serving_catalog

    scopes = {}
    for resource in serving_catalog():
        slug, name = resource.slug, resource.schema.name
        scopes[read_scope(slug)] = f"Read {name} ({slug})."
        scopes[write_scope(slug)] = f"Create, change and delete {name} ({slug})."
    return scopes


class SchemaScopes(BaseScopes):
    """django-oauth-toolkit's scopes backend, read from the Schema table.

    An application may only be granted the scopes an admin allowed it
    (``ApplicationScopes``); nothing is granted by default, so a token request
    without ``scope`` gets a token that reads public schemas only.
    """

    def get_all_scopes(self) -> dict[str, str]:
        return {**GLOBAL_SCOPES, **schema_scopes()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return grantable_scopes(application)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return []


def grantable_scopes(application) -> list[str]:
    """The one answer to "which scopes may this application hold?", on every issuing path.

    /o/token/ and /o/authorize/ (through ``SchemaScopes``), a refresh (which
    keeps only these of the original scopes), the admin's "Issue a token" page
    and ``manage.py issue_token`` all ask it: the scopes an admin allowed the
    application that still exist, in the order of ``get_all_scopes``.
    """
    from access.models import ApplicationScopes

    allowed = ApplicationScopes.allowed_for(application)
    return [scope for scope in SchemaScopes().get_all_scopes() if scope in allowed]


# Authentication ----------------------------------------------------------------


class BearerAuthentication(OAuth2Authentication):
    """Bearer tokens from the Authorization header, refused loudly when bad.

    django-oauth-toolkit treats an invalid token as no credentials, which would
    let an expired token still read a public schema; a client that sends a
    token must learn that it no longer works (RFC 6750 ``invalid_token``).
    Each one is a strike against the address: guessing tokens ends in a block.
    The token is checked by ``access.bearer``, which gives the toolkit's
    verdict without building the toolkit's request.
    """

    www_authenticate_realm = REALM

    def authenticate(self, request):
        if not request.META.get("HTTP_AUTHORIZATION"):
            # Tokens are taken from this header only (RFC 9700 transport, see
            # settings.OAUTH2_PROVIDER): without it the toolkit has nothing to
            # check, and building its request would cost every anonymous call.
            return None
        result = self._verify(request)
        if result is None and _has_bearer(request):
            from access import blocks

            blocks.invalid_token(request)
            error = getattr(request, "oauth2_error", {}) or {}
            description = error.get("error_description") or "The access token is invalid or expired."
            request.oauth2_error = {"error": "invalid_token", "error_description": str(description)}
            raise exceptions.AuthenticationFailed(description)
        return result

    def _verify(self, request):
        verdict = bearer.verify(request)
        if verdict.ask_toolkit:
            return super().authenticate(request)
        if verdict.token is None:
            request.oauth2_error = verdict.error
            return None
        return verdict.token.user, verdict.token

    def authenticate_header(self, request) -> str:
        error = getattr(request, "oauth2_error", None) or {}
        return bearer_challenge(**error)


def _has_bearer(request) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[:7].lower() == "bearer "


def bearer_challenge(**parameters: str) -> str:
    """A ``WWW-Authenticate`` value: ``Bearer realm="api", error="..."``."""
    values = {"realm": REALM, **parameters}
    quoted = (f'{name}="{_quote(value)}"' for name, value in values.items() if value)
    return "Bearer " + ", ".join(quoted)


def _quote(value) -> str:
    text = str(value).replace("\r", "").replace("\n", " ")
    return text.replace("\\", "\\\\").replace('"', '\\"')


# Permission --------------------------------------------------------------------


class InsufficientScope(exceptions.PermissionDenied):
    """403 for a valid token without the scope; says which scopes would do."""

    default_code = "insufficient_scope"

    def __init__(self, scopes: list[str]):
        names = " or ".join(f"'{scope}'" for scope in scopes)
        super().__init__(f"The access token needs the scope {names} for this request.")
        # DRF copies ``auth_header`` into WWW-Authenticate (RFC 6750 section 3.1).
        self.auth_header = bearer_challenge(error="insufficient_scope", scope=" ".join(scopes))


def token_of(request):
    """The OAuth2 access token that authenticated the request, if any."""
    token = getattr(request, "auth", None)
    return token if hasattr(token, "allow_scopes") else None


def is_staff_session(request) -> bool:
    user = getattr(request, "user", None)
    return (
        token_of(request) is None
        and user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
    )


def staff_may(request, method: str) -> bool:
    """May this admin session read (or write) every schema's rows? Its role says (access/roles.py)."""
    if not is_staff_session(request):
        return False
    return request.user.has_perm(READ_ROWS if is_read(method) else WRITE_ROWS)


def may_choose_fixtures(request) -> bool:
    """Staff who may read rows, and tokens with the fixtures scope, may read a live schema's mock rows."""
    token = token_of(request)
    if token is None:
        return staff_may(request, "GET")
    return token.allow_scopes([FIXTURES_SCOPE])


class SchemaAccess(BasePermission):
    """Applies the schema's access setting and the token's scopes to each call.

    Views without a bound resource (the OpenAPI document, the docs) are not
    resources and are left to their own permission classes.
    """

    def has_permission(self, request, view) -> bool:
        resource = getattr(view, "resource", None)
        if resource is None:
            return True
        return may_access(request, resource.schema, request.method)


def may_access(request, schema, method: str) -> bool:
    """The one access decision: may this client make a ``method`` call on ``schema``'s rows?

    Every path that returns or changes rows asks it, for every schema whose
    rows it touches (``expand`` asks it for the referenced schema). False
    means no one usable authenticated (DRF answers 401, or 403 to a
    non-staff session); a token without the scope raises the 403.
    """
    _note_asked(request, schema, method)
    if staff_may(request, method) or anonymous_allowed(schema, method):
        return True
    token = token_of(request)
    if token is None:
        return False
    scopes = accepted_scopes(schema.slug, method)
    if any(token.allow_scopes([scope]) for scope in scopes):
        return True
    raise InsufficientScope(scopes)


def _note_asked(request, schema, method: str) -> None:
    # On the Django request, so tests can prove that each path asked, and for which schemas.
    django_request = getattr(request, "_request", request)
    asked = getattr(django_request, "fauxsite_access_asked", None)
    if asked is None:
        asked = django_request.fauxsite_access_asked = []
    asked.append((schema.slug, method.upper()))


# The documentation ---------------------------------------------------------------


def docs_are_public() -> bool:
    return settings.FAUXSITE_DOCS_ACCESS == "public"


class DocsAccess(BasePermission):
    """The OpenAPI document: public, or for staff only (FAUXSITE_DOCS_ACCESS)."""

    def has_permission(self, request, view) -> bool:
        return docs_are_public() or is_staff_session(request)


def docs_page(view):
    """Wraps an HTML docs page: with staff-only docs, send others to log in."""

    def page(request, *args, **kwargs):
        user = request.user
        if not docs_are_public() and not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return page
