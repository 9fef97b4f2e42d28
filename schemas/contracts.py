"""
Contracts kept per revision: the OpenAPI document each catalog revision served.

The change service keeps the document of each revision it makes, generated
right after the change commits (``keep_after_commit``) rather than inside its
transactions, which would hold their locks while it runs: generating costs
about 50 ms with the demo schemas and 0.7 s with 50 schemas. A revision whose
document was not kept then (the process stopped in between, a later change
committed first, a data source edit bumped the revision outside the service)
gets it from the first request for ``/api/schema/`` at that revision, or from
the next plan: ``current_document`` keeps the current revision's document
before a change is planned, so every planned change has its "before" stored.

Documents are stored once per content (``ContractDocument``), as compact JSON
(a third of the indented text ``?format=json`` serves); reading one back
gives the very values that were served, so a stored revision renders byte for
byte as it was. A change that leaves the contract alone (a rate limit, a
Faker provider) adds a ``ContractRevision`` that points at the same text.

The current revision's document is always the one the running code
generates, never only the kept copy: a new release may document the same
catalog differently (a value described more tightly), and the served
contract must be the one the code enforces. So ``current_document``
generates it, once per process and revision, and compares it with the kept
one. When they differ, the upgrade is recorded as a change of its own
(``changes.record_upgrade``): the revision moves on by one, with the
generated document kept for it, so the history shows the difference between
the two releases' documents and ``?revision=`` still serves the old one.
That bump is a compare-and-set on the revision counter, so of the workers
that find the difference at once, one records it and the others find the
new revision. Plans read their "before" from ``current_document`` too, so
they compare with what is served, not with the older release's copy.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading

from drf_spectacular.settings import spectacular_settings
from rest_framework.utils import encoders

from schemas.models import CatalogRevision, ContractDocument, ContractRevision, SchemaChange

# The action of the change an upgrade of fauxsite records (schemas.changes.record_upgrade).
UPGRADE_ACTION = "upgrade"

# Plans set the catalog revision, inside a transaction they roll back, to one
# no change ever reaches, so the catalog a worker builds for it is never served.
PLANNING_REVISIONS = 2**62
_planning_revisions = itertools.count(PLANNING_REVISIONS)

# The current revision's document as this process generated it: (revision, document).
_generated: tuple[int, dict] | None = None
_generated_lock = threading.Lock()


def generate_document(only: frozenset[str] | None = None) -> dict:
    """The OpenAPI document of the catalog as the database holds it now, as plain JSON values.

    ``only`` (slugs) documents those schemas' paths alone, with the components they refer to.
    """
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS(only=only)
    # Through its JSON text, so that it compares equal to a stored one.
    return json.loads(render(generator.get_schema(request=None, public=True)))


def render(document: dict) -> str:
    """The document as compact JSON, with the encoder ``/api/schema/?format=json`` renders it with."""
    return json.dumps(
        document, cls=encoders.JSONEncoder, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def stored_document(revision: int) -> dict | None:
    text = (
        ContractRevision.objects.filter(revision=revision).values_list("document__text", flat=True).first()
    )
    return None if text is None else json.loads(text)


def stored_revisions() -> list[int]:
    return list(ContractRevision.objects.values_list("revision", flat=True))


def keep(revision: int, document: dict) -> ContractRevision:
    """Store ``document`` as the contract of ``revision``, unless one is stored already."""
    text = render(document)
    digest = hashlib.sha256(text.encode()).hexdigest()
    stored, _ = ContractDocument.objects.get_or_create(digest=digest, defaults={"text": text})
    change = SchemaChange.objects.filter(revision=revision).order_by("-id").first()
    kept, _ = ContractRevision.objects.get_or_create(
        revision=revision, defaults={"document": stored, "change": change}
    )
    return kept


def current_document() -> tuple[int, dict]:
    """The current revision and the document the running code generates for it.

    Kept now if no document was kept for the revision; recorded as an
    upgrade, at a revision of its own, if the kept one differs.
    """
    revision = CatalogRevision.current()
    with _generated_lock:
        if _generated is not None and _generated[0] == revision:
            return _generated
    document = generate_document()
    # Checked only if no change committed while it was generated: revisions
    # only move on, so the same number before and after means this one.
    if CatalogRevision.current() != revision:
        return revision, document
    stored = stored_document(revision)
    if stored is None:
        keep(revision, document)
    elif stored != document and not _replaced_by_an_upgrade(revision, document):
        from schemas import changes

        if not changes.record_upgrade(revision, stored, document):
            # Another worker recorded it (or a change came first): check the new revision.
            return current_document()
        revision += 1
    _remember(revision, document)
    return revision, document


def _replaced_by_an_upgrade(revision: int, document: dict) -> bool:
    """Whether ``document`` is one that upgrades up to ``revision`` replaced: this code is older.

    While a new release rolls out, workers of the old one still run. The new
    release records its upgrade; an old worker then finds a kept document
    that differs from its own, and must not record a "downgrade" back, or the
    two releases would move the revision on in turns until the last old
    worker stops. It serves what it generates, the contract it enforces.
    """
    digest = _digest(document)
    latest = ContractRevision.objects.select_related("change").filter(revision=revision).first()
    while latest is not None and latest.change is not None and latest.change.action == UPGRADE_ACTION:
        replaced = ContractRevision.objects.select_related("change", "document").filter(
            revision=latest.revision - 1
        ).first()
        if replaced is not None and replaced.document.digest == digest:
            return True
        latest = replaced
    return False


def _digest(document: dict) -> str:
    return hashlib.sha256(render(document).encode()).hexdigest()


def _remember(revision: int, document: dict) -> None:
    global _generated
    with _generated_lock:
        _generated = (revision, document)


def forget_generated() -> None:
    """Generate the current document again on next use (tests start each with fresh databases)."""
    global _generated
    with _generated_lock:
        _generated = None


def keep_after_commit(revision: int) -> None:
    """Keep the document of ``revision`` if it is still the current one (the change service calls this)."""
    if CatalogRevision.current() != revision:
        return  # a later change committed first: its own hook keeps its document
    if not ContractRevision.objects.filter(revision=revision).exists():
        current_document()


def carry_forward(revision: int) -> None:
    """Keep the previous revision's document for ``revision``, made by a change outside the contract."""
    previous = ContractRevision.objects.filter(revision=revision - 1).select_related("document").first()
    if previous is not None:
        change = SchemaChange.objects.filter(revision=revision).order_by("-id").first()
        ContractRevision.objects.get_or_create(
            revision=revision, defaults={"document": previous.document, "change": change}
        )


def planned_document(only: frozenset[str] | None = None) -> dict:
    """The document of the catalog as the current transaction sees it, for a plan.

    ``only`` documents those schemas alone (``generate_document``).

    Call it only inside a transaction that is rolled back: it moves the
    catalog revision to one no change makes, so that the catalog built from
    the uncommitted definitions is kept under that number only.
    """
    CatalogRevision.objects.update_or_create(pk=1, defaults={"value": next(_planning_revisions)})
    return generate_document(only)
