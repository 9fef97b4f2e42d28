"""A resource request that sends no cookie skips the admin's session middlewares, and answers the same."""

import pytest

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def test_it_reads_no_session_for_a_resource_request_without_cookies(anonymous_api, library):
    response = anonymous_api.get("/api/v1/books/")

    assert response.status_code == 200, response.content
    assert not hasattr(response.wsgi_request, "session")
    assert not response.cookies
    # Still varied on Cookie: a client that logs in gets a different answer.
    assert "Cookie" in response["Vary"]


def test_it_varies_on_cookie_only_when_the_user_was_read(anonymous_api, library, settings):
    settings.FAUXSITE_DOCS_ACCESS = "public"

    refused = anonymous_api.get("/api/v1/nope/")

    assert refused.status_code == 404
    assert "Cookie" not in refused.get("Vary", "")


def test_it_keeps_the_session_of_a_request_with_a_cookie(api, library):
    response = api.get("/api/v1/books/")

    assert response.status_code == 200, response.content
    assert response.wsgi_request.session.session_key
    assert response.wsgi_request.user.is_staff


def test_it_keeps_the_session_outside_the_resources(anonymous_api, library):
    response = anonymous_api.get("/api/schema/")

    assert hasattr(response.wsgi_request, "session")
