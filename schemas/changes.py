"""
The change service: every change to the catalog is one explicit operation.

Creating, editing, renaming and deleting schemas and fields, one at a time or
in bulk, from the admin, a command, a schema file or a source switch, goes
through an ``operation``. Within it the caller saves and deletes definitions
(validated with ``full_clean`` unless a form already did); when it ends, the
operation plans and applies the fixtures-table changes of every schema it
touched (create, add columns and fill them with mock values, move changed
fields to new columns, retire removed ones, drop), bumps the version of each
surviving schema and the catalog revision once, and records one
``SchemaChange`` with the definitions before and after. All of it runs in one
transaction on Django's database and one on the fixtures database.

The fixtures transaction commits first, so a worker that reads the new
revision finds every column it needs; a worker still serving the old
revision finds the old columns, which are never changed in place (see
``schemas.fixture_tables``). Models' ``save()`` and ``delete()`` do none of
this: a change made around the service is not served.

An operation can be planned instead of applied (``plan``): it runs inside a
transaction that is rolled back, without touching the fixtures database,
and answers what it would change in the definitions and in the OpenAPI
document (``schemas.contract_diff``), so the admin and ``import_schemas``
can show breaking changes before anyone applies them. A plan documents only
the schemas the operation reaches (``Operation.contract_slugs``) and diffs
them with the same part of the kept document: the whole document costs
seconds with fifty schemas, and the rest of it (info, ``Problem``, other
schemas' paths) depends on no definition an operation changes. The OAuth2
scheme's list of scopes does follow the schemas, but diffs compare no
security scheme; were an operation to change a part diffs compare outside
its schemas' paths, plans would have to generate the whole document again.
After an applied change commits, the new revision's document is kept
(``schemas.contracts``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone

from schemas import fixture_tables
from schemas.contract_diff import Change, ContractDiff, contract_diff, contract_part
from schemas.contracts import UPGRADE_ACTION
from schemas.models import CatalogRevision, Field, Schema, SchemaChange

# Bookkeeping, not definition: a change to these alone changes nothing served.
_NOT_DEFINITION = frozenset({"version", "created", "updated"})
# Where a schema's rows live: flipping them never changes the contract.
_WHERE_ROWS_LIVE = frozenset({"source", "data_source_id", "table_name", "table_schema", "pk_column"})


class Operation:
    """One change to the catalog, however many schemas and fields it touches."""

    def __init__(self, action: str, request=None):
        self.action = action
        self.request = request
        self._schemas: dict[int, Schema] = {}
        # Definitions as they were, per schema id; None for a schema created here.
        self._before: dict[int, tuple[dict | None, list[Field]]] = {}
        self._deleted: set[int] = set()
        # Per schema: the id of a field given a new column -> the field it replaces.
        self._moved: dict[int, dict[int, Field]] = {}

    # What callers do ------------------------------------------------------------

    def save_schema(self, schema: Schema, *, clean: bool = True, **save_options) -> Schema:
        if clean:
            schema.full_clean()
        if schema.pk is None:
            schema.save(**save_options)
            self._before[schema.pk] = (None, [])
        else:
            self._touch(schema.pk)
            schema.save(**save_options)
        self._schemas[schema.pk] = schema
        return schema

    def save_field(self, field: Field, *, clean: bool = True) -> Field:
        if clean:
            field.full_clean()
        _before, fields = self._touch(field.schema_id)
        stored = next((f for f in fields if f.pk == field.pk), None) if field.pk else None
        if stored is not None and fixture_tables.needs_new_column(stored, field):
            # Values the old column holds may not fit any more: the field gets a
            # new column (and so a new id), while workers still serving the
            # previous revision keep reading the old one.
            Field.objects.filter(pk=stored.pk).delete()
            field.pk = None
            field._state.adding = True
            field.save()
            self._moved.setdefault(field.schema_id, {})[field.pk] = stored
        else:
            field.save()
        return field

    def remove_field(self, field: Field) -> None:
        self._touch(field.schema_id)
        Field.objects.filter(pk=field.pk).delete()

    def delete_schemas(self, schemas: Iterable[Schema]) -> None:
        schemas = list(schemas)
        for schema in schemas:
            self._touch(schema.pk)
            self._deleted.add(schema.pk)
        ids = [schema.pk for schema in schemas]
        # References protect their targets: those between the schemas deleted
        # go first, and one from outside the selection raises ProtectedError.
        Field.objects.filter(schema_id__in=ids, to_id__in=ids).delete()
        Schema.objects.filter(pk__in=ids).delete()

    # Ending the operation -------------------------------------------------------

    def _touch(self, schema_id: int) -> tuple[dict | None, list[Field]]:
        if schema_id not in self._before:
            schema = Schema.objects.get(pk=schema_id)
            fields = list(Field.objects.filter(schema_id=schema_id))
            self._schemas[schema_id] = schema
            self._before[schema_id] = (definition(schema, fields), fields)
        return self._before[schema_id]

    def finish(self) -> SchemaChange | None:
        """Apply the fixtures-table changes, bump once and record; None when nothing changed."""
        before, after = [], []
        fields_now = self._fields_now()
        for schema_id, old_definition, old_fields, new_definition in self._differences(fields_now):
            self._apply(schema_id, old_definition, old_fields, new_definition, fields_now)
            before.append(old_definition)
            after.append(new_definition)
        if not before:
            return None
        surviving = [schema_id for schema_id in self._before if schema_id not in self._deleted]
        Schema.objects.filter(pk__in=surviving).update(version=F("version") + 1)
        change = self._record(before, after, CatalogRevision.bump())
        from schemas import contracts

        # Where rows live is no part of the contract: the previous document
        # carries over. Otherwise after the commit, so generating holds no lock.
        keep = contracts.carry_forward if _mapping_only(before, after) else contracts.keep_after_commit
        transaction.on_commit(partial(keep, change.revision), using=DEFAULT_DB_ALIAS, robust=True)
        return change

    def summary(self) -> list[str]:
        """What the operation changes so far, one line per change, as its record will say."""
        differences = self._differences(self._fields_now())
        return [line for _id, old, _fields, new in differences for line in describe(old, new)]

    def contract_slugs(self) -> frozenset[str]:
        """The schemas whose part of the OpenAPI document this operation may change, and their targets.

        A schema's part (its paths, its row and request components) changes
        only with its own definition or with a schema it refers to: its rows
        embed the target's row through ``expand``, and name its slug. So the
        touched schemas, under their old and new slugs, and the schemas
        referring to them. The targets of all of those come along: the diff
        names a reference's target by finding that schema's paths.
        """
        touched = set(self._before)
        referring = set(Field.objects.filter(to_id__in=touched).values_list("schema_id", flat=True))
        documented = touched | referring
        references = Field.objects.filter(schema_id__in=documented, to_id__isnull=False)
        targets = set(references.values_list("to_id", flat=True))
        old_fields = [field for _old, fields in self._before.values() for field in fields]
        targets.update(field.to_id for field in old_fields if field.to_id is not None)
        slugs = set(Schema.objects.filter(pk__in=documented | targets).values_list("slug", flat=True))
        slugs.update(old["slug"] for old, _fields in self._before.values() if old is not None)
        return frozenset(slugs)

    def _differences(self, fields_now) -> Iterator[tuple[int, dict | None, list[Field], dict | None]]:
        for schema_id, (old_definition, old_fields) in self._before.items():
            new_definition = None
            if schema_id not in self._deleted:
                new_definition = definition(self._schemas[schema_id], fields_now[schema_id])
            if new_definition != old_definition:
                yield schema_id, old_definition, old_fields, new_definition

    def _fields_now(self) -> dict[int, list[Field]]:
        fields: dict[int, list[Field]] = {schema_id: [] for schema_id in self._before}
        for field in Field.objects.filter(schema_id__in=list(self._before)):
            fields[field.schema_id].append(field)
        return fields

    def _apply(self, schema_id, old_definition, old_fields, new_definition, fields_now) -> None:
        schema = self._schemas[schema_id]
        if new_definition is None:
            fixture_tables.drop_table(schema)
        elif old_definition is None:
            fixture_tables.create_table(schema, fields_now[schema_id])
        elif old_definition["fields"] != new_definition["fields"]:
            fixture_tables.migrate(schema, old_fields, fields_now[schema_id], self._moved.get(schema_id))

    def _record(self, before: list, after: list, revision: int) -> SchemaChange:
        from core.actors import actor_of
        from core.requests import current_request

        request = self.request if self.request is not None else current_request()
        slugs = sorted({d["slug"] for d in [*before, *after] if d is not None})
        lines = [line for old, new in zip(before, after, strict=True) for line in describe(old, new)]
        return SchemaChange.objects.create(
            action=self.action,
            schema_slugs=" ".join(slugs)[:500],
            summary="\n".join(lines),
            before=[d for d in before if d is not None],
            after=[d for d in after if d is not None],
            revision=revision,
            actor_name=actor_of(request).name[:200],
            request_id=getattr(request, "request_id", "") if request is not None else "",
        )


@contextmanager
def operation(action: str, *, request=None) -> Iterator[Operation]:
    """One change: save and delete through the yielded ``Operation``; applied when the block ends."""
    # Nested so that the fixtures database commits first; see the module docstring.
    with transaction.atomic(using=DEFAULT_DB_ALIAS), fixture_tables.atomic():
        fixture_tables.purge_retired_columns(timezone.now())
        change = Operation(action, request)
        yield change
        change.finish()


# Upgrades -------------------------------------------------------------------------------


UPGRADE_SUMMARY = "contract changed by an upgrade"


def record_upgrade(revision: int, kept: dict, generated: dict) -> bool:
    """Record that the running code documents ``revision`` as ``generated``, not as ``kept``.

    The catalog is the same, its contract is not: one change, at a revision
    of its own, keeps ``generated`` so the history diffs the two. Recorded
    only if ``revision`` is still the current one, which holds for one
    caller only, however many find the difference at once; False for the others.
    """
    from schemas import contracts

    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        # Compare-and-set: a second caller's UPDATE waits for the first one's
        # row lock, then finds the revision moved on and matches nothing.
        if not CatalogRevision.objects.filter(pk=1, value=revision).update(value=revision + 1):
            return False
        diff = contract_diff(kept, generated)
        SchemaChange.objects.create(
            action=UPGRADE_ACTION,
            schema_slugs=" ".join(sorted({c.slug for c in diff.changes}))[:500],
            summary="\n".join([UPGRADE_SUMMARY, *diff.lines()]),
            revision=revision + 1,
            actor_name="fauxsite",
        )
        contracts.keep(revision + 1, generated)
    return True


# Planning -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What an operation would change: its definitions and the contract clients see."""

    action: str
    revision: int  # the catalog revision the plan was made against
    summary: tuple[str, ...]  # as the change's record would say it
    diff: ContractDiff

    @property
    def changes_anything(self) -> bool:
        return bool(self.summary)

    @property
    def breaking(self) -> tuple[Change, ...]:
        return self.diff.breaking

    @property
    def compatible(self) -> tuple[Change, ...]:
        return self.diff.compatible

    @property
    def is_breaking(self) -> bool:
        return self.diff.is_breaking

    def lines(self) -> list[str]:
        """The contract changes, breaking first."""
        return self.diff.lines()

    @property
    def digest(self) -> str:
        """Names this plan: the same change on the same revision has the same digest."""
        text = "\n".join([str(self.revision), *self.summary, *self.lines()])
        return hashlib.sha256(text.encode()).hexdigest()


