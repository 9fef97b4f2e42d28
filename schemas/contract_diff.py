"""
Contract diffs: what changed between two OpenAPI documents, and whether it breaks a client.

``contract_diff(before, after)`` compares two documents as fauxsite generates
them (``/api/schema/?format=json``) and lists every difference a client can
notice, each classed breaking or compatible, located by schema slug, field
and operations, with a message an admin can read::

    books.price: type narrowed from decimal(8,2) to decimal(6,2) (breaking)

A schema is found by its paths (``/api/v1/<slug>/`` and ``/api/v1/<slug>/{id}/``),
its row by the component its operations answer with, and its request body by
the component POST and PUT read; component names are never guessed. Only what
the documents state is compared, so a generator change that restates a value
(another time pattern) shows as a change of that value.

Who breaks depends on the direction a value travels. Writers (request bodies
and query parameters) break when the API refuses what it used to accept: a
lower maximum, a new pattern, a removed enum value, a newly required field, a
refused null. Readers (response rows) break when the API serves what they
could not receive before: null where there was none, a value of another type
or another schema, and an enum value they do not know, because readers map
enums to closed types (generated clients fail on an unknown value), while a
longer string or a larger number of the same type is still one they handle.
So a narrower bound is breaking for a field clients write and compatible for
a read-only one, and a new enum value is breaking for any served field. A
removed enum value and a changed pattern break both directions: stored rows
and filters still carry the value, and whether one pattern admits all that
another does cannot be told in general. One edit shows once per field and
aspect, breaking when either direction breaks.

Each ``Change`` has a stable ``kind``: schema-removed, schema-added,
operation-removed, operation-added, field-removed, field-added,
required-field-added, field-now-required, field-now-optional,
field-read-only, field-writable, type-changed, decimal-narrowed,
decimal-widened, reference-retargeted, nullable-added, nullable-removed,
max-length-*, min-length-*, maximum-*, minimum-*, max-items-*, min-items-*
(lowered, raised, added, removed), pattern-added, pattern-changed,
pattern-removed, enum-value-removed, enum-value-added, description-changed,
filter-removed, filter-added, query-parameter-removed, query-parameter-added,
header-removed, header-added.

Not compared: ``required`` in response components (fauxsite leaves it out,
since ``fields=`` serves only the fields named), ``required`` of query
parameters (fauxsite marks a filter required to say that a filter a request
names must carry a value, not that every request must name it), defaults,
examples, links, error responses and components shared by every schema such
as ``Problem``. The module uses no framework, so the admin, the import
command and revision history can all call it on stored documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

REQUEST, RESPONSE = "request", "response"

# /api/v1/books/ and /api/v1/books/{id}/: the list and detail paths of a schema.
RESOURCE_PATH = re.compile(r"^/api/v\d+/(?P<slug>[^/{}]+)/(?P<detail>\{[^/{}]+\}/)?$")
METHODS = ("get", "post", "put", "patch", "delete")
COMPONENT_PREFIX = "#/components/schemas/"
# The generated decimal descriptions: "... of up to 8 digits, 2 after the point".
DECIMAL_DESCRIPTION = re.compile(r"up to (\d+) digits, (\d+) after the point")
# The served decimal pattern ends with exactly ``places`` digits after the point.
DECIMAL_PLACES_PATTERN = re.compile(r"\\\.\[0-9\]\{(\d+)\}\$$")
# The reference description says the target when no ``$ref`` does.
REFERENCE_DESCRIPTION = re.compile(r"The id of an? (\S+) row")

STRING_FORMATS = {
    "date": "date",
    "date-time": "datetime",
    "time": "time",
    "uuid": "uuid",
    "email": "email",
    "uri": "url",
    "decimal": "decimal",
}
# Bounds: the OpenAPI key, its name in messages, and whether it is an upper
# bound (lowering it narrows) or a lower bound (raising it narrows).
BOUNDS = (
    ("maxLength", "max length", True),
    ("minLength", "min length", False),
    ("maximum", "maximum", True),
    ("minimum", "minimum", False),
    ("maxItems", "max items", True),
    ("minItems", "min items", False),
)


@dataclass(frozen=True)
class Change:
    """One difference a client can notice."""

    slug: str
    field: str | None
    kind: str
    message: str
    breaking: bool
    operations: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        return f"{self.slug}.{self.field}" if self.field else self.slug

    @property
    def classification(self) -> str:
        return "breaking" if self.breaking else "compatible"

    def line(self) -> str:
        return f"{self.location}: {self.message} ({self.classification})"


@dataclass(frozen=True)
class ContractDiff:
    """Every change between two documents, ordered by schema, field and message."""

    changes: tuple[Change, ...] = ()

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.breaking)

    @property
    def compatible(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if not change.breaking)

    @property
    def is_breaking(self) -> bool:
        return any(change.breaking for change in self.changes)

    def lines(self) -> list[str]:
        """Breaking changes first, then compatible ones."""
        return [change.line() for change in (*self.breaking, *self.compatible)]

    def __bool__(self) -> bool:
        return bool(self.changes)


def contract_diff(before: dict, after: dict) -> ContractDiff:
    """The changes from the document ``before`` to the document ``after``."""
    old, new = _resources(before), _resources(after)
    changes: list[Change] = []
    for slug in sorted(old.keys() - new.keys()):
        changes.append(Change(slug, None, "schema-removed", "schema removed", True))
    for slug in sorted(new.keys() - old.keys()):
        changes.append(Change(slug, None, "schema-added", "new schema", False))
    for slug in sorted(old.keys() & new.keys()):
        changes.extend(_resource_changes(old[slug], new[slug]))
    merged = _merged(changes)
    return ContractDiff(tuple(sorted(merged, key=lambda c: (c.slug, c.field or "", c.message))))


def contract_part(document: dict, slugs: Iterable[str]) -> dict:
    """``document`` with the paths of the schemas ``slugs`` names and no other schema's.

    Its diff with a document of those schemas alone says what the whole
    documents' diff says about them. Components are all kept: a diff reaches
    them only through the paths, by name, so the others are never read.
    """
    wanted = set(slugs)
    paths = {
        path: item for path, item in (document.get("paths") or {}).items()
        if (match := RESOURCE_PATH.match(path)) is None or match["slug"] in wanted
    }
    return {**document, "paths": paths}


def _merged(changes: Iterable[Change]) -> list[Change]:
    """One change per slug, field and message, breaking when any direction breaks."""
    merged: dict[tuple, Change] = {}
    for change in changes:
        key = (change.slug, change.field, change.kind, change.message)
        seen = merged.get(key)
        if seen is None:
            merged[key] = change
            continue
        operations = seen.operations + tuple(op for op in change.operations if op not in seen.operations)
        merged[key] = replace(seen, breaking=seen.breaking or change.breaking, operations=operations)
    return list(merged.values())


# Reading a document -----------------------------------------------------------------


@dataclass
class _Operation:
    name: str  # the operationId, or "GET /api/v1/books/"
    spec: dict


@dataclass
class _Resource:
    """What one document says about one schema."""

    slug: str
    operations: dict[str, _Operation] = field(default_factory=dict)  # by "METHOD path"
    row: dict = field(default_factory=dict)
    request: dict | None = None
    # The row component of every schema in the document, for reference targets.
    slugs_by_component: dict[str, str] = field(default_factory=dict)

    @property
    def description(self) -> str | None:
        # Every operation of a schema carries the schema's description.
        first = next(iter(self.operations.values()), None)
        return first.spec.get("description") if first else None

    def operation_names(self, direction: str) -> tuple[str, ...]:
        """The operations that write (request) or serve (response) rows."""
        key = "requestBody" if direction == REQUEST else "responses"
        return tuple(
            op.name for op in self.operations.values()
            if key in op.spec and (direction == REQUEST or _success_schema(op.spec) is not None)
        )


def _resources(document: dict) -> dict[str, _Resource]:
    resources: dict[str, _Resource] = {}
    for path, item in (document.get("paths") or {}).items():
        match = RESOURCE_PATH.match(path)
        if match is not None:
            resource = resources.setdefault(match["slug"], _Resource(match["slug"]))
            resource.operations.update(_operations(path, item))
    _attach_components(resources, (document.get("components") or {}).get("schemas") or {})
    return resources


def _operations(path: str, item: dict) -> Iterator[tuple[str, _Operation]]:
    for method in METHODS:
        spec = item.get(method)
        if isinstance(spec, dict):
            key = f"{method.upper()} {path}"
            yield key, _Operation(spec.get("operationId") or key, spec)


def _attach_components(resources: dict[str, _Resource], components: dict) -> None:
    slugs_by_component = {}
    for resource in resources.values():
        row_name = _row_component(resource, components)
        if row_name is not None:
            slugs_by_component[row_name] = resource.slug
            resource.row = components.get(row_name) or {}
        request_name = _request_component(resource)
        resource.request = components.get(request_name) if request_name else None
    for resource in resources.values():
        resource.slugs_by_component = slugs_by_component


def _row_component(resource: _Resource, components: dict) -> str | None:
    """The component a single row is served as; a list's page wraps it in ``results``."""
    for key, operation in resource.operations.items():
        name = _component_name(_success_schema(operation.spec))
        if name is None:
            continue
        if key.startswith("GET ") and "{" not in key:
            page = components.get(name) or {}
            results = (page.get("properties") or {}).get("results") or {}
            name = _component_name(results.get("items"))
        if name is not None:
            return name
    return None


