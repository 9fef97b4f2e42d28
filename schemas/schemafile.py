"""
Schema files: schemas as code, in YAML or JSON.

A schema file lists schemas, each with its fields in order. Importing it is
declarative for the schemas it names: missing schemas and fields are created,
changed ones updated, and fields the file no longer lists are removed.
Schemas the file does not name are left alone. The whole file is checked
first, with the models' own validation, and every problem is reported with
its place in the file; nothing is written unless the whole file is valid.
A file that matches the database changes nothing, not even a version number.

The keys a schema or a field may have are the ``Key`` tables below, in the
order an export writes them. A new key is one more entry there; a key whose
value names another object, like a field's ``to``, is a ``Key`` subclass with
its own ``read`` and ``write``.
"""

from __future__ import annotations

import copy
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError

from schemas import changes, field_types, fixture_tables
from schemas.field_types import plain_decimal
from schemas.models import Field, Schema

FORMATS = ("yaml", "json")
# Past this width a field is written as a block mapping instead of one line.
FLOW_WIDTH = 100


class SchemaFileError(Exception):
    """The file cannot be imported; ``problems`` lists every reason with its place."""

    def __init__(self, problems: list[str], *, source: str = "The schema file", outcome: str = "imported"):
        self.problems = problems
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(
            f"{source} has {count}; nothing was {outcome}:\n" + "\n".join(f"  {p}" for p in problems)
        )


class Invalid(Exception):
    """A value of the wrong kind for its key; the message says what is expected."""