def plan(action: str, body: Callable[[Operation], Any], *, request=None) -> Plan:
    """What ``body`` would change, given an operation, without changing anything.

    ``body`` saves and deletes as it would inside ``operation``; it runs in a
    transaction on Django's database that is rolled back, and the fixtures
    database is never touched, so a change the fixtures table cannot follow
    is found when it is applied, not here. ``body`` may change the objects it
    is given (a new schema gets an id): apply with fresh ones.
    """
    from schemas import contracts

    # Kept first, outside the rolled-back transaction: the "before" of this
    # change, and of the history once it is applied.
    revision, before = contracts.current_document()
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        change = Operation(action, request)
        body(change)
        summary = change.summary()
        if summary:
            # Only the part of the document the change can reach: generating
            # the whole of it costs seconds with fifty schemas.
            slugs = change.contract_slugs()
            after = contracts.planned_document(slugs)
        transaction.set_rollback(True, using=DEFAULT_DB_ALIAS)
    diff = contract_diff(contract_part(before, slugs), after) if summary else ContractDiff()
    return Plan(action, revision, tuple(summary), diff)


# One change at a time -----------------------------------------------------------------


def create_schema(*, fields: Iterable[dict[str, Any]] = (), request=None, clean: bool = True,
                  **attributes) -> Schema:
    """A new schema with ``fields`` (attribute dicts, in order), as one change."""
    with operation("create schema", request=request) as change:
        schema = change.save_schema(Schema(**attributes), clean=clean)
        for position, options in enumerate(fields, start=1):
            change.save_field(Field(schema=schema, **{"position": position, **options}), clean=clean)
    return schema


