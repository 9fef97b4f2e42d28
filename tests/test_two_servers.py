"""
Schema edits made in the admin of one server are served by another, at once.

Two server processes (one worker each) share the databases. Every edit goes
through server A's admin change form, exactly as a person would post it;
server B, which has already served the old contract and built its classes,
must serve the new one on its very next request, with no restart: rows kept,
a renamed field's values kept, the OpenAPI document updated. A change the
admin refuses shows its message and changes nothing B serves.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
import requests

from tests.servers import Account, ServerGroup, server_group_fixture

pytestmark = pytest.mark.servers

ADMIN = Account("olivia", "correct-horse-battery-staple")
SCHEMA_ADD_PATH = "/admin/schemas/schema/add/"
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
FIELDS_PREFIX = "fields"
TEMPLATE_INDEX = "__prefix__"

servers = server_group_fixture(2, admin=ADMIN)
_slug_numbers = itertools.count(1)


# Reading the admin's forms --------------------------------------------------------


class FormReader(HTMLParser):
    """The values a browser would submit from one form: inputs, selects and textareas."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.values: dict[str, str] = {}
        self._inside = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._inside = attributes.get("id") == self.form_id
        if not self._inside:
            return
        if tag == "input":
            self._read_input(attributes)
        elif tag == "select" and attributes.get("name"):
            self._select, self._first_option = attributes["name"], None
        elif tag == "option" and self._select:
            self._read_option(attributes)
        elif tag == "textarea" and attributes.get("name"):
            self._textarea = attributes["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select" and self._select:
            # A select with nothing marked selected submits its first option.
            self.values.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def _read_input(self, attributes: dict[str, str]) -> None:
        name, kind = attributes.get("name"), attributes.get("type", "text")
        if not name or kind in ("submit", "button", "image", "file", "reset"):
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attributes:
                self.values[name] = attributes.get("value", "on")
            return
        self.values[name] = attributes.get("value", "")

    def _read_option(self, attributes: dict[str, str]) -> None:
        value = attributes.get("value", "")
        if self._first_option is None:
            self._first_option = value
        if "selected" in attributes:
            self.values[self._select] = value


def read_form(page: str, form_id: str = "schema_form") -> dict[str, str]:
    reader = FormReader(form_id)
    reader.feed(page)
    assert reader.values, f"No form #{form_id} in the page:\n{page[:2000]}"
    return reader.values


@dataclass
class SchemaForm:
    """The admin's schema change form as posted data, with its inline field forms."""

    values: dict[str, str]

    def field_index(self, name: str) -> int:
        for index in range(self.total_forms):
            if self.values.get(f"{FIELDS_PREFIX}-{index}-name") == name:
                return index
        raise AssertionError(f"The form has no field {name!r}: {self.values}")

    @property
    def total_forms(self) -> int:
        return int(self.values[f"{FIELDS_PREFIX}-TOTAL_FORMS"])

    def add_field(self, **options: str | bool) -> None:
        """A new inline form, filled from the empty form the admin renders for "Add another"."""
        index = self.total_forms
        template = f"{FIELDS_PREFIX}-{TEMPLATE_INDEX}-"
        for key, value in list(self.values.items()):
            if key.startswith(template):
                self.values[f"{FIELDS_PREFIX}-{index}-{key.removeprefix(template)}"] = value
        self.values[f"{FIELDS_PREFIX}-TOTAL_FORMS"] = str(index + 1)
        self.change_field(index, **options)

    def change_field(self, index: int, **options: str | bool) -> None:
        for option, value in options.items():
            key = f"{FIELDS_PREFIX}-{index}-{option}"
            if value is True:
                self.values[key] = "on"
            elif value is False:
                self.values.pop(key, None)
            else:
                self.values[key] = value

    def posted(self) -> dict[str, str]:
        data = {key: value for key, value in self.values.items() if TEMPLATE_INDEX not in key}
        data["_save"] = "Save"
        return data


# Talking to the servers -----------------------------------------------------------


class AdminClient:
    """A logged-in admin session on one server, as a browser would hold it: forms and the API."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def log_in(self, account: Account) -> None:
        self.session.get(self.url("/admin/login/"), timeout=10).raise_for_status()
        response = self.session.post(
            self.url("/admin/login/?next=/admin/"),
            data={"username": account.username, "password": account.password, "next": "/admin/",
                  "csrfmiddlewaretoken": self.session.cookies["csrftoken"]},
            timeout=10,
        )
        assert response.url == self.url("/admin/"), f"Login failed:\n{response.text[:2000]}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def schema_form(self, path: str) -> SchemaForm:
        response = self.session.get(self.url(path), timeout=10)
        assert response.status_code == 200, response.text[:2000]
        return SchemaForm(read_form(response.text))

    def submit(self, path: str, form: SchemaForm) -> requests.Response:
        response = self.session.post(self.url(path), data=form.posted(), headers=self._csrf_headers(),
                                     allow_redirects=False, timeout=30)
        if response.status_code == 200 and 'name="_contract_confirm"' in response.text:
            # A breaking change: Apply on the confirmation page, as a person would.
            carried = [(html.unescape(n), html.unescape(v)) for n, v in HIDDEN_INPUT.findall(response.text)]
            response = self.session.post(self.url(path), data=carried, headers=self._csrf_headers(),
                                         allow_redirects=False, timeout=30)
        return response

    def post_json(self, path: str, body: dict) -> requests.Response:
        return self.session.post(self.url(path), json=body, headers=self._csrf_headers(), timeout=10)

    def _csrf_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.session.cookies["csrftoken"], "Referer": self.url("/admin/")}


def saved(response: requests.Response) -> None:
    assert response.status_code == 302, f"The admin did not save:\n{admin_errors(response.text)}"


def admin_errors(page: str) -> str:
    """The text of the page's error lists and messages, for assertions and failure output."""
    reader = _ErrorReader()
    reader.feed(page)
    return "\n".join(reader.errors) or page[:3000]


class _ErrorReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self._depth:
            self._depth += 1
        elif {"errorlist", "errornote", "error"} & set(classes):
            self._depth = 1
            self.errors.append("")

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.errors[-1] += data.strip() + " "


def rows(base_url: str, slug: str) -> dict:
    response = requests.get(f"{base_url}/api/v1/{slug}/?page_size=100", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def documented_properties(base_url: str, slug: str) -> dict[str, dict]:
    """The properties of a row of ``slug`` in the server's OpenAPI document."""
    response = requests.get(f"{base_url}/api/schema/?format=json", timeout=30)
    assert response.status_code == 200, response.text[:2000]
    document = response.json()
    operation = document["paths"][f"/api/v1/{slug}/{{id}}/"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = reference.removeprefix("#/components/schemas/")
    return document["components"]["schemas"][component]["properties"]


# Fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_a(servers: ServerGroup) -> AdminClient:
    client = AdminClient(servers.servers[0].url)
    client.log_in(servers.admin)
    return client


@pytest.fixture(scope="module")
def admin_b(servers: ServerGroup) -> AdminClient:
    client = AdminClient(servers.servers[1].url)
    client.log_in(servers.admin)
    return client


@pytest.fixture
def server_b(servers) -> str:
    return servers.servers[1].url


@dataclass
class CreatedSchema:
    slug: str
    change_path: str
    rows: list[dict]


@pytest.fixture
def pets(admin_a: AdminClient, server_b: str) -> CreatedSchema:
    """A schema made in A's admin with three rows posted to A's API, already served by B once."""
    slug = f"pets-{next(_slug_numbers)}"
    form = admin_a.schema_form(SCHEMA_ADD_PATH)
    form.values.update(slug=slug, name="Pets")
    form.add_field(name="title", type="string", position="1", max_length="40")
    form.add_field(name="species", type="enum", position="2", choices='["cat", "dog"]')
    response = admin_a.submit(SCHEMA_ADD_PATH, form)
    saved(response)

    created = []
    for title, species in [("Tom", "cat"), ("Rex", "dog"), ("Felix", "cat")]:
        response = admin_a.post_json(f"/api/v1/{slug}/", {"title": title, "species": species})
        assert response.status_code == 201, response.text
        created.append(response.json())

    # B builds its classes and its document for this version before any edit.
    assert rows(server_b, slug)["count"] == 3
    assert set(documented_properties(server_b, slug)) == {"id", "title", "species"}
    return CreatedSchema(slug, _change_path(admin_a, slug), created)


def _change_path(admin: AdminClient, slug: str) -> str:
    response = admin.session.get(admin.url(f"/admin/schemas/schema/?q={slug}"), timeout=10)
    links = _LinkReader("/admin/schemas/schema/")
    links.feed(response.text)
    matches = [href for href, text in links.links if text == slug and href.endswith("/change/")]
    assert len(matches) == 1, f"No change link for {slug} in the list: {links.links}"
    return matches[0]


class _LinkReader(HTMLParser):
    def __init__(self, prefix: str):
        super().__init__(convert_charrefs=True)
        self.prefix = prefix
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith(self.prefix):
            self._href = href
            self.links.append((href, ""))

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        if self._href:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data.strip())


def by_id(listing: dict) -> dict[int, dict]:
    return {row["id"]: row for row in listing["results"]}


# Tests ----------------------------------------------------------------------------


def test_it_serves_a_schema_made_in_one_servers_admin_from_the_other(pets, server_b):
    listing = rows(server_b, pets.slug)

    assert listing["count"] == 3
    assert by_id(listing) == {row["id"]: row for row in pets.rows}
    assert [row["title"] for row in listing["results"]] == ["Tom", "Rex", "Felix"]


def test_it_serves_a_rename_from_the_other_server_keeping_the_values(admin_a, pets, server_b):
    form = admin_a.schema_form(pets.change_path)
    form.change_field(form.field_index("title"), name="nickname")

    saved(admin_a.submit(pets.change_path, form))

    listing = rows(server_b, pets.slug)
    assert listing["count"] == 3
    assert {row_id: row["nickname"] for row_id, row in by_id(listing).items()} == {
        row["id"]: row["title"] for row in pets.rows
    }
    assert all("title" not in row for row in listing["results"])
    assert set(documented_properties(server_b, pets.slug)) == {"id", "nickname", "species"}


def test_it_serves_an_added_field_from_the_other_server_on_existing_rows(admin_a, pets, server_b):
    form = admin_a.schema_form(pets.change_path)
    form.add_field(name="age", type="integer", position="3", min_value="0", max_value="30")

    saved(admin_a.submit(pets.change_path, form))

    listing = rows(server_b, pets.slug)
    assert listing["count"] == 3
    for row in listing["results"]:
        assert set(row) == {"id", "title", "species", "age"}
        # Existing rows get mock values within the new field's limits.
        assert row["age"] is None or 0 <= row["age"] <= 30
    assert by_id(listing).keys() == {row["id"] for row in pets.rows}
    assert documented_properties(server_b, pets.slug)["age"]["type"] == "integer"


def test_it_enforces_a_tighter_max_length_on_the_other_server(admin_a, admin_b, pets, server_b):
    form = admin_a.schema_form(pets.change_path)
    form.change_field(form.field_index("title"), max_length="4")

    saved(admin_a.submit(pets.change_path, form))

    refused = admin_b.post_json(f"/api/v1/{pets.slug}/", {"title": "Garfield", "species": "cat"})
    assert refused.status_code == 400, refused.text
    assert "title" in refused.json()["errors"]
    listing = rows(server_b, pets.slug)
    assert listing["count"] == 3
    titles = [row["title"] for row in listing["results"]]
    # "Felix" no longer fits and gets a value that does; the others are kept.
    assert titles[:2] == ["Tom", "Rex"]
    assert titles[2] != "Felix" and len(titles[2]) <= 4
    assert documented_properties(server_b, pets.slug)["title"]["maxLength"] == 4


def test_it_accepts_a_new_enum_choice_on_the_other_server(admin_a, admin_b, pets, server_b):
    before = admin_b.post_json(f"/api/v1/{pets.slug}/", {"title": "Nemo", "species": "fish"})
    assert before.status_code == 400, before.text
    form = admin_a.schema_form(pets.change_path)
    form.change_field(form.field_index("species"), choices='["cat", "dog", "fish"]')

    saved(admin_a.submit(pets.change_path, form))

    after = admin_b.post_json(f"/api/v1/{pets.slug}/", {"title": "Nemo", "species": "fish"})
    assert after.status_code == 201, after.text
    assert after.json()["species"] == "fish"
    assert documented_properties(server_b, pets.slug)["species"]["enum"] == ["cat", "dog", "fish"]


def test_it_stops_serving_a_removed_field_on_the_other_server(admin_a, pets, server_b):
    form = admin_a.schema_form(pets.change_path)
    form.change_field(form.field_index("species"), DELETE=True)

    saved(admin_a.submit(pets.change_path, form))

    listing = rows(server_b, pets.slug)
    assert listing["count"] == 3
    assert [sorted(row) for row in listing["results"]] == [["id", "title"]] * 3
    assert [row["title"] for row in listing["results"]] == ["Tom", "Rex", "Felix"]
    assert set(documented_properties(server_b, pets.slug)) == {"id", "title"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "id"}, "'id' is reserved; choose another name."),
        ({"min_length": "50"}, "Must not exceed max_length."),
    ],
    ids=["reserved-name", "min-over-max"],
)
def test_it_shows_a_refused_change_and_the_other_server_serves_the_old_contract(
    admin_a, pets, server_b, change, message
):
    listing_before = rows(server_b, pets.slug)
    form = admin_a.schema_form(pets.change_path)
    form.change_field(form.field_index("title"), **change)

    response = admin_a.submit(pets.change_path, form)

    assert response.status_code == 200, "The admin saved a change it must refuse"
    assert message in html.unescape(response.text), admin_errors(response.text)
    assert rows(server_b, pets.slug) == listing_before
    assert documented_properties(server_b, pets.slug)["title"]["maxLength"] == 40
