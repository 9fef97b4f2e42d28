"""OAuth2 tokens: client credentials, PKCE, rotation, revocation, issued by admins."""

import hashlib
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.settings import oauth2_settings

from access.policy import SchemaScopes
from schemas.changes import create_schema
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import (
    SECRET,
    authorization_code,
    basic_auth,
    bearer,
    exchange_code,
    fetch_token,
    make_application,
    pkce_pair,
    post_form,
    refresh,
    request_token,
    revoke,
)

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

AccessToken = get_access_token_model()
Application = get_application_model()



@pytest.fixture
def client():
    return Client()


@pytest.fixture
def server(library):
    return make_application("reporting", "books:read books:write authors:read introspection")


def test_it_has_read_and_write_scopes_for_every_schema_as_it_is_created(library):

    create_schema(slug="orders", name="Orders")

    scopes = SchemaScopes().get_all_scopes()

    for slug in ("authors", "books", "orders"):
        assert f"{slug}:read" in scopes and f"{slug}:write" in scopes
    assert {"read", "write"} <= set(scopes)


def test_it_issues_short_lived_client_credentials_tokens(client, server):
    response = request_token(client, server, "books:read")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "books:read"
    assert body["expires_in"] == 3600
    assert "refresh_token" not in body
    token = AccessToken.objects.get()
    assert token.user is None and token.application == server


def test_it_stores_tokens_and_client_secrets_hashed(client, server):
    plaintext = fetch_token(client, server, "books:read")

    stored = AccessToken.objects.get()
    assert stored.token == ""
    assert stored.token_checksum == hashlib.sha256(plaintext.encode()).hexdigest()
    server.refresh_from_db()
    assert SECRET not in server.client_secret
    assert server.client_secret.startswith("md5$")


def test_it_grants_no_scope_unless_asked(client, server):
    response = request_token(client, server)

    assert response.status_code == 200
    assert response.json()["scope"] == ""


def test_it_refuses_scopes_the_application_was_not_allowed(client, server):
    response = request_token(client, server, "authors:write")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_it_refuses_a_wrong_client_secret(client, server):
    response = request_token(client, server, "books:read", secret="guess")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_introspects_and_revokes_tokens(client, server):
    token = fetch_token(client, server, "books:read")

    active = post_form(client, "/o/introspect/", {"token": token}, **basic_auth(server))
    assert active.status_code == 200
    assert active.json()["active"] is True
    assert active.json()["scope"] == "books:read"
    assert active.json()["client_id"] == server.client_id

    assert revoke(client, server, token).status_code == 200

    after = post_form(client, "/o/introspect/", {"token": token}, **basic_auth(server))
    assert after.json() == {"active": False}
    assert client.get("/api/v1/books/", **bearer(token)).status_code == 401


@pytest.fixture
def app_user():
    return get_user_model().objects.create_user("bob", "bob@example.com", "pw")


@pytest.fixture
def mobile(library):
    return make_application(
        "mobile", "books:read", grant=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1:8765/callback", skip_authorization=True,
    )


def test_it_requires_pkce_for_the_authorization_code(client, mobile, app_user):
    client.force_login(app_user)

    error = authorization_code(client, mobile, "books:read", challenge=None)

    assert error["error"] == "invalid_request"


