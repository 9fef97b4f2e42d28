"""
Readiness: does a live table honour a schema's contract?

``readiness_report(schema)`` introspects the mapped table through a direct
connection to the data source (``pg_catalog``) and compares it with the
schema's fields: table and columns present, types compatible, nullability,
lengths and precision, primary key, uniqueness and privileges.

Then it reads the data: every row must be servable under the contract
(docs/semantics.md), or the API would answer 500 or serve a value its own
OpenAPI document forbids. Each field gets one query that counts, per rule,
the rows that break it (nulls, lengths, ranges, digits, dates, choices,
duplicates, dangling references), and for a rule that is broken a second one
that fetches up to five example ids. What PostgreSQL cannot decide the way
the API does (Python regular expressions, email and URL syntax, JSON as
Python reads it) is tested in Python, over a server-side cursor in batches.
Every statement runs under the connection's statement timeout; a check that
times out is reported as not done, and blocks, since nothing vouches for
those rows.

A blocking problem means the API would fail or break its contract on that
table; a warning means it works but something deserves a look. Nothing is
changed on the source.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
from django.core.exceptions import ValidationError
from psycopg import sql

from datasources.connect import SourceUnavailable, open_connection
from datasources.dialects.postgresql import REQUIRED_COLLATIONS
from schemas import field_types
from schemas.builder import live_column
from schemas.field_types import UnknownFieldType
from schemas.models import Field, Source

if TYPE_CHECKING:
    from schemas.models import Schema

# Column types of the ids the API serves.
ID_TYPES = ("int2", "int4", "int8")
# Example ids (and values) a data problem shows.
EXAMPLES = 5
# Rows a Python-side check holds in memory at once.
SCAN_BATCH = 2000
# docs/semantics.md, "json": nesting and the integers every JSON parser reads exactly.
JSON_MAX_DEPTH = 32
JSON_MAX_INTEGER = 2**53 - 1
REFUSED_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


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
    _check_collations(connection, report)
    namespace, table = table_parts(schema)
    relation = _relation(connection, namespace, table)
    fields = list(schema.fields.select_related("to"))
    known = _known_types(report, fields)
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
    rows = _rows(connection, schema, columns)
    for api_field in known:
        column = columns.get(live_column(api_field))
        if column is None:
            report.block(
                f"{api_field.name}: column {live_column(api_field)!r} is missing; provisioning can add it.",
                api_field.name,
            )
            report.missing_columns.append(api_field)
            continue
        if _check_field(connection, report, schema, api_field, column, unique_columns, writable) and rows:
            _check_rows(rows, report, schema, api_field, column, unique_columns)
    _check_unmapped(report, schema, fields, columns, writable)
    _check_privileges(connection, report, writable)


def _known_types(report: ReadinessReport, fields: list[Field]) -> list[Field]:
    """The fields of a type the registry knows; each of the others blocks, naming its type."""
    known = []
    for api_field in fields:
        try:
            field_types.get_type(api_field.type)
        except UnknownFieldType as error:
            report.block(f"{api_field.name}: {error}", api_field.name)
        else:
            known.append(api_field)
    return known


def _check_collations(connection, report) -> None:
    # Text operators name these collations (datasources/dialects/postgresql.py)
    # so that they mean the same whatever the database's own locale is.
    present = {
        name for (name,) in connection.execute(
            "SELECT collname FROM pg_collation WHERE collname = ANY(%s)", [list(REQUIRED_COLLATIONS)]
        )
    }
    for name in REQUIRED_COLLATIONS:
        if name not in present:
            report.block(
                f"The database has no collation {name!r}, which fauxsite's text operators need "
                "(PostgreSQL built with ICU provides it)."
            )


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
    if column.type_name not in ID_TYPES:
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


def _check_field(connection, report, schema, api_field, column, unique_columns, writable) -> bool:
    """The column against the field; False when its type rules out reading the data as the field."""
    name = api_field.name
    field_type = api_field.field_type
    where = f"{name} (column {column.name!r}, {column.display_type})"
    if not field_type.accepts_live_column(column.type_name, column.type_kind):
        accepted = ", ".join(field_type.live_types)
        report.block(f"{where}: a {field_type.name} field needs one of {accepted}.", name)
        return False
    weak = field_type.weak_live_types.get(column.type_name)
    if weak:
        report.warn(f"{where}: {weak}.", name)
    writes = writable and not api_field.read_only
    _check_nullability(report, api_field, column, where, writes)
    field_type.check_live_column(ColumnCheck(connection, report, schema, api_field, column, where, writes))
    _check_uniqueness(report, api_field, column, unique_columns, where)
    return True


def _check_nullability(report, api_field, column, where, writes) -> None:
    if column.not_null and api_field.allows_null and writes and not column.has_default:
        report.block(f"{where}: the API may write null, but the column is NOT NULL.", api_field.name)
    if not column.not_null and not api_field.allows_null:
        # Rows that hold null already are found by the data checks.
        report.warn(f"{where}: the API promises a value, but the column accepts null.", api_field.name)


@dataclass(frozen=True)
class ColumnCheck:
    """One live column against its field: the checks a field type chooses from (``check_live_column``)."""

    connection: psycopg.Connection
    report: ReadinessReport
    schema: Schema
    api_field: Field
    column: Column
    where: str
    writes: bool

    def text_length(self) -> None:
        _check_text_length(self.report, self.api_field, self.column, self.where, self.writes)

    def decimal_digits(self) -> None:
        _check_decimal_digits(self.report, self.api_field, self.column, self.where, self.writes)

    def enum_labels(self) -> None:
        _check_enum(self.connection, self.report, self.api_field, self.column, self.where, self.writes)

    def reference_target(self) -> None:
        _check_reference(self.report, self.schema, self.api_field, self.where)


def _check_text_length(report, api_field, column, where, writes) -> None:
    if column.max_length is not None:
        api_length = api_field.field_type.build_model_field(api_field).max_length
        if api_length is None or api_length > column.max_length:
            message = (
                f"{where}: the API accepts {api_length or 'unlimited'} characters, "
                f"the column {column.max_length}."
            )
            if writes:
                report.block(message, api_field.name)
            else:
                report.warn(message, api_field.name)


def _check_decimal_digits(report, api_field, column, where, writes) -> None:
    if column.precision is not None:
        model_field = api_field.field_type.build_model_field(api_field)
        digits, places = model_field.max_digits, model_field.decimal_places
        if digits - places > column.precision - column.scale:
            message = (
                f"{where}: the API accepts {digits - places} integer digits, "
                f"the column {column.precision - column.scale}."
            )
            (report.block if writes else report.warn)(message, api_field.name)
        if column.precision - column.scale > digits - places:
            report.warn(
                f"{where}: the column holds {column.precision - column.scale} integer digits, the API "
                f"serves {digits - places}; the data checks block on rows that do not fit.",
                api_field.name,
            )
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


def _check_enum(connection, report, api_field, column, where, writes) -> None:
    if column.type_kind != "e" or not writes:
        return
    labels = [row[0] for row in connection.execute(
        "SELECT enumlabel FROM pg_enum WHERE enumtypid = %s ORDER BY enumsortorder", (column.type_oid,)
    )]
    missing = [choice for choice in api_field.choices or [] if choice not in labels]
    if missing:
        report.block(f"{where}: the database enum lacks {', '.join(missing)}.", api_field.name)


def _check_reference(report, schema, api_field, where) -> None:
    target = api_field.to
    if target is None or _reference_target_checkable(schema, target):
        return
    report.warn(
        f"{where}: references {target.slug}, which is not live on the same data source; "
        "ids must match the rows it serves, and were not checked.",
        api_field.name,
    )


def _reference_target_checkable(schema, target) -> bool:
    """True when the rows the target serves are a table next to this one."""
    if target.pk == schema.pk:
        return True
    return target.source == Source.LIVE and target.data_source_id == schema.data_source_id


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




# Data checks -------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """The live table as the data checks read it: aliased ``r``, examples named by ``pk``."""

    connection: psycopg.Connection
    table: sql.Composable
    pk: sql.Composable
    sql_ascii: bool
    timeout: str


@dataclass(frozen=True)
class RowRule:
    """A rule on a field's values, as the SQL condition that finds the rows breaking it."""

    what: str
    condition: sql.Composable
    show_values: bool = False


