"""A small schema set for tests: authors and the books that reference them.

Made through the change service, as the admin and imports make schemas: a
model's ``save()`` alone creates no fixtures table and bumps no revision.
"""

from schemas.changes import create_schema
from schemas.models import Schema


def make_authors() -> Schema:
    return create_schema(
        slug="authors",
        name="Authors",
        fields=[
            dict(name="name", type="string", max_length=80),
            dict(name="email", type="email", unique=True),
        ],
    )


def make_books(authors: Schema) -> Schema:
    return create_schema(
        slug="books",
        name="Books",
        description="Books for sale.",
        fields=[
            dict(name="title", type="string", max_length=200),
            dict(name="price", type="decimal", max_digits=8, decimal_places=2, min_value=0),
            dict(name="genre", type="enum", choices=["fiction", "science", "history"]),
            dict(name="author", type="reference", to=authors),
            dict(name="published", type="date", required=False),
            dict(name="in_stock", type="boolean", default=True),
            dict(name="isbn", type="string", max_length=13, pattern=r"^[0-9]{13}$", required=False),
            dict(name="sku", type="uuid", read_only=True, required=False),
        ],
    )


def make_library() -> tuple[Schema, Schema]:
    authors = make_authors()
    return authors, make_books(authors)