def test_it_rotates_refresh_tokens_and_revokes_the_family_on_replay(client, mobile, app_user):
    client.force_login(app_user)
    verifier, challenge = pkce_pair()
    code = authorization_code(client, mobile, "books:read", challenge)
    first = exchange_code(client, mobile, code, verifier).json()
    assert first["scope"] == "books:read" and first["refresh_token"]

    second = refresh(client, mobile, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/books/", **bearer(second["access_token"])).status_code == 200

    replay = refresh(client, mobile, first["refresh_token"])

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The whole family is gone: the newest pair no longer works either.
    assert refresh(client, mobile, second["refresh_token"]).status_code == 400
    assert client.get("/api/v1/books/", **bearer(second["access_token"])).status_code == 401


def test_it_issues_a_token_from_the_command_line(client, server):
    out, err = StringIO(), StringIO()

    call_command("issue_token", application="reporting", scopes="books:read", expires=120,
                 stdout=out, stderr=err)

    plaintext = out.getvalue().strip()
    assert client.get("/api/v1/books/", **bearer(plaintext)).status_code == 200
    token = AccessToken.objects.get(token_checksum=hashlib.sha256(plaintext.encode()).hexdigest())
    assert token.scope == "books:read"
    assert 100 < (token.expires - token.created).total_seconds() <= 121
    assert plaintext not in err.getvalue()


def test_it_refuses_unknown_scopes_on_the_command_line(server):
    with pytest.raises(CommandError, match="Unknown scopes: shelves:read"):
        call_command("issue_token", application="reporting", scopes="shelves:read", stdout=StringIO())


def test_it_shows_an_admin_issued_token_once(client, server, admin_user):
    client.force_login(admin_user)
    url = f"/admin/oauth2_provider/application/{server.pk}/issue-token/"

    form = client.get(url)
    assert form.status_code == 200
    response = client.post(url, {"scopes": ["books:read", "authors:read"], "expires_in": 600})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plaintext = response.context["plaintext"]
    assert plaintext in response.content.decode()
    assert Client().get("/api/v1/authors/", **bearer(plaintext)).status_code == 200
    token = AccessToken.objects.get()
    assert token.scope == "books:read authors:read" and token.token == ""
    change_page = client.get(f"/admin/oauth2_provider/accesstoken/{token.pk}/change/")
    assert plaintext not in change_page.content.decode()


def test_it_cleans_expired_tokens_with_cleartokens(client, server):
    from datetime import timedelta

    from django.utils import timezone

    fetch_token(client, server, "books:read")
    AccessToken.objects.update(expires=timezone.now() - timedelta(days=30))

    call_command("cleartokens")

    assert not AccessToken.objects.exists()


def test_it_configures_the_toolkit_deliberately():
    assert oauth2_settings.DEFAULT_SCOPES == []
    assert oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 3600
    assert oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS
    assert oauth2_settings.ROTATE_REFRESH_TOKEN and oauth2_settings.REFRESH_TOKEN_REUSE_PROTECTION
    assert oauth2_settings.PKCE_REQUIRED


# Allowed scopes on every issuing path -------------------------------------------------


@pytest.fixture
def reader(library):
    return make_application("reader", "books:read")


def test_it_refuses_an_unallowed_scope_on_the_command_line(reader):
    with pytest.raises(CommandError, match="reader may not be granted books:write"):
        call_command("issue_token", application="reader", scopes="books:write", stdout=StringIO())

    assert not AccessToken.objects.exists()


def test_it_refuses_an_unallowed_scope_at_the_token_endpoint(client, reader):
    response = request_token(client, reader, "books:write")

    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_it_offers_only_the_allowed_scopes_in_the_admin(client, reader, admin_user):
    client.force_login(admin_user)
    url = f"/admin/oauth2_provider/application/{reader.pk}/issue-token/"

    page = client.get(url).content.decode()
    refused = client.post(url, {"scopes": ["books:write"], "expires_in": 600})

    assert 'value="books:read"' in page and 'value="books:write"' not in page
    assert refused.status_code == 200
    assert "books:write is not one of the available choices" in refused.content.decode()
    assert not AccessToken.objects.exists()


def test_it_lets_no_refresh_bring_back_a_withdrawn_scope(client, mobile, app_user):
    mobile.allowed_scopes.scopes = "books:read books:write"
    mobile.allowed_scopes.save()
    client.force_login(app_user)
    verifier, challenge = pkce_pair()
    code = authorization_code(client, mobile, "books:read books:write", challenge)
    first = exchange_code(client, mobile, code, verifier).json()
    assert first["scope"] == "books:read books:write"
    mobile.allowed_scopes.scopes = "books:read"
    mobile.allowed_scopes.save()

    second = refresh(client, mobile, first["refresh_token"]).json()

    assert second["scope"] == "books:read"
    assert AccessToken.objects.get(token_checksum=hashlib.sha256(
        second["access_token"].encode()).hexdigest()).scope == "books:read"


def test_it_lets_no_refresh_ask_for_more_than_it_had(client, mobile, app_user):
    client.force_login(app_user)
    verifier, challenge = pkce_pair()
    first = exchange_code(client, mobile, authorization_code(client, mobile, "books:read", challenge),
                          verifier).json()

    wider = post_form(client, "/o/token/", {"grant_type": "refresh_token", "scope": "books:read books:write",
                                            "refresh_token": first["refresh_token"]}, **basic_auth(mobile))

    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"


def test_it_has_one_function_decide_the_scopes_an_application_may_hold(reader):
    from access.policy import grantable_scopes

    assert grantable_scopes(reader) == ["books:read"]
    assert SchemaScopes().get_available_scopes(application=reader) == ["books:read"]
    assert grantable_scopes(None) == []


def test_it_has_no_view_on_site_link_for_applications(client, reader, admin_user):
    client.force_login(admin_user)

    page = client.get(f"/admin/oauth2_provider/application/{reader.pk}/change/")

    assert page.status_code == 200
    assert "viewsitelink" not in page.content.decode()
