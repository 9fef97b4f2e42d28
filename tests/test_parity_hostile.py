"""
Parity with hostile data: the same requests answer the same on every engine.

A seeded generator (``tests/parity/generator.py``) writes one sequence of
about 1,600 requests over a schema set with every field type
(``tests/parity/schema_set.py``): creates with hostile values (case pairs,
NFC/NFD twins, emoji, ß, İ, Σ, LIKE wildcards and backslashes, JSON with
unsorted keys and deep arrays, 1e300, 5e-324, -0.0, 2**53, 2**63-1, decimals at
max_digits, boundaries of every constraint, nulls, duplicates of unique
values, microseconds, UTC offsets), every value the contract refuses (a 400
that stores nothing), every operator of every type, ordering on every field
and combined, search, ``fields=``, ``expand=``, pagination edges, every error
class, and PUT, PATCH and DELETE.

The sequence runs on the run's fixtures, then the schemas are provisioned on
a fresh PostgreSQL database, switched live, and the same sequence runs again.
Status, the headers that carry meaning (Content-Type, Location, Allow,
Retry-After, WWW-Authenticate) and the body must be byte for byte the same,
and no request may end in a 5xx. Where docs/semantics.md fixes the answer, it
is checked on each engine too: a refused value is a 400 naming the field that
stores nothing, a reference to a missing row a 409, and the forms it accepts
(a UUID without hyphens, a datetime without an offset...) are accepted.

``make test`` runs pytest twice, so this compares SQLite fixtures with
PostgreSQL live, then PostgreSQL fixtures with PostgreSQL live: with the same
seed, hence the same sequence, in both runs. By transitivity every pair of
engines answers alike.

Another seed, by hand (the default is ``DEFAULT_SEED``)::

    FAUXSITE_PARITY_SEED=7 .venv/bin/python -m pytest tests/test_parity_hostile.py -q

On failure the report shows up to 30 classes of findings with one example
each (the request, both answers, the first differing byte marked ⟦) and the
path of a file in pytest's temporary folder that lists every finding.
"""

from __future__ import annotations

import logging
import os

import pytest
from django.db import connections

from tests import test_live_support as support
from tests.parity.compare import compare, report, write_full
from tests.parity.generator import generate
from tests.parity.replay import go_live, replay
from tests.parity.schema_set import make_schema_set
from tests.test_live_support import LIVE_DATABASES, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

DEFAULT_SEED = 20240501
MINIMUM_REQUESTS = 1000
# Under the ~90 rows a run holds, so "larger sizes are served at the cap" is
# observable and long lists have a next page.
MAX_PAGE_SIZE = 50


def parity_seed() -> int:
    raw = os.environ.get("FAUXSITE_PARITY_SEED", "")
    try:
        return int(raw) if raw else DEFAULT_SEED
    except ValueError:
        raise pytest.UsageError(f"FAUXSITE_PARITY_SEED must be a whole number, not {raw!r}") from None


def test_it_answers_hostile_requests_alike_on_fixtures_and_live(api, live_db, tmp_path, caplog, settings):
    settings.FAUXSITE_MAX_PAGE_SIZE = MAX_PAGE_SIZE
    # Thousands of 4xx and any 5xx would be logged; the report says it better.
    for logger in ("django.request", "fauxsite.errors"):
        caplog.set_level(logging.CRITICAL, logger=logger)
    makers, specimens = make_schema_set()
    seed = parity_seed()
    steps = generate(seed)
    assert len(steps) >= MINIMUM_REQUESTS

    fixtures = replay(api, steps)
    go_live(make_source(live_db), makers, specimens)
    live = replay(api, steps)

    fixtures_engine = f"{connections['fixtures'].vendor} fixtures"
    engines = f"{fixtures_engine} vs postgresql live, seed {seed}"
    findings = compare(steps, {fixtures_engine: fixtures, "postgresql live": live})
    full = tmp_path / "parity-findings.txt"
    write_full(findings, full, engines)
    assert not findings, report(findings, engines, len(steps), full)
    statuses = {answer.status for answer in fixtures}
    assert {200, 201, 204, 400, 404, 405, 409} <= statuses, "the sequence no longer reaches every outcome"