# Kinds of value: each turns what the file says into the value the model gets.


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("Must be text.")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("Must be true or false.")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("Must be a whole number, 0 or more.")
    return value


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise Invalid("Must be a number.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise Invalid("Must be a number.") from None
    if not number.is_finite():
        raise Invalid("Must be a finite number.")
    return plain_decimal(number)


def _json(value: Any) -> Any:
    """Any JSON value; exact numbers read from the file become JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise Invalid("Object keys must be text.")
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("JSON has no infinity or NaN.")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise Invalid(f"Not a JSON value: {value!r}.")


def _optional_decimal(value: Decimal | None) -> Decimal | None:
    # DecimalField hands back 10 places ("0E-10"); files say 0.
    return None if value is None else plain_decimal(value)


@dataclass(frozen=True)
class Key:
    """One key of a schema or a field: its kind, its default, how it maps to the model."""

    name: str
    parse: Callable[[Any], Any]
    default: Any = None
    required: bool = False
    from_model: Callable[[Any], Any] = lambda value: value
    # The model attribute, when it is not named like the key.
    attribute: str = ""

    def check(self, value: Any) -> Any:
        """The file's value as the model takes it, or ``Invalid``."""
        if value is None and self.required:
            raise Invalid("Is required.")
        if value is None and self.default is None:
            return None
        return self.parse(value)

    def missing(self) -> Any:
        if self.required:
            raise Invalid("Is required.")
        return self.default

    def read(self, instance) -> Any:
        """The value as a file would say it."""
        return self.from_model(getattr(instance, self.attribute or self.name))

    def write(self, instance, value: Any, targets: dict[str, Schema]) -> None:
        setattr(instance, self.attribute or self.name, value)


class SchemaReferenceKey(Key):
    """A key naming a schema by slug, stored as a foreign key (a field's ``to``)."""

    def read(self, instance) -> str | None:
        target_id = getattr(instance, f"{self.name}_id")
        return None if target_id is None else getattr(instance, self.name).slug

    def write(self, instance, value: str | None, targets: dict[str, Schema]) -> None:
        setattr(instance, self.name, None if value is None else targets[value])


class RateLimitKey(Key):
    """``rate_limit: {read: 600/m, write: 60/m}``, kept in two model fields."""

    def read(self, instance) -> dict | None:
        limits = {"read": instance.read_rate_limit, "write": instance.write_rate_limit}
        return {kind: rate for kind, rate in limits.items() if rate} or None

    def write(self, instance, value: dict | None, targets: dict[str, Schema]) -> None:
        instance.read_rate_limit = (value or {}).get("read", "")
        instance.write_rate_limit = (value or {}).get("write", "")


def _rate_limits(value: Any) -> dict:
    if not isinstance(value, dict) or not set(value) <= {"read", "write"}:
        raise Invalid("Must be a mapping with read and/or write, such as {read: 600/m}.")
    return {kind: _text(rate) for kind, rate in value.items()}


class DataSourceKey(Key):
    """A data source named by its name; connection details never travel in files."""

    def read(self, instance) -> str | None:
        return instance.data_source.name if instance.data_source_id else None

    def write(self, instance, value: str | None, targets: dict[str, Schema]) -> None:
        from datasources.models import DataSource

        instance.data_source = None if value is None else DataSource.objects.get(name=value)


def _data_source_name(value: Any) -> str:
    from datasources.models import DataSource

    name = _text(value)
    if not DataSource.objects.filter(name=name).exists():
        raise Invalid(f"There is no data source {name!r}; add it first (manage.py add_datasource).")
    return name


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in allowed:
            raise Invalid(f"Must be one of {', '.join(allowed)}.")
        return value

    return parse


def _option_key(option: field_types.Option) -> Key:
    """The key of an option some types accept (declared in the field-type registry), by its kind."""
    if option.kind == "schema":
        return SchemaReferenceKey(option.name, _text)
    if option.kind == "number":
        return Key(option.name, _number, option.unset, from_model=_optional_decimal)
    return Key(option.name, OPTION_PARSERS[option.kind], option.unset)


OPTION_PARSERS: dict[str, Callable[[Any], Any]] = {
    "count": _count, "text": _text, "json": _json, "flag": _flag,
}

SCHEMA_KEYS = (
    Key("slug", _text, required=True),
    Key("name", _text, required=True),
    Key("description", _text, ""),
    Key("locale", _text, "en_US"),
    Key("access", _choice("public", "token"), "public"),
    RateLimitKey("rate_limit", _rate_limits),
    # Where rows live when the schema is switched live. The switch itself
    # stays explicit (manage.py switch_source), so `source` is not a key.
    DataSourceKey("data_source", _data_source_name),
    Key("table", _text, "", attribute="table_name"),
    Key("table_schema", _text, ""),
    Key("pk_column", _text, "id"),
)
FIELD_KEYS = (
    Key("name", _text, required=True),
    Key("type", _text, required=True),
    Key("description", _text, ""),
    Key("required", _flag, True),
    Key("nullable", _flag, False),
    Key("unique", _flag, False),
    Key("read_only", _flag, False),
    Key("default", _json),
    *(_option_key(option) for option in field_types.TYPED_OPTIONS),
    Key("faker", _text, ""),
    Key("db_column", _text, ""),
)
# Keys a schema entry may have besides its own values.
SCHEMA_NESTED_KEYS = ("fields",)
DOCUMENT_KEYS = ("schemas",)


# Reading files ----------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML with JSON's types: dates, times and yes/no stay text; numbers are exact."""

    yaml_implicit_resolvers: dict = {}


_RESOLVERS = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9_]*)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$"
        r"|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$",
        "-+.0123456789",
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
)
for _tag, _pattern, _first in _RESOLVERS:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
_Loader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node).replace("_", "")),
)


def detect_format(text: str, path: str | None = None) -> str:
    """``json`` or ``yaml``, from the file's extension, else from its first character."""
    suffix = Path(path).suffix.lower() if path and path != "-" else ""
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def load(text: str, file_format: str) -> Any:
    """The parsed document; a syntax error is reported with its line and column."""
    try:
        if file_format == "json":
            return json.loads(text, parse_float=Decimal)
        return yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as error:
        problem = f"line {error.lineno}, column {error.colno}: {error.msg}."
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = f"{where}{error.problem or error.context}."
    except yaml.YAMLError as error:
        problem = str(error)
    except InvalidOperation:
        problem = "A number could not be read."
    raise SchemaFileError([f"Not valid {file_format.upper()}: {problem}"])


# Checking entries ---------------------------------------------------------------


@dataclass
class Entry:
    """A schema or field as the file gives it, with defaults filled in."""

    location: str
    values: dict[str, Any]
    # Keys already reported (missing, wrong kind, repeated): the model's
    # messages about them would only repeat the news.
    bad_keys: set[str] = field(default_factory=set)
    fields: list[Entry] = field(default_factory=list)


