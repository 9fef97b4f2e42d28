"""
Data-source secrets and connection safety: encryption at rest, key rotation,
host checks against server-side request forgery, and libpq's environment.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection

from datasources import crypto, hosts
from datasources.checks import check_secret_keys, check_secret_keys_deploy
from datasources.connect import open_connection
from datasources.connect import test_connection as try_connection
from datasources.models import DataSource
from tests import test_live_support as support
from tests.test_live_support import make_source

# No runtime alias is involved here: the test transaction on "default" is enough.
pytestmark = pytest.mark.django_db(databases=["default"])

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db


@pytest.fixture
def loopback(settings):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FAUXSITE_LIVE_STATEMENT_TIMEOUT_MS = 5000
    return settings

SECRET = "s3cret-Pa55word"


def source(**changes) -> DataSource:
    values = {"name": "probe", "host": "db.example.com", "port": 5432, "database": "app", "user": "reader",
              "sslmode": "require"}
    return DataSource(**{**values, **changes})


def raw_password_column(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password_encrypted FROM datasources_datasource WHERE name = %s", [name])
        return cursor.fetchone()[0]


# Encryption at rest -------------------------------------------------------------


def test_it_stores_the_password_encrypted(settings):
    settings.FAUXSITE_SECRET_KEYS = [Fernet.generate_key().decode()]
    stored = source()
    stored.set_password(SECRET)
    stored.save()

    raw = raw_password_column("probe")

    assert SECRET not in raw
    assert raw.startswith("gAAAA")
    assert DataSource.objects.get(name="probe").get_password() == SECRET
    assert SECRET not in repr(stored) and SECRET not in str(stored)


def test_it_rotates_keys_and_keeps_old_ones_readable(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FAUXSITE_SECRET_KEYS = [old]
    stored = source()
    stored.set_password(SECRET)
    stored.save()
    before = raw_password_column("probe")
    revision = DataSource.objects.get(name="probe").revision

    settings.FAUXSITE_SECRET_KEYS = [new, old]
    assert DataSource.objects.get(name="probe").get_password() == SECRET
    call_command("rotate_datasource_keys")
    settings.FAUXSITE_SECRET_KEYS = [new]

    assert raw_password_column("probe") != before
    assert DataSource.objects.get(name="probe").get_password() == SECRET
    assert DataSource.objects.get(name="probe").revision == revision


def test_it_says_what_to_do_when_no_key_opens_the_password(settings):
    settings.FAUXSITE_SECRET_KEYS = [Fernet.generate_key().decode()]
    stored = source()
    stored.set_password(SECRET)
    stored.save()
    settings.FAUXSITE_SECRET_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(crypto.UndecryptablePassword, match="add the old key back"):
        DataSource.objects.get(name="probe").get_password()


def test_it_refuses_the_derived_key_in_production(settings):
    settings.FAUXSITE_SECRET_KEYS = []
    settings.FAUXSITE_PRODUCTION = True
    settings.DEBUG = False

    with pytest.raises(ImproperlyConfigured, match="FAUXSITE_SECRET_KEYS"):
        crypto.encrypt(SECRET)

    settings.FAUXSITE_PRODUCTION = False
    assert crypto.decrypt(crypto.encrypt(SECRET)) == SECRET


def test_it_refuses_a_malformed_key(settings):
    settings.FAUXSITE_SECRET_KEYS = ["not-a-fernet-key"]

    with pytest.raises(ImproperlyConfigured, match="Key 1 of FAUXSITE_SECRET_KEYS"):
        crypto.encrypt(SECRET)


# Fields that would inject connection options ---------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "/var/run/postgresql"),
        ("host", "@abstract-socket"),
        ("host", "db1.example.com,db2.example.com"),
        ("host", "db.example.com port=1"),
        ("host", "db.example.com'"),
        ("database", "app host=evil.example.com"),
        ("database", "postgresql://evil.example.com/app"),
        ("user", "reader password=x"),
        ("sslmode", "none"),
        ("options", "-c role=postgres"),
        ("options", "-c search_path=x -c session_authorization=postgres"),
        ("options", "--search_path=app"),
        ("options", "-c search_path=app' host=evil"),
    ],
)
def test_it_refuses_fields_that_inject_connection_options(field, value):
    with pytest.raises(ValidationError) as raised:
        source(**{field: value}).full_clean()

    assert field in raised.value.message_dict


def test_it_accepts_allowed_server_settings():
    assert hosts.server_settings("-c search_path=app,public -clock_timeout=2s") == [
        ("search_path", "app,public"), ("lock_timeout", "2s")
    ]


# Where a data source may point -------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "localhost", "::1", "::ffff:127.0.0.1", "0.0.0.0", "10.1.2.3",
     "172.16.0.5", "192.168.1.20", "169.254.10.10", "169.254.169.254", "fd00:ec2::254", "fe80::1",
     "100.64.1.1", "100.100.100.200"],
)
def test_it_refuses_internal_addresses(settings, host):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = []

    with pytest.raises(hosts.UnsafeDataSource):
        hosts.resolve(source(host=host))


def test_it_allows_a_public_address():
    assert hosts.resolve(source(host="93.184.215.14")).address == "93.184.215.14"


def test_the_allowlist_opens_named_hosts_and_networks(settings):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = ["10.0.0.0/8", "localhost", "169.254.0.0/16"]

    assert hosts.resolve(source(host="10.9.8.7")).address == "10.9.8.7"
    assert hosts.resolve(source(host="localhost")).host == "localhost"
    with pytest.raises(hosts.UnsafeDataSource, match="metadata"):
        hosts.resolve(source(host="169.254.169.254"))
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = ["169.254.169.254"]
    assert hosts.resolve(source(host="169.254.169.254")).address == "169.254.169.254"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_it_refuses_fauxsites_own_database_server(settings):
    databases = {alias: dict(config) for alias, config in settings.DATABASES.items()}
    databases["default"]["HOST"] = "93.184.215.14"
    settings.DATABASES = databases

    with pytest.raises(hosts.UnsafeDataSource, match="own database server"):
        hosts.resolve(source(host="93.184.215.14"))


def test_it_connects_to_the_address_it_checked():
    params = hosts.connection_parameters(source(host="93.184.215.14"), SECRET)

    assert params["hostaddr"] == "93.184.215.14"
    assert params["passfile"].startswith("/dev/null/")
    assert "statement_timeout=" in params["options"]


# libpq's environment -----------------------------------------------------------------


def test_no_pg_variable_redirects_or_changes_a_connection(monkeypatch, live_db, loopback):
    checked = make_source(live_db)
    for variable, value in {
        "PGHOST": "203.0.113.9", "PGHOSTADDR": "203.0.113.9", "PGPORT": "1", "PGDATABASE": "nope",
        "PGUSER": "nobody", "PGOPTIONS": "-c statement_timeout=1", "PGSSLMODE": "require",
        "PGSSLCERT": "/nonexistent/cert", "PGCONNECT_TIMEOUT": "1", "PGTARGETSESSIONATTRS": "read-only",
    }.items():
        monkeypatch.setenv(variable, value)

    result = try_connection(checked)

    assert result.ok, result.message
    with open_connection(checked) as connected:
        assert connected.execute("SHOW statement_timeout").fetchone()[0] == "5s"
        assert connected.info.dbname == live_db.name


def test_it_refuses_to_connect_when_pgservice_is_set(monkeypatch, live_db, loopback):
    checked = make_source(live_db)
    monkeypatch.setenv("PGSERVICE", "elsewhere")

    result = try_connection(checked)

    assert not result.ok
    assert "PGSERVICE" in result.message


def test_the_system_checks_flag_missing_keys(settings):
    settings.FAUXSITE_SECRET_KEYS = []
    assert [message.id for message in check_secret_keys_deploy()] == ["datasources.W001"]
    assert check_secret_keys() == []

    settings.FAUXSITE_PRODUCTION, settings.DEBUG = True, False

    assert [message.id for message in check_secret_keys()] == ["datasources.E001"]
