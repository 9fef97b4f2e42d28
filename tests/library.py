"""A small schema set for tests: authors and the books that reference them."""

from schemas.models import Field, Schema


def make_authors() -> Schema:
    authors = Schema.objects.create(slug="authors", name="Authors")
    Field.objects.create(schema=authors, name="name", type="string", max_length=80, position=1)
    Field.objects.create(schema=authors, name="email", type="email", unique=True, position=2)
    return authors


def make_books(authors: Schema) -> Schema:
    books = Schema.objects.create(slug="books", name="Books", description="Books for sale.")
    fields = [
        dict(name="title", type="string", max_length=200),
        dict(name="price", type="decimal", max_digits=8, decimal_places=2, min_value=0),
        dict(name="genre", type="enum", choices=["fiction", "science", "history"]),
        dict(name="author", type="reference", to=authors),
        dict(name="published", type="date", required=False),
        dict(name="in_stock", type="boolean", default=True),
        dict(name="isbn", type="string", max_length=13, pattern=r"^[0-9]{13}$", required=False),
        dict(name="sku", type="uuid", read_only=True, required=False),
    ]
    for position, options in enumerate(fields, start=1):
        Field.objects.create(schema=books, position=position, **options)
    return books


def make_library() -> tuple[Schema, Schema]:
    authors = make_authors()
    return authors, make_books(authors)
