"""
OpenAPI for resources: one path set and one component set per schema.

The URL conf has a single generic route, ``/api/v1/{slug}/``; the generator
expands it into ``/api/v1/books/``, ``/api/v1/authors/``... with a view bound
to each resource, so drf-spectacular documents each one from its own
serializer, filterset and ordering fields.

The document is the contract that schemathesis holds every engine to
(``tests/test_schemathesis.py``), so a value it allows must be one the API
accepts, and one it forbids must be refused: values follow docs/semantics.md
rather than what drf-spectacular reads off DRF's fields (``format: time``
would need an offset, a decimal is a string or a number within its digits,
integers are 64-bit). Response rows carry no ``required`` list, because
``fields=`` serves only the fields it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter

from schemas.catalog import current_catalog
from schemas.field_types import plain_decimal

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT64 = {"type": "integer", "format": "int64", "minimum": INT64_MIN, "maximum": INT64_MAX}
ROW_ID = {"type": "integer", "format": "int64", "minimum": 1, "maximum": INT64_MAX}
# A time of day, never with an offset (docs/semantics.md); served with
# microseconds only when they are not zero.
TIME_INPUT_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
TIME_OUTPUT_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{6})?$"
# A json field's value, at every depth: integers any JSON parser reads
# exactly, finite numbers, no NUL in strings (docs/semantics.md). Recursive,
# so a component: it limits nested values as much as top-level ones.
JSON_SAFE_INTEGER = 2**53 - 1
JSON_VALUE_COMPONENT = "JsonValue"
JSON_MEMBER_COMPONENT = "JsonMember"
JSON_VALUE_REF = {"$ref": f"#/components/schemas/{JSON_VALUE_COMPONENT}"}
JSON_MEMBER_REF = {"$ref": f"#/components/schemas/{JSON_MEMBER_COMPONENT}"}
JSON_TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
# Members refer to their component directly, not through allOf: Redoc
# merges allOf eagerly and would never finish a recursive one.
JSON_KINDS = [
    {"type": "object", "additionalProperties": JSON_MEMBER_REF},
    {"type": "array", "items": JSON_MEMBER_REF},
    JSON_TEXT,
    {"type": "integer", "minimum": -JSON_SAFE_INTEGER, "maximum": JSON_SAFE_INTEGER},
    {"type": "number", "not": {"type": "integer"}},
    {"type": "boolean"},
]
JSON_VALUE = {
    "description": (
        "A JSON document: objects and arrays nest at most 32 levels deep, integers lie within "
        f"±{JSON_SAFE_INTEGER}, strings and keys hold no NUL character."
    ),
    "anyOf": JSON_KINDS,
}
# A value inside an object or array, where null is a value like any other.
JSON_MEMBER = {"description": "A JSON value inside a document, null included.", "nullable": True,
               "anyOf": JSON_KINDS}
JSON_COMPONENTS = {JSON_VALUE_COMPONENT: JSON_VALUE, JSON_MEMBER_COMPONENT: JSON_MEMBER}

# URLs the API certainly accepts (Django's URLValidator accepts more): http or
# https, a host name with a top-level domain, a path of printable ASCII.
URL_PATTERN = (
    r"^https?://[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?){0,3}"
    r"\.[a-z]{2,12}(/[!-~]*)?$"
)
EMAIL_PATTERN = (
    r"^[A-Za-z0-9_+-]{1,20}(\.[A-Za-z0-9_+-]{1,20}){0,2}@[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
    r"(\.[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?){0,3}\.[a-z]{2,12}$"
)
LOOKUPS = ("ne", "in", "gt", "gte", "lt", "lte", "contains", "icontains", "startswith", "isnull")

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem details object; every API error has this shape.",
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string", "description": "The HTTP status phrase."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {
            "type": "object",
            "description": "Validation messages per field or query parameter.",
            "additionalProperties": {"type": "array", "items": {}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}

SOURCE_PARAMETER = OpenApiParameter(
    "X-Fauxsite-Source",
    str,
    location=OpenApiParameter.HEADER,
    enum=["fixtures", "live"],
    description=(
        "fixtures serves a live schema from its mock rows (staff, or a token with the fixtures "
        "scope); live, the default, serves it from where it lives."
    ),
)

ERROR_DESCRIPTIONS = {
    "400": (
        "Invalid input: a body value, filter, ordering, field selection, page, cursor, header or "
        "unknown query parameter."
    ),
    "404": "No such resource, row or page, or no row where a cursor starts.",
    "409": (
        "Conflicts with existing data: a unique value taken, a referenced row that does not exist, "
        "or rows still referencing this one."
    ),
    "405": "The resource is read-only: its data source accepts no writes.",
    "413": "The request body is over the size limit.",
    "415": "The request body is not JSON (application/json).",
    "503": "The database is unavailable; retry after the Retry-After header.",
    "504": "The database did not answer in time.",
}


def _errors_for(method: str, is_list: bool) -> list[str]:
    # Every operation reads its query string and the X-Fauxsite-Source header,
    # so every one can answer 400.
    if method == "GET":
        return ["400", "404", "503", "504"]
    if method == "DELETE":
        return ["400", "404", "405", "409", "503", "504"]
    codes = ["400", "405", "409", "413", "415", "503", "504"]
    return codes if method == "POST" and is_list else ["400", "404", *codes[1:]]


class ResourceAutoSchema(AutoSchema):
    """Adds resource parameters, links and the error responses every operation has."""

    def _resource(self):
        return getattr(self.view, "resource", None)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        resource = self._resource()
        if operation is None or resource is None:
            return operation
        for parameter in operation.get("parameters", []):
            _refine_parameter(parameter, resource)
        if self.method == "POST" and "201" in operation["responses"]:
            operation["responses"]["201"]["links"] = _row_links(resource)
        return operation

    def get_operation_id(self) -> str:
        resource = self._resource()
        if resource is None:
            return super().get_operation_id()
        action = "list" if self._is_list_view() and self.method == "GET" else self.view.action
        return _operation_id(resource, action)

    def get_tags(self) -> list[str]:
        resource = self._resource()
        return [resource.slug] if resource else super().get_tags()

    def get_description(self) -> str:
        resource = self._resource()
        if resource is None:
            return super().get_description()
        return resource.schema.description or resource.schema.name

    def get_override_parameters(self):
        resource = self._resource()
        if resource is None:
            return super().get_override_parameters()
        parameters = [SOURCE_PARAMETER]
        if self.method != "GET":
            return parameters
        names = ["id", *(field.name for field in resource.fields)]
        parameters.append(
            OpenApiParameter(
                "fields",
                {"type": "array", "items": {"type": "string", "enum": names}},
                description=(
                    "Serve only these fields, comma-separated. Rows then leave the other fields "
                    "out, which is why no field of a row is marked required in responses."
                ),
                explode=False,
            )
        )
        if resource.reference_fields:
            parameters.append(
                OpenApiParameter(
                    "expand",
                    {"type": "array", "items": {"type": "string", "enum": list(resource.reference_fields)}},
                    description="Embed these referenced rows instead of their ids, comma-separated.",
                    explode=False,
                )
            )
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        resource = getattr(field.parent, "resource", None)
        definition = _definition(resource, field.field_name)
        if definition is not None and _embeds_row(definition, direction):
            return self._reference_schema(schema, resource.target(field.field_name), definition)
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        resource = getattr(serializer, "resource", None)
        if resource is None:
            return schema
        properties = schema.get("properties", {})
        for name, value in properties.items():
            definition = _definition(resource, name)
            if name == "id":
                properties[name] = {**ROW_ID, "readOnly": True}
            elif definition is not None and not _embeds_row(definition, direction):
                properties[name] = _value_schema(definition, resource, direction, value)
        # Unknown fields in a body are refused, and rows serve nothing else.
        schema["additionalProperties"] = False
        if direction == "response":
            schema.pop("required", None)
        return schema

    def _reference_schema(self, id_schema, target, definition) -> dict:
        # ``expand`` swaps the id for the referenced row, so both are documented.
        row = self.resolve_serializer(target.serializer_class, "response").ref
        schema = {
            "oneOf": [ROW_ID, row],
            "description": f"The id of a {target.slug} row, or the row itself with expand={definition.name}.",
        }
        if id_schema.get("nullable"):
            schema["nullable"] = True
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self._resource() is None:
            return responses
        if "201" in responses:
            responses["201"]["headers"] = {
                "Location": {
                    "schema": {"type": "string", "format": "uri"},
                    "description": "The new row's URL.",
                }
            }
        problem = self._problem_component()
        for status in _errors_for(self.method, self._is_list_view()):
            responses[status] = {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/problem+json": {"schema": problem.ref}},
            }
        return responses

    def _problem_component(self) -> ResolvedComponent:
        component = ResolvedComponent(
            name="Problem", type=ResolvedComponent.SCHEMA, object="Problem", schema=PROBLEM_SCHEMA
        )
        self.registry.register_on_missing(component)
        return component


class ResourceSchemaGenerator(SchemaGenerator):
    """Expands the generic ``{slug}`` routes into one path set per resource.

    ``only``, a set of slugs, documents those resources alone (with every
    component they refer to): what a plan compares, see ``schemas.changes``.
    """

    def __init__(self, *args, only: frozenset[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.only = only

    def get_schema(self, request=None, public=False):
        document = super().get_schema(request=request, public=public)
        if document is not None and _refers_to_json_values(document):
            components = document.setdefault("components", {})
            schemas = {**components.get("schemas", {}), **JSON_COMPONENTS}
            components["schemas"] = dict(sorted(schemas.items()))
        return document

    def _get_paths_and_endpoints(self):
        catalog = current_catalog()
        endpoints = []
        for path, path_regex, method, callback in self.endpoints:
            if "{slug}" not in path:
                view = self.create_view(callback, method)
                endpoints.append((self.coerce_path(path, method, view), path_regex, method, view))
                continue
            for resource in catalog:
                if self.only is not None and resource.slug not in self.only:
                    continue
                view = self.create_view(callback, method)
                view.kwargs = {"slug": resource.slug}
                view.bind(resource)
                resource_path = path.replace("{slug}", resource.slug)
                endpoints.append(
                    (self.coerce_path(resource_path, method, view), path_regex, method, view)
                )
        return endpoints


def _refers_to_json_values(document: dict) -> bool:
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if item.get("$ref") == JSON_VALUE_REF["$ref"]:
                return True
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _operation_id(resource, action: str) -> str:
    return f"{resource.slug.replace('-', '_')}_{action}"


def _definition(resource, name: str):
    if resource is None:
        return None
    return next((field for field in resource.fields if field.name == name), None)


def _embeds_row(definition, direction: str) -> bool:
    """A relation is served as an id or, with ``expand``, the row itself: a oneOf of both."""
    return definition.field_type.is_relation and direction == "response"


def _row_links(resource) -> dict:
    """Links from a created row to the operations on it, by its id (for clients and schemathesis)."""
    row_id = {"id": "$response.body#/id"}
    actions = {
        "retrieve": "Read the created row.",
        "update": "Replace the created row.",
        "partial_update": "Change fields of the created row.",
        "destroy": "Delete the created row.",
    }
    return {
        _link_name(action): {
            "operationId": _operation_id(resource, action),
            "parameters": row_id,
            "description": description,
        }
        for action, description in actions.items()
    }


def _link_name(action: str) -> str:
    return "".join(part.capitalize() for part in action.split("_"))


# Values ----------------------------------------------------------------------


def _value_schema(definition, resource, direction: str, mapped: dict) -> dict:
    """The schema of one field's value in a body, following docs/semantics.md; its type chooses."""
    kept = {key: mapped[key] for key in ("readOnly", "nullable", "description", "default") if key in mapped}
    return definition.field_type.openapi_value(ValueHints(definition, resource, mapped, kept), direction)


