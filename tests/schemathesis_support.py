"""
A real server with every field type and constraint, for schemathesis to test against.

``contract_server(engine)`` starts one gunicorn server (``tests.servers``) on
fresh databases, imports the demo schemas plus ``SPECIMENS`` (every constraint
at its edges), seeds rows and issues a token with every read and write scope.
For the ``live`` engine it also creates a throwaway PostgreSQL database,
registers it as a data source and provisions and switches every schema onto
it with the management commands, copying the seeded rows.

``run_schemathesis(server, workdir)`` runs the schemathesis CLI against the
server's own OpenAPI document and returns its exit status and output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.servers import PROJECT_DIR, ServerGroup, fresh_postgres_database, running_servers

DEMO_SCHEMAS = PROJECT_DIR / "demo" / "schemas.yaml"
DATA_SOURCE = "contract"
LIVE_URL_VARIABLE = "FAUXSITE_SCHEMATHESIS_LIVE_URL"
SEED = 1
# Examples per operation and phase: 20 took 280 s on PostgreSQL fixtures and
# 490 s live on two cores; 10 keeps each engine near its three-minute budget.
MAX_EXAMPLES = 10
RUN_TIMEOUT = 900
ROWS_PER_SCHEMA = 20

# Every type and constraint at its edges, beside the demo's bookshop: a
# token-only schema, a pattern with a minimum length, negative and
# zero-place decimals, nullable optional values, a read-only field with a
# default and a self-reference.
SPECIMENS = {
    "slug": "specimens",
    "name": "Specimens",
    "description": "Every constraint at its edges.",
    "access": "token",
    "fields": [
        {"name": "code", "type": "string", "unique": True, "min_length": 5, "max_length": 12,
         "pattern": "^[A-Z]{3}-[0-9]{1,8}$"},
        {"name": "label", "type": "string", "required": False, "max_length": 40},
        {"name": "notes", "type": "text", "required": False, "nullable": True, "min_length": 2,
         "max_length": 300},
        {"name": "level", "type": "integer", "min_value": -50, "max_value": 50},
        {"name": "big", "type": "integer", "required": False},
        {"name": "weight", "type": "decimal", "max_digits": 6, "decimal_places": 3,
         "min_value": -99.5, "max_value": 99.5},
        {"name": "units", "type": "decimal", "max_digits": 5, "decimal_places": 0, "required": False,
         "nullable": True},
        {"name": "ratio", "type": "float", "min_value": -1, "max_value": 1},
        {"name": "active", "type": "boolean", "default": False},
        {"name": "due", "type": "date", "required": False, "nullable": True},
        {"name": "seen_at", "type": "datetime", "required": False},
        {"name": "opens", "type": "time"},
        {"name": "contact", "type": "email", "max_length": 60, "required": False, "nullable": True},
        {"name": "homepage", "type": "url", "required": False},
        {"name": "tag", "type": "uuid", "unique": True},
        {"name": "kind", "type": "enum", "choices": ["alpha", "beta", "gamma ray"], "required": False,
         "nullable": True},
        {"name": "payload", "type": "json", "required": False, "nullable": True},
        {"name": "revision", "type": "integer", "read_only": True, "default": 1},
        {"name": "parent", "type": "reference", "to": "specimens", "required": False, "nullable": True},
    ],
}

# Over the limits a run would spend its requests on 429s; the limits have tests of their own.
SERVER_VARIABLES = {
    "FAUXSITE_READ_RATE_LIMIT": "off",
    "FAUXSITE_WRITE_RATE_LIMIT": "off",
    # The ST401 check sends invalid tokens to every operation: past 20 a minute
    # (a fast run) the address would be blocked and every later answer a 429.
    "FAUXSITE_INVALID_TOKEN_LIMIT": "off",
    # The live database is on loopback, as fauxsite's own may be: name it, as a deployment would.
    "FAUXSITE_DATASOURCE_ALLOWED_HOSTS": "127.0.0.1,localhost,::1",
    # gunicorn answers a request line over 4094 bytes with its own HTML 414; a
    # proxy in front sets that limit in production, and the contract is the app's.
    "GUNICORN_CMD_ARGS": "--limit-request-line 0",
}

# schemathesis.toml: learning constraints from 400 answers makes it send
# bodies with keys taken from the problem details ("errors"), outside the
# document yet counted as valid; the document is what is under test here.
CONFIG = """\
[phases.fuzzing.error-feedback]
enabled = false
"""

APPLICATION_SETUP = """
from oauth2_provider.models import get_application_model
from access.models import ApplicationScopes
application = get_application_model().objects.create(
    name="schemathesis", client_type="confidential", authorization_grant_type="client-credentials")
