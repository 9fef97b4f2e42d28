"""
Access in the OpenAPI document: the OAuth2 security scheme, each operation's
scopes, and the 401, 403 and 429 answers an operation can give.

Each operation lists the scopes of which any one is enough (``books:read`` or
``read``), and ``{}`` when anonymous calls are allowed (GET on a public
schema). Every resource operation documents 401 and 429, and 403 wherever it
can happen. A ``bearerAuth`` scheme sits beside ``oauth2`` so a token issued
in the admin can be pasted into Swagger UI's Authorize dialog.
"""

from __future__ import annotations

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme

from access.policy import accepted_scopes, anonymous_allowed

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
RESOURCE_PREFIX = "/api/v1/"


class BearerScheme(DjangoOAuthToolkitScheme):
    target_class = "access.policy.BearerAuthentication"
    name = ["oauth2", "bearerAuth"]

    def get_security_requirement(self, auto_schema):
        resource = getattr(auto_schema.view, "resource", None)
        if resource is None:
            return None
        method = auto_schema.method
        requirements = [{"oauth2": [scope]} for scope in accepted_scopes(resource.slug, method)]
        requirements.append({"bearerAuth": []})
        if anonymous_allowed(resource.schema, method):
            requirements.append({})
        return requirements

    def get_security_definition(self, auto_schema):
        bearer = {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from /o/token/ or issued in the admin.",
        }
        return [super().get_security_definition(auto_schema), bearer]


def _header(description: str, schema_type: str = "integer") -> dict:
    return {"schema": {"type": schema_type}, "description": description}


RATE_LIMIT_HEADERS = {
    "Retry-After": _header("Seconds until the limit resets."),
    "RateLimit-Limit": _header("Requests allowed in the window."),
    "RateLimit-Remaining": _header("Requests left in the window."),
    "RateLimit-Reset": _header("Seconds until the window resets."),
    "RateLimit-Policy": _header("The limit and window, as 600;w=60.", "string"),
}
CHALLENGE_HEADER = {"WWW-Authenticate": _header('Bearer realm="api" with an RFC 6750 error.', "string")}


def _problem(description: str, headers: dict) -> dict:
    return {
        "description": description,
        "headers": headers,
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }


def access_responses(anonymous: bool) -> dict[str, dict]:
    """The access errors of one operation, by status code.

    An operation open to anonymous callers still answers 403 to a caller
    without the fixtures scope who sends ``X-Fauxsite-Source: fixtures``, on
    every schema alike, so the document does not change when a schema goes live.
    """
    responses = {
        "401": _problem(
            "The access token is missing, expired or revoked."
            if not anonymous
            else "The access token sent is expired or revoked (anonymous calls are allowed).",
            CHALLENGE_HEADER,
        ),
        "429": _problem("Over the rate limit; retry after Retry-After seconds.", RATE_LIMIT_HEADERS),
    }
    if not anonymous:
        responses["403"] = _problem(
            "The access token lacks the scope this operation needs, or the fixtures scope that "
            "X-Fauxsite-Source: fixtures needs.",
            CHALLENGE_HEADER,
        )
    else:
        responses["403"] = _problem(
            "X-Fauxsite-Source: fixtures needs a staff session or a token with the fixtures scope.",
            {},
        )
    return responses


def document_access_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: adds 401/403/429 to every resource operation."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(RESOURCE_PREFIX):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            anonymous = {} in operation.get("security", [])
            responses = {**operation["responses"], **access_responses(anonymous)}
            operation["responses"] = dict(sorted(responses.items()))
    return result