def save_schema(schema: Schema, *, request=None, clean: bool = True) -> Schema:
    """Save a new or edited schema (its own attributes, not its fields)."""
    action = "create schema" if schema.pk is None else "edit schema"
    with operation(action, request=request) as change:
        return change.save_schema(schema, clean=clean)


def update_schema(schema: Schema, *, request=None, clean: bool = True, **attributes) -> Schema:
    for name, value in attributes.items():
        setattr(schema, name, value)
    return save_schema(schema, request=request, clean=clean)


def set_source(schema: Schema, source: str, *, request=None) -> Schema:
    """Serve the schema from ``source``; the caller has checked that it may."""
    schema.source = source
    with operation("switch source", request=request) as change:
        return change.save_schema(schema, clean=False, update_fields=["source"])


def delete_schemas(schemas: Iterable[Schema], *, request=None) -> None:
    """Delete schemas with their fields and fixtures tables, as one change."""
    schemas = list(schemas)
    if not schemas:
        return
    with operation("delete schemas" if len(schemas) > 1 else "delete schema", request=request) as change:
        change.delete_schemas(schemas)


def delete_schema(schema: Schema, *, request=None) -> None:
    delete_schemas([schema], request=request)


def add_field(*, request=None, clean: bool = True, **attributes) -> Field:
    """A new field, as ``Field(**attributes)``; existing rows get mock values."""
    with operation("add field", request=request) as change:
        return change.save_field(Field(**attributes), clean=clean)


