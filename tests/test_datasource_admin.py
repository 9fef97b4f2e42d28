"""
Data sources in the admin and from the shell: the write-only password, the
"Test connection" action with plain reasons, and ``add_datasource``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from datasources.models import DataSource
from tests import test_live_support as support
from tests.postgres import PostgresUnavailable, _hand_to_owner, _run, free_port, in_ci, postgres_bin_dir
from tests.postgres import stop_cluster as stop_postgres
from tests.test_live_support import make_source

# No runtime alias is involved here: the test transaction on "default" is enough.
pytestmark = pytest.mark.django_db(databases=["default"])

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db


@pytest.fixture(autouse=True)
def loopback(settings):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FAUXSITE_LIVE_CONNECT_TIMEOUT = 2

SECRET = "correct-Horse-9"
CHANGELIST = "/admin/datasources/datasource/"


@pytest.fixture
def admin_client() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(scope="module")
def password_server() -> Iterator[tuple[int, str]]:
    """A real PostgreSQL that checks passwords (scram-sha-256): (port, superuser password)."""
    state_dir = Path(tempfile.mkdtemp(prefix="fauxsite-pg-scram-"))
    try:
        bin_dir = postgres_bin_dir()
        _hand_to_owner(state_dir)
        password_file = state_dir / "password"
        password_file.write_text(SECRET)
        _hand_to_owner(password_file)
        _run([str(bin_dir / "initdb"), "-D", str(state_dir / "data"), "-U", "postgres", "-A", "scram-sha-256",
              f"--pwfile={password_file}", "--no-instructions"])
        port = free_port()
        options = f"-p {port} -k {state_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run([str(bin_dir / "pg_ctl"), "-D", str(state_dir / "data"), "-l", str(state_dir / "server.log"),
              "-o", options, "-w", "-t", "60", "start"])
    except PostgresUnavailable as error:
        shutil.rmtree(state_dir, ignore_errors=True)
        if in_ci():
            pytest.fail(str(error), pytrace=False)
        pytest.skip(str(error))
    try:
        yield port, SECRET
    finally:
        stop_postgres(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)


def run_test_action(client: Client, source: DataSource) -> list[str]:
    response = client.post(
        CHANGELIST, {"action": "test_connection_action", "_selected_action": [source.pk]}, follow=True
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def scram_source(port: int, password: str, **changes) -> DataSource:
    values = {"name": "scram", "host": "127.0.0.1", "port": port, "database": "postgres",
              "user": "postgres", "sslmode": "disable"}
    checked = DataSource(**{**values, **changes})
    checked.set_password(password)
    checked.save()
    return checked


# Test connection ---------------------------------------------------------------------


def test_it_reports_a_working_connection(admin_client, password_server):
    port, password = password_server

    messages = run_test_action(admin_client, scram_source(port, password))

    assert messages[0].startswith("scram: connected to PostgreSQL")


def test_it_reports_wrong_credentials_without_the_secret(admin_client, password_server):
    port, _password = password_server
    wrong = "Wrong-Pa55-word"

    response = admin_client.post(
        CHANGELIST,
        {"action": "test_connection_action", "_selected_action": [scram_source(port, wrong).pk]},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["scram: Authentication failed for user 'postgres': check the user name and password."]
    assert wrong.encode() not in response.content


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"database": "no_such_database"}, "The database 'no_such_database' does not exist"),
        ({"user": "no_such_role"}, "the user 'no_such_role' does not exist"),
    ],
)
def test_it_reports_a_missing_database_or_user(admin_client, live_db, changes, reason):
    messages = run_test_action(admin_client, make_source(live_db, **changes))

    assert reason in messages[0]


def test_it_reports_a_refused_connection(admin_client, live_db):
    messages = run_test_action(admin_client, make_source(live_db, port=free_port()))

    assert "The connection was refused at 127.0.0.1:" in messages[0]


def test_it_reports_a_host_it_refuses_to_reach(admin_client, live_db, settings):
    checked = make_source(live_db)
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = []

    messages = run_test_action(admin_client, checked)

    assert "FAUXSITE_DATASOURCE_ALLOWED_HOSTS" in messages[0]


# The write-only password ---------------------------------------------------------------


def form_data(**changes) -> dict:
    return {"name": "shop", "host": "93.184.215.14", "port": "5432", "database": "shop", "user": "reader",
            "password": "", "sslmode": "require", "options": "", **changes}


def test_it_never_shows_the_password_back(admin_client):
    response = admin_client.post(f"{CHANGELIST}add/", form_data(password=SECRET))
    assert response.status_code == 302
    stored = DataSource.objects.get(name="shop")

    page = admin_client.get(f"{CHANGELIST}{stored.pk}/change/")

    assert page.status_code == 200
    assert SECRET.encode() not in page.content
    assert stored.password_encrypted.encode() not in page.content
    assert b"set (encrypted)" in page.content


def test_an_empty_password_field_keeps_the_password(admin_client):
    admin_client.post(f"{CHANGELIST}add/", form_data(password=SECRET))
    stored = DataSource.objects.get(name="shop")

    response = admin_client.post(f"{CHANGELIST}{stored.pk}/change/", form_data(user="writer"))

    assert response.status_code == 302
    changed = DataSource.objects.get(name="shop")
    assert (changed.user, changed.get_password()) == ("writer", SECRET)
    assert changed.revision == stored.revision + 1


def test_it_refuses_an_internal_host_in_the_form(admin_client, settings):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = []

    response = admin_client.post(f"{CHANGELIST}add/", form_data(host="169.254.169.254", password=SECRET))

    assert response.status_code == 200
    assert b"cloud metadata address" in response.content
    assert SECRET.encode() not in response.content
    assert not DataSource.objects.exists()


# add_datasource --------------------------------------------------------------------------


def test_add_datasource_reads_the_url_from_the_environment(monkeypatch, live_db, capsys):
    monkeypatch.setenv("WAREHOUSE_URL", f"postgresql://reporter:{SECRET}@127.0.0.1:{live_db.port}/{live_db.name}")

    call_command(
        "add_datasource", "warehouse", "--url-env", "WAREHOUSE_URL", "--read-only", "--sslmode", "disable"
    )

    stored = DataSource.objects.get(name="warehouse")
    assert (stored.user, stored.database, stored.read_only, stored.sslmode) == (
        "reporter", live_db.name, True, "disable"
    )
    assert stored.get_password() == SECRET
    assert SECRET not in stored.password_encrypted
    assert SECRET not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"postgresql://u:{SECRET}@a.example,b.example/db", "several hosts"),
        (f"postgresql://u:{SECRET}@db.example.com/db?passfile=/etc/x", "parameters fauxsite does not take"),
        (f"mysql://u:{SECRET}@db.example.com/db", "must start with postgresql://"),
        (f"postgresql://u:{SECRET}@10.0.0.1/db", "private"),
    ],
)
def test_add_datasource_refuses_unsafe_urls_without_echoing_them(monkeypatch, settings, url, message):
    settings.FAUXSITE_DATASOURCE_ALLOWED_HOSTS = []
    monkeypatch.setenv("BAD_URL", url)

    with pytest.raises(CommandError, match=message) as raised:
        call_command("add_datasource", "bad", "--url-env", "BAD_URL")

    assert SECRET not in str(raised.value)
    assert not DataSource.objects.exists()
