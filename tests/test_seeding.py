"""Mock rows: seed, reset, fill_column, the seed and reset_rows commands, the admin actions."""

import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import psycopg
import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from faker import Faker
from faker.providers.person.en_US import Provider as EnglishNames

from schemas import admin_actions, mock_values, seeding
from schemas.admin import SchemaAdmin
from schemas.catalog import current_catalog
from schemas.changes import add_field, create_schema, save_field
from schemas.models import Field, Schema
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

EVERY_TYPE = [
    dict(name="first_name", type="string", max_length=40),
    dict(name="code", type="string", pattern=r"^[A-Z]{3}-[0-9]{4}$", unique=True),
    dict(name="nickname", type="string", min_length=12, max_length=15, nullable=True),
    dict(name="tag", type="string", max_length=6, unique=True),
    dict(name="bio", type="text", max_length=120, required=False),
    dict(name="email", type="email", unique=True),
    dict(name="homepage", type="url", max_length=60),
    dict(name="age", type="integer", min_value=18, max_value=99),
    dict(name="rank", type="integer", unique=True),
    dict(name="price", type="decimal", max_digits=5, decimal_places=2, min_value="0.50"),
    dict(name="ratio", type="float", min_value="-1", max_value="1"),
    dict(name="active", type="boolean"),
    dict(name="born", type="date"),
    dict(name="seen", type="datetime", unique=True),
    dict(name="wakes", type="time"),
    dict(name="token", type="uuid", unique=True),
    dict(name="size", type="enum", choices=["s", "m", "l"]),
    dict(name="extra", type="json", required=False),
]


def make_schema(slug, fields, **options):
    schema = create_schema(slug=slug, name=slug.title(), **options)
    for position, field_options in enumerate(fields, start=1):
        add_field(schema=schema, position=position, **field_options)
    return schema


def resource(slug):
    return current_catalog().get(slug)


def rows(slug):
    model = resource(slug).model
    names = [field.attname for field in model._meta.concrete_fields if field.name != "id"]
    return list(model.objects.order_by("pk").values_list(*names))


def assert_valid(slug):
    """Every stored value passes its model field's checks, as the API model defines them."""
    model = resource(slug).model
    for row in model.objects.all():
        for model_field in model._meta.concrete_fields:
            if model_field.name != "id":
                value = getattr(row, model_field.attname)
                if model_field.is_relation:
                    assert value is not None or model_field.null, model_field.name
                else:
                    model_field.clean(value, row)


def test_it_gives_the_same_rows_for_the_same_seed():
    make_schema("people", EVERY_TYPE)

    seeding.seed("people", 40, seed=7)
    first = rows("people")
    seeding.seed("people", 40, seed=7, reset=True)
    again = rows("people")
    seeding.seed("people", 40, seed=8, reset=True)
    other = rows("people")

    assert len(first) == 40
    assert again == first
    assert other != first


SEED_IN_A_NEW_PROCESS = """
import django, json, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from schemas import seeding
from schemas.catalog import current_catalog
from schemas.changes import add_field, create_schema
schema = create_schema(slug="people", name="People")
for position, options in enumerate(json.loads(sys.argv[1]), start=1):
    add_field(schema=schema, position=position, **options)
seeding.seed("people", 30, seed=11)
model = current_catalog().get("people").model
print(json.dumps(list(model.objects.order_by("pk").values()), default=str))
"""


def seed_in_a_new_process(tmp_path, hash_seed: str) -> list:
    fields = [*EVERY_TYPE, dict(name="mark", type="string", pattern=r"^[^a-z0-9]\W[^A-Z]$")]
    data_dir = tmp_path / hash_seed
    environment = {**os.environ, "PYTHONHASHSEED": hash_seed, "FAUXSITE_DATA_DIR": str(data_dir),
                   "DJANGO_SETTINGS_MODULE": "fauxsite.settings"}
    for variable in ("DATABASE_URL", "FIXTURES_DATABASE_URL"):
        environment.pop(variable, None)
    completed = subprocess.run(
        [sys.executable, "-c", SEED_IN_A_NEW_PROCESS, json.dumps(fields)],
        env=environment, capture_output=True, text=True, timeout=300, check=True,
    )
    return json.loads(completed.stdout)


@pytest.mark.django_db(databases=[])
def test_it_gives_the_same_rows_in_processes_with_different_hash_seeds(tmp_path):
    assert seed_in_a_new_process(tmp_path, "1") == seed_in_a_new_process(tmp_path, "2")


