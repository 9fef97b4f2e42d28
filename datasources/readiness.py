"""
Readiness: does a live table honour a schema's contract?

``readiness_report(schema)`` introspects the mapped table through a direct
connection to the data source (``pg_catalog``) and compares it with the
schema's fields: table and columns present, types compatible, nullability,
lengths and precision, primary key, uniqueness, privileges, and enum values
in the data that the contract does not allow. A blocking problem means the
API would fail or break its contract on that table; a warning means it works
but something deserves a look. Nothing is changed on the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from datasources.connect import SourceUnavailable, open_connection
from schemas.builder import live_column
from schemas.models import Field, Source

if TYPE_CHECKING:
    from schemas.models import Schema

INTEGER_TYPES = ("int2", "int4", "int8")
TEXT_TYPES = ("varchar", "bpchar", "text", "citext")
# PostgreSQL types (pg_type.typname of the base type) a field type accepts.
ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "string": TEXT_TYPES,
    "text": TEXT_TYPES,
    "email": TEXT_TYPES,
    "url": TEXT_TYPES,
    "enum": TEXT_TYPES,  # and PostgreSQL enum types, checked separately
    "integer": INTEGER_TYPES,
    "reference": INTEGER_TYPES,
    "decimal": ("numeric",),
    "float": ("float8", "float4"),
    "boolean": ("bool",),
    "date": ("date",),
    "datetime": ("timestamptz", "timestamp"),
    "time": ("time", "timetz"),
    "uuid": ("uuid",),
    "json": ("jsonb", "json"),
}
# Accepted, but not quite what the API promises.
WEAK_TYPES: dict[tuple[str, str], str] = {
    ("integer", "int2"): "smallint holds less than the API's 64-bit integers; large values will fail",
    ("integer", "int4"): "integer holds less than the API's 64-bit integers; large values will fail",
    ("float", "float4"): "real keeps about 6 digits; values come back rounded",
    ("datetime", "timestamp"): "timestamp without time zone; values are read and written as UTC",
    ("time", "timetz"): "time with time zone; the offset is not part of the API's value",
    ("json", "json"): "json instead of jsonb; consider jsonb",
}
ENUM_SAMPLE = 5


@dataclass
class Problem:
    message: str
    blocking: bool
    field: str | None = None


@dataclass
class Column:
    name: str
    type_name: str
    display_type: str
    type_kind: str
    type_oid: int
    not_null: bool
    has_default: bool
    max_length: int | None
    precision: int | None
    scale: int | None


@dataclass
class ReadinessReport:
    schema: Schema
    table: str
    table_exists: bool = False
    reachable: bool = True
    problems: list[Problem] = field(default_factory=list)
    # Fields whose column is missing: provisioning can add them.
    missing_columns: list[Field] = field(default_factory=list)

    @property
    def blocking(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.blocking]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.blocking]

    @property
    def ready(self) -> bool:
        return not self.blocking

    def block(self, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(message, True, field))

    def warn(self, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(message, False, field))

    def lines(self) -> list[str]:
        verdict = "ready" if self.ready else "NOT ready"
        found = [f"{self.schema.slug} on {self.table}: {verdict}"]
        found += [f"  blocking: {problem.message}" for problem in self.blocking]
        found += [f"  warning: {problem.message}" for problem in self.warnings]
        return found


def table_parts(schema: Schema) -> tuple[str, str]:
    """(PostgreSQL schema, table) of a schema's live table, as the builder maps it."""
    return schema.table_schema or "public", schema.table_name or schema.slug.replace("-", "_")


def qualified_table(schema: Schema) -> sql.Composed:
    return sql.Identifier(*table_parts(schema))


def readiness_report(schema: Schema) -> ReadinessReport:
    namespace, table = table_parts(schema)
    report = ReadinessReport(schema, f"{namespace}.{table}")
    source = schema.data_source
    if source is None:
        report.block("The schema has no data source; choose one first.")
        return report
    try:
        with open_connection(source) as connection:
            _inspect(connection, schema, report)
    except SourceUnavailable as error:
        report.reachable = False
        report.block(f"The data source {source.name} cannot be used: {error}")
    return report


