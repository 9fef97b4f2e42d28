"""
The OpenAPI document is the contract: schemathesis holds every engine to it.

For the run's own fixtures engine (SQLite by default, PostgreSQL with
FIXTURES_DATABASE_URL) and, in the PostgreSQL run, for a live PostgreSQL data
source, a real gunicorn server serves the demo schemas plus every constraint
at its edges (``tests.schemathesis_support``). The schemathesis CLI then runs
every check (``--checks all``) in every phase, stateful included (create,
read, replace, change and delete a row through the document's links), with a
fixed seed and a bounded number of examples, and must find nothing: no 500, no
undocumented status, no response outside the document, no valid request
refused and no invalid one accepted.

Across the two runs of ``make test`` each engine is covered once: SQLite
fixtures in the first, PostgreSQL fixtures and PostgreSQL live in the second.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.schemathesis_support import contract_server, failures_of, run_schemathesis

pytestmark = pytest.mark.servers


def _fixtures_engine() -> str:
    url = os.environ.get("FIXTURES_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


FIXTURES_ENGINE = _fixtures_engine()
ENGINES = [pytest.param("fixtures", id=f"{FIXTURES_ENGINE}-fixtures")]
if FIXTURES_ENGINE == "postgresql":
    ENGINES.append(pytest.param("live", id="postgresql-live"))


@pytest.fixture
def contract(request, engine):
    # Only the live engine needs the PostgreSQL server of tests/postgres.py,
    # which fails (never skips) in CI when the server is missing.
    postgres_url = request.getfixturevalue("postgres_url") if engine == "live" else None
    with contract_server(engine, postgres_url) as server:
        yield server


@pytest.mark.parametrize("engine", ENGINES)
def test_schemathesis_finds_nothing_the_document_forbids(contract, engine, tmp_path):
    started = time.monotonic()

    result = run_schemathesis(contract, tmp_path)

    print(f"schemathesis on {engine}: exit {result.returncode} in {time.monotonic() - started:.0f} s")
    print(result.stdout[-3000:])
    assert result.returncode == 0, (
        f"schemathesis found failures on the {engine} engine (reproduce with the curl lines):\n"
        f"{failures_of(result.stdout + result.stderr)}\n"
        f"--- server log\n{contract.group.logs()}"
    )
