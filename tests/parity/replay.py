"""
Replaying a sequence on one engine, and moving the schema set onto live tables.

An answer keeps what a client can observe: the status, the headers that carry
meaning (``HEADERS``) and the body's bytes. Server errors are answers too: the
client does not raise them, so a 500 is compared like anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from datasources.models import DataSource
from golive.provision import apply_plan, provision_plan
from golive.switching import switch_source
from schemas.changes import save_schema
from schemas.models import Schema, Source
from tests.parity.generator import Step

HEADERS = ("Content-Type", "Location", "Allow", "Retry-After", "WWW-Authenticate")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return dict(self.headers).get(name)

    def headline(self) -> str:
        shown = ", ".join(f"{name}: {value}" for name, value in self.headers)
        return f"{self.status} [{shown}]"


def replay(client, steps: list[Step]) -> list[Answer]:
    client.raise_request_exception = False
    return [_send(client, step) for step in steps]


def _send(client, step: Step) -> Answer:
    kwargs = {}
    if step.body is not None:
        kwargs = {"data": step.body, "content_type": step.content_type}
    response = getattr(client, step.method)(step.path, **kwargs)
    headers = tuple((name, response[name]) for name in HEADERS if response.has_header(name))
    return Answer(response.status_code, headers, response.content)


def go_live(source: DataSource, *schemas: Schema) -> None:
    """Provision a fresh live table for each schema, then switch them all (no rows copied)."""
    for schema in schemas:
        schema = Schema.objects.get(pk=schema.pk)
        schema.data_source = source
        save_schema(schema)
        apply_plan(provision_plan(schema))
    for schema in schemas:
        switch_source(schema, Source.LIVE, actor="parity")