class Problems(list):
    """Problems as ``location: message`` lines."""

    def add(self, location: str, message: str) -> None:
        self.append(f"{location}: {message}")

    def in_file_order(self) -> list[str]:
        # By schema then field index; otherwise in the order they were found.
        def place(problem: str) -> list[int]:
            return [int(index) for index in re.findall(r"\[(\d+)\]", problem.split(": ", 1)[0])]

        return sorted(self, key=place)


def read_document(document: Any, problems: Problems) -> list[Entry]:
    """Schema entries from a parsed file, each problem added to ``problems``."""
    if not isinstance(document, dict):
        raise SchemaFileError(["The file must be a mapping with a 'schemas' list."])
    _check_unknown_keys(document, DOCUMENT_KEYS, "(top level)", problems)
    schemas = document.get("schemas")
    if not isinstance(schemas, list):
        problems.add("schemas", "Must be a list of schemas.")
        raise SchemaFileError(problems)
    entries = [_read_schema(item, f"schemas[{i}]", problems) for i, item in enumerate(schemas)]
    entries = [entry for entry in entries if entry is not None]
    _check_repeated(entries, "slug", problems)
    return entries


def _read_schema(item: Any, location: str, problems: Problems) -> Entry | None:
    entry = _read_entry(item, location, SCHEMA_KEYS, SCHEMA_NESTED_KEYS, problems)
    if entry is None:
        return None
    fields = item.get("fields", [])
    if not isinstance(fields, list):
        problems.add(f"{location}.fields", "Must be a list of fields.")
        return entry
    for i, field_item in enumerate(fields):
        field_entry = _read_entry(field_item, f"{location}.fields[{i}]", FIELD_KEYS, (), problems)
        if field_entry is not None:
            entry.fields.append(field_entry)
    _check_repeated(entry.fields, "name", problems)
    return entry


def _read_entry(item, location, keys, nested, problems) -> Entry | None:
    if not isinstance(item, dict):
        problems.add(location, "Must be a mapping of keys to values.")
        return None
    _check_unknown_keys(item, [key.name for key in keys] + list(nested), location, problems)
    entry = Entry(location, {})
    for key in keys:
        try:
            entry.values[key.name] = key.check(item[key.name]) if key.name in item else key.missing()
        except Invalid as error:
            problems.add(f"{location}.{key.name}", str(error))
            entry.values[key.name] = key.default
            entry.bad_keys.add(key.name)
    return entry


def _check_unknown_keys(item: dict, known: Iterable[str], location: str, problems: Problems) -> None:
    known = list(known)
    for name in item:
        if name not in known:
            problems.add(location, f"Unknown key {name!r}; the keys are {', '.join(known)}.")


def _check_repeated(entries: list[Entry], key: str, problems: Problems) -> None:
    first_seen: dict[Any, Entry] = {}
    for entry in entries:
        value = entry.values[key]
        if key in entry.bad_keys:
            continue
        if value in first_seen:
            already = first_seen[value].location
            problems.add(f"{entry.location}.{key}", f"{value!r} is already used by {already}.")
            entry.bad_keys.add(key)
        else:
            first_seen[value] = entry


# Planning: the file against the database ------------------------------------------


@dataclass
class FieldPlan:
    field: Field
    changes: list[str]  # keys that differ, "position" included; empty for a new field
    created: bool


@dataclass
class SchemaPlan:
    schema: Schema
    changes: list[str]
    created: bool
    fields: list[FieldPlan] = field(default_factory=list)
    removed: list[Field] = field(default_factory=list)


def check(document: Any) -> list[SchemaPlan]:
    """What importing ``document`` would change; ``SchemaFileError`` lists every problem."""
    problems = Problems()
    entries = read_document(document, problems)
    existing = {schema.slug: schema for schema in Schema.objects.all()}
    plans = [_plan_schema(entry, existing, problems) for entry in entries]
    pairs = list(zip(entries, plans, strict=True))
    defined = {entry.values["slug"]: p.schema for entry, p in pairs if "slug" not in entry.bad_keys}
    targets = {**existing, **defined}
    for entry, schema_plan in pairs:
        _plan_fields(schema_plan, entry, targets, problems)
    if problems:
        raise SchemaFileError(problems.in_file_order())
    return plans


