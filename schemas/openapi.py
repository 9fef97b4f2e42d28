"""
OpenAPI for resources: one path set and one component set per schema.

The URL conf has a single generic route, ``/api/v1/{slug}/``; the generator
expands it into ``/api/v1/books/``, ``/api/v1/authors/``... with a view bound
to each resource, so drf-spectacular documents each one from its own
serializer, filterset and ordering fields.
"""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter

from schemas.catalog import current_catalog
from schemas.field_types import plain_decimal

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
    "400": "Invalid input: a body value, filter, ordering, field selection or page.",
    "404": "No such resource, row or page.",
    "409": "Conflicts with existing data: a unique value, or rows referencing this one.",
    "405": "The resource is read-only: its data source accepts no writes.",
    "413": "The request body is over the size limit.",
    "503": "The database is unavailable; retry after the Retry-After header.",
    "504": "The database did not answer in time.",
}


def _errors_for(method: str, is_list: bool) -> list[str]:
    if method == "GET":
        return ["400", "404", "503", "504"]
    if method == "DELETE":
        return ["404", "405", "409", "503", "504"]
    codes = ["400", "405", "409", "413", "503", "504"]
    return codes if method == "POST" and is_list else ["400", "404", *codes[1:]]


class ResourceAutoSchema(AutoSchema):
    """Adds resource parameters and the error responses every operation has."""

    def _resource(self):
        return getattr(self.view, "resource", None)

    def get_operation_id(self) -> str:
        resource = self._resource()
        if resource is None:
            return super().get_operation_id()
        action = "list" if self._is_list_view() and self.method == "GET" else self.view.action
        return f"{resource.slug.replace('-', '_')}_{action}"

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
                description="Serve only these fields, comma-separated.",
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
        resource = self._resource()
        if resource is None or field.field_name not in {f.name for f in resource.fields}:
            return schema
        definition = next(f for f in resource.fields if f.name == field.field_name)
        if definition.type == "decimal":
            _describe_decimal_bounds(schema, definition)
        if definition.type == "reference" and direction == "response":
            return self._reference_schema(schema, resource.target(field.field_name), definition)
        return schema

    def _reference_schema(self, id_schema, target, definition) -> dict:
        # ``expand`` swaps the id for the referenced row, so both are documented.
        row = self.resolve_serializer(target.serializer_class, "response").ref
        schema = {
            "oneOf": [{"type": "integer"}, row],
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
    """Expands the generic ``{slug}`` routes into one path set per resource."""

    def _get_paths_and_endpoints(self):
        catalog = current_catalog()
        endpoints = []
        for path, path_regex, method, callback in self.endpoints:
            if "{slug}" not in path:
                view = self.create_view(callback, method)
                endpoints.append((self.coerce_path(path, method, view), path_regex, method, view))
                continue
            for resource in catalog:
                view = self.create_view(callback, method)
                view.kwargs = {"slug": resource.slug}
                view.bind(resource)
                resource_path = path.replace("{slug}", resource.slug)
                endpoints.append(
                    (self.coerce_path(resource_path, method, view), path_regex, method, view)
                )
        return endpoints


def _describe_decimal_bounds(schema: dict, definition) -> None:
    # Decimals travel as strings (exact), where JSON Schema has no minimum or
    # maximum; the bounds are stated for readers instead.
    bounds = []
    if definition.min_value is not None:
        bounds.append(f"at least {plain_decimal(definition.min_value)}")
    if definition.max_value is not None:
        bounds.append(f"at most {plain_decimal(definition.max_value)}")
    if bounds:
        schema["description"] = f"A decimal number as a string, {' and '.join(bounds)}."