@dataclass(frozen=True)
class ValueHints:
    """The schemas a field type documents its values with (``FieldType.openapi_value``,
    ``FieldType.openapi_filter_value``).

    ``mapped`` is what drf-spectacular made of the serializer field, ``kept``
    the keys of it every value schema keeps (read-only, nullable,
    description, default); both are empty for filter values.
    """

    definition: Any
    resource: Any
    mapped: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)

    def text(self) -> dict:
        return _with_portable_pattern(self.mapped) if "pattern" in self.mapped else self.mapped

    def email(self, direction: str) -> dict:
        return _email_schema(self.mapped) if direction == "request" else self.mapped

    def url(self, direction: str) -> dict:
        return _url_schema(self.mapped, direction)

    def integer(self) -> dict:
        bounds = {key: self.mapped[key] for key in ("minimum", "maximum") if key in self.mapped}
        return {**INT64, **bounds, **self.kept}

    def decimal(self, direction: str, *, minimum: Decimal | None = None,
                maximum: Decimal | None = None) -> dict:
        """An exact decimal within the field's digits and bounds (``minimum``/``maximum``: a type's own)."""
        model_field = self._model_field()
        digits, places = model_field.max_digits, model_field.decimal_places
        bounds = _Bounds(
            self.definition.min_value if minimum is None else minimum,
            self.definition.max_value if maximum is None else maximum,
        )
        schema = _decimal_schema(bounds, digits, places, direction)
        description = _decimal_description(bounds, model_field, direction, self.kept)
        return {**schema, **self.kept, "description": description}

    def time(self, direction: str) -> dict:
        pattern = TIME_OUTPUT_PATTERN if direction == "response" else TIME_INPUT_PATTERN
        return {"type": "string", "pattern": pattern, **self.kept}

    def row_id(self) -> dict:
        return {**ROW_ID, **self.kept}

    def json(self) -> dict:
        return {"allOf": [JSON_VALUE_REF], **self.kept}

    # Filter values

    def int64(self) -> dict:
        return INT64

    def non_empty_text(self) -> dict:
        # Read as text, but an empty one is no value.
        return {"type": "string", "minLength": 1}

    def time_filter(self) -> dict:
        return {"type": "string", "pattern": TIME_INPUT_PATTERN}

    def decimal_filter(self) -> dict:
        model_field = self._model_field()
        whole = model_field.max_digits - model_field.decimal_places
        largest = Decimal(10) ** whole
        pattern = _decimal_pattern(whole, model_field.decimal_places, -largest, largest)
        return {"type": "string", "format": "decimal", "pattern": pattern}

    def _model_field(self):
        return self.resource.model._meta.get_field(self.definition.name)