def _plan_schema(entry: Entry, existing: dict[str, Schema], problems: Problems) -> SchemaPlan:
    schema = Schema() if "slug" in entry.bad_keys else existing.get(entry.values["slug"], Schema())
    created = schema.pk is None
    changes = _assign(schema, entry, SCHEMA_KEYS, {})
    _report_model_errors(schema, entry, [], problems)
    return SchemaPlan(schema, [] if created else changes, created)


def _plan_fields(schema_plan: SchemaPlan, entry: Entry, targets, problems: Problems) -> None:
    schema = schema_plan.schema
    current = {f.name: f for f in schema.fields.select_related("to")} if schema.pk else {}
    for position, field_entry in enumerate(entry.fields):
        existing = None if "name" in field_entry.bad_keys else current.get(field_entry.values["name"])
        field_plan = _plan_field(field_entry, existing or Field(schema=schema), position, targets, problems)
        schema_plan.fields.append(field_plan)
    listed = {f.values["name"] for f in entry.fields}
    schema_plan.removed = [f for name, f in current.items() if name not in listed]


def _plan_field(entry: Entry, field: Field, position: int, targets, problems: Problems) -> FieldPlan:
    _check_type_and_target(entry, targets, problems)
    created = field.pk is None
    changes = _assign(field, entry, FIELD_KEYS, targets)
    if field.position != position:
        field.position = position
        changes.append("position")
    target = field.to if entry.values["to"] is not None else None
    if target is not None and target.pk is None:
        # A schema this file creates has no id yet, and the target was found
        # by slug already: any id satisfies the model's "names a schema" check.
        field.to_id = 0
    _report_model_errors(field, entry, ["schema", "to"], problems)
    if target is not None and target.pk is None:
        field.to = target  # saved first by ``apply``; Django then takes its id
    return FieldPlan(field, [] if created else changes, created)


def _check_type_and_target(entry: Entry, targets: dict[str, Schema], problems: Problems) -> None:
    type_name, target = entry.values["type"], entry.values["to"]
    if "type" not in entry.bad_keys and type_name not in field_types.REGISTRY:
        known = ", ".join(field_types.REGISTRY)
        problems.add(f"{entry.location}.type", f"Unknown type {type_name!r}; the types are {known}.")
        entry.bad_keys.add("type")
    if target is not None and target not in targets:
        problems.add(f"{entry.location}.to", f"There is no schema {target!r} in this file or the database.")
        entry.bad_keys.add("to")
        entry.values["to"] = None


def _assign(instance, entry: Entry, keys, targets: dict[str, Schema]) -> list[str]:
    """Give ``instance`` the entry's values; the names of those that changed."""
    changes = []
    for key in keys:
        value = entry.values[key.name]
        if instance.pk is None or not _same(key.read(instance), value):
            key.write(instance, value, targets)
            changes.append(key.name)
    return changes


def _same(current: Any, wanted: Any) -> bool:
    # By JSON text, so that true and 1 differ while Decimal("0") and 0 do not.
    return json.dumps(current, sort_keys=True, default=str) == json.dumps(
        wanted, sort_keys=True, default=str
    )


def _report_model_errors(instance, entry: Entry, exclude: list[str], problems: Problems) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name in entry.bad_keys:
                continue
            location = entry.location if name == NON_FIELD_ERRORS else f"{entry.location}.{name}"
            for message in messages:
                problems.add(location, message)


# Applying -------------------------------------------------------------------------


@dataclass
class SchemaResult:
    """What an import did to one schema, for the person who ran it."""

    slug: str
    created: bool = False
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.changed or self.added or self.updated or self.removed)

    def lines(self) -> list[str]:
        if self.created:
            return [f"{self.slug}: created with {_count_of(self.added, 'field')} ({', '.join(self.added)})."]
        lines = []
        if self.changed:
            lines.append(f"{self.slug}: changed {', '.join(self.changed)}.")
        if self.added:
            lines.append(f"{self.slug}: added {_count_of(self.added, 'field')}: {', '.join(self.added)}.")
        for name, keys in self.updated.items():
            lines.append(f"{self.slug}: changed field {name} ({', '.join(keys)}).")
        for name in self.removed:
            lines.append(
                f"{self.slug}: removed field {name}, which the file no longer lists; its values are gone."
            )
        return lines or [f"{self.slug}: unchanged."]