def test_it_honours_every_constraint(api):
    make_schema("people", EVERY_TYPE)

    inserted = seeding.seed("people", 300, seed=1)

    assert inserted == 300
    assert_valid("people")
    model = resource("people").model
    for name in ("code", "tag", "email", "rank", "seen", "token"):
        values = list(model.objects.values_list(name, flat=True))
        assert len(set(values)) == len(values) == 300, name
    nicknames = list(model.objects.values_list("nickname", flat=True))
    assert 0 < nicknames.count(None) < 100
    assert all(seen.tzinfo is not None and seen.utcoffset().total_seconds() == 0
               for seen in model.objects.values_list("seen", flat=True))
    assert api.get("/api/v1/people/?page_size=100").status_code == 200


def test_it_picks_providers_from_field_names_and_the_schema_locale():
    make_schema("people", [dict(name="first_name", type="string"), dict(name="email", type="email")])
    make_schema("jinbutsu", [dict(name="name", type="string")], locale="ja_JP")

    seeding.seed("people", 50, seed=2)
    seeding.seed("jinbutsu", 20, seed=2)

    english_first_names = set(EnglishNames.first_names)
    people = resource("people").model.objects.all()
    assert all(person.first_name in english_first_names for person in people)
    assert all(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", person.email) for person in people)
    names = resource("jinbutsu").model.objects.values_list("name", flat=True)
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", name) for name in names)


def test_it_uses_the_faker_provider_chosen_for_a_field():
    make_schema("places", [dict(name="where", type="string", faker="city"),
                           dict(name="lat", type="decimal", max_digits=9, decimal_places=6,
                                faker="latitude")])

    seeding.seed("places", 30, seed=3)

    model = resource("places").model
    assert all(" " in where or where.istitle() for where in model.objects.values_list("where", flat=True))
    latitudes = list(model.objects.values_list("lat", flat=True))
    assert all(-90 <= lat <= 90 for lat in latitudes)
    assert any(lat < 0 for lat in latitudes)
    assert_valid("places")


def test_it_seeds_an_empty_referenced_schema_first(api, library):
    inserted = seeding.seed("books", 20, seed=1)

    assert inserted == 20
    author_ids = set(resource("authors").model.objects.values_list("pk", flat=True))
    assert len(author_ids) == 20
    book_authors = set(resource("books").model.objects.values_list("author_id", flat=True))
    assert book_authors <= author_ids
    assert len(book_authors) > 1
    assert_valid("books")
    assert api.get("/api/v1/books/?page_size=20&expand=author").json()["count"] == 20


def test_it_points_references_at_the_rows_already_there(library):
    seeding.seed("authors", 3, seed=1)
    author_ids = set(resource("authors").model.objects.values_list("pk", flat=True))

    seeding.seed("books", 30, seed=1)

    assert resource("authors").model.objects.count() == 3
    assert set(resource("books").model.objects.values_list("author_id", flat=True)) == author_ids


def test_it_seeds_referenced_schemas_first_when_seeding_several(library):
    results = seeding.seed_many([], 10, seed=1)

    assert [(result.slug, result.rows) for result in results] == [("authors", 10), ("books", 10)]
    ordered = seeding.order_by_references([resource("books"), resource("authors")])
    assert [table.schema.slug for table in ordered] == ["authors", "books"]


def test_it_points_a_self_reference_at_rows_of_the_same_table():
    staff = make_schema("staff", [dict(name="name", type="string")])
    add_field(schema=staff, name="manager", type="reference", to=staff)
    add_field(schema=staff, name="mentor", type="reference", to=staff, nullable=True)

    seeding.seed("staff", 25, seed=4, batch_size=10)

    model = resource("staff").model
    first = model.objects.order_by("pk").first()
    assert first.manager_id == first.pk
    assert first.mentor_id is None
    ids = set(model.objects.values_list("pk", flat=True))
    assert set(model.objects.values_list("manager_id", flat=True)) <= ids
    assert set(model.objects.exclude(mentor=None).values_list("mentor_id", flat=True)) <= ids
    assert len(ids) == 25


def test_it_avoids_unique_values_already_in_the_table(library):
    seeding.seed("authors", 30, seed=5)
    emails = list(resource("authors").model.objects.values_list("email", flat=True))
    seeding.reset("authors")
    model = resource("authors").model
    model.objects.bulk_create([model(name="Taken", email=email) for email in emails[::2]])

    seeding.seed("authors", 30, seed=5)

    stored = list(model.objects.values_list("email", flat=True))
    assert len(stored) == 45
    assert len(set(stored)) == 45


def test_it_says_when_a_unique_field_has_no_value_left():
    make_schema("seats", [dict(name="number", type="integer", unique=True, min_value=1, max_value=5)])
    seeding.seed("seats", 5, seed=1)

    with pytest.raises(seeding.SeedError, match=r"seats\.number is unique and has no value left"):
        seeding.seed("seats", 1, seed=2)

    assert sorted(resource("seats").model.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


def test_it_fills_a_required_field_added_to_a_table_with_rows(library):
    authors, _books = library
    seeding.seed("authors", 40, seed=1)

    add_field(schema=authors, name="born", type="integer", min_value=1900, max_value=2000)
    add_field(schema=authors, name="handle", type="string", max_length=8, unique=True)

    assert_valid("authors")
    model = resource("authors").model
    assert not model.objects.filter(born=None).exists()
    handles = list(model.objects.values_list("handle", flat=True))
    assert None not in handles
    assert len(set(handles)) == 40


def test_it_fills_a_reference_added_to_a_table_with_rows(library):
    _authors, books = library
    seeding.seed("books", 15, seed=1)
    editors = make_schema("editors", [dict(name="name", type="string")])

    add_field(schema=books, name="editor", type="reference", to=editors)

    editor_ids = set(resource("editors").model.objects.values_list("pk", flat=True))
    assert len(editor_ids) == 15
    assert set(resource("books").model.objects.values_list("editor_id", flat=True)) <= editor_ids


def test_it_replaces_values_a_tighter_constraint_made_invalid(library):
    authors, _books = library
    seeding.seed("authors", 30, seed=1)
    name = Field.objects.get(schema=authors, name="name")
    long_before = resource("authors").model.objects.filter(name__regex=r"^.{7,}$").count()

    name.max_length = 6
    save_field(name)

    assert long_before > 0
    assert_valid("authors")
    assert not resource("authors").model.objects.filter(name=None).exists()


def test_it_resets_rows():
    make_schema("notes", [dict(name="text", type="text")])
    seeding.seed("notes", 12, seed=1)

    assert seeding.reset("notes") == 12
    assert resource("notes").model.objects.count() == 0


def test_it_refuses_to_reset_rows_that_others_refer_to(library):
    seeding.seed("books", 5, seed=1)

    with pytest.raises(seeding.SeedError, match="5 rows of 'books' refer to rows of 'authors'"):
        seeding.reset("authors")

    assert seeding.reset_many(["authors", "books"]) == [("books", 5), ("authors", 5)]


def test_it_reports_rows_and_speed_per_schema_from_the_command(library):
    out, err = io.StringIO(), io.StringIO()

    call_command("seed", "books", count=7, seed=3, stdout=out, stderr=err)

    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"authors: 7 rows inserted in \d+\.\d\d s \([\d,]+ rows/s\)", lines[0])
    assert re.fullmatch(r"books: 7 rows inserted in \d+\.\d\d s \([\d,]+ rows/s\)", lines[1])
    assert err.getvalue() == ""
    assert resource("books").model.objects.count() == 7


def test_it_gives_the_same_rows_from_the_command_for_the_same_seed(library):
    call_command("seed", count=10, seed=9, stdout=io.StringIO())
    first = rows("authors")

    call_command("seed", count=10, seed=9, reset=True, stdout=io.StringIO())

    assert rows("authors") == first
    assert resource("books").model.objects.count() == 10


def read_all(fd) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # Linux reports the closed terminal side as EIO
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode()


def test_it_shows_a_progress_bar_on_a_terminal_only(library):
    controller, terminal_fd = os.openpty()
    with open(terminal_fd, "w") as terminal:
        call_command("seed", "authors", count=30, batch_size=10, stdout=io.StringIO(), stderr=terminal)
        call_command("seed", "authors", count=5, no_progress=True, stdout=io.StringIO(), stderr=terminal)
        terminal.write("END")
    shown = read_all(controller)

    assert re.search(r"authors: +\d+%.*\| *\d+/30", shown)
    assert "/5" not in shown
    assert shown.endswith("END")


def test_it_reports_each_batch_to_the_progress_callable(library):
    batches = []

    seeding.seed("authors", 10, seed=1, batch_size=4, progress=batches.append)

    assert batches == [4, 4, 2]


def test_it_names_an_unknown_slug_in_the_command_error(library):
    with pytest.raises(CommandError, match="No schema has the slug 'nope'"):
        call_command("seed", "books", "nope", stdout=io.StringIO())

    assert resource("books").model.objects.count() == 0


def test_it_reports_rows_deleted_from_the_reset_rows_command(library):
    seeding.seed("books", 4, seed=1)
    out = io.StringIO()

    call_command("reset_rows", stdout=out)

    assert out.getvalue() == "books: 4 rows deleted\nauthors: 4 rows deleted\n"


def admin_request():
    request = RequestFactory().post("/admin/schemas/schema/")
    request._messages = CookieStorage(request)
    return request


def test_it_seeds_and_deletes_rows_from_the_admin_actions(library):
    schema_admin = SchemaAdmin(Schema, AdminSite())
    request = admin_request()

    admin_actions.seed_rows(schema_admin, request, Schema.objects.filter(slug="books"))
    admin_actions.reset_rows(schema_admin, request, Schema.objects.all())

    assert [str(message) for message in get_messages(request)] == [
        "Seeded 100 mock rows: 50 into authors, 50 into books.",
        "Deleted 100 mock rows: 50 from books, 50 from authors.",
    ]
    assert resource("authors").model.objects.count() == 0


def test_it_says_in_the_admin_why_nothing_was_deleted(library):
    seeding.seed("books", 2, seed=1)
    request = admin_request()

    admin_actions.reset_rows(SchemaAdmin(Schema, AdminSite()), request, Schema.objects.filter(slug="authors"))

    [message] = get_messages(request)
    assert str(message).startswith("No rows were deleted. 2 rows of 'books' refer to rows of 'authors'")
    assert resource("authors").model.objects.count() == 2


def test_it_seeds_aware_datetimes_in_a_fixed_window():
    make_schema("events", [dict(name="at", type="datetime")])

    seeding.seed("events", 20, seed=1)

    for at in resource("events").model.objects.values_list("at", flat=True):
        assert datetime(2015, 1, 1, tzinfo=UTC) <= at < datetime(2026, 1, 1, tzinfo=UTC)


# Bulk seeding: statements, uniqueness in bounded memory, streams -------------------------


def fixtures_vendor():
    return connections["fixtures"].vendor


def test_it_inserts_each_batch_with_one_statement_on_sqlite():
    if fixtures_vendor() != "sqlite":
        pytest.skip("the fixtures database is not SQLite")
    make_schema("notes", [dict(name="text", type="string", max_length=30)])
    make_schema("readings", [dict(name="value", type="float")])

    def inserts(slug):
        with CaptureQueriesContext(connections["fixtures"]) as queries:
            seeding.seed(slug, 25, seed=1, batch_size=10)
        assert resource(slug).model.objects.count() == 25
        return [query["sql"] for query in queries if "INSERT" in query["sql"]]

    # Text goes as one JSON parameter per batch; floats, which JSON does not carry exactly, by executemany.
    assert [" FROM json_each(" in insert for insert in inserts("notes")] == [True, True, True]
    assert [insert.split(":")[0] for insert in inserts("readings")] == ["10 times", "10 times", "5 times"]


def test_it_gives_back_the_page_cache_it_took_on_sqlite():
    if fixtures_vendor() != "sqlite":
        pytest.skip("the fixtures database is not SQLite")
    make_schema("people", [dict(name="email", type="email", unique=True)])
    connection = connections["fixtures"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]

    seeding.seed("people", 30, seed=1)

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == before != -seeding.SQLITE_SEEDING_CACHE_KIB
    assert resource("people").model.objects.count() == 30


def test_it_inserts_every_batch_with_one_copy_on_postgresql_unless_a_batch_reads_the_table(monkeypatch):
    if fixtures_vendor() != "postgresql":
        pytest.skip("the fixtures database is not PostgreSQL")
    make_schema("notes", [dict(name="text", type="string", max_length=30),
                          dict(name="extra", type="json", required=False),
                          dict(name="at", type="datetime"), dict(name="token", type="uuid"),
                          dict(name="email", type="email", unique=True)])
    # A unique name is checked against the batches already in the table.
    make_schema("names", [dict(name="name", type="string", faker="first_name", unique=True)])
    copies = []
    copy = psycopg.Cursor.copy
    monkeypatch.setattr(psycopg.Cursor, "copy", lambda self, statement, *a, **k: (
        copies.append(str(statement)), copy(self, statement, *a, **k))[1])

    with CaptureQueriesContext(connections["fixtures"]) as queries:
        seeding.seed("notes", 25, seed=1, batch_size=10)
    in_one = len(copies)
    seeding.seed("names", 1200, seed=1, batch_size=500)

    assert in_one == 1
    assert len(copies) == 4
    assert all(statement.startswith("COPY ") for statement in copies)
    assert not [query for query in queries if "INSERT" in query["sql"]]
    assert resource("notes").model.objects.count() == 25
    names = list(resource("names").model.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names) == 1200
    assert_valid("notes")


def test_it_reads_back_what_it_inserted_as_the_orm_wrote_it(api):
    make_schema("people", EVERY_TYPE)
    seeding.seed("people", 60, seed=3)
    model = resource("people").model
    stored = list(model.objects.order_by("pk"))

    # Writing the same values through the ORM and reading them back changes none.
    names = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    copies = [model(**{name: getattr(row, name) for name in names}) for row in stored]
    model.objects.all().delete()
    model.objects.bulk_create(copies)

    assert rows("people") == [tuple(getattr(row, name) for name in names) for row in stored]
    assert api.get("/api/v1/people/?page_size=60").status_code == 200


def test_it_fills_a_unique_range_exactly_where_random_draws_would_repeat():
    # 3,000 random draws from 3,000 values repeat about 1,100 times.
    make_schema("seats", [dict(name="number", type="integer", unique=True, min_value=1, max_value=3000),
                          dict(name="day", type="date", unique=True, nullable=True)])

    seeding.seed("seats", 3000, seed=1, batch_size=700)

    model = resource("seats").model
    assert sorted(model.objects.values_list("number", flat=True)) == list(range(1, 3001))
    days = [day for day in model.objects.values_list("day", flat=True) if day is not None]
    assert len(set(days)) == len(days) > 2500
    with pytest.raises(seeding.SeedError, match=r"seats\.number is unique and has no value left"):
        seeding.seed("seats", 1, seed=2)


def test_it_keeps_provider_text_unique_across_batches_when_the_provider_repeats():
    # About 700 English first names: 4,000 draws repeat each of them many times.
    make_schema("people", [dict(name="first_name", type="string", max_length=12, unique=True),
                           dict(name="email", type="email", unique=True),
                           dict(name="word", type="string", faker="word", max_length=8, unique=True)])

    seeding.seed("people", 4000, seed=1, batch_size=900)

    model = resource("people").model
    for name in ("first_name", "email", "word"):
        values = list(model.objects.values_list(name, flat=True))
        assert len(set(values)) == len(values) == 4000, name
    # A repeated name gets a numbered variant, cut to fit max_length.
    bases = {re.fullmatch(r"(\w+?)(-\d+)?", name).group(1)
             for name in model.objects.values_list("first_name", flat=True)}
    assert all(any(known.startswith(base) for known in EnglishNames.first_names) for base in bases)
    assert_valid("people")


def test_it_gives_each_row_its_own_referenced_row_for_a_unique_reference():
    authors = make_schema("authors", [dict(name="name", type="string")])
    make_schema("profiles", [dict(name="author", type="reference", to=authors, unique=True)])
    seeding.seed("authors", 50, seed=1)

    seeding.seed("profiles", 50, seed=1, batch_size=15)

    referenced = list(resource("profiles").model.objects.values_list("author_id", flat=True))
    assert sorted(referenced) == sorted(resource("authors").model.objects.values_list("pk", flat=True))
    with pytest.raises(seeding.SeedError, match="must reference a row, and the referenced schema has none"):
        seeding.seed("profiles", 1, seed=2)


def test_it_gives_the_same_values_whatever_the_batch_size():
    make_schema("people", [field for field in EVERY_TYPE if not field.get("unique")])

    seeding.seed("people", 50, seed=5, batch_size=7)
    small = rows("people")
    seeding.seed("people", 50, seed=5, batch_size=1000, reset=True)

    assert rows("people") == small


def test_it_draws_faker_values_unchanged_only_faster():
    stock = Faker("en_US")
    stock.seed_instance(3)
    seeded = mock_values.seeded_faker("en_US", 3)

    for provider in ("name", "email", "city", "address", "sentence", "company", "job"):
        assert [getattr(seeded, provider)() for _ in range(200)] == [
            getattr(stock, provider)() for _ in range(200)
        ], provider


def test_it_takes_ids_as_the_database_would_after_seeding_a_self_reference():
    staff = make_schema("staff", [dict(name="name", type="string")])
    add_field(schema=staff, name="manager", type="reference", to=staff)
    seeding.seed("staff", 5, seed=1)
    seeding.reset("staff")

    seeding.seed("staff", 5, seed=1, batch_size=2)
    model = resource("staff").model
    created = model.objects.create(name="Next", manager_id=6)

    assert sorted(model.objects.values_list("pk", flat=True)) == [6, 7, 8, 9, 10, 11]
    assert created.pk == 11
    assert set(model.objects.values_list("manager_id", flat=True)) <= {6, 7, 8, 9, 10}


def email_column(slug, field_name, *, capacity, first_names=None, last_names=None, seed=1):
    """A unique email column drawn from an English Faker, with name lists cut down when given."""
    faker = mock_values.seeded_faker("en_US", seed)
    person = next(p for p in faker.factories[0].get_providers() if hasattr(p, "last_names"))
    if first_names is not None:
        person.first_names, person.last_names = first_names, last_names
    table = resource(slug)
    field = next(f for f in table.fields if f.name == field_name)
    context = mock_values.GenerationContext(faker, slug, capacity, seed=seed)
    return mock_values.column_source(field, table.model._meta.get_field(field_name), context)


def test_it_composes_every_address_of_a_small_name_pool_once_then_says_none_is_left():
    # 2 first and 2 last names on 3 domains: 12 "first.last", 600 "first##", 156 "?last" addresses.
    make_schema("people", [dict(name="email", type="email", unique=True)])
    column = email_column("people", "email", capacity=768, first_names=("Ann", "Bob"),
                          last_names=("Lee", "O'Kim"))
    model_field = resource("people").model._meta.get_field("email")

    emails = [email for _ in range(8) for email in column.take(96)]

    assert len(set(emails)) == len(emails) == 768
    assert {email.count(".") for email in emails if "." in email.split("@")[0]} == {2}
    assert "ann.okim@example.org" in emails and "bob07@example.net" in emails and "zlee@example.com" in emails
    for email in emails:
        model_field.run_validators(email)
    assert column.take(5, up_to=True) == []
    with pytest.raises(mock_values.ExhaustedError, match=r"people\.email is unique and has no value left"):
        column.take(1)


def test_it_checks_faker_addresses_where_the_names_cannot_make_enough():
    make_schema("people", [dict(name="email", type="email", unique=True)])

    column = email_column("people", "email", capacity=769, first_names=("Ann", "Bob"),
                          last_names=("Lee", "Kim"))
    emails = column.take(800)

    assert isinstance(column, mock_values.CheckedColumn)
    assert len(set(emails)) == len(emails) == 800


def test_it_seeds_unique_emails_of_faker_shapes_distinct_ignoring_case():
    make_schema("people", [dict(name="email", type="email", unique=True),
                           dict(name="short", type="email", unique=True, max_length=26)])

    seeding.seed("people", 3000, seed=4, batch_size=700)
    seeding.seed("people", 3000, seed=4, batch_size=700)

    model = resource("people").model
    first = {name.lower() for name in EnglishNames.first_names}
    last = {name.lower().replace("'", "") for name in EnglishNames.last_names}
    for name in ("email", "short"):
        emails = list(model.objects.values_list(name, flat=True))
        assert len({email.lower() for email in emails}) == len(emails) == 6000, name
    for email in model.objects.values_list("email", flat=True):
        local, domain = email.split("@")
        given, _, family = local.partition(".")
        assert domain in ("example.org", "example.com", "example.net")
        assert ((given in first and family in last) or (local[:-2] in first and local[-2:].isdigit())
                or local[1:] in last), email
    # "first.last" addresses can be longer than 26: only the other two shapes fit.
    assert not any("." in email.split("@")[0] for email in model.objects.values_list("short", flat=True))
    assert_valid("people")


def test_it_gives_the_same_unique_emails_for_the_same_seed_whatever_the_batch_size():
    make_schema("people", [dict(name="email", type="email", unique=True, nullable=True)])

    seeding.seed("people", 500, seed=9, batch_size=7)
    small = rows("people")
    seeding.seed("people", 500, seed=9, batch_size=5000, reset=True)
    same = rows("people")
    seeding.seed("people", 500, seed=10, reset=True)

    assert same == small
    assert rows("people") != small
    assert 400 < sum(email is not None for (email,) in small) < 500
