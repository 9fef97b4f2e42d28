"""
Deleting a row that other rows may reference, whatever database each lives in.

Reference fields are foreign keys without a database constraint, so a row on
the fixtures may refer to a row of a live table and the reverse. Django's
deletion collector looks for referencing rows in the deleted row's database,
where the referencing table does not exist. Here each referencing resource is
asked in its own database (the router sends its model there); a row still
referenced is a 409 naming who refers to it, the same whether both sides share
a database or not, and otherwise the row is deleted on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import router

from schemas.errors import Conflict

if TYPE_CHECKING:
    from schemas.catalog import Resource


def delete_row(resource: Resource, pk) -> None:
    """Delete row ``pk`` of ``resource``; ``Conflict`` while other rows reference it."""
    referrers = referencing_fields(resource, pk)
    if referrers:
        raise Conflict(still_referenced_message(referrers))
    model = resource.model
    alias = router.db_for_write(model)
    # A raw delete: the collector would look for referencing rows again, in
    # this row's database only.
    model._base_manager.using(alias).filter(pk=pk)._raw_delete(alias)


def referencing_fields(resource: Resource, pk) -> list[tuple[str, str]]:
    """(schema slug, field name) of every reference field with a row pointing at row ``pk``."""
    return [
        (referrer.slug, name)
        for referrer, name in _reference_fields_to(resource)
        if _refers(referrer, name, pk, resource)
    ]


def still_referenced_message(referrers: list[tuple[str, str]]) -> str:
    named = ", ".join(f"{slug} (field {name})" for slug, name in referrers)
    return f"Rows of {named} still reference this row; delete or change those first."


def _reference_fields_to(resource: Resource) -> list[tuple[Resource, str]]:
    # The twin served from the fixtures is referenced by the other twins,
    # as ``Resource.target`` resolves references the other way.
    catalog = resource.catalog
    resources = catalog.fixture_by_id if resource.fixtures else catalog.by_id
    schema_id = resource.schema.pk
    return [
        (referrer, name)
        for referrer in sorted(resources.values(), key=lambda candidate: candidate.slug)
        for name, field in referrer.reference_fields.items()
        if field.to_id == schema_id
    ]


def _refers(referrer: Resource, name: str, pk, resource: Resource) -> bool:
    rows = referrer.model._base_manager.filter(**{name: pk})
    if referrer.model is resource.model:
        # A row referring to itself does not keep itself from being deleted.
        rows = rows.exclude(pk=pk)
    return rows.exists()