def _url_schema(mapped: dict, direction: str) -> dict:
    """URLs as the API reads them, not RFC 3986's ``format: uri``.

    Django's URL validator takes characters that RFC 3986 leaves out (``]``
    in a path), so requests get the pattern of URLs it surely accepts, and
    responses a plain string: a URL once accepted is served as sent.
    """
    if "oneOf" in mapped:
        # An optional URL is one of a URL or the empty string; served, a plain
        # string covers both (and oneOf would refuse "", which both match).
        branches = [_url_schema(branch, direction) for branch in mapped["oneOf"]]
        if direction == "response":
            rest = {key: value for key, value in mapped.items() if key != "oneOf"}
            return {**rest, **branches[0]}
        return {**mapped, "oneOf": branches}
    if mapped.get("format") != "uri":
        return mapped
    schema = {key: value for key, value in mapped.items() if key != "format"}
    return {**schema, "pattern": URL_PATTERN} if direction == "request" else schema


def _email_schema(mapped: dict) -> dict:
    # JSON Schema's email format allows addresses Django refuses (a one-letter
    # top-level domain), so requests also get the pattern of surely valid ones.
    if "oneOf" in mapped:
        return {**mapped, "oneOf": [_email_schema(branch) for branch in mapped["oneOf"]]}
    if mapped.get("format") != "email":
        return mapped
    return {**mapped, "pattern": EMAIL_PATTERN}


