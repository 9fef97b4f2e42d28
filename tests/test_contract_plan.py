"""A plan documents only the schemas a change reaches, and says what the whole documents' diff says.

Each case plans one operation on the demo schemas (which refer to one
another: order lines to books and orders, books to authors, orders to
customers, customers to themselves), then makes the same change inside a
transaction it rolls back, generates the whole document and diffs it with
the whole kept one: both must list the same changes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DEFAULT_DB_ALIAS, transaction

from schemas import changes, contracts
from schemas.contract_diff import contract_diff
from schemas.models import Field, Schema
from tests.conftest import ALL_DATABASES
from tests.test_contract_diff import apply_schemas, demo_schemas

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def field(slug: str, name: str) -> Field:
    return Field.objects.get(schema__slug=slug, name=name)


def edit(slug: str, name: str, **attributes) -> Callable[[changes.Operation], None]:
    def body(operation: changes.Operation) -> None:
        edited = field(slug, name)
        for attribute, value in attributes.items():
            setattr(edited, attribute, value)
        operation.save_field(edited)
    return body


def add(slug: str, **attributes) -> Callable[[changes.Operation], None]:
    def body(operation: changes.Operation) -> None:
        schema = Schema.objects.get(slug=slug)
        position = schema.fields.count() + 1
        operation.save_field(Field(schema=schema, position=position, **attributes))
    return body


def remove(slug: str, name: str) -> Callable[[changes.Operation], None]:
    return lambda operation: operation.remove_field(field(slug, name))


def rename_schema(slug: str, new_slug: str) -> Callable[[changes.Operation], None]:
    def body(operation: changes.Operation) -> None:
        schema = Schema.objects.get(slug=slug)
        schema.slug = new_slug
        operation.save_schema(schema)
    return body


def delete(*slugs: str) -> Callable[[changes.Operation], None]:
    return lambda operation: operation.delete_schemas(Schema.objects.filter(slug__in=slugs))


def create_shelves(operation: changes.Operation) -> None:
    shelves = operation.save_schema(Schema(slug="shelves", name="Shelves"))
    operation.save_field(Field(schema=shelves, position=1, name="label", type="string", max_length=40))
    books = Schema.objects.get(slug="books")
    operation.save_field(Field(schema=shelves, position=2, name="book", type="reference", to=books))


def retarget(operation: changes.Operation) -> None:
    book = field("order-lines", "book")
    book.to = Schema.objects.get(slug="authors")
    operation.save_field(book)


def add_reference(operation: changes.Operation) -> None:
    authors = Schema.objects.get(slug="authors")
    books = Schema.objects.get(slug="books")
    operation.save_field(Field(schema=authors, position=authors.fields.count() + 1, name="favourite",
                               type="reference", to=books, required=False))


def full_diff(body: Callable[[changes.Operation], None]):
    """The diff of the whole kept document with the whole document after ``body``, as plans made it."""
    _revision, before = contracts.current_document()
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        body(changes.Operation("compare"))
        after = contracts.planned_document()
        transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
    return contract_diff(before, after)


CASES = {
    "add a field": add("books", name="subtitle", type="string", max_length=80, required=False),
    "add a required field": add("authors", name="country", type="string", max_length=2),
    "remove a field": remove("books", "rating"),
    "narrow a field others refer to the schema of": edit("authors", "name", max_length=40),
    "retype a field": edit("books", "pages", type="string", min_value=None, max_value=None),
    "retarget a reference": retarget,
    "rename a schema others refer to": rename_schema("authors", "writers"),
    "rename a schema that refers to others": rename_schema("order-lines", "lines"),
    "delete a schema": delete("order-lines"),
    "delete schemas that refer to each other": delete("order-lines", "orders"),
    "add a reference": add_reference,
    "add an enum value": edit("books", "genre", choices=["fiction", "science", "history", "poetry",
                                                          "children", "travel"]),
    "remove an enum value": edit("books", "genre", choices=["fiction", "science", "history"]),
    "make a reference optional": edit("orders", "customer", required=False),
    "create a schema that refers to another": create_shelves,
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_plan_lists_what_the_whole_documents_diff_lists(case):
    apply_schemas(demo_schemas())
    body = CASES[case]
    expected = full_diff(body)

    plan = changes.plan(case, body)

    assert expected, "the case changes nothing a client sees"
    assert plan.diff == expected
    assert plan.lines() == expected.lines()


def test_a_plan_documents_the_schemas_a_change_reaches_only():
    apply_schemas(demo_schemas())
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        operation = changes.Operation("edit field")
        edit("authors", "name", max_length=40)(operation)
        # Books refer to authors; books' own target is authors. Nothing refers to customers'
        # neighbours through authors, so orders, order lines and customers stay out.
        assert operation.contract_slugs() == {"authors", "books"}
        transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