def _request_component(resource: _Resource) -> str | None:
    # POST and PUT read the whole row, with its required fields; PATCH reads
    # the same fields, none of them required.
    for key, operation in resource.operations.items():
        if key.startswith(("POST ", "PUT ")):
            name = _component_name(_json_schema(operation.spec.get("requestBody")))
            if name is not None:
                return name
    return None


def _success_schema(operation: dict) -> dict | None:
    responses = operation.get("responses") or {}
    for status in sorted(responses):
        if status.startswith("2"):
            schema = _json_schema(responses[status])
            if schema is not None:
                return schema
    return None


def _json_schema(body: dict | None) -> dict | None:
    content = (body or {}).get("content") or {}
    return (content.get("application/json") or {}).get("schema")


def _component_name(schema: dict | None) -> str | None:
    reference = (schema or {}).get("$ref", "")
    return reference[len(COMPONENT_PREFIX):] if reference.startswith(COMPONENT_PREFIX) else None


# One schema -------------------------------------------------------------------------


def _resource_changes(old: _Resource, new: _Resource) -> list[Change]:
    changes = list(_operation_changes(old, new))
    fields = _field_changes(old, new)
    changes.extend(fields)
    if old.description != new.description:
        changes.append(Change(old.slug, None, "description-changed", "description changed", False))
    outcome = _FieldOutcome(
        removed=frozenset(_names(old) - _names(new)),
        added=frozenset(_names(new) - _names(old)),
        changed=frozenset(change.field for change in fields),
    )
    changes.extend(_parameter_changes(old, new, outcome))
    return changes