ApplicationScopes.objects.create(application=application, scopes={scopes!r})
"""


@dataclass
class ContractServer:
    engine: str
    url: str
    token: str
    group: ServerGroup


def schema_set(data_source: str | None = None) -> dict:
    """The demo schemas and the specimens, each mapped onto ``data_source`` if given."""
    schemas = [*yaml.safe_load(DEMO_SCHEMAS.read_text())["schemas"], SPECIMENS]
    if data_source:
        schemas = [{**schema, "data_source": data_source} for schema in schemas]
    return {"schemas": schemas}


def all_scopes(slugs: list[str]) -> str:
    return " ".join(["read", "write", *(f"{slug}:{kind}" for slug in slugs for kind in ("read", "write"))])


@contextmanager
def contract_server(engine: str, postgres_url: str | None = None) -> Iterator[ContractServer]:
    """One server with the schema set seeded on ``engine`` ("fixtures" or "live") and a token."""
    with ExitStack() as stack:
        monkeypatch = stack.enter_context(pytest.MonkeyPatch.context())
        for name, value in SERVER_VARIABLES.items():
            monkeypatch.setenv(name, value)
        group = stack.enter_context(running_servers(1))
        live_url = None
        if engine == "live":
            name = f"fauxsite_contract_{uuid.uuid4().hex[:10]}"
            live_url = stack.enter_context(fresh_postgres_database(postgres_url, name))
        output = _prepare(group, schema_set(DATA_SOURCE if live_url else None), live_url)
        yield ContractServer(engine, group.servers[0].url, _token_in(output), group)


def _token_in(output: str) -> str:
    # manage() mixes in standard error, where issue_token says what it issued.
    return next(line for line in output.splitlines() if re.fullmatch(r"[A-Za-z0-9_-]{32,}", line))


def _prepare(group: ServerGroup, schemas: dict, live_url: str | None) -> str:
    """Imports, seeds (and moves live) the schema set and issues a token; returns the output.

    The commands an operator would run, parsed as on the command line, in one
    ``manage.py shell``: a process per command would pay Django's start-up a
    dozen times over.
    """
    path = group.data_dir / "contract-schemas.json"
    path.write_text(json.dumps(schemas))
    slugs = [schema["slug"] for schema in schemas["schemas"]]
    commands = [
        *([("add_datasource", DATA_SOURCE, "--url-env", LIVE_URL_VARIABLE)] if live_url else []),
        ("import_schemas", str(path)),
        ("seed", "--count", str(ROWS_PER_SCHEMA), "--seed", str(SEED)),
    ]
    if live_url:
        # Referenced schemas come first in the file, so their tables exist first.
        for slug in slugs:
            commands += [("provision", slug, "--apply"), ("switch_source", slug, "live", "--copy-rows")]
    issue = ("issue_token", "--application", "schemathesis", "--scopes", all_scopes(slugs))
    script = "\n".join([
        "from django.core.management import call_command",
        *(f"call_command(*{command!r})" for command in commands),
        APPLICATION_SETUP.format(scopes=all_scopes(slugs)),
        f"call_command(*{issue!r})",
    ])
    live_variables = {LIVE_URL_VARIABLE: live_url} if live_url else None
    return group.manage("shell", "-v", "0", "-c", script, extra_environment=live_variables)


def schemathesis_command(server: ContractServer, config: Path) -> list[str]:
    return [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", f"{server.url}/api/schema/?format=json",
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--seed", str(SEED),
        "--max-examples", str(MAX_EXAMPLES),
        # One worker and no example database: the same seed makes the same requests.
        "--workers", "1",
        "--generation-database", "none",
        # NUL is refused in every text value (docs/semantics.md).
        "--generation-allow-x00", "false",
        "--request-timeout", "30",
        "--header", f"Authorization: Bearer {server.token}",
    ]


def run_schemathesis(server: ContractServer, workdir: Path) -> subprocess.CompletedProcess:
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG)
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    return subprocess.run(
        schemathesis_command(server, config), cwd=workdir, env=environment,
        capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
    )


def failures_of(output: str, limit: int = 30_000) -> str:
    """The failures and the summary of a schemathesis run, for an assertion message."""
    start = output.find("= FAILURES =")
    report = output[output.rfind("\n", 0, start) + 1:] if start >= 0 else output
    return report if len(report) <= limit else report[:limit // 2] + "\n[...]\n" + report[-limit // 2:]