def _inspect(connection: psycopg.Connection, schema: Schema, report: ReadinessReport) -> None:
    namespace, table = table_parts(schema)
    relation = _relation(connection, namespace, table)
    fields = list(schema.fields.select_related("to"))
    if relation is None:
        report.block(f"The table {report.table} does not exist; provisioning can create it.")
        report.missing_columns = fields
        return
    report.table_exists = True
    oid, kind = relation
    columns = _columns(connection, oid)
    unique_columns, primary_key = _unique_columns(connection, oid)
    writable = not schema.data_source.read_only
    _check_primary_key(report, schema, columns, primary_key, kind, writable)
    for api_field in fields:
        column = columns.get(live_column(api_field))
        if column is None:
            report.block(
                f"{api_field.name}: column {live_column(api_field)!r} is missing; provisioning can add it.",
                api_field.name,
            )
            report.missing_columns.append(api_field)
            continue
        _check_field(connection, report, schema, api_field, column, unique_columns, writable)
    _check_unmapped(report, schema, fields, columns, writable)
    _check_privileges(connection, report, writable)


def _relation(connection, namespace: str, table: str) -> tuple[int, str] | None:
    return connection.execute(
        """
        SELECT c.oid, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        """,
        (namespace, table),
    ).fetchone()


def _columns(connection, oid: int) -> dict[str, Column]:
    rows = connection.execute(
        """
        SELECT a.attname, COALESCE(b.typname, t.typname), format_type(a.atttypid, a.atttypmod),
               COALESCE(b.typtype, t.typtype), COALESCE(b.oid, t.oid),
               a.attnotnull OR (t.typtype = 'd' AND t.typnotnull),
               a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
               CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
        WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
        """,
        (oid,),
    ).fetchall()
    return {row[0]: _column(*row) for row in rows}


def _column(name, type_name, display, kind, type_oid, not_null, has_default, typmod) -> Column:
    max_length = precision = scale = None
    if type_name in ("varchar", "bpchar") and typmod > 4:
        max_length = typmod - 4
    if type_name == "numeric" and typmod > 4:
        precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    return Column(
        name, type_name, display, kind, type_oid, not_null, has_default, max_length, precision, scale
    )


def _unique_columns(connection, oid: int) -> tuple[set[str], list[str]]:
    rows = connection.execute(
        """
        SELECT i.indisprimary, i.indisunique, array_agg(a.attname ORDER BY a.attnum)
        FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = %s AND i.indpred IS NULL AND i.indexprs IS NULL
        GROUP BY i.indexrelid, i.indisprimary, i.indisunique
        """,
        (oid,),
    ).fetchall()
    unique = {names[0] for _primary, is_unique, names in rows if is_unique and len(names) == 1}
    primary = next((list(names) for is_primary, _unique, names in rows if is_primary), [])
    return unique, primary


# Checks ------------------------------------------------------------------------


def _check_primary_key(report, schema, columns, primary_key, kind, writable) -> None:
    name = schema.pk_column or "id"
    column = columns.get(name)
    if column is None:
        report.block(f"The primary-key column {name!r} is missing; set the schema's pk column.")
        return
    if column.type_name not in INTEGER_TYPES:
        report.block(f"The primary-key column {name!r} is {column.display_type}; the API needs integer ids.")
    if primary_key != [name]:
        message = f"{name!r} is not the table's primary key; the API needs one row per id."
        if kind in ("v", "m", "f"):
            report.warn(f"{message} (a view cannot declare one: make sure ids are unique)")
        else:
            report.block(message)
    if writable and not column.has_default:
        report.block(
            f"The primary-key column {name!r} has no default (identity or sequence); creates would fail."
        )


def _check_field(connection, report, schema, api_field, column, unique_columns, writable) -> None:
    name = api_field.name
    where = f"{name} (column {column.name!r}, {column.display_type})"
    if not _type_accepted(api_field, column):
        accepted = ", ".join(ACCEPTED_TYPES[api_field.type])
        report.block(f"{where}: a {api_field.type} field needs one of {accepted}.", name)
        return
    weak = WEAK_TYPES.get((api_field.type, column.type_name))
    if weak:
        report.warn(f"{where}: {weak}.", name)
    writes = writable and not api_field.read_only
    _check_nullability(connection, report, schema, api_field, column, where, writes)
    _check_size(report, api_field, column, where, writes)
    _check_uniqueness(report, api_field, column, unique_columns, where)
    if api_field.type == "enum":
        _check_enum(connection, report, schema, api_field, column, where, writes)
    if api_field.type == "reference":
        _check_reference(report, schema, api_field, where)


def _type_accepted(api_field: Field, column: Column) -> bool:
    if api_field.type == "enum" and column.type_kind == "e":
        return True
    return column.type_name in ACCEPTED_TYPES[api_field.type]