@dataclass(frozen=True)
class ValueRule:
    """A rule PostgreSQL cannot decide the way the API does, tested in Python."""

    what: str
    breaks: Callable[[Any], bool]


@dataclass(frozen=True)
class ValueScan:
    expression: sql.Composable
    # Turns the fetched value into what the rules test; ValueError when the
    # API could not read it at all.
    read: Callable[[Any], Any]
    unreadable: str
    rules: list[ValueRule]
    # A condition every breaking row meets, so the scan fetches only those.
    prefilter: sql.Composable | None = None


@dataclass
class Offenders:
    count: int = 0
    ids: list = field(default_factory=list)

    def add(self, pk) -> None:
        self.count += 1
        bisect.insort(self.ids, pk)
        del self.ids[EXAMPLES:]


def _rows(connection, schema: Schema, columns: dict[str, Column]) -> Rows | None:
    pk = schema.pk_column or "id"
    if pk not in columns:
        return None
    encoding, timeout = connection.execute(
        "SELECT current_setting('server_encoding'), current_setting('statement_timeout')"
    ).fetchone()
    sql_ascii = encoding == "SQL_ASCII"
    return Rows(connection, qualified_table(schema), sql.Identifier("r", pk), sql_ascii, timeout)


def _check_rows(rows: Rows, report, schema, api_field, column, unique_columns) -> None:
    value = sql.Identifier("r", column.name)
    rules = _row_rules(rows, schema, api_field, column, value, unique_columns)
    if rules:
        _run_row_rules(rows, report, api_field.name, value, rules)
    scan = _value_scan(rows, api_field, column, value)
    if scan is not None:
        _run_scan(rows, report, api_field.name, scan)


