"""
The benchmark's data: ``authors`` and ``books`` schemas and their twins in
the hand-written baseline app, filled with the same rows.

The dynamic tables are filled by fauxsite's seeding when it is there; the
baseline tables get a copy of exactly those rows (same ids), so both
endpoints serve identical payloads.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from bench.staticapp.models import GENRES, Author, Book
from schemas.catalog import current_catalog
from schemas.models import Schema

BATCH_SIZE = 1000
BOOK_COLUMNS = ["id", "title", "price", "genre", "published", "in_stock", "author"]


def prepare_databases() -> None:
    """Migrate Django's tables and the baseline's (in the fixtures database), then the schemas."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate", database="fixtures", verbosity=0)
    create_schemas()


def create_schemas() -> None:
    """The dynamic twins of ``staticapp.Author`` and ``staticapp.Book``, each as one catalog change."""
    from schemas.changes import create_schema

    authors = create_schema(
        slug="authors", name="Authors", fields=[{"name": "name", "type": "string", "max_length": 100}]
    )
    create_schema(slug="books", name="Books", fields=_book_fields(authors))


def _book_fields(authors: Schema) -> list[dict]:
    return [
        {"name": "title", "type": "string", "max_length": 200},
        {"name": "price", "type": "decimal", "max_digits": 8, "decimal_places": 2, "min_value": 0,
         "indexed": True},
        # Indexed, as the docs advise for what a list filters and orders on.
        {"name": "genre", "type": "enum", "choices": GENRES, "indexed": True},
        {"name": "published", "type": "date", "required": False, "nullable": True},
        {"name": "in_stock", "type": "boolean", "required": False, "default": True},
        {"name": "author", "type": "reference", "to": authors},
    ]


def fill(authors: int, books: int, *, seed: int = 1) -> str:
    """Fill both sets of tables with the same rows; returns who generated them."""
    catalog = current_catalog()
    generator = _seed_with_fauxsite(authors, books, seed)
    if generator is None:
        generator = "bench/books.py (Faker)"
        _insert(catalog.get("authors").model, _plain_authors(authors, seed))
        _insert(catalog.get("books").model, _plain_books(books, authors, seed))
    copy_to_baseline()
    return generator


def _seed_with_fauxsite(authors: int, books: int, seed: int) -> str | None:
    try:
        from schemas.seeding import seed as seed_rows
    except ImportError:
        return None
    seed_rows("authors", authors, seed=seed)
    seed_rows("books", books, seed=seed)
    return "schemas.seeding.seed"


def _insert(model, rows: Iterator[dict]) -> None:
    batch = []
    with transaction.atomic(using=model._fauxsite_alias):
        for row in rows:
            batch.append(model(**row))
            if len(batch) == BATCH_SIZE:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)


def _plain_authors(count: int, seed: int) -> Iterator[dict]:
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(seed)
    for _ in range(count):
        yield {"name": faker.name()}


def _plain_books(count: int, authors: int, seed: int) -> Iterator[dict]:
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(seed)
    rng = random.Random(seed)
    for _ in range(count):
        published = None if rng.random() < 0.1 else date(1950, 1, 1) + timedelta(days=rng.randrange(27000))
        yield {
            "title": faker.sentence(nb_words=4)[:200],
            "price": Decimal(rng.randrange(100, 20000)) / 100,
            "genre": rng.choice(GENRES),
            "published": published,
            "in_stock": rng.random() < 0.8,
            "author_id": rng.randrange(1, authors + 1),
        }


def copy_to_baseline() -> None:
    """Copy the dynamic rows, ids included, into the baseline tables."""
    catalog = current_catalog()
    dynamic_authors = catalog.get("authors").model.objects.order_by("id")
    dynamic_books = catalog.get("books").model.objects.order_by("id")
    with transaction.atomic(using=Book.objects.db):
        Book.objects.all().delete()
        Author.objects.all().delete()
        _copy(Author, dynamic_authors.values_list("id", "name"), ["id", "name"])
        columns = [*BOOK_COLUMNS[:-1], "author_id"]
        _copy(Book, dynamic_books.values_list(*BOOK_COLUMNS), columns)
    _reset_sequences()


def _copy(model, rows, columns: list[str]) -> None:
    batch = []
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) == BATCH_SIZE:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


def _reset_sequences() -> None:
    # Rows inserted with explicit ids leave PostgreSQL's sequences behind;
    # creates in the benchmark would then collide with them.
    from django.core.management.color import no_style
    from django.db import connections

    connection = connections[Book.objects.db]
    statements = connection.ops.sequence_reset_sql(no_style(), [Author, Book])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def row_counts() -> dict[str, int]:
    catalog = current_catalog()
    return {
        "dynamic books": catalog.get("books").model.objects.count(),
        "static books": Book.objects.count(),
    }


def write_token() -> str:
    """A bearer token that may create books, for the create scenario."""
    from oauth2_provider.models import get_application_model

    from access.models import ApplicationScopes
    from access.oauth import issue_token

    application = get_application_model().objects.create(
        name="benchmark",
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )
    ApplicationScopes.objects.create(application=application, scopes="books:write")
    _token, plaintext = issue_token(application, ["books:write"], 36_000)
    return plaintext


def table_names() -> dict[str, dict]:
    """Where fauxsite keeps ``authors`` and ``books``, for the baseline project's models."""
    catalog = current_catalog()
    names = {}
    for slug in ("authors", "books"):
        meta = catalog.get(slug).model._meta
        columns = {field.name: field.column for field in meta.concrete_fields if not field.primary_key}
        names[slug] = {"table": meta.db_table, "columns": columns}
    return names


def export_json_server(path) -> int:
    """Write the same rows as json-server's ``db.json``; returns the books written.

    Prices are numbers there: json-server compares ``price_gte`` only
    against numbers. Everything else is the value fauxsite serves.
    """
    import json

    catalog = current_catalog()
    authors = list(catalog.get("authors").model.objects.order_by("id").values("id", "name"))
    books = [
        {**row, "price": float(row["price"]), "published": row["published"] and row["published"].isoformat()}
        for row in catalog.get("books").model.objects.order_by("id").values(*BOOK_COLUMNS)
    ]
    with open(path, "w") as db:
        json.dump({"authors": authors, "books": books}, db)
    return len(books)