def _check_nullability(connection, report, schema, api_field, column, where, writes) -> None:
    if column.not_null and api_field.allows_null and writes and not column.has_default:
        report.block(f"{where}: the API may write null, but the column is NOT NULL.", api_field.name)
    if not column.not_null and not api_field.allows_null:
        condition = sql.SQL("{} IS NULL").format(sql.Identifier(column.name))
        query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(qualified_table(schema), condition)
        rows = _data_query(connection, report, query, (), f"{where}: nulls")
        held = f"; {rows[0][0]} rows hold null" if rows and rows[0][0] else ""
        report.warn(f"{where}: the API promises a value, but the column accepts null{held}.", api_field.name)


def _check_size(report, api_field, column, where, writes) -> None:
    from schemas import field_types

    if api_field.type in ("string", "email", "url", "text", "enum") and column.max_length is not None:
        model_field = field_types.get_type(api_field.type).build_model_field(api_field)
        api_length = model_field.max_length
        if api_length is None or api_length > column.max_length:
            message = (
                f"{where}: the API accepts {api_length or 'unlimited'} characters, "
                f"the column {column.max_length}."
            )
            if writes:
                report.block(message, api_field.name)
            else:
                report.warn(message, api_field.name)
    if api_field.type == "decimal" and column.precision is not None:
        digits = api_field.max_digits or 12
        places = api_field.decimal_places if api_field.decimal_places is not None else 2
        if digits - places > column.precision - column.scale:
            message = (
                f"{where}: the API accepts {digits - places} integer digits, "
                f"the column {column.precision - column.scale}."
            )
            (report.block if writes else report.warn)(message, api_field.name)
        if places != column.scale:
            report.warn(
                f"{where}: the API uses {places} decimal places, the column {column.scale}.", api_field.name
            )


def _check_uniqueness(report, api_field, column, unique_columns, where) -> None:
    if api_field.unique and column.name not in unique_columns:
        report.warn(
            f"{where}: unique in the API but not in the table; concurrent writes could duplicate.",
            api_field.name,
        )
    if not api_field.unique and column.name in unique_columns:
        report.warn(
            f"{where}: unique in the table but not in the API; duplicates are refused with 409.",
            api_field.name,
        )


def _check_enum(connection, report, schema, api_field, column, where, writes) -> None:
    choices = list(api_field.choices or [])
    if column.type_kind == "e":
        labels = [row[0] for row in connection.execute(
            "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s ORDER BY enumsortorder", (column.type_oid,)
        )]
        missing = [choice for choice in choices if choice not in labels]
        if missing and writes:
            report.block(f"{where}: the database enum lacks {', '.join(missing)}.", api_field.name)
    identifier = sql.Identifier(column.name)
    query = sql.SQL(
        "SELECT DISTINCT {col}::text FROM {table} WHERE {col} IS NOT NULL "
        "AND NOT ({col}::text = ANY(%s)) LIMIT {limit}"
    ).format(col=identifier, table=qualified_table(schema), limit=sql.Literal(ENUM_SAMPLE))
    outside = _data_query(connection, report, query, (choices,), f"{where}: values outside the choices")
    if outside:
        values = ", ".join(repr(row[0]) for row in outside)
        report.block(f"{where}: the table holds values the choices do not allow: {values}.", api_field.name)


def _check_reference(report, schema, api_field, where) -> None:
    target = api_field.to
    if target is None:
        return
    same_source = target.source == Source.LIVE and target.data_source_id == schema.data_source_id
    if not same_source:
        report.warn(
            f"{where}: references {target.slug}, which is not live on the same data source; "
            "ids must match the rows it serves.",
            api_field.name,
        )


def _check_unmapped(report, schema, fields, columns, writable) -> None:
    mapped = {live_column(api_field) for api_field in fields} | {schema.pk_column or "id"}
    for column in columns.values():
        if column.name in mapped:
            continue
        if writable and column.not_null and not column.has_default:
            report.block(
                f"Column {column.name!r} is NOT NULL without a default and no field maps it; "
                "creates would fail."
            )


def _check_privileges(connection, report, writable) -> None:
    table = report.table
    needed = ["SELECT", "INSERT", "UPDATE", "DELETE"] if writable else ["SELECT"]
    for privilege in needed:
        granted = connection.execute(
            "SELECT has_table_privilege(%s, %s)", (_quoted(connection, report.schema), privilege)
        ).fetchone()[0]
        if not granted:
            report.block(f"The data source's user lacks {privilege} on {table}.")


def _quoted(connection, schema) -> str:
    return qualified_table(schema).as_string(connection)


def _data_query(connection, report, query: sql.Composable, params, what: str) -> list[tuple]:
    """Run a query over the table's rows; a failure (a timeout on a big table) is a warning."""
    try:
        return connection.execute(query, params).fetchall()
    except psycopg.Error as error:
        report.warn(f"{what} could not be checked: {error.diag.message_primary or type(error).__name__}.")
        return []