@dataclass(frozen=True)
class _Bounds:
    min_value: Decimal | None
    max_value: Decimal | None


def _decimal_schema(bounds: _Bounds, digits: int, places: int, direction: str) -> dict:
    if direction == "response":
        # Served as a string with exactly ``places`` digits after the point.
        fraction = rf"\.[0-9]{{{places}}}" if places else ""
        return {"type": "string", "format": "decimal", "pattern": rf"^-?[0-9]+{fraction}$"}
    step = Decimal(1).scaleb(-places)
    largest = Decimal(10) ** (digits - places) - step
    minimum = max(-largest, Decimal(bounds.min_value)) if bounds.min_value is not None else -largest
    maximum = min(largest, Decimal(bounds.max_value)) if bounds.max_value is not None else largest
    number = {"type": "number", "minimum": _json_number(minimum), "maximum": _json_number(maximum)}
    number = {**number, "multipleOf": _json_number(step)} if places else {**number, "type": "integer"}
    pattern = _decimal_pattern(digits - places, places, minimum, maximum)
    if pattern is None:
        return number
    return {"anyOf": [{"type": "string", "format": "decimal", "pattern": pattern}, number]}


def _decimal_pattern(whole_digits: int, places: int, minimum: Decimal, maximum: Decimal) -> str | None:
    """Decimal strings within ``whole_digits`` and ``places``, narrowed to lie within the bounds.

    A regular expression cannot say "at most 500", so the pattern allows the
    whole numbers below the largest power of ten within the bounds (99.99 for
    at most 500): every string it allows is accepted, and the number form of
    the same value covers the rest of the range exactly. None when no
    string of that shape lies within the bounds.
    """
    fraction = rf"(\.[0-9]{{1,{places}}})?" if places else ""
    step = Decimal(1).scaleb(-places)
    positive = _whole_part(_digits_below(maximum, whole_digits, step))
    if minimum > 0:
        # Whole parts of ``least`` digits and more, the first not 0, are all
        # at least 10^(least - 1), which is at least the minimum.
        least = 1
        while Decimal(10) ** (least - 1) < minimum:
            least += 1
        widest = _digits_below(maximum, whole_digits, step)
        if least > widest:
            return None
        return rf"^[1-9][0-9]{{{least - 1},{widest - 1}}}{fraction}$"
    if minimum < 0:
        negative = _whole_part(_digits_below(-minimum, whole_digits, step))
        if negative == positive:
            return rf"^-?{positive}{fraction}$"
        return rf"^({positive}|-{negative}){fraction}$"
    return rf"^{positive}{fraction}$"