def _names(resource: _Resource) -> set[str]:
    return set(resource.row.get("properties") or {}) | set((resource.request or {}).get("properties") or {})


def _operation_changes(old: _Resource, new: _Resource) -> Iterator[Change]:
    for key, operation in old.operations.items():
        if key not in new.operations:
            yield Change(old.slug, None, "operation-removed", f"operation {operation.name} ({key}) removed",
                         True, (operation.name,))
    for key, operation in new.operations.items():
        if key not in old.operations:
            yield Change(new.slug, None, "operation-added", f"new operation {operation.name} ({key})",
                         False, (operation.name,))


# Fields -------------------------------------------------------------------------------


@dataclass
class _FieldSides:
    """A field as served (response) and as written (request), None where it is not."""

    response: dict | None
    request: dict | None
    required: bool

    @property
    def exists(self) -> bool:
        return self.response is not None or self.request is not None


def _field_changes(old: _Resource, new: _Resource) -> list[Change]:
    changes = []
    for name in _ordered_names(old, new):
        before, after = _field_sides(old, name), _field_sides(new, name)
        for kind, message, breaking, directions in _field_differences(before, after):
            operations = _operations_for(new, directions) or _operations_for(old, directions)
            changes.append(Change(old.slug, name, kind, message, breaking, operations))
    return changes


def _operations_for(resource: _Resource, directions: tuple[str, ...]) -> tuple[str, ...]:
    if not directions:
        return tuple(operation.name for operation in resource.operations.values())
    names: list[str] = []
    for direction in directions:
        names.extend(name for name in resource.operation_names(direction) if name not in names)
    return tuple(names)


def _ordered_names(old: _Resource, new: _Resource) -> list[str]:
    names = []
    for resource in (new, old):
        for component in (resource.row, resource.request or {}):
            names.extend(name for name in component.get("properties") or {} if name not in names)
    return names