@dataclass
class ImportReport:
    results: list[SchemaResult]

    @property
    def changed_anything(self) -> bool:
        return any(result.changed_anything for result in self.results)

    def lines(self, *, planned: bool = False) -> list[str]:
        lines = [line for result in self.results for line in result.lines()]
        if not self.changed_anything:
            return [*lines, "Nothing to change: the database already matches the file."]
        created = sum(result.created for result in self.results)
        verb = "Would import" if planned else "Imported"
        return [*lines, f"{verb} {_count_of(self.results, 'schema')} ({created} created)."]


def _count_of(items, noun: str) -> str:
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


def apply(plans: list[SchemaPlan]) -> ImportReport:
    """Write the plans as one change: one transaction on each database, one revision."""
    with changes.operation("import schemas") as operation:
        return _write(plans, operation)


def _write(plans: list[SchemaPlan], operation: changes.Operation) -> ImportReport:
    # Schemas first, so a reference can name a schema defined later in the file.
    for schema_plan in plans:
        if schema_plan.created or schema_plan.changes:
            # ``check`` validated everything already.
            operation.save_schema(schema_plan.schema, clean=False)
    return ImportReport([_apply_fields(schema_plan, operation) for schema_plan in plans])


def _apply_fields(schema_plan: SchemaPlan, operation: changes.Operation) -> SchemaResult:
    result = SchemaResult(schema_plan.schema.slug, schema_plan.created, list(schema_plan.changes))
    for removed in schema_plan.removed:
        operation.remove_field(removed)
        result.removed.append(removed.name)
    for field_plan in schema_plan.fields:
        name = field_plan.field.name
        if field_plan.created:
            result.added.append(name)
        elif field_plan.changes:
            result.updated[name] = field_plan.changes
        else:
            continue
        field_plan.field.schema = schema_plan.schema
        operation.save_field(field_plan.field, clean=False)
    return result


def import_text(text: str, path: str | None = None) -> ImportReport:
    """Check the whole file, then apply it; ``SchemaFileError`` lists every problem."""
    plans = _checked(text, path)
    with _refusals(path):
        return apply(plans)


def _checked(text: str, path: str | None) -> list[SchemaPlan]:
    try:
        return check(load(text, detect_format(text, path)))
    except SchemaFileError as error:
        raise SchemaFileError(error.problems, source=_source(path)) from None


@contextmanager
def _refusals(path: str | None) -> Iterator[None]:
    try:
        yield
    except fixture_tables.SchemaChangeError as error:
        raise SchemaFileError([str(error)], source=_source(path)) from None
    except DatabaseError as error:
        raise SchemaFileError([f"The database refused the change: {error}"], source=_source(path)) from None


def _source(path: str | None) -> str:
    return "Standard input" if path in (None, "-") else path


def read_text(path: str, stdin: TextIO | None = None) -> str:
    """The text of the file at ``path``, or of standard input when ``path`` is ``-``."""
    if path == "-":
        return (stdin or sys.stdin).read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SchemaFileError([f"Cannot read it: {error}"], source=path) from None


def import_file(path: str, stdin: TextIO | None = None) -> ImportReport:
    """Import the file at ``path``, or standard input when ``path`` is ``-``."""
    return import_text(read_text(path, stdin), path)


# Planning an import: what it changes in the contract ------------------------------------


@dataclass
class ImportPlan:
    """A checked file, what importing it would do, and the contract changes that would make."""

    path: str | None
    plans: list[SchemaPlan]
    report: ImportReport
    contract: changes.Plan

    @property
    def source(self) -> str:
        return _source(self.path)


