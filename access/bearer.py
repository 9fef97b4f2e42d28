"""
The bearer token of a resource request, checked as django-oauth-toolkit checks it, directly.

The toolkit's check (``OAuth2Authentication``) builds an oauthlib server, a
copy of every header, the parsed body and an oauthlib request on each call,
and lists every scope of the catalog, to answer one question: which unexpired
token has this checksum? On a create that was a third of the request's CPU.
``verify`` asks the question itself and gives the toolkit's answers: the same
tokens pass, with the same ``request.auth``; the others fail with the same
RFC 6750 error. A token bound to resources (RFC 8707) is left to the toolkit,
which matches the request's address against them.

``read_revision_with_token`` looks the token up before ``verify`` needs it,
in the statement that reads the catalog revision (both live in Django's
database): a request with a token sends one statement for both.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.db import router
from django.utils.translation import gettext as _
from oauth2_provider.bcp import bcp_compliant
from oauth2_provider.models import get_access_token_model

from access.oauth import load_access_token, token_checksum
from datasources.plain_sql import PlainLookup
from schemas.models import CatalogRevision


@dataclass(frozen=True)
class Verdict:
    """What the toolkit would conclude: the token that passed, or the error it records."""

    token: object = None
    # The toolkit's ``request.oauth2_error``: empty when it names no error.
    error: dict = field(default_factory=dict)
    # Only the toolkit decides this one (a token restricted to resources).
    ask_toolkit: bool = False


NO_TOKEN = Verdict()
ASK_TOOLKIT = Verdict(ask_toolkit=True)


def token_in_header(header: str) -> str | None:
    """The token of ``Authorization: Bearer <token>``, read the way oauthlib reads it."""
    words = header.split()
    if len(words) == 2 and words[0].lower() == "bearer":
        return words[1]
    return None


def verify(request) -> Verdict:
    """The toolkit's verdict on the request's Authorization header, which must be present."""
    if "access_token" in request.GET and bcp_compliant(
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT",
        "Presenting an OAuth 2.0 access token in the URI query string",
    ):
        # RFC 9700: a token in the address may have leaked; the toolkit refuses the request.
        return NO_TOKEN
    value = token_in_header(request.META["HTTP_AUTHORIZATION"])
    if not value:
        return NO_TOKEN
    token = _token(request, value)
    if token is None:
        return _invalid(_("The access token is invalid."))
    if token.is_expired():
        return _invalid(_("The access token has expired."))
    if token.resource:
        return ASK_TOOLKIT
    application = token.application
    if application is not None and not application.is_usable(request):
        return _invalid(_("The access token is invalid."))
    return Verdict(token=token)


def read_revision_with_token(request) -> int | None:
    """The catalog revision, read in the statement that looks up the request's bearer token.

    The token is kept on the request for ``verify``. None when there is no
    token to look up in the Authorization header, or no revision row yet
    (``CatalogRevision.current`` makes it): read the revision on its own then.
    """
    header = request.META.get("HTTP_AUTHORIZATION")
    lookup = _token_with_revision()
    if not header or lookup is None or "access_token" in request.GET:
        return None
    value = token_in_header(header)
    if not value:
        return None
    token, revision = lookup.get_beside(token_checksum(value))
    getattr(request, "_request", request).fauxsite_bearer = (value, token)
    return revision


def _token(request, value: str):
    """The token ``read_revision_with_token`` kept for this value, else the stored one."""
    kept = getattr(getattr(request, "_request", request), "fauxsite_bearer", None)
    if kept is not None and kept[0] == value:
        return kept[1]
    return load_access_token(value)


@functools.cache
def _token_with_revision() -> PlainLookup | None:
    """``load_access_token``'s lookup with the revision beside it; None when they live apart."""
    tokens = get_access_token_model()
    if router.db_for_read(tokens) != router.db_for_read(CatalogRevision):
        return None
    return PlainLookup(tokens, "token_checksum", related=("application", "user"),
                       beside=(CatalogRevision, "value", 1))


def _invalid(description: str) -> Verdict:
    return Verdict(error={"error": "invalid_token", "error_description": description})
