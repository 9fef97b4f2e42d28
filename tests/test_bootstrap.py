"""``manage.py bootstrap`` and the PostgreSQL server the live-path tests use."""

import io
import re

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from schemas.catalog import current_catalog, forget_catalogs
from schemas.changes import create_schema
from schemas.models import CatalogRevision, Schema
from tests import postgres

both_databases = pytest.mark.django_db(databases=["default", "fixtures"])


def bootstrap() -> str:
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    forget_catalogs()
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {resource.slug: resource.model.objects.count() for resource in current_catalog()}


def printed_password(output: str) -> str:
    match = re.search(r"with password: (\S+)", output)
    assert match, f"no password in:\n{output}"
    return match.group(1)


def pks(resource) -> set[int]:
    return set(resource.model.objects.values_list("pk", flat=True))


def unreferenced_resource():
    """A schema no other schema references, so its rows can be deleted."""
    catalog = current_catalog()
    referenced = {resource.target(name).slug for resource in catalog for name in resource.reference_fields}
    return next(resource for resource in catalog if resource.slug not in referenced)


@pytest.fixture
def no_password_variable(monkeypatch):
    monkeypatch.delenv("FAUXSITE_ADMIN_PASSWORD", raising=False)


@both_databases
def test_it_imports_and_seeds_the_demo_schemas_on_an_empty_database(no_password_variable):
    bootstrap()

    counts = row_counts()
    assert len(counts) >= 2, "the demo set should show more than one schema"
    assert set(counts.values()) == {50}


@both_databases
def test_it_creates_the_admin_and_prints_its_password_once(no_password_variable):
    first = bootstrap()
    second = bootstrap()

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(printed_password(first))
    assert "with password:" not in second
    assert "manage.py changepassword admin" in second


@both_databases
def test_it_changes_nothing_on_a_second_run(no_password_variable):
    bootstrap()
    before = (row_counts(), CatalogRevision.current(), get_user_model().objects.get().password)

    bootstrap()

    assert (row_counts(), CatalogRevision.current(), get_user_model().objects.get().password) == before


@both_databases
def test_it_seeds_only_the_schemas_that_are_empty(no_password_variable):
    bootstrap()
    emptied = unreferenced_resource()
    emptied.model.objects.all().delete()
    kept = {resource.slug: pks(resource) for resource in current_catalog() if resource is not emptied}

    bootstrap()

    assert row_counts()[emptied.slug] == 50
    assert {slug: pks(current_catalog().get(slug)) for slug in kept} == kept


@both_databases
def test_it_leaves_existing_schemas_alone(no_password_variable):
    create_schema(slug="notes", name="Notes")

    bootstrap()

    assert list(Schema.objects.values_list("slug", flat=True)) == ["notes"]


@both_databases
def test_it_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("FAUXSITE_ADMIN_PASSWORD", "correct-horse-battery")

    output = bootstrap()

    assert "correct-horse-battery" not in output
    assert get_user_model().objects.get(username="admin").check_password("correct-horse-battery")


@both_databases
def test_it_prints_where_to_go(no_password_variable):
    out = io.StringIO()
    call_command("bootstrap", base_url="http://127.0.0.1:9000/", stdout=out)

    for path in ("/", "/api/docs/", "/api/redoc/", "/api/schema/", "/admin/"):
        assert f" http://127.0.0.1:9000{path}\n" in out.getvalue()


def test_it_connects_to_postgres(postgres_url):
    with psycopg.connect(postgres_url, connect_timeout=10) as connection:
        version = connection.execute("SELECT version()").fetchone()[0]
    assert version.startswith("PostgreSQL ")


def test_it_starts_and_stops_a_throwaway_cluster():
    try:
        postgres.postgres_bin_dir()
    except postgres.PostgresUnavailable as error:
        if postgres.in_ci():
            raise
        pytest.skip(str(error))

    with postgres.throwaway_cluster() as url, psycopg.connect(url, connect_timeout=10) as connection:
        assert connection.execute("SELECT current_setting('fsync')").fetchone()[0] == "off"

    assert not postgres.answers(url)