def _row_rules(rows, schema, api_field, column, value, unique_columns) -> list[RowRule]:
    rules = []
    if not api_field.allows_null:
        rules.append(RowRule("null, which the field does not allow", sql.SQL("{} IS NULL").format(value)))
    rules += api_field.field_type.live_row_rules(DataCheck(rows, api_field, column, value))
    if api_field.unique and column.name not in unique_columns:
        rules.append(_duplicates(rows, column, value))
    target = api_field.to if api_field.field_type.is_relation else None
    if target is not None and _reference_target_checkable(schema, target):
        rules.append(_dangling(target, value))
    return rules


def _text_rules(api_field, column, value) -> list[RowRule]:
    length = _served_length(column, value)
    longest = api_field.field_type.build_model_field(api_field).max_length
    rules = []
    if longest is not None:
        rules.append(RowRule(
            f"text longer than {longest} characters", sql.SQL("{} > {}").format(length, sql.Literal(longest))
        ))
    if api_field.min_length:
        rules.append(RowRule(
            f"text shorter than {api_field.min_length} characters",
            sql.SQL("{} < {}").format(length, sql.Literal(api_field.min_length)),
        ))
    return rules


def _served_length(column, value) -> sql.Composable:
    # char(n) reaches the API padded with spaces to n, whatever char_length()
    # says. In a SQL_ASCII database char_length() counts bytes, not code points.
    if column.type_name == "bpchar" and column.max_length is not None:
        return sql.SQL("(CASE WHEN {} IS NOT NULL THEN {} END)").format(value, sql.Literal(column.max_length))
    return sql.SQL("char_length({})").format(value)


def _enum_rules(api_field, column, value) -> list[RowRule]:
    condition = sql.SQL("NOT ({}::text = ANY({}))").format(value, sql.Literal(list(api_field.choices or [])))
    return [RowRule("values the choices do not allow", condition, show_values=True)]


def _integer_rules(api_field, column, value) -> list[RowRule]:
    # int2, int4 and int8 (the only accepted types) cannot leave the 64-bit range.
    return _range_rules(api_field, value, int)