def save_field(field: Field, *, request=None, clean: bool = True) -> Field:
    """Save a new or edited field: a rename keeps values, a type change converts them."""
    with operation("add field" if field.pk is None else "edit field", request=request) as change:
        return change.save_field(field, clean=clean)


def update_field(field: Field, *, request=None, clean: bool = True, **attributes) -> Field:
    for name, value in attributes.items():
        setattr(field, name, value)
    return save_field(field, request=request, clean=clean)


def rename_field(field: Field, name: str, *, request=None) -> Field:
    return update_field(field, name=name, request=request)


def remove_field(field: Field, *, request=None) -> None:
    with operation("remove field", request=request) as change:
        change.remove_field(field)


def data_source_changed(sender, data_source, deleted: bool, **kwargs) -> None:
    """A data source was saved or deleted (``datasources.signals``): rebuild what it serves.

    Inside the data source's own transaction: the schemas on it get a new
    version, and the catalog revision moves once, so every worker opens the
    new pool on its next request. Nothing in the contract changed, so no
    ``SchemaChange`` is recorded.
    """
    if not deleted:
        Schema.objects.filter(data_source=data_source).update(version=F("version") + 1)
    CatalogRevision.bump()


def _mapping_only(before: list, after: list) -> bool:
    """Whether the definitions differ only in where rows live (source, table, columns)."""
    for old, new in zip(before, after, strict=True):
        if old is None or new is None:
            return False
        if {name for name in new if old.get(name) != new[name]} - {"fields", *_WHERE_ROWS_LIVE}:
            return False
        if [_without(f, {"db_column"}) for f in old["fields"]] != [
            _without(f, {"db_column"}) for f in new["fields"]
        ]:
            return False
    return True


def _without(values: dict, names: set[str]) -> dict:
    return {name: value for name, value in values.items() if name not in names}


# Describing a change --------------------------------------------------------------------


def definition(schema: Schema, fields: Iterable[Field]) -> dict[str, Any]:
    """A schema and its fields as plain values, to compare and to record."""
    values = _values(schema, _NOT_DEFINITION)
    ordered = sorted(fields, key=lambda field: (field.position, field.pk or 0))
    values["fields"] = [_values(field, frozenset()) for field in ordered]
    return values


def _values(instance, skipped: frozenset[str]) -> dict[str, Any]:
    return {
        f.attname: f.value_from_object(instance)
        for f in instance._meta.concrete_fields
        if f.attname not in skipped
    }


def describe(before: dict | None, after: dict | None) -> list[str]:
    """What changed in one schema, one line per change."""
    if before is None:
        return [f"created schema {after['slug']} with {len(after['fields'])} fields"]
    if after is None:
        return [f"deleted schema {before['slug']}"]
    slug = after["slug"]
    lines = []
    changed = [name for name in after if name != "fields" and before.get(name) != after[name]]
    if changed:
        lines.append(f"{slug}: changed {', '.join(changed)}")
    old = {field["name"]: field for field in before["fields"]}
    old_by_id = {field["id"]: field for field in before["fields"]}
    new_names = {field["name"] for field in after["fields"]}
    for field in after["fields"]:
        previous = old_by_id.get(field["id"]) or old.get(field["name"])
        if previous is None:
            lines.append(f"{slug}: added field {field['name']}")
            continue
        if previous["name"] != field["name"]:
            lines.append(f"{slug}: renamed field {previous['name']} to {field['name']}")
        keys = [key for key in field if key not in ("id", "name") and previous.get(key) != field[key]]
        if keys:
            lines.append(f"{slug}: changed field {field['name']} ({', '.join(keys)})")
    new_ids = {field["id"] for field in after["fields"]}
    for field in before["fields"]:
        if field["id"] not in new_ids and field["name"] not in new_names:
            lines.append(f"{slug}: removed field {field['name']}")
    return lines
