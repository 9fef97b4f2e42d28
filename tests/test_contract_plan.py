"""A plan documents only the schemas a change reaches, and says what the whole documents' diff says.

Each case plans one operation on the demo schemas (which refer to one
another: order lines to books and orders, books to authors, orders to
customers, customers to themselves), then makes the same change inside a
transaction it rolls back, generates the whole document and diffs it with
the whole kept one: both must list the same changes, and the parts of the
document no schema decides (info, security, other paths, ``Problem``) must
not have changed, since a plan does not look at them (the OAuth2 scopes
do follow the schemas, but no diff compares them).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from django.db import DEFAULT_DB_ALIAS, transaction

from schemas import changes, contracts
from schemas.contract_diff import RESOURCE_PATH, contract_diff
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


def full_documents(body: Callable[[changes.Operation], None]) -> tuple[dict, dict]:
    """The whole kept document, and the whole document after ``body``, as plans made it before."""
    _revision, before = contracts.current_document()
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        body(changes.Operation("compare"))
        after = contracts.planned_document()
        transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
    return before, after


def global_parts(document: dict) -> dict:
    """What no schema's definition decides: a plan leaves it out, so no operation may change it."""
    components = document.get("components") or {}
    return {
        **{key: value for key, value in document.items() if key not in ("paths", "components")},
        "paths": {path: item for path, item in document["paths"].items() if not RESOURCE_PATH.match(path)},
        "securitySchemes": _without_scopes(components.get("securitySchemes") or {}),
        "Problem": components["schemas"]["Problem"],
    }


def _without_scopes(schemes: dict) -> dict:
    # The OAuth2 flows list every schema's scopes (books:read...), so they
    # follow a new, renamed or deleted schema; contract diffs compare no
    # security scheme, so a plan need not generate them.
    schemes = copy.deepcopy(schemes)
    for scheme in schemes.values():
        for flow in (scheme.get("flows") or {}).values():
            flow.pop("scopes", None)
    return schemes


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
    before, after = full_documents(body)
    expected = contract_diff(before, after)

    plan = changes.plan(case, body)

    assert expected, "the case changes nothing a client sees"
    assert plan.diff == expected
    assert plan.lines() == expected.lines()
    assert global_parts(after) == global_parts(before)


def test_a_plan_documents_the_schemas_a_change_reaches_only():
    apply_schemas(demo_schemas())
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        operation = changes.Operation("edit field")
        edit("authors", "name", max_length=40)(operation)
        # Books refer to authors; books' own target is authors. Nothing refers to customers'
        # neighbours through authors, so orders, order lines and customers stay out.
        assert operation.contract_slugs() == {"authors", "books"}
        transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