def _decimal_rules(api_field, column, value) -> list[RowRule]:
    model_field = api_field.field_type.build_model_field(api_field)
    digits, places = model_field.max_digits, model_field.decimal_places
    special = sql.SQL("{}::text IN ('NaN', 'Infinity', '-Infinity')").format(value)
    finite = sql.SQL("NOT ({})").format(special)
    # round() and abs() are exact on numeric; the API quantizes to `places`
    # within `digits` and fails (500) on anything that does not fit.
    too_precise = sql.SQL("{} AND {} <> round({}, {})").format(finite, value, value, sql.Literal(places))
    too_large = sql.SQL("{} AND abs({}) >= {}").format(
        finite, value, sql.Literal(Decimal(10) ** (digits - places))
    )
    return [
        RowRule("NaN or infinite values", special),
        RowRule(f"values with more than {places} decimal places", too_precise),
        RowRule(f"values with more than {digits} digits, {digits - places} before the point", too_large),
        *_range_rules(api_field, value, Decimal, finite),
    ]


def _float_rules(api_field, column, value) -> list[RowRule]:
    special = sql.SQL("{} IN ('NaN', 'Infinity', '-Infinity')").format(value)
    finite = sql.SQL("NOT ({})").format(special)
    return [RowRule("NaN or infinite values", special), *_range_rules(api_field, value, float, finite)]


def _range_rules(api_field, value, cast, guard: sql.Composable | None = None) -> list[RowRule]:
    rules = []
    for option, operator, words in (("min_value", "<", "below"), ("max_value", ">", "above")):
        bound = getattr(api_field, option)
        if bound is None:
            continue
        condition = sql.SQL("{} {} {}").format(value, sql.SQL(operator), sql.Literal(cast(bound)))
        if guard is not None:
            condition = sql.SQL("{} AND {}").format(guard, condition)
        rules.append(RowRule(f"values {words} {field_types.plain_decimal(bound)}", condition))
    return rules


# Years 1 to 9999, as instants in UTC: what Python's date and datetime hold.
DATE_BOUNDS = {
    "date": ("'0001-01-01'", "> '9999-12-31'"),
    "timestamptz": ("'0001-01-01 00:00:00+00'", ">= '10000-01-01 00:00:00+00'"),
    "timestamp": ("'0001-01-01 00:00:00'", ">= '10000-01-01 00:00:00'"),
}


def _date_rules(api_field, column, value) -> list[RowRule]:
    low, high = DATE_BOUNDS[column.type_name]
    condition = sql.SQL("{} < {} OR {} {}").format(value, sql.SQL(low), value, sql.SQL(high))
    return [RowRule("dates outside the years 1 to 9999", condition)]


def _time_rules(api_field, column, value) -> list[RowRule]:
    # PostgreSQL accepts 24:00:00 as a time of day; Python does not.
    condition = sql.SQL("{}::time = '24:00:00'").format(value)
    return [RowRule("the time 24:00:00, which the API cannot serve", condition)]


@dataclass(frozen=True)
class DataCheck:
    """One field's stored values: the rules a field type chooses from (``live_row_rules``,
    ``live_value_scan``)."""

    rows: Rows
    api_field: Field
    column: Column
    value: sql.Composable

    def text_rules(self) -> list[RowRule]:
        return _text_rules(self.api_field, self.column, self.value)

    def choice_rules(self) -> list[RowRule]:
        return _enum_rules(self.api_field, self.column, self.value)

    def range_rules(self, cast: Callable[[Any], Any]) -> list[RowRule]:
        return _range_rules(self.api_field, self.value, cast)

    def decimal_rules(self) -> list[RowRule]:
        return _decimal_rules(self.api_field, self.column, self.value)

    def float_rules(self) -> list[RowRule]:
        return _float_rules(self.api_field, self.column, self.value)

    def date_rules(self) -> list[RowRule]:
        return _date_rules(self.api_field, self.column, self.value)

    def time_rules(self) -> list[RowRule]:
        return _time_rules(self.api_field, self.column, self.value)

    def format_rule(self, what: str, validator: Callable[[str], Any]) -> ValueRule:
        """Text a validator refuses (an email or URL validator, ...)."""
        return ValueRule(what, _refused_by(validator))

    def text_scan(self, *rules: ValueRule) -> ValueScan | None:
        """Text as the API reads it: valid UTF-8, matching the field's pattern, passing ``rules``."""
        return _text_scan(self.rows, self.api_field, self.value, list(rules))

    def json_scan(self) -> ValueScan:
        return _json_scan(self.column, self.value)


