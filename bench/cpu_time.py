"""
CPU time of a measurement: this process's, and that of the PostgreSQL processes serving its connections.

On a machine other work shares, wall time includes waiting for a core, and
the wait differs from one minute to the next; CPU time does not. A request
spends part of its time in the database server, so ``CpuClock`` adds the
CPU time of the server processes (backends) behind this process's open
connections, read from ``/proc/<pid>/schedstat`` in nanoseconds. That is
possible only for a server on this machine; for another, or for SQLite
(which runs in this process), the clock counts this process alone.

Not counted: parallel query workers, which come and go within a statement
(a parallel plan's CPU shows as wall time only), and work the server does
for others, such as autovacuum.
"""

from __future__ import annotations

import time
from pathlib import Path

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class CpuClock:
    """Nanoseconds of CPU used by this process and the backends of the connections open when it is made.

    Make it after a warm-up has opened the connections the measured calls
    use; connections opened later are not counted.
    """

    def __init__(self) -> None:
        self.server_processes = server_processes()

    def ns(self) -> int:
        return time.process_time_ns() + sum(_ran_ns(path) for path in self.server_processes)


def server_processes() -> list[Path]:
    """The schedstat files of the PostgreSQL backends of the open connections, when this machine sees them."""
    from django.db import connections

    files = []
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "postgresql" or connection.connection is None:
            continue
        path = Path(f"/proc/{connection.connection.info.backend_pid}/schedstat")
        if on_this_machine(connection.settings_dict["HOST"]) and path.exists():
            files.append(path)
    return files


def on_this_machine(host: str) -> bool:
    # A socket's directory or a loopback address; elsewhere, a process of
    # the backend's id on this machine is another process.
    return not host or host.startswith("/") or host in LOOPBACK_HOSTS


def _ran_ns(schedstat: Path) -> int:
    # The first field is the time the process has run on a CPU.
    return int(schedstat.read_text().split()[0])
