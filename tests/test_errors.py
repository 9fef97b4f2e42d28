"""Database failures as problem details: which status, and when to retry."""

from django.db import OperationalError
from rest_framework.test import APIRequestFactory

from datasources.aliases import SourceDown
from fauxsite.errors import problem_exception_handler
from schemas.errors import RETRY_AFTER_SECONDS


def answer_to(cause: Exception):
    error = OperationalError(str(cause))
    error.__cause__ = cause
    request = APIRequestFactory().get("/api/v1/books/")
    return problem_exception_handler(error, {"request": request, "view": None})


def test_a_source_behind_its_breaker_says_when_it_will_be_tried_again():
    response = answer_to(SourceDown("warehouse: not trying", retry_after=41.2))

    assert response.status_code == 503
    assert response["Retry-After"] == "42"


def test_an_unreachable_database_suggests_the_default_wait():
    response = answer_to(ConnectionRefusedError("refused"))

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