def _digits_below(bound: Decimal, whole_digits: int, step: Decimal) -> int:
    """The most whole digits k such that every number of k whole digits is within ``bound``."""
    digits = 0
    while digits < whole_digits and Decimal(10) ** (digits + 1) - step <= bound:
        digits += 1
    return digits


def _whole_part(digits: int) -> str:
    if digits <= 1:
        return "[0-9]" if digits == 1 else "0"
    return rf"(0|[1-9][0-9]{{0,{digits - 1}}})"


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal_description(bounds: _Bounds, model_field, direction: str, kept: dict) -> str:
    digits, places = model_field.max_digits, model_field.decimal_places
    if direction == "response":
        form = f"An exact decimal, served as a string with {places} digits after the point"
    else:
        form = (
            f"An exact decimal, as a string or a JSON number, of up to {digits} digits, "
            f"{places} after the point"
        )
    parts = [form]
    if bounds.min_value is not None:
        parts.append(f"at least {plain_decimal(bounds.min_value)}")
    if bounds.max_value is not None:
        parts.append(f"at most {plain_decimal(bounds.max_value)}")
    text = f"{', '.join(parts)}."
    return f"{kept['description']} {text}" if kept.get("description") else text


# Patterns: Python's syntax that ECMA-262 (JSON Schema's dialect) reads
# differently or not at all. Python's \d, \w and \s also match non-ASCII
# digits, letters and spaces; spelled as ASCII classes they mean what the
# server accepts only for ASCII text, so such patterns stay in the
# description instead.
PYTHON_ONLY = re.compile(r"\(\?P|\(\?#|\(\?[aiLmsux-]+[):]|\\[AZ]|\\[dwsDWS]|[*+?}][+]|\(\?>|\\N\{")


def _with_portable_pattern(mapped: dict) -> dict:
    pattern = mapped["pattern"]
    if not PYTHON_ONLY.search(pattern):
        return mapped
    schema = {key: value for key, value in mapped.items() if key != "pattern"}
    note = f"Must match the Python regular expression {pattern}."
    schema["description"] = f"{mapped['description']} {note}" if mapped.get("description") else note
    return schema


# Pagination ------------------------------------------------------------------------