def _field_sides(resource: _Resource, name: str) -> _FieldSides:
    response = (resource.row.get("properties") or {}).get(name)
    request_component = resource.request or {}
    request = (request_component.get("properties") or {}).get(name)
    sides = _FieldSides(
        response=_facts(response, resource.slugs_by_component) if response is not None else None,
        request=_facts(request, resource.slugs_by_component) if request is not None else None,
        required=name in (request_component.get("required") or ()),
    )
    _share_decimal_shape(sides)
    return sides


def _share_decimal_shape(sides: _FieldSides) -> None:
    # A served decimal shows its places only; the request shows its digits
    # too. Both sides then describe the change the same way, once.
    if sides.response and sides.request and sides.response["type"] == sides.request["type"] == "decimal":
        sides.response["digits"] = sides.request["digits"]
        if sides.request["places"] is not None:
            sides.response["places"] = sides.request["places"]


# kind, message, breaking, and the directions it concerns (none: the whole field)
Difference = tuple[str, str, bool, tuple[str, ...]]
WRITES, READS, WHOLE = (REQUEST,), (RESPONSE,), ()


def _field_differences(before: _FieldSides, after: _FieldSides) -> list[Difference]:
    if not before.exists:
        return [_new_field(after)]
    if not after.exists:
        return [("field-removed", "field removed", True, WHOLE)]
    differences = _writability(before, after)
    if before.response is not None and after.response is None:
        differences.append(("field-removed", "no longer served in responses", True, READS))
    differences.extend(_value_differences(before, after))
    if not differences and _descriptions(before) != _descriptions(after):
        # Generated descriptions follow the constraints, so a description
        # change is worth a line only when nothing else says more.
        differences.append(("description-changed", "description changed", False, WHOLE))
    return differences


def _new_field(after: _FieldSides) -> Difference:
    if after.request is None:
        return ("field-added", "new read-only field", False, READS)
    if after.required:
        return ("required-field-added", "new required field", True, WRITES)
    return ("field-added", "new optional field", False, WRITES)


def _writability(before: _FieldSides, after: _FieldSides) -> list[Difference]:
    if before.request is not None and after.request is None:
        return [("field-read-only", "no longer accepted in requests (now read-only)", True, WRITES)]
    if before.request is None and after.request is not None:
        if after.required:
            return [("field-now-required", "now accepted and required in requests", True, WRITES)]
        return [("field-writable", "now accepted in requests", False, WRITES)]
    if before.request is None:
        return []
    if after.required and not before.required:
        return [("field-now-required", "now required in requests", True, WRITES)]
    if before.required and not after.required:
        return [("field-now-optional", "no longer required in requests", False, WRITES)]
    return []


def _value_differences(before: _FieldSides, after: _FieldSides) -> list[Difference]:
    """One line per aspect of the value (a bound, the pattern...), whichever direction shows it.

    Requests and responses document one value differently (a required
    string has minLength 1 in requests only, a time has an input and an
    output pattern), so one edit can show in both with different numbers.
    """
    by_aspect: dict[str, list[Difference]] = {}
    for direction in (REQUEST, RESPONSE):
        old, new = getattr(before, direction), getattr(after, direction)
        if old is None or new is None:
            continue
        for kind, message, breaking in _compare_values(old, new, direction):
            by_aspect.setdefault(_aspect(kind), []).append((kind, message, breaking, (direction,)))
    if "type" in by_aspect:
        # Once the type changed, its bounds and patterns are not comparable.
        by_aspect = {"type": by_aspect["type"]}
    return [_one_for_both_directions(found) for found in by_aspect.values()]


def _aspect(kind: str) -> str:
    # "max-length-lowered" and "max-length-added" are two words for one aspect;
    # a value added and a value removed are two changes.
    return kind if kind.startswith("enum-") else kind.rsplit("-", 1)[0]


def _one_for_both_directions(found: list[Difference]) -> Difference:
    # The breaking side's words, else the request's: writers see the constraint as stated.
    kind, message, _breaking, _directions = next((item for item in found if item[2]), found[0])
    directions = tuple(direction for item in found for direction in item[3])
    return kind, message, any(item[2] for item in found), directions


def _descriptions(sides: _FieldSides) -> tuple:
    return tuple((facts or {}).get("description") for facts in (sides.request, sides.response))


# Values -------------------------------------------------------------------------------
#
# A value schema is reduced to facts (type, nullable, bounds, pattern, enum,
# reference target, decimal shape), so that the shapes fauxsite documents a
# value in (oneOf for references and optional URLs, anyOf for decimals and
# JSON) compare as what they mean.


