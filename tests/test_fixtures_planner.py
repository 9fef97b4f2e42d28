"""The fixtures database plans reads as for data in memory; other databases keep their own settings."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def show(alias: str, name: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_the_fixtures_connection_prices_random_reads_as_for_memory():
    if connections[settings.FIXTURES_ALIAS].vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting; run with FIXTURES_DATABASE_URL")

    cost = float(show(settings.FIXTURES_ALIAS, "random_page_cost"))
    assert cost == settings.FAUXSITE_FIXTURES_RANDOM_PAGE_COST
    if connections["default"].vendor == "postgresql":
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT boot_val FROM pg_settings WHERE name = 'random_page_cost'")
            server_default = cursor.fetchone()[0]
        assert show("default", "random_page_cost") == server_default


def settings_with(**environment) -> subprocess.CompletedProcess:
    """Settings read in a process of their own, with ``environment`` added."""
    code = ("from django.conf import settings; print(settings.FAUXSITE_FIXTURES_RANDOM_PAGE_COST, "
            "settings.DATABASES['fixtures'].get('OPTIONS'))")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "fauxsite.settings", **environment},
        capture_output=True, text=True, check=False, cwd=settings.BASE_DIR,
    )


def test_an_options_parameter_in_the_url_comes_after_the_cost_and_so_wins():
    url = "postgresql://postgres@127.0.0.1:5432/anything?options=-c%20random_page_cost%3D2"

    shown = settings_with(FIXTURES_DATABASE_URL=url, FAUXSITE_FIXTURES_RANDOM_PAGE_COST="1.5")

    assert shown.returncode == 0, shown.stderr
    assert "-c random_page_cost=1.5 -c random_page_cost=2" in shown.stdout


@pytest.mark.parametrize("value", ["fast", "0", "-1", "nan", "inf"])
def test_a_cost_that_is_not_a_positive_number_is_refused_by_name(value):
    shown = settings_with(FAUXSITE_FIXTURES_RANDOM_PAGE_COST=value)

    assert shown.returncode != 0
    assert "FAUXSITE_FIXTURES_RANDOM_PAGE_COST must be" in shown.stderr
