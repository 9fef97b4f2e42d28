"""
A PostgreSQL server for the tests of the live path, and for ``make test``.

``postgres_url`` is a superuser URL: ``FAUXSITE_TEST_POSTGRES_URL`` if set,
else the server on 127.0.0.1:5432. When that server does not answer, CI fails
the run (a skipped live path would pass unnoticed); a developer's machine gets
a throwaway cluster from ``initdb`` in a temporary folder, on a free port,
stopped when the session ends.

The same logic serves the shell through ``scripts/ensure_postgres``:
``python -m tests.postgres start STATE_DIR`` prints a URL, ``stop STATE_DIR``
stops what ``start`` started, if anything.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
URL_VARIABLE = "FAUXSITE_TEST_POSTGRES_URL"
# initdb refuses to run as root, so root hands the cluster to this account.
CLUSTER_OWNER = "postgres"
SUPERUSER = "postgres"


class PostgresUnavailable(Exception):
    """No server answers and none can be started here; the message says what to do."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def configured_url() -> str:
    return os.environ.get(URL_VARIABLE) or DEFAULT_URL


def answers(url: str, timeout: float = 2.0) -> bool:
    """True when something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout):
            return True
    except OSError:
        return False


def unreachable_message(url: str) -> str:
    if in_ci():
        return (
            f"PostgreSQL does not answer at {url}, and CI must test the live path. "
            f"Start the server (pg_ctlcluster <version> main start) or set {URL_VARIABLE}."
        )
    return f"PostgreSQL does not answer at {url}. Start it, or fix {URL_VARIABLE}."


# Throwaway clusters ------------------------------------------------------------


def postgres_bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if not candidates:
        raise PostgresUnavailable(
            "No PostgreSQL server answers and initdb is not installed to start one: "
            "apt-get install postgresql, or set " + URL_VARIABLE
        )
    return Path(candidates[-1]).parent


def _version_key(initdb_path: str) -> int:
    version = Path(initdb_path).parent.parent.name
    return int(version) if version.isdigit() else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", CLUSTER_OWNER, "--", *command]


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_owner(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


def _hand_to_owner(path: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        owner = pwd.getpwnam(CLUSTER_OWNER)
    except KeyError:
        raise PostgresUnavailable(
            f"initdb refuses to run as root and there is no {CLUSTER_OWNER!r} account to run it as: "
            f"useradd --system {CLUSTER_OWNER}"
        ) from None
    os.chown(path, owner.pw_uid, owner.pw_gid)


def start_cluster(state_dir: Path) -> str:
    """initdb and start a cluster in ``state_dir``; return its superuser URL."""
    bin_dir = postgres_bin_dir()
    state_dir.mkdir(parents=True, exist_ok=True)
    _hand_to_owner(state_dir)
    data_dir, port = state_dir / "data", free_port()
    _run([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "-A", "trust",
          "-E", "UTF8", "--no-instructions"])
    # Own socket folder and no fsync: a test cluster needs neither
    # /var/run/postgresql nor durability.
    options = f"-p {port} -k {state_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(state_dir / "server.log"),
          "-o", options, "-w", "-t", "60", "start"])
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"


def stop_cluster(state_dir: Path) -> None:
    data_dir = state_dir / "data"
    if (data_dir / "postmaster.pid").exists():
        _run([str(postgres_bin_dir() / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"])


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    state_dir = Path(tempfile.mkdtemp(prefix="fauxsite-pg-"))
    try:
        yield start_cluster(state_dir)
    finally:
        stop_cluster(state_dir)
        shutil.rmtree(state_dir, ignore_errors=True)


# The fixture -------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = configured_url()
    if answers(url):
        yield url
        return
    if in_ci() or os.environ.get(URL_VARIABLE):
        pytest.fail(unreachable_message(url), pytrace=False)
    try:
        with throwaway_cluster() as throwaway_url:
            yield throwaway_url
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)


# The shell side ----------------------------------------------------------------


def ensure(state_dir: Path) -> str:
    """The URL of a server to test against, starting a cluster in ``state_dir`` if needed."""
    url = configured_url()
    if answers(url):
        return url
    if in_ci() or os.environ.get(URL_VARIABLE):
        raise PostgresUnavailable(unreachable_message(url))
    return start_cluster(state_dir)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.postgres start|stop STATE_DIR", file=sys.stderr)
        return 2
    action, state_dir = argv[0], Path(argv[1])
    try:
        if action == "start":
            print(ensure(state_dir))
        else:
            stop_cluster(state_dir)
    except PostgresUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