def _duplicates(rows: Rows, column: Column, value) -> RowRule:
    plain = sql.Identifier(column.name)
    condition = sql.SQL(
        "{value} IN (SELECT {plain} FROM {table} WHERE {plain} IS NOT NULL "
        "GROUP BY {plain} HAVING count(*) > 1)"
    ).format(value=value, plain=plain, table=rows.table)
    what = "values another row holds too, in a field the API keeps unique"
    return RowRule(what, condition, show_values=True)


def _dangling(target: Schema, value) -> RowRule:
    condition = sql.SQL(
        "{value} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.{pk} = {value})"
    ).format(value=value, table=qualified_table(target), pk=sql.Identifier(target.pk_column or "id"))
    return RowRule(f"ids of {target.slug} rows that do not exist", condition, show_values=True)


def _run_row_rules(rows: Rows, report, name: str, value, rules: list[RowRule]) -> None:
    counting = sql.SQL("SELECT {} FROM {} AS r").format(
        sql.SQL(", ").join(sql.SQL("count(*) FILTER (WHERE {})").format(rule.condition) for rule in rules),
        rows.table,
    )
    counts = _attempt(rows, report, name, lambda: rows.connection.execute(counting).fetchone())
    if counts is None:
        return
    for rule, count in zip(rules, counts, strict=True):
        if count:
            _block_rows(report, name, rule, count, _examples(rows, report, name, value, rule))


def _examples(rows: Rows, report, name: str, value, rule: RowRule) -> list[tuple]:
    query = sql.SQL("SELECT {pk}, {value}::text FROM {table} AS r WHERE {condition} ORDER BY {pk} LIMIT {n}")
    query = query.format(
        pk=rows.pk, value=value, table=rows.table, condition=rule.condition, n=sql.Literal(EXAMPLES)
    )
    return _attempt(rows, report, name, lambda: rows.connection.execute(query).fetchall()) or []


def _block_rows(report, name: str, rule: RowRule, count: int, examples: list[tuple]) -> None:
    values = ""
    if rule.show_values:
        shown = dict.fromkeys(_shorten(text) for _pk, text in examples)
        values = ": " + ", ".join(shown)
    _block_offenders(report, name, rule.what + values, count, [pk for pk, _text in examples])


def _block_offenders(report, name: str, what: str, count: int, ids: Iterable) -> None:
    ids = [str(pk) for pk in ids]
    rows = "1 row holds" if count == 1 else f"{count} rows hold"
    more = f" and {count - len(ids)} more" if count > len(ids) else ""
    listed = f" ({'id' if len(ids) == 1 else 'ids'} {', '.join(ids)}{more})" if ids else ""
    report.block(f"{name}: {rows} {what}{listed}.", name)


def _shorten(text: str | None, limit: int = 40) -> str:
    text = repr(text)
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def _attempt(rows: Rows, report, name: str, run: Callable[[], Any]) -> Any:
    """Run one data query; a timeout or an error blocks, saying the rows were not checked."""
    try:
        return run()
    except psycopg.errors.QueryCanceled:
        report.block(
            f"{name}: the data check timed out (statement timeout {rows.timeout}) and was not done; "
            "run readiness when the database is quieter or raise FAUXSITE_LIVE_STATEMENT_TIMEOUT_MS.",
            name,
        )
    except psycopg.Error as error:
        reason = error.diag.message_primary or type(error).__name__
        report.block(f"{name}: the data could not be checked: {reason}.", name)
    return None


# Data checks in Python ---------------------------------------------------------


def _value_scan(rows: Rows, api_field, column, value) -> ValueScan | None:
    return api_field.field_type.live_value_scan(DataCheck(rows, api_field, column, value))


def _text_scan(rows: Rows, api_field, value, rules: list[ValueRule]) -> ValueScan | None:
    rules = [*_pattern_rules(api_field), *rules]
    if rows.sql_ascii:
        # No encoding is enforced there: fetch the bytes and read them as the API would.
        return ValueScan(sql.SQL("convert_to({}, 'SQL_ASCII')").format(value), _utf8,
                         "text that is not valid UTF-8", rules)
    return ValueScan(value, _utf8, "text that is not valid UTF-8", rules) if rules else None


