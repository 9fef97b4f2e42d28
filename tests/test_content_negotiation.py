"""Resource answers are negotiated as DRF negotiates them, whichever path answers."""

import pytest

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/*", "text/html, */*;q=0.8"])
def test_it_answers_json_to_what_accepts_json(anonymous_api, library, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}

    response = anonymous_api.get("/api/v1/books/", **headers)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"] == []


def test_it_indents_for_a_client_that_asks(anonymous_api, library):
    response = anonymous_api.get("/api/v1/books/", HTTP_ACCEPT="application/json; indent=2")

    assert response.status_code == 200
    assert response.content.startswith(b'{\n  "count"')


def test_it_refuses_what_it_cannot_render(anonymous_api, library):
    assert anonymous_api.get("/api/v1/books/", HTTP_ACCEPT="text/html").status_code == 406
    assert anonymous_api.get("/api/v1/books/?format=json").status_code == 200
    assert anonymous_api.get("/api/v1/books/?format=xml").status_code == 404