def plan_text(text: str, path: str | None = None) -> ImportPlan:
    """Check the file and plan its import, changing nothing."""
    plans = _checked(text, path)
    reports: list[ImportReport] = []
    with _refusals(path):
        # On copies: planning saves the objects it is given, then rolls back.
        contract = changes.plan(
            "import schemas", lambda operation: reports.append(_write(copy.deepcopy(plans), operation))
        )
    return ImportPlan(path, plans, reports[0], contract)


def plan_file(path: str, stdin: TextIO | None = None) -> ImportPlan:
    return plan_text(read_text(path, stdin), path)


def apply_plan(planned: ImportPlan) -> ImportReport:
    """Apply a planned import (the caller has decided about breaking changes)."""
    with _refusals(planned.path):
        return apply(planned.plans)


# Writing files -----------------------------------------------------------------------


def select_schemas(slugs: Iterable[str] = ()) -> list[Schema]:
    """The schemas named (all of them when none is), in that order."""
    slugs = list(slugs)
    schemas = Schema.objects.prefetch_related("fields__to")
    if not slugs:
        return list(schemas)
    found = {schema.slug: schema for schema in schemas.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise SchemaFileError(
            [f"There is no schema {slug!r}." for slug in missing], source="The export", outcome="exported"
        )
    return [found[slug] for slug in dict.fromkeys(slugs)]


def document(schemas: Iterable[Schema]) -> dict[str, Any]:
    """The file's content for ``schemas``: only keys that differ from their defaults."""
    return {"schemas": [_schema_document(schema) for schema in schemas]}


def _schema_document(schema: Schema) -> dict[str, Any]:
    result = _non_defaults(schema, SCHEMA_KEYS)
    fields = [_FieldMapping(_non_defaults(f, FIELD_KEYS)) for f in schema.fields.all()]
    if fields:
        result["fields"] = fields
    return result


def _non_defaults(instance, keys) -> dict[str, Any]:
    values = {key.name: key.read(instance) for key in keys}
    return {
        key.name: values[key.name]
        for key in keys
        if key.required or not _same(values[key.name], key.default)
    }


def outside_references(schemas: list[Schema]) -> list[str]:
    """Warnings for references to schemas that ``schemas`` leaves out."""
    slugs = {schema.slug for schema in schemas}
    return [
        f"{schema.slug}.{f.name} refers to {f.to.slug}, which is not in this export; "
        f"importing it needs {f.to.slug} in the file or in the database."
        for schema in schemas
        for f in schema.fields.all()
        if f.to_id is not None and f.to.slug not in slugs
    ]


def dump(schemas: Iterable[Schema], file_format: str = "yaml") -> str:
    content = document(schemas)
    if file_format == "json":
        return json.dumps(content, indent=2, ensure_ascii=False, default=_json_number) + "\n"
    return yaml.dump(content, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=FLOW_WIDTH)


def _json_number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class _FieldMapping(dict):
    """A field: written on one line when it fits, like ``{name: title, type: string}``."""


class _Dumper(yaml.SafeDumper):
    """Indented lists; quotes text that either YAML 1.1 or our loader would read as non-text."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


for _tag, _pattern, _first in _RESOLVERS:
    _Dumper.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    if value == value.to_integral_value():
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


class _InlineList(list):
    """A list inside a field written as a block: still one line, like ``[a, b]``."""


class _InlineDict(dict):
    """A mapping inside a field written as a block: still one line, like ``{a: 1}``."""


def _one_line(value: Any) -> str:
    return yaml.dump(
        value, Dumper=_Dumper, default_flow_style=True, sort_keys=False,
        allow_unicode=True, width=float("inf"),
    ).strip()


def _represent_field(dumper: yaml.SafeDumper, value: _FieldMapping) -> yaml.Node:
    # Indented by eight columns in a schema file, after "      - ".
    if len(_one_line(dict(value))) <= FLOW_WIDTH - 8:
        return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)
    inline = {list: _InlineList, dict: _InlineDict}
    items = [(key, inline.get(type(item), lambda item: item)(item)) for key, item in value.items()]
    return dumper.represent_mapping("tag:yaml.org,2002:map", items, flow_style=False)


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(_FieldMapping, _represent_field)
_Dumper.add_representer(
    _InlineList, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, True)
)
_Dumper.add_representer(
    _InlineDict,
    lambda dumper, value: dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), True),
)
