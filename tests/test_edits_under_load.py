"""
Schema edits while clients read fail no request, and deletes reach every worker.

Two gunicorn processes (one sync worker each) share the run's databases
(SQLite files, or PostgreSQL when the suite runs there). Four reader threads
list and fetch rows from both, without pause, while a separate process
renames, adds, retypes and removes fields through the change service: every
read must answer 200. A worker may hold the previous catalog for the length
of a request, so the fixtures table only ever changes in ways that catalog
can still read. Then the admin deletes several schemas at once, and each
worker answers 404 for them on its very next request, with no fixtures
table left behind.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest
import requests

from tests.servers import Account, ServerGroup, server_group_fixture
from tests.test_two_servers import AdminClient

pytestmark = pytest.mark.servers

ADMIN = Account("olivia", "correct-horse-battery-staple")
READERS = 4
ROUNDS = 6
ROWS = 200

# Four readers as fast as they go are a load test, not a client the rate limits are for.
NO_RATE_LIMITS = {"FAUXSITE_READ_RATE_LIMIT": "off", "FAUXSITE_WRITE_RATE_LIMIT": "off"}
servers = server_group_fixture(2, admin=ADMIN, environment=NO_RATE_LIMITS)

SETUP = """
from schemas import changes, seeding
for slug in ("notes", "shelves", "tags"):
    changes.create_schema(slug=slug, name=slug.title(), fields=[
        dict(name="title", type="string", max_length=80),
        dict(name="code", type="string", max_length=12, unique=True),
        dict(name="score", type="integer", min_value=0, max_value=99),
    ])
    seeding.seed(slug, {rows}, seed=1)
"""

# Each round is four operations, a pause after each, so readers overlap them all.
EDITS = """
import time
from schemas import changes
from schemas.models import Field, Schema

notes = Schema.objects.get(slug="notes")
def field(name):
    return Field.objects.get(schema=notes, name=name)

for round in range({rounds}):
    changes.rename_field(field("title" if round % 2 == 0 else "headline"),
                         "headline" if round % 2 == 0 else "title")
    time.sleep(0.15)
    changes.add_field(schema=notes, name="extra", type="string", max_length=8, unique=round % 3 == 0,
                      position=9)
    time.sleep(0.15)
    changes.update_field(field("extra"), type="integer", max_length=None, unique=False, min_value=0,
                         max_value=9)
    time.sleep(0.15)
    changes.update_field(field("score"), type="decimal" if round % 2 == 0 else "integer",
                         max_digits=6 if round % 2 == 0 else None,
                         decimal_places=1 if round % 2 == 0 else None)
    time.sleep(0.15)
    changes.remove_field(field("extra"))
    time.sleep(0.15)
print("edits done")
"""

FIXTURE_TABLES = """
from django.db import connections
with connections["fixtures"].cursor() as cursor:
    names = connections["fixtures"].introspection.table_names(cursor)
print(sorted(name for name in names if name.startswith("fx_")))
"""


def shell(servers: ServerGroup, code: str) -> str:
    return servers.manage("shell", "-c", code)


class Readers:
    """Threads that read without pause from every server until told to stop."""

    def __init__(self, urls: list[str], paths: list[str]):
        self.urls, self.paths = urls, paths
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._read, args=(n,)) for n in range(READERS)]

    def __enter__(self) -> Readers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def _read(self, number: int) -> None:
        session = requests.Session()
        count = number
        while not self._stop.is_set():
            url = f"{self.urls[count % len(self.urls)]}{self.paths[count % len(self.paths)]}"
            count += 1
            try:
                response = session.get(url, timeout=30)
                status, body = response.status_code, response.text
            except requests.RequestException as error:
                status, body = 0, str(error)
            with self._lock:
                self.statuses[status] += 1
                if status != 200:
                    self.failures.append(f"{url}: {status} {body[:300]}")


def test_edits_under_load_fail_no_request(servers: ServerGroup):
    shell(servers, SETUP.format(rows=ROWS))
    urls = [server.url for server in servers.servers]
    paths = ["/api/v1/notes/?page_size=50", "/api/v1/notes/7/", "/api/v1/notes/?ordering=-id&page=2"]
    editor = servers.start_manage("shell", "-c", EDITS.format(rounds=ROUNDS))

    with Readers(urls, paths) as readers:
        output = servers.finish(editor)
        time.sleep(0.5)

    assert "edits done" in output, output
    assert readers.total > 200, readers.statuses
    assert readers.failures == [], (
        f"{len(readers.failures)} of {readers.total} reads failed:\n" + "\n".join(readers.failures[:20])
    )
    print(f"0 failed reads of {readers.total} during {ROUNDS * 5} edits")
    # The readers saw the last edit: the field named as it ended, the extra field gone.
    row = requests.get(f"{urls[1]}/api/v1/notes/7/", timeout=10).json()
    assert set(row) == {"id", "title" if ROUNDS % 2 == 0 else "headline", "code", "score"}


def test_deleting_schemas_in_the_admin_reaches_every_worker_at_once(servers: ServerGroup):
    urls = [server.url for server in servers.servers]
    for url in urls:
        for slug in ("shelves", "tags"):
            assert requests.get(f"{url}/api/v1/{slug}/", timeout=10).status_code == 200
    output = shell(servers, "from schemas.models import Schema; import json; "
                            "print(json.dumps(dict(Schema.objects.values_list('slug', 'id'))))")
    ids = json.loads(output.strip().splitlines()[-1])
    admin = AdminClient(urls[0])
    admin.log_in(servers.admin)

    response = admin.session.post(admin.url("/admin/schemas/schema/"), data={
        "action": "delete_selected", "post": "yes",
        "_selected_action": [str(ids["shelves"]), str(ids["tags"])],
        "csrfmiddlewaretoken": admin.session.cookies["csrftoken"],
    }, headers={"Referer": admin.url("/admin/")}, allow_redirects=False, timeout=30)

    assert response.status_code == 302, response.text[:2000]
    for url in urls:
        for slug in ("shelves", "tags"):
            assert requests.get(f"{url}/api/v1/{slug}/", timeout=10).status_code == 404
        assert requests.get(f"{url}/api/v1/notes/", timeout=10).status_code == 200
    assert shell(servers, FIXTURE_TABLES).strip().splitlines()[-1] == str([f"fx_{ids['notes']}"])
