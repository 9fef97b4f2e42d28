"""PostgreSQL connections are health-checked after a pause, not on every request.

Each test drives its own connection to the test database through the
request cycle Django runs (``close_if_unusable_or_obsolete`` as a request
starts and ends), and ends its server session from another connection, as a
restart or a dropped idle session would.
"""

import psycopg
import pytest
from django.db import OperationalError, connections

pytestmark = pytest.mark.django_db

if not connections["default"].settings_dict["ENGINE"].endswith("postgresql"):
    pytest.skip("PostgreSQL only: SQLite has no health checks", allow_module_level=True)


@pytest.fixture
def wrapper():
    connection = connections.create_connection("default")
    yield connection
    connection.close()


def served(connection) -> int:
    """One request that uses ``connection``; returns its server process id."""
    connection.close_if_unusable_or_obsolete()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        connection.close_if_unusable_or_obsolete()


def end_session(connection, pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_it_is_the_backend_that_checks_after_a_pause(wrapper):
    assert wrapper.settings_dict["ENGINE"] == "fauxsite.postgresql"
    assert wrapper.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_in_steady_use_is_not_checked(wrapper, settings):
    settings.FAUXSITE_DB_IDLE_CHECK_SECONDS = 60
    served(wrapper)
    checks = []
    original = wrapper.is_usable
    wrapper.is_usable = lambda: checks.append(1) or original()

    first, second = served(wrapper), served(wrapper)

    assert first == second
    assert checks == []


def test_a_connection_idle_past_the_pause_is_checked_and_replaced_unnoticed(wrapper, settings):
    settings.FAUXSITE_DB_IDLE_CHECK_SECONDS = 0
    before = served(wrapper)
    end_session(wrapper, before)

    after = served(wrapper)

    assert after != before


def test_a_session_lost_while_in_use_fails_one_request_and_the_next_reconnects(wrapper, settings):
    settings.FAUXSITE_DB_IDLE_CHECK_SECONDS = 60
    before = served(wrapper)
    end_session(wrapper, before)

    with pytest.raises(OperationalError):
        served(wrapper)  # the API answers this one 503 (fauxsite.errors)
    after = served(wrapper)

    assert after != before