def _pattern_rules(api_field) -> list[ValueRule]:
    if not api_field.pattern:
        return []
    # Python's re, as the serializer's validator and the pattern in the document mean it.
    regex = re.compile(api_field.pattern)
    return [ValueRule(
        f"text that does not match the pattern {api_field.pattern!r}", lambda text: not regex.search(text)
    )]


def _refused_by(validator) -> Callable[[str], bool]:
    def breaks(text: str) -> bool:
        try:
            validator(text)
        except ValidationError:
            return True
        return False

    return breaks


def _utf8(raw: str | bytes) -> str:
    # Strict: a lone surrogate's bytes (ED A0 80) are refused like any invalid sequence.
    return raw.decode("utf-8") if isinstance(raw, bytes) else raw


JSON_RULES = [
    ValueRule(f"JSON nested deeper than {JSON_MAX_DEPTH} levels", lambda faults: "depth" in faults),
    ValueRule(f"JSON integers beyond ±{JSON_MAX_INTEGER}", lambda faults: "integer" in faults),
    ValueRule("JSON numbers beyond a double's range", lambda faults: "number" in faults),
    ValueRule("JSON text with a NUL or a lone surrogate", lambda faults: "text" in faults),
]
JSON_DEEP = f'strict $.**{{{JSON_MAX_DEPTH}}} ? (@.type() == "array" || @.type() == "object")'
JSON_BIG = f'strict $.** ? (@.type() == "number" && (@ > {JSON_MAX_INTEGER} || @ < -{JSON_MAX_INTEGER}))'


def _json_scan(column, value) -> ValueScan:
    prefilter = None
    if column.type_name == "jsonb":
        # jsonb refuses NUL and lone surrogates itself; deep nesting and big
        # numbers are found by path queries, then read in Python as the API
        # reads them (1e20 comes back as an integer, 1e20.0 as a double).
        prefilter = sql.SQL("jsonb_path_exists({v}, {deep}) OR jsonb_path_exists({v}, {big})").format(
            v=value, deep=sql.Literal(JSON_DEEP), big=sql.Literal(JSON_BIG)
        )
    text = sql.SQL("{}::text").format(value)
    return ValueScan(text, _json_faults, "JSON that cannot be read", JSON_RULES, prefilter)


def _json_faults(text: str) -> frozenset[str]:
    """Which of the contract's JSON rules a document breaks, read as the API reads it."""
    try:
        document = json.loads(_utf8(text))
    except RecursionError:
        return frozenset({"depth"})
    faults = set()
    pending = [(document, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth >= JSON_MAX_DEPTH:
                faults.add("depth")
                continue
            children = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int) and abs(item) > JSON_MAX_INTEGER:
            faults.add("integer")
        elif isinstance(item, float) and not math.isfinite(item):
            faults.add("number")
        elif isinstance(item, str) and REFUSED_CHARACTERS.search(item):
            faults.add("text")
    return frozenset(faults)


def _run_scan(rows: Rows, report, name: str, scan: ValueScan) -> None:
    condition = sql.SQL("{} IS NOT NULL").format(scan.expression)
    if scan.prefilter is not None:
        condition = sql.SQL("{} AND ({})").format(condition, scan.prefilter)
    query = sql.SQL("SELECT {pk}, {value} FROM {table} AS r WHERE {condition}").format(
        pk=rows.pk, value=scan.expression, table=rows.table, condition=condition
    )
    found = {what: Offenders() for what in [scan.unreadable, *(rule.what for rule in scan.rules)]}

    def run() -> bool:
        # A named cursor lives in a transaction; each FETCH is a statement of its own.
        with rows.connection.transaction(), rows.connection.cursor(name="readiness_scan") as cursor:
            cursor.execute(query)
            while batch := cursor.fetchmany(SCAN_BATCH):
                for pk, raw in batch:
                    _judge(scan, pk, raw, found)
        return True

    if _attempt(rows, report, name, run):
        for what, offenders in found.items():
            if offenders.count:
                _block_offenders(report, name, what, offenders.count, offenders.ids)


def _judge(scan: ValueScan, pk, raw, found: dict[str, Offenders]) -> None:
    try:
        value = scan.read(raw)
    except ValueError:
        found[scan.unreadable].add(pk)
        return
    for rule in scan.rules:
        if rule.breaks(value):
            found[rule.what].add(pk)
