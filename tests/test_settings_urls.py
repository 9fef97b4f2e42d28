"""
Database URLs: ``sqlite:///`` URLs work for both databases, like the embedded defaults.

Settings are read once per process, so each case starts a fresh Python with
the variables set and asks it what it configured and what the connection
really does (WAL, IMMEDIATE transactions, foreign-key checks off on fixtures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connections

call_command("migrate", verbosity=0, interactive=False)
found = {}
for alias in ("default", "fixtures"):
    config = settings.DATABASES[alias]
    with connections[alias].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA foreign_keys")
        foreign_keys = cursor.fetchone()[0]
    found[alias] = {
        "engine": config["ENGINE"],
        "name": str(config["NAME"]),
        "file": str(connections[alias].settings_dict["NAME"]),
        "transaction_mode": config["OPTIONS"].get("transaction_mode"),
        "timeout": config["OPTIONS"].get("timeout"),
        "journal": journal,
        "foreign_keys": foreign_keys,
        "conn_max_age": config["CONN_MAX_AGE"],
    }
print(json.dumps(found))
"""


def start(data_dir: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "FIXTURES_DATABASE_URL", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="fauxsite.settings", FAUXSITE_DATA_DIR=str(data_dir), **variables)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def configured(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_starts_with_sqlite_urls_for_both_databases(tmp_path):
    default_file, fixtures_file = tmp_path / "elsewhere" / "main.sqlite3", tmp_path / "fixtures.sqlite3"
    default_file.parent.mkdir()

    found = configured(start(
        tmp_path / "data",
        DATABASE_URL=f"sqlite:///{default_file}",
        FIXTURES_DATABASE_URL=f"sqlite:///{fixtures_file}",
    ))

    assert found["default"]["file"] == str(default_file)
    assert found["fixtures"]["file"] == str(fixtures_file)
    assert default_file.stat().st_size > 0
    assert fixtures_file.exists()
    assert not (tmp_path / "data" / "default.sqlite3").exists()
    assert not (tmp_path / "data" / "fixtures.sqlite3").exists()


def test_it_gives_a_sqlite_url_the_options_of_the_embedded_default(tmp_path):
    embedded = configured(start(tmp_path / "embedded"))
    from_urls = configured(start(
        tmp_path / "urls",
        DATABASE_URL=f"sqlite:///{tmp_path / 'default.sqlite3'}",
        FIXTURES_DATABASE_URL=f"sqlite:///{tmp_path / 'fixtures.sqlite3'}",
    ))

    for alias in ("default", "fixtures"):
        same = {key: value for key, value in from_urls[alias].items() if key not in ("name", "file")}
        assert same == {key: value for key, value in embedded[alias].items() if key not in ("name", "file")}
    assert from_urls["default"]["journal"] == "wal"
    assert from_urls["default"]["transaction_mode"] == "IMMEDIATE"
    assert from_urls["fixtures"]["engine"] == "schemas.fixtures_sqlite"
    assert from_urls["fixtures"]["foreign_keys"] == 0