def _facts(schema: dict, slugs_by_component: dict[str, str]) -> dict[str, Any]:
    kind = _type_of(schema)
    facts: dict[str, Any] = {
        "type": kind,
        "nullable": bool(schema.get("nullable")),
        "description": schema.get("description"),
    }
    if kind == "reference":
        facts["target"] = _reference_target(schema, slugs_by_component)
        return facts
    if kind == "json":
        return facts
    value = _main_branch(schema)
    if kind == "decimal":
        facts.update(_decimal_facts(schema, value))
    else:
        facts["pattern"] = value.get("pattern")
        facts["enum"] = value.get("enum")
    facts.update((key, value[key]) for key, _name, _upper in BOUNDS if key in value)
    if isinstance(value.get("items"), dict):
        facts["items"] = _facts(value["items"], slugs_by_component)
    return facts


def _type_of(schema: dict) -> str:
    if _is_reference(schema):
        return "reference"
    if "$ref" in schema:
        return f"object {_component_name(schema) or schema['$ref']}"
    any_of = schema.get("anyOf") or []
    if any(branch.get("format") == "decimal" for branch in any_of):
        return "decimal"
    if any_of:
        return "json" if {"object", "array"} <= {branch.get("type") for branch in any_of} else "any"
    value = _main_branch(schema)
    if "enum" in value:
        return "enum"
    kind = value.get("type")
    if kind == "string":
        return STRING_FORMATS.get(value.get("format"), "string")
    if kind == "number":
        return "float"
    return kind if isinstance(kind, str) else "any"


def _is_reference(schema: dict) -> bool:
    # A served reference is the id or the row: a oneOf with the row's $ref,
    # and a description that names the target in case the $ref is not there.
    if any("$ref" in branch for branch in schema.get("oneOf") or []):
        return True
    return "oneOf" in schema and REFERENCE_DESCRIPTION.search(schema.get("description") or "") is not None


def _main_branch(schema: dict) -> dict:
    """The value itself: a decimal's number form, or an optional URL's URL form (not "")."""
    any_of = schema.get("anyOf") or []
    numbers = [branch for branch in any_of if branch.get("type") in ("number", "integer")]
    if numbers and any(branch.get("format") == "decimal" for branch in any_of):
        return numbers[0]
    one_of = schema.get("oneOf") or []
    if one_of:
        return {**{k: v for k, v in schema.items() if k != "oneOf"}, **one_of[0]}
    return schema


def _reference_target(schema: dict, slugs_by_component: dict[str, str]) -> str | None:
    for branch in schema.get("oneOf") or []:
        name = _component_name(branch)
        if name is not None:
            return slugs_by_component.get(name, name)
    match = REFERENCE_DESCRIPTION.search(schema.get("description") or "")
    return match[1] if match else None


def _decimal_facts(schema: dict, number: dict) -> dict[str, Any]:
    digits = places = None
    match = DECIMAL_DESCRIPTION.search(schema.get("description") or "")
    if match:
        digits, places = int(match[1]), int(match[2])
    elif "multipleOf" in number:
        places = _places_of(number["multipleOf"])
    elif number.get("type") == "integer":
        places = 0
    else:
        served = DECIMAL_PLACES_PATTERN.search(schema.get("pattern") or "")
        places = int(served[1]) if served else (0 if schema.get("pattern") == "^-?[0-9]+$" else None)
    # The pattern and the number's step follow from the digits and bounds,
    # which are compared themselves.
    return {"digits": digits, "places": places}


def _places_of(step: Any) -> int | None:
    try:
        exponent = Decimal(str(step)).normalize().as_tuple().exponent
    except InvalidOperation:
        return None
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _label(facts: dict) -> str:
    if facts["type"] == "reference" and facts.get("target"):
        return f"reference to {facts['target']}"
    if facts["type"] == "decimal":
        return _decimal_label(facts.get("digits"), facts.get("places"))
    if facts["type"] == "array" and facts.get("items"):
        return f"array of {_label(facts['items'])}"
    return facts["type"]


def _decimal_label(digits: int | None, places: int | None) -> str:
    if digits is not None and places is not None:
        return f"decimal({digits},{places})"
    return f"decimal with {places} places" if places is not None else "decimal"


Found = tuple[str, str, bool]  # kind, message, breaking