def pagination_parameters(page_size: int, max_page_size: int) -> list[dict]:
    """``page``, ``page_size`` and ``cursor``: every combination of them has a meaning."""
    from schemas.cursors import CURSOR_PARAMETER, CURSOR_PATTERN

    return [
        {
            "name": "page",
            "in": "query",
            "required": False,
            "description": (
                "The page, counted from 1: from the start of the list, or with a cursor, from the row "
                "the cursor names. A page past the end is a 404."
            ),
            "schema": {"type": "integer", "minimum": 1},
        },
        {
            "name": "page_size",
            "in": "query",
            "required": False,
            "description": (
                f"Rows per page, {page_size} by default; values over {max_page_size} are served as "
                f"{max_page_size}."
            ),
            "schema": {"type": "integer", "minimum": 1},
        },
        {
            "name": CURSOR_PARAMETER,
            "in": "query",
            "required": False,
            "description": (
                "Page by key instead of by number: first or last (the two ends of the list), "
                "after-<id> (the rows after that row, in the order asked for) or before-<id>. The "
                "next and previous links of a list read with a cursor carry cursors, so follow "
                "them as they are; a page costs the same at any depth, and rows written meanwhile "
                "are neither missed nor repeated. Filters, search and ordering combine with it. In "
                "an ordering other than id, the row must still exist (a 404 otherwise)."
            ),
            "schema": {"type": "string", "pattern": CURSOR_PATTERN},
        },
    ]


def paginated_list_schema(rows: dict, exact_count_limit: int) -> dict:
    """The list envelope: a count that may be a lower bound, the links and the rows."""
    link = {"type": "string", "nullable": True, "format": "uri"}
    return {
        "type": "object",
        "description": (
            "A page of rows. count_exact says whether count is the number of rows the list has "
            f"(counted exactly up to {exact_count_limit}) or, past that, a lower bound."
        ),
        "required": ["count", "count_exact", "next", "previous", "results"],
        "properties": {
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": (
                    "The number of rows when count_exact is true; otherwise at least this many "
                    f"(more than {exact_count_limit}), which is all a client may rely on."
                ),
            },
            "count_exact": {
                "type": "boolean",
                "description": (
                    f"Whether count is exact: true when the list has at most {exact_count_limit} rows."
                ),
            },
            "next": {**link, "description": "The next page, or null on the last one."},
            "previous": {**link, "description": "The previous page, or null on the first one."},
            "results": rows,
        },
    }


# Query parameters --------------------------------------------------------------


def _refine_parameter(parameter: dict, resource) -> None:
    """Filter and ordering values as the API reads them (docs/semantics.md)."""
    if parameter.get("in") == "path" and parameter["name"] == "id":
        parameter["schema"] = ROW_ID
    if parameter.get("in") != "query":
        return
    name = parameter["name"]
    if name == "ordering":
        terms = [term for field in resource.ordering_fields for term in (field, f"-{field}")]
        parameter.update(explode=False, style="form")
        parameter["schema"] = {"type": "array", "items": {"type": "string", "enum": terms}}
        return
    field_name, _, lookup = name.rpartition("__")
    if lookup not in LOOKUPS:
        field_name, lookup = name, "exact"
    value = _filter_value_schema(resource, field_name, lookup)
    if value is None and lookup == "in":
        value = parameter["schema"].get("items", {})
    if value is None:
        return
    if lookup == "in":
        # An empty list, or an empty item, is no value, and the list has a cap.
        if value.get("type") == "string":
            value = {**value, "minLength": max(1, value.get("minLength", 0))}
            # Items travel comma-separated, so an item cannot hold a comma.
            value.setdefault("pattern", "^[^,]+$")
        limit = settings.FAUXSITE_MAX_FILTER_VALUES
        parameter["schema"] = {"type": "array", "items": value, "minItems": 1, "maxItems": limit}
    else:
        parameter["schema"] = value


def _filter_value_schema(resource, field_name: str, lookup: str) -> dict | None:
    if lookup == "isnull":
        return None
    if field_name == "id":
        return INT64
    definition = _definition(resource, field_name)
    if definition is None:
        return None
    return definition.field_type.openapi_filter_value(ValueHints(definition, resource))
