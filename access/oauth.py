"""
The OAuth2 endpoints under /o/, and tokens issued by an admin.

Only the endpoints clients need are routed: authorize (authorization code with
PKCE), token, revoke_token and introspect. django-oauth-toolkit's self-service
application pages are left out: applications are created in the admin.
The endpoints that take a client secret are rate-limited per client IP, so a
secret cannot be guessed at speed.

An application only ever holds the scopes an admin allowed it
(``access.policy.grantable_scopes``), whichever path issues the token: the
token endpoint, a refresh, the admin page or ``manage.py issue_token``.

Tokens are stored as SHA-256 checksums (the plaintext column stays empty), so
an issued token is shown once and can never be shown again.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as oauth_views
from oauth2_provider.models import get_access_token_model, set_token_value
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

from access.ratelimits import count_oauth_request
from datasources.plain_sql import PlainLookup
from schemas.errors import problem

MAX_ISSUED_TOKEN_SECONDS = 366 * 24 * 3600


# Tokens issued by an admin ----------------------------------------------------------


class TokenRequestError(ValueError):
    """A token cannot be issued as asked; the message says what to change."""


def issue_token(application, scopes: list[str], expires_in: int | None = None, user=None):
    """Creates an access token for ``application``; returns (token, plaintext)."""
    from access.policy import SchemaScopes, grantable_scopes

    scopes = list(dict.fromkeys(scopes))
    unknown = sorted(set(scopes) - set(SchemaScopes().get_all_scopes()))
    if unknown:
        raise TokenRequestError(f"Unknown scopes: {', '.join(unknown)}. Each schema has <slug>:read "
                                "and <slug>:write; read, write and introspection cover all.")
    if not scopes:
        raise TokenRequestError("Give at least one scope.")
    refused = [scope for scope in scopes if scope not in grantable_scopes(application)]
    if refused:
        raise TokenRequestError(f"{application.name} may not be granted {', '.join(refused)}. Add them "
                                "to its allowed scopes in the admin first.")
    seconds = oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS if expires_in is None else expires_in
    if not 1 <= seconds <= MAX_ISSUED_TOKEN_SECONDS:
        raise TokenRequestError(f"The expiry must be 1 to {MAX_ISSUED_TOKEN_SECONDS} seconds.")
    plaintext = secrets.token_urlsafe(32)
    token = get_access_token_model()(
        application=application,
        user=user,
        scope=" ".join(scopes),
        expires=timezone.now() + timedelta(seconds=seconds),
    )
    set_token_value(token, plaintext)
    token.save()
    return token, plaintext


# The token endpoint's checks ------------------------------------------------------------


class ScopedValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, with refreshes held to the allowed scopes.

    New tokens are already checked against ``SchemaScopes.get_available_scopes``.
    A refresh reuses the original token's scopes without asking it, so a scope
    an admin has since withdrawn would come back; here it is dropped instead.
    """

    def get_original_scopes(self, refresh_token, request, *args, **kwargs) -> list[str]:
        from access.policy import grantable_scopes

        original = super().get_original_scopes(refresh_token, request, *args, **kwargs)
        original = original.split() if isinstance(original, str) else list(original)
        allowed = set(grantable_scopes(request.client))
        return [scope for scope in original if scope in allowed]

    def is_within_original_scope(self, request_scopes, refresh_token, request, *args, **kwargs) -> bool:
        return False

    def _load_access_token(self, token):
        return load_access_token(token)


def load_access_token(token: str):
    """The stored access token whose checksum this is, with its application and user, or None.

    The toolkit's lookup (``select_related("application", "user")`` by the
    unique checksum), run on every request with a token, so in plain SQL
    written once rather than compiled per call.
    """
    return _token_by_checksum().get(token_checksum(token))


def token_checksum(token: str) -> str:
    """What a token is stored and found by: its SHA-256, as the toolkit computes it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@functools.cache
def _token_by_checksum() -> PlainLookup:
    return PlainLookup(get_access_token_model(), "token_checksum", related=("application", "user"))


# Endpoints ----------------------------------------------------------------------------


class RateLimitedEndpoint:
    """Answers 429 problem details once a client IP spends its OAuth endpoint budget."""

    def dispatch(self, request, *args, **kwargs):
        usage = count_oauth_request(request)
        if usage is not None and usage.exceeded:
            return problem(
                429,
                f"Too many requests to the OAuth endpoints; try again in {usage.reset} seconds.",
                code="throttled",
                headers={"Retry-After": str(usage.reset)},
            )
        return super().dispatch(request, *args, **kwargs)


# Each keeps django-oauth-toolkit's CSRF exemption, which a new dispatch would drop.
@method_decorator(csrf_exempt, name="dispatch")
class TokenView(RateLimitedEndpoint, oauth_views.TokenView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(RateLimitedEndpoint, oauth_views.RevokeTokenView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectTokenView(RateLimitedEndpoint, oauth_views.IntrospectTokenView):
    pass


app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", oauth_views.AuthorizationView.as_view(), name="authorize"),
    path("token/", TokenView.as_view(), name="token"),
    path("revoke_token/", RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", IntrospectTokenView.as_view(), name="introspect"),
]