def _compare_values(
    old: dict, new: dict, direction: str, ignored: frozenset[str] = frozenset()
) -> list[Found]:
    """What changed in one value; ``ignored`` enum values are accounted for elsewhere."""
    if old["type"] != new["type"]:
        return [("type-changed", f"type changed from {_label(old)} to {_label(new)}", True)]
    found = [
        *_compare_target(old, new),
        *_compare_decimal(old, new, direction),
        *_compare_nullable(old, new, direction),
        *_compare_bounds(old, new, direction),
        *_compare_pattern(old, new, direction),
        *_compare_enum(old, new, direction, ignored),
    ]
    if old.get("items") and new.get("items"):
        found.extend(_compare_values(old["items"], new["items"], direction, ignored))
    return found


def _compare_target(old: dict, new: dict) -> list[Found]:
    if old.get("target") == new.get("target"):
        return []
    # Ids now name rows of another schema: wrong for readers and writers alike.
    message = f"reference target changed from {old.get('target')} to {new.get('target')}"
    return [("reference-retargeted", message, True)]


def _compare_decimal(old: dict, new: dict, direction: str) -> list[Found]:
    shape_old, shape_new = (old.get("digits"), old.get("places")), (new.get("digits"), new.get("places"))
    if old["type"] != "decimal" or shape_old == shape_new:
        return []
    narrowed = _decimal_narrowed(shape_old, shape_new)
    verb = "narrowed" if narrowed else "widened"
    message = f"type {verb} from {_decimal_label(*shape_old)} to {_decimal_label(*shape_new)}"
    return [(f"decimal-{verb}", message, narrowed and direction == REQUEST)]


def _decimal_narrowed(old: tuple, new: tuple) -> bool:
    """Fewer places, or fewer digits before the point (more places in as many digits)."""
    (old_digits, old_places), (new_digits, new_places) = old, new
    if None not in (old_places, new_places) and new_places < old_places:
        return True
    if None in (old_digits, new_digits, old_places, new_places):
        return False
    return new_digits - new_places < old_digits - old_places


def _compare_nullable(old: dict, new: dict, direction: str) -> list[Found]:
    if old["nullable"] == new["nullable"]:
        return []
    if new["nullable"]:
        # Readers now get null; writers may send it.
        return [("nullable-added", "now nullable", direction == RESPONSE)]
    return [("nullable-removed", "no longer nullable", direction == REQUEST)]


def _compare_bounds(old: dict, new: dict, direction: str) -> list[Found]:
    found = []
    for key, name, upper in BOUNDS:
        before, after = old.get(key), new.get(key)
        if before == after or not (_is_number(before) and _is_number(after)):
            continue
        if _is_digit_limit(old, before) and _is_digit_limit(new, after):
            continue  # the decimal's own line says its digits changed
        narrowed = after is not None and (before is None or (after < before if upper else after > before))
        found.append((_bound_kind(name, before, after), _bound_message(name, before, after),
                      narrowed and direction == REQUEST))
    return found


def _is_digit_limit(facts: dict, bound) -> bool:
    """Whether a decimal's bound is only what its digits allow (99999.99 for decimal(7,2))."""
    digits, places = facts.get("digits"), facts.get("places")
    if facts["type"] != "decimal" or None in (digits, places, bound):
        return False
    largest = Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)
    return abs(Decimal(str(bound))) == largest


def _is_number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _bound_kind(name: str, before, after) -> str:
    if before is None:
        change = "added"
    elif after is None:
        change = "removed"
    else:
        change = "raised" if after > before else "lowered"
    return f"{name.replace(' ', '-')}-{change}"


def _bound_message(name: str, before, after) -> str:
    if before is None:
        return f"{name} set to {_number(after)}"
    if after is None:
        return f"{name} removed (was {_number(before)})"
    verb = "raised" if after > before else "lowered"
    return f"{name} {verb} from {_number(before)} to {_number(after)}"


