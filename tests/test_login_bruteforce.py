"""
The admin login, which /o/authorize/ uses, cannot be brute-forced.

N wrong passwords from one address, or for one username, and then even the
right password is refused (429, Retry-After) until the block ends. Over real
HTTP too, against a gunicorn server.
"""

from datetime import timedelta

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from access.models import Block
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_account(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)


def login(client, username, password, address="127.0.0.1"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_it_refuses_the_right_password_after_too_many_wrong_ones(admin_account, settings):
    settings.FAUXSITE_LOGIN_FAILURES_PER_USERNAME = "5/15m"
    client = Client()

    wrong = [login(client, "root", f"guess-{n}", address=f"198.51.100.{n}").status_code for n in range(5)]
    right = login(client, "root", PASSWORD, address="198.51.100.99")

    assert wrong == [200] * 5
    assert right.status_code == 429
    assert 800 < int(right["Retry-After"]) <= 901
    assert "_auth_user_id" not in client.session
    assert Block.objects.get().key == "login:root"


def test_it_blocks_an_address_trying_many_usernames(admin_account, settings):
    settings.FAUXSITE_LOGIN_FAILURES_PER_ADDRESS = "10/15m"
    client = Client()

    for n in range(10):
        login(client, f"user{n}", "guess")
    right = login(client, "root", PASSWORD)

    assert right.status_code == 429
    assert Block.objects.get().key == "ip:127.0.0.1"
    # Another address still logs in.
    assert login(Client(), "root", PASSWORD, address="203.0.113.5").status_code == 302


def test_it_lets_the_right_password_in_once_the_block_ends(admin_account):
    client = Client()
    for n in range(5):
        login(client, "root", f"guess-{n}")
    assert login(client, "root", PASSWORD).status_code == 429

    Block.objects.update(until=timezone.now() - timedelta(seconds=1))

    assert login(client, "root", PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session


def test_it_guards_the_login_that_authorize_sends_users_to(admin_account):
    client = Client()
    redirect = client.get("/o/authorize/?response_type=code&client_id=x")

    assert redirect.status_code == 302 and redirect["Location"].startswith("/admin/login/")
    for n in range(5):
        login(client, "root", f"guess-{n}")
    assert client.post(redirect["Location"], {"username": "root", "password": PASSWORD}).status_code == 429


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
def test_it_blocks_over_real_http(live_server, admin_account, settings):
    settings.FAUXSITE_LOGIN_FAILURES_PER_USERNAME = "5/15m"
    session = requests.Session()
    url = f"{live_server.url}/admin/login/"

    def attempt(password):
        session.get(url, timeout=10)
        return session.post(url, data={"username": "root", "password": password,
                                       "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                            headers={"Referer": url}, allow_redirects=False, timeout=10)

    wrong = [attempt(f"guess-{n}").status_code for n in range(5)]
    right = attempt(PASSWORD)

    assert wrong == [200] * 5
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    assert "sessionid" not in session.cookies
