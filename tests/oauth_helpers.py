"""OAuth applications and real tokens for tests, through the /o/ endpoints."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from oauth2_provider.models import get_application_model

from access.models import ApplicationScopes

Application = get_application_model()
SECRET = "test-client-secret-0123456789abcdef"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
FORM = "application/x-www-form-urlencoded"


def make_application(name: str, scopes: str = "", *, grant: str = Application.GRANT_CLIENT_CREDENTIALS,
                     **options) -> Application:
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=grant,
        client_secret=SECRET,
        **options,
    )
    ApplicationScopes.objects.create(application=application, scopes=scopes)
    return application


def basic_auth(application: Application, secret: str = SECRET) -> dict:
    pair = f"{application.client_id}:{secret}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(pair).decode()}


def post_form(client, url: str, data: dict, **headers):
    return client.post(url, data=urlencode(data), content_type=FORM, **headers)


def request_token(client, application: Application, scope: str | None = None, secret: str = SECRET):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return post_form(client, "/o/token/", data, **basic_auth(application, secret))


def fetch_token(client, application: Application, scope: str) -> str:
    response = request_token(client, application, scope)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def revoke(client, application: Application, token: str, hint: str = "access_token"):
    data = {"token": token, "token_type_hint": hint}
    return post_form(client, "/o/revoke_token/", data, **basic_auth(application))


# Authorization code with PKCE --------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization_code(client, application: Application, scope: str, challenge: str | None) -> str | dict:
    """Logs through /o/authorize/ (the client must be logged in); the code, or the error."""
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "xyz",
    }
    if challenge:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    response = client.get("/o/authorize/?" + urlencode(query))
    assert response.status_code == 302, response.content
    params = {key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()}
    return params.get("code") or params


def exchange_code(client, application: Application, code: str, verifier: str):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier}
    return post_form(client, "/o/token/", data, **basic_auth(application))


def refresh(client, application: Application, refresh_token: str):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return post_form(client, "/o/token/", data, **basic_auth(application))
