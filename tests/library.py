"""A small schema set for tests: authors and the books that reference them.

Made through the change service, as the admin and imports make schemas: a
model's ``save()`` alone creates no fixtures table and bumps no revision.
"""

from schemas import field_types, seeding
from schemas.catalog import Resource, current_catalog
from schemas.changes import add_field, create_schema
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


def make_every_type(rows: int, seed: int) -> Resource:
    """``every``: one optional field of each registered type, ``rows`` mock rows and a row of nulls."""
    schema = create_schema(slug="every", name="Every")
    for position, name in enumerate(field_types.REGISTRY, start=1):
        options = {"choices": ["a", "bb"]} if name == "enum" else {}
        if name == "reference":
            options = {"to": schema}
        add_field(schema=schema, position=position, name=f"f_{name}", type=name, required=False, **options)
    seeding.seed("every", rows, seed=seed)
    resource = current_catalog().get("every")
    resource.model.objects.create()  # nulls in every nullable column
    return resource