def _number(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _compare_pattern(old: dict, new: dict, direction: str) -> list[Found]:
    before, after = old.get("pattern"), new.get("pattern")
    if before == after:
        return []
    if before is None:
        # Served values only get narrower; written ones may now be refused.
        return [("pattern-added", f"pattern added: {after}", direction == REQUEST)]
    if after is None:
        return [("pattern-removed", f"pattern removed (was {before})", False)]
    # Whether one pattern admits all that the other does is undecidable in
    # general, so a changed pattern is taken to break both directions.
    return [("pattern-changed", f"pattern changed from {before} to {after}", True)]


def _compare_enum(old: dict, new: dict, direction: str, ignored: frozenset[str]) -> list[Found]:
    before, after = old.get("enum"), new.get("enum")
    if before is None or after is None:
        return []
    removed = [value for value in before if value not in after and value not in ignored]
    added = [value for value in after if value not in before and value not in ignored]
    found = []
    if removed:
        # Writers sending it are refused; readers lose a value stored rows and
        # filters still name.
        found.append(("enum-value-removed", f"{_values_phrase(removed)} removed", True))
    if added:
        # Readers with a closed list of values fail on one they do not know.
        found.append(("enum-value-added", f"{_values_phrase(added)} added", direction == RESPONSE))
    return found


def _values_phrase(values: list) -> str:
    quoted = ", ".join(f'"{value}"' for value in values)
    return f"enum value {quoted}" if len(values) == 1 else f"enum values {quoted}"


# Query parameters and headers -----------------------------------------------------------


# Stands for the operations' names in a parameter's message until they are all known.
OPERATIONS = "{operations}"


@dataclass(frozen=True)
class _FieldOutcome:
    """What the field comparison found, so parameters do not say it again."""

    removed: frozenset[str]
    added: frozenset[str]
    changed: frozenset[str]

    @property
    def listed_elsewhere(self) -> frozenset[str]:
        # ``fields``, ``ordering`` and ``expand`` list field names, ordering also "-name".
        names = self.removed | self.added
        return names | {f"-{name}" for name in names}


def _parameter_changes(old: _Resource, new: _Resource, outcome: _FieldOutcome) -> list[Change]:
    """Parameters that clients send, compared as request values, merged over operations."""
    found: dict[tuple, list[str]] = {}
    for key, operation in old.operations.items():
        if key not in new.operations:
            continue  # reported as a removed operation
        before, after = _parameters(operation.spec), _parameters(new.operations[key].spec)
        for name in [*before, *(name for name in after if name not in before)]:
            subject = _subject_field(name[1], old, new)
            if subject in outcome.removed | outcome.added:
                continue  # the field's own line says it
            pair = (before.get(name), after.get(name))
            for difference in _parameter_differences(name, pair, subject, outcome, (old, new)):
                found.setdefault((subject, *difference), []).append(operation.name)
    return [_parameter_change(old.slug, subject, difference, names)
            for (subject, *difference), names in found.items()]


def _parameter_change(slug: str, subject: str | None, difference: list, names: list[str]) -> Change:
    kind, message, breaking = difference
    message = message.replace(OPERATIONS, ", ".join(names), 1)
    return Change(slug, subject, kind, message, breaking, tuple(names))


def _parameters(operation: dict) -> dict[tuple[str, str], dict]:
    return {
        (parameter.get("in"), parameter.get("name")): parameter
        for parameter in operation.get("parameters") or []
        if parameter.get("in") != "path"
    }


def _subject_field(name: str, old: _Resource, new: _Resource) -> str | None:
    """The field a filter parameter filters on (``price`` for ``price__gt``), if any."""
    fields = _names(old) | _names(new)
    if name in fields:
        return name
    head, separator, _lookup = name.rpartition("__")
    return head if separator and head in fields else None


def _parameter_differences(name: tuple[str, str], pair: tuple, subject: str | None,
                           outcome: _FieldOutcome, resources: tuple[_Resource, _Resource]) -> list[Found]:
    (location, parameter), (before, after) = name, pair
    noun = "filter" if subject is not None else ("header" if location == "header" else "query parameter")
    kind = noun.replace(" ", "-")
    if after is None:
        return [(f"{kind}-removed", f"{noun} {parameter} removed from {OPERATIONS}", True)]
    if before is None:
        return [(f"{kind}-added", f"new {noun} {parameter} in {OPERATIONS}", False)]
    if subject in outcome.changed:
        return []  # a filter's values follow its field, whose lines say what changed
    old_facts, new_facts = (
        _facts(spec.get("schema") or {}, resource.slugs_by_component)
        for spec, resource in zip(pair, resources, strict=True)
    )
    return [
        (found_kind, f"{noun} {parameter} of {OPERATIONS}: {message}", breaking)
        for found_kind, message, breaking in _compare_values(
            old_facts, new_facts, REQUEST, outcome.listed_elsewhere
        )
    ]
