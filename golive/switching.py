"""
Switching a schema between its fixtures and its live table.

A schema goes live only when the readiness check finds no blocking problem.
Its fixture rows can be copied into the live table on the way: in batches,
inside one transaction on the live database, refused as a whole (nothing
half-copied) when an id or a unique value is already taken there; the table's
id sequence is then moved past the copied ids. Fixture rows are never touched.
Every switch is recorded as a ``SourceSwitch`` and in the audit trail (the
copy too, with its row count), and is a change of the change service
(``schemas.changes.set_source``), so every worker serves from the new source
on its next request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from psycopg import sql
from psycopg.types.json import Jsonb

from access import audit
from access.models import AuditEntry
from core.requests import current_request
from datasources.aliases import alias_for
from golive.models import SourceSwitch
from golive.readiness import ReadinessReport, qualified_table, readiness_report
from schemas import changes
from schemas.builder import build_models, live_storage
from schemas.models import Schema, Source

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Rows per COPY statement and per conflict check.
BATCH_SIZE = 10_000
CONFLICT_SAMPLE = 5


class SwitchRefused(Exception):
    """The switch did not happen; the message says why and what to do."""

    def __init__(self, message: str, report: ReadinessReport | None = None):
        super().__init__(message)
        self.report = report


def switch_source(
    schema: Schema,
    to: str,
    *,
    copy_rows: bool = False,
    user: AbstractBaseUser | None = None,
    actor: str = "",
) -> SourceSwitch:
    schema = Schema.objects.select_related("data_source").get(pk=schema.pk)
    if to not in Source.values:
        raise SwitchRefused(f"Unknown source {to!r}; use one of: {', '.join(Source.values)}.")
    if schema.source == to:
        raise SwitchRefused(f"{schema.slug} already serves from {to}.")
    copied = 0
    if to == Source.LIVE:
        _check_ready(schema)
        if copy_rows:
            copied = copy_fixture_rows(schema)
    elif copy_rows:
        raise SwitchRefused("Rows are copied only on the way to live; fixture rows are never overwritten.")
    return _record(schema, to, copied, user, actor)


def _check_ready(schema: Schema) -> None:
    if schema.data_source is None:
        raise SwitchRefused(f"{schema.slug} has no data source; choose one before going live.")
    report = readiness_report(schema)
    if not report.ready:
        reasons = "; ".join(problem.message for problem in report.blocking)
        raise SwitchRefused(f"{schema.slug} is not ready to go live: {reasons}", report)


def _record(schema: Schema, to: str, copied: int, user, actor: str) -> SourceSwitch:
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        previous = schema.source
        changes.set_source(schema, to)
        switch = SourceSwitch.objects.create(
            schema=schema,
            data_source=schema.data_source,
            from_source=previous,
            to_source=to,
            rows_copied=copied,
            user=user if user is not None and user.is_authenticated else None,
            actor=actor,
        )
        source = schema.data_source.name if schema.data_source else None
        audit.record(AuditEntry.Action.SWITCHED, "schema", request=current_request(), object_id=schema.pk,
                     object_repr=f"{schema.slug}: {previous} -> {to}", schema_slug=schema.slug,
                     before={"source": previous}, after={"source": to},
                     details={"data_source": source, "rows_copied": copied, "switch_id": switch.pk})
        return switch


# Copying rows ------------------------------------------------------------------


def copy_fixture_rows(schema: Schema) -> int:
    """Copy every fixture row into the live table, all or nothing; returns the count."""
    source = schema.data_source
    if source.read_only:
        raise SwitchRefused(f"The data source {source.name} is read-only; rows cannot be copied into it.")
    fields = list(schema.fields.all())
    alias = alias_for(source)
    fixtures = build_models([(schema, fields)])[schema.pk]
    live = build_models([(schema, fields)], storage=lambda s: live_storage(s, alias))[schema.pk]
    attnames = ["id", *(fixtures._meta.get_field(field.name).attname for field in fields)]
    copied = 0
    try:
        with transaction.atomic(using=alias):
            # An empty table cannot conflict; its constraints still guard the copy.
            check_conflicts = live.objects.using(alias).exists()
            rows = fixtures.objects.order_by("pk").values_list(*attnames).iterator(chunk_size=BATCH_SIZE)
            for batch in _batches(rows):
                if check_conflicts:
                    _refuse_conflicts(live, alias, attnames, batch, fields)
                _copy_batch(alias, schema, live, fields, batch)
                copied += len(batch)
            if copied:
                _advance_sequence(alias, schema)
    except IntegrityError as error:
        raise SwitchRefused(
            f"Nothing was copied: a fixture row does not fit the live table ({error.__cause__ or error})."
        ) from None
    audit.record(AuditEntry.Action.ROWS_COPIED, "rows", request=current_request(), schema_slug=schema.slug,
                 object_repr=f"{copied} fixture rows of {schema.slug} into {source.name}",
                 details={"rows": copied, "data_source": source.name, "table": schema.table_name})
    return copied


def _copy_batch(alias: str, schema: Schema, live, fields, batch: list[tuple]) -> None:
    """Write one batch with COPY: several times faster than INSERTs through the ORM.

    One COPY per batch, not per table, so the live statement timeout bounds
    each statement rather than the whole copy.
    """
    columns = [live._meta.pk.column, *(live._meta.get_field(field.name).column for field in fields)]
    query = sql.SQL("COPY {} ({}) FROM STDIN").format(
        qualified_table(schema), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    json_positions = [index for index, field in enumerate(fields, start=1) if field.field_type.stores_json]
    connection = connections[alias]
    # Django translates driver errors for execute() and fetch*(), not for COPY.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(query) as copy:
        for row in batch:
            if json_positions:
                row = _with_json(row, json_positions)
            copy.write_row(row)


def _with_json(row: tuple, positions: list[int]) -> list:
    row = list(row)
    for index in positions:
        if row[index] is not None:
            row[index] = Jsonb(row[index])
    return row


def _batches(rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _refuse_conflicts(live, alias: str, attnames: list[str], batch: list[tuple], fields) -> None:
    ids = [row[0] for row in batch]
    taken = list(live.objects.using(alias).filter(pk__in=ids).values_list("pk", flat=True)[:CONFLICT_SAMPLE])
    if taken:
        raise SwitchRefused(
            f"Nothing was copied: the live table already has rows with ids {_sample(taken)}. "
            "Switch without copying, or empty the live table first."
        )
    for field in fields:
        if not field.unique:
            continue
        attname = live._meta.get_field(field.name).attname
        position = attnames.index(attname)
        values = [row[position] for row in batch if row[position] is not None]
        clashes = list(live.objects.using(alias).filter(**{f"{attname}__in": values})
                       .values_list(attname, flat=True)[:CONFLICT_SAMPLE])
        if clashes:
            raise SwitchRefused(
                f"Nothing was copied: the live table already holds {attname} values {_sample(clashes)}, "
                "which must be unique."
            )


def _sample(values) -> str:
    return ", ".join(str(value) for value in values)


def _advance_sequence(alias: str, schema: Schema) -> None:
    connection = connections[alias]
    pk_column = schema.pk_column or "id"
    with connection.cursor() as cursor:
        raw = connection.connection
        table = qualified_table(schema)
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.as_string(raw), pk_column])
        sequence = cursor.fetchone()[0]
        if sequence is None:
            return
        query = sql.SQL("SELECT setval(%s, (SELECT max({}) FROM {}))").format(
            sql.Identifier(pk_column), table
        )
        cursor.execute(query.as_string(raw), [sequence])
