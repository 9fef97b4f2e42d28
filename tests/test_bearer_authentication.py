"""The bearer check gives django-oauth-toolkit's verdict on every kind of Authorization header,
and loads the token as the ORM would."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import get_access_token_model
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from access.oauth import issue_token, load_access_token
from access.policy import BearerAuthentication
from tests.conftest import ALL_DATABASES
from tests.oauth_helpers import bearer, make_application

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

AccessToken = get_access_token_model()


@pytest.fixture
def tokens(library):
    """Plaintext tokens by kind, all real rows of the token table."""
    application = make_application("reader", "read authors:read")
    user = get_user_model().objects.create_user("tess")
    valid = issue_token(application, ["read"])[1]
    for_user = issue_token(application, ["authors:read"], user=user)[1]
    expired_token, expired = issue_token(application, ["read"])
    expired_token.expires = timezone.now() - timedelta(seconds=1)
    expired_token.save()
    revoked_token, revoked = issue_token(application, ["read"])
    revoked_token.delete()
    bound_token, bound = issue_token(application, ["read"])
    bound_token.resource = ["http://testserver/api/v1/authors/"]
    bound_token.save()
    elsewhere_token, elsewhere = issue_token(application, ["read"])
    elsewhere_token.resource = ["https://elsewhere.example/"]
    elsewhere_token.save()
    return {"valid": valid, "for_user": for_user, "expired": expired, "revoked": revoked,
            "bound": bound, "elsewhere": elsewhere}


HEADERS = [
    ("valid", "Bearer {valid}", ""),
    ("lower case", "bearer {valid}", ""),
    ("two spaces", "Bearer  {valid}", ""),
    ("tab", "Bearer\t{valid}", ""),
    ("with a user", "Bearer {for_user}", ""),
    ("expired", "Bearer {expired}", ""),
    ("revoked", "Bearer {revoked}", ""),
    ("forged", "Bearer forged-token-value", ""),
    ("no token", "Bearer", ""),
    ("three words", "Bearer {valid} extra", ""),
    ("another scheme", "Basic dGVzczpzZWNyZXQ=", ""),
    ("also in the query", "Bearer {valid}", "?access_token={valid}"),
    ("bound to this resource", "Bearer {bound}", ""),
    ("bound elsewhere", "Bearer {elsewhere}", ""),
]


def _verdict(authenticate, header: str, query: str):
    request = Request(APIRequestFactory().get(f"/api/v1/authors/{query}", HTTP_AUTHORIZATION=header))
    result = authenticate(request)
    user, token = result if result is not None else (None, None)
    error = {name: str(value) for name, value in (getattr(request, "oauth2_error", None) or {}).items()}
    return (result is not None, getattr(user, "pk", None), getattr(token, "pk", None), error)


@pytest.mark.parametrize("header, query", [case[1:] for case in HEADERS], ids=[case[0] for case in HEADERS])
def test_it_concludes_what_the_toolkit_concludes(tokens, header, query):
    header, query = header.format(**tokens), query.format(**tokens)

    ours = _verdict(BearerAuthentication()._verify, header, query)
    toolkit = _verdict(OAuth2Authentication().authenticate, header, query)

    assert ours == toolkit


def test_it_tells_the_client_its_token_expired(tokens):
    response = APIClient().get("/api/v1/authors/", **bearer(tokens["expired"]))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="The access token has expired."'
    )
    assert response.json()["detail"] == "The access token has expired."


def test_it_reads_with_a_valid_token_as_its_application(tokens):
    response = APIClient().get("/api/v1/authors/", **bearer(tokens["for_user"]))

    assert response.status_code == 200


def _loaded(instance) -> tuple:
    if instance is None:
        return None
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    return type(instance), instance._state.db, instance._state.adding, values


@pytest.mark.parametrize("kind", ["valid", "for_user", "expired", "bound", "revoked"])
def test_it_loads_a_token_as_the_orm_does_in_one_statement(tokens, kind, django_assert_num_queries):
    checksum = hashlib.sha256(tokens[kind].encode()).hexdigest()
    orm = AccessToken.objects.select_related("application", "user").filter(token_checksum=checksum).first()

    with django_assert_num_queries(1):
        token = load_access_token(tokens[kind])
        related = (token.application, token.user) if token is not None else (None, None)

    assert _loaded(token) == _loaded(orm)
    if orm is not None:
        assert [_loaded(instance) for instance in related] == [_loaded(orm.application), _loaded(orm.user)]
