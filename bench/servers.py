"""
The servers a benchmark measures, each in its own process group, and the CPU
time they spend.

fauxsite and the baseline project are served by gunicorn (a master and its
sync workers), json-server by one node process. ``cpu_seconds`` reads user
plus system time from ``/proc/<pid>/stat`` for a server's whole process
tree, so CPU per request can be taken over a round whatever else the machine
is doing: the load-robust figure beside requests per second.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JSON_SERVER_DIR = REPO / "bench" / "baselines" / "jsonserver"
JSON_SERVER_BIN = JSON_SERVER_DIR / "node_modules" / "json-server" / "lib" / "bin.js"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    pid: int


@contextmanager
def gunicorn(name: str, environment: dict, config: str, workers: int, log_path: Path):
    """gunicorn with ``config`` on a free loopback port, until the block ends."""
    port = free_port()
    server_environment = {**environment, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)}
    command = [sys.executable, "-m", "gunicorn", "--config", config]
    with _serving(name, command, server_environment, port, "/healthz", log_path, REPO) as server:
        yield server


@contextmanager
def json_server(db_path: Path, log_path: Path):
    """json-server over ``db_path`` (node, one process) on a free loopback port."""
    ensure_json_server()
    port = free_port()
    command = ["node", str(JSON_SERVER_BIN), "--host", "127.0.0.1", "--port", str(port), str(db_path)]
    environment = dict(os.environ)
    with _serving("json-server", command, environment, port, "/books/1", log_path, JSON_SERVER_DIR) as server:
        yield server


def ensure_json_server() -> None:
    """Install the pinned json-server (package-lock.json) into the git-ignored node_modules."""
    if JSON_SERVER_BIN.exists():
        return
    print("installing json-server with npm ci (bench/baselines/jsonserver/)", flush=True)
    completed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JSON_SERVER_DIR)
    if completed.returncode != 0:
        raise SystemExit("npm ci failed in bench/baselines/jsonserver/; Node 18+ and npm are needed.")


@contextmanager
def _serving(name, command, environment, port, probe_path, log_path, cwd):
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(base_url + probe_path, process, log_path)
            yield Server(name, base_url, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited before it served a request:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within 30 seconds; see {log_path}.")


# CPU time -------------------------------------------------------------------------


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU seconds of a process and every live descendant.

    The root's ``cutime``/``cstime`` count too: a gunicorn worker that was
    replaced during a round has its time added there when it is reaped.
    """
    stats = _all_stats()
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, fields in stats.items() if fields[1] == parent and pid not in tree]
        tree.update(children)
        frontier += children
    ticks = 0
    for pid in tree:
        fields = stats.get(pid)
        if fields:
            ticks += fields[11] + fields[12] + (fields[13] + fields[14] if pid == root_pid else 0)
    return ticks / CLOCK_TICKS


def _all_stats() -> dict[int, list[int]]:
    """``/proc/<pid>/stat`` fields from the state on (field 3 = index 0), as numbers."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name may hold spaces and parentheses; it ends at the last ")".
        fields = text[text.rindex(")") + 2:].split()
        stats[int(entry.name)] = [0, *map(int, fields[1:])]
    return stats
