"""
A dead live database against everything else, in one command:
``python bench/outage.py --postgres postgres://postgres@127.0.0.1:5432``.

``books`` is taken live onto a PostgreSQL server of the benchmark's own (a
throwaway cluster from ``initdb``), ``authors`` stays on its fixtures. The
same gunicorn as deployed (``fauxsite/gunicorn.conf.py``, sync workers) then
serves both at once, in alternating rounds: with nothing down, and with the
live server stopped (``pg_ctl stop``: its sessions end, its port refuses).

Measured: how long a request for the dead source takes to get its 503 (the
first ones right after the stop, and after the breaker opened), what
``/readyz`` says meanwhile, how fixture requests fare during the outage
against the rounds with nothing down (the goal: within 1.5 times), and how
long service takes to come back once the server is up again.

Load goes to 127.0.0.1 only, for ``--rounds`` x 2 x ``--seconds``. The
databases are created with unique names and dropped, the cluster stopped and
deleted. Results go to ``bench/results/<time>-outage.{json,md}``; see
bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the project root is
# what every import here and in the child processes expects.
sys.path[0] = str(REPO)

from bench import load, run  # noqa: E402

FIXTURES_PATH = "/api/v1/authors/"
LIVE_PATH = "/api/v1/books/"
LIVE_DATABASE = "fauxsite_outage_live"
GOAL = 1.5
# Requests timed one by one right after each stop: enough for every worker
# to meet the dead server and for the breaker to open in each.
PROBES = 12
RECOVERY_TIMEOUT = 90.0
# initdb refuses to run as root; root hands the cluster to this account.
CLUSTER_OWNER = "postgres"


def main() -> None:
    options = _parse_arguments()
    generator = load.available_generator(options.loadgen)
    started = datetime.now(UTC)
    with run._data_directory(SimpleNamespace(postgres=options.postgres)) as environment, \
            _live_server() as live:
        arguments = ["--authors", str(options.authors), "--books", str(options.rows),
                     "--live-url", live.database_url]
        prepared = run._child_json(["bench.live_prepare", *arguments], environment)
        headers = {"Authorization": f"Bearer {prepared.pop('token')}"}
        print(f"prepared: {prepared}", flush=True)
        load_before = os.getloadavg()[0]
        with run._gunicorn(environment, options.workers) as base_url:
            rounds = _measure_rounds(base_url, live, generator, options, headers)
        load_after = os.getloadavg()[0]
    results = {
        "started": started.isoformat(timespec="seconds"),
        "machine": run._machine(),
        "options": vars(options) | {"loadgen": generator},
        "load_average": {"before": load_before, "after": load_after},
        "settings": _live_settings(environment),
        "rounds": rounds,
        "summary": _summarise(rounds),
    }
    _write(results)


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", metavar="URL", required=True,
        help="the server for default and fixtures, e.g. postgres://postgres@127.0.0.1:5432",
    )
    parser.add_argument("--rows", type=int, default=2_000, help="books on the live table (2,000)")
    parser.add_argument("--authors", type=int, default=200, help="authors on the fixtures (200)")
    parser.add_argument("--seconds", type=float, default=5, help="length of one measurement (5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each state, alternating (3)")
    parser.add_argument("--connections", type=int, default=2, help="clients asking for fixtures (2)")
    parser.add_argument("--live-connections", type=int, default=2, help="clients asking for live rows (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 round of 2 s")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.rounds = 2, 1
    return options


def _live_settings(environment: dict) -> dict:
    names = ("FAUXSITE_LIVE_POOL_TIMEOUT", "FAUXSITE_LIVE_CONNECT_TIMEOUT",
             "FAUXSITE_LIVE_BREAKER_FAILURES", "FAUXSITE_LIVE_BREAKER_SECONDS")
    return {name: environment.get(name, "default") for name in names}


# The live server ------------------------------------------------------------------


class LiveServer:
    """A PostgreSQL cluster of the benchmark's own, which it stops and starts."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.data_dir = state_dir / "data"
        self.port = run._free_port()

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{LIVE_DATABASE}"

    def create(self) -> None:
        _hand_to_owner(self.state_dir)
        _run_as_owner([_pg_bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
                       "-E", "UTF8", "--no-instructions"])
        self.start()
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{LIVE_DATABASE}"')

    def start(self) -> None:
        options = f"-p {self.port} -k {self.state_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run_as_owner([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.state_dir / "log"),
                       "-o", options, "-w", "-t", "60", "start"])

    def stop(self) -> None:
        # Fast shutdown: sessions are ended and the port closes, as when a
        # server goes down for maintenance or its host is restarted.
        _run_as_owner([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()


@contextmanager
def _live_server():
    live = LiveServer(Path(tempfile.mkdtemp(prefix="fauxsite-outage-pg-")))
    try:
        live.create()
        yield live
    finally:
        if live.running():
            live.stop()
        shutil.rmtree(live.state_dir, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda path: path.parts[-3])
    if found:
        return str(found[-1])
    if shutil.which(name):
        return name
    raise SystemExit(f"{name} is not installed: the benchmark runs a PostgreSQL server of its own.")


def _hand_to_owner(path: Path) -> None:
    if os.geteuid() == 0:
        owner = pwd.getpwnam(CLUSTER_OWNER)
        os.chown(path, owner.pw_uid, owner.pw_gid)


def _run_as_owner(command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", CLUSTER_OWNER, "--", *command]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}{completed.stderr}")


# Measurement ---------------------------------------------------------------------------


def _measure_rounds(base_url: str, live: LiveServer, generator: str, options, headers: dict) -> list[dict]:
    scenarios = {
        "fixtures": load.Scenario("fixtures", "GET", FIXTURES_PATH, headers=headers),
        "live": load.Scenario("live", "GET", LIVE_PATH, headers=headers),
    }
    # Warm-up: every worker builds its catalog and opens its live pool.
    _both_loads(base_url, scenarios, generator, options, seconds=1)
    measured = []
    for number in range(options.rounds):
        states = ("up", "down") if number % 2 == 0 else ("down", "up")
        for state in states:
            round_result = _measure_up(base_url, live, scenarios, generator, options) if state == "up" \
                else _measure_down(base_url, live, scenarios, generator, options, headers)
            measured.append({"round": number + 1, "state": state, **round_result})
            print(_round_line(measured[-1]), flush=True)
    return measured


def _measure_up(base_url: str, live: LiveServer, scenarios: dict, generator: str, options) -> dict:
    recovery = _bring_back(base_url, live, scenarios["live"].headers, options.workers)
    return {"recovery_seconds": recovery, **_both_loads(base_url, scenarios, generator, options)}


def _measure_down(base_url: str, live: LiveServer, scenarios: dict, generator: str, options,
                  headers: dict) -> dict:
    # Every outage starts from a source in service, its pooled connections open.
    _bring_back(base_url, live, headers, options.workers)
    live.stop()
    probes = [_timed_get(base_url, LIVE_PATH, headers) for _ in range(PROBES)]
    readyz = _timed_get(base_url, "/readyz", {})
    loads = _both_loads(base_url, scenarios, generator, options)
    return {"probes": probes, "readyz": readyz, **loads}


def _both_loads(base_url: str, scenarios: dict, generator: str, options,
                seconds: float | None = None) -> dict:
    """Fixtures and live clients at the same time; each side's result."""
    seconds = seconds or options.seconds
    results = {}

    def live_side():
        results["live"] = load.run(generator, base_url, scenarios["live"], seconds=seconds,
                                   connections=options.live_connections)

    beside = threading.Thread(target=live_side)
    beside.start()
    results["fixtures"] = load.run(generator, base_url, scenarios["fixtures"], seconds=seconds,
                                   connections=options.connections)
    beside.join()
    return {side: asdict(result) for side, result in results.items()}


def _timed_get(base_url: str, path: str, headers: dict) -> dict:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    elapsed_ms = (time.perf_counter() - started) * 1000
    connection.close()
    answer = {"status": response.status, "ms": elapsed_ms, "retry_after": response.getheader("Retry-After")}
    if path == "/readyz":
        answer["body"] = json.loads(body)
    return answer


def _bring_back(base_url: str, live: LiveServer, headers: dict, workers: int) -> float | None:
    """Start the live server if it is stopped; the seconds until every worker serves it again."""
    if live.running():
        return None
    live.start()
    return _seconds_until_live_serves(base_url, headers, workers)


def _seconds_until_live_serves(base_url: str, headers: dict, workers: int) -> float:
    """From the server's start until every worker serves the live schema again (the breaker's trial)."""
    started = time.monotonic()
    in_a_row = 0
    while in_a_row < 4 * workers:
        if time.monotonic() - started > RECOVERY_TIMEOUT:
            raise SystemExit(f"The live schema did not come back within {RECOVERY_TIMEOUT:.0f} s.")
        in_a_row = in_a_row + 1 if _timed_get(base_url, LIVE_PATH, headers)["status"] == 200 else 0
        time.sleep(0.05)
    return time.monotonic() - started


# Summary and output ---------------------------------------------------------------------


def _summarise(rounds: list[dict]) -> dict:
    up = [entry for entry in rounds if entry["state"] == "up"]
    down = [entry for entry in rounds if entry["state"] == "down"]
    probes = [probe for entry in down for probe in entry["probes"]]
    first_probes = [entry["probes"][0]["ms"] for entry in down]
    later_probes = [probe["ms"] for entry in down for probe in entry["probes"][1:]]
    summary = {
        "fixtures": {state: _side(entries, "fixtures") for state, entries in (("up", up), ("down", down))},
        "live": {state: _side(entries, "live") for state, entries in (("up", up), ("down", down))},
        "probe_statuses": sorted({probe["status"] for probe in probes}),
        "first_503_ms": {"median": statistics.median(first_probes), "max": max(first_probes)},
        "later_503_ms": {"median": statistics.median(later_probes), "max": max(later_probes)},
        "readyz": [{"status": entry["readyz"]["status"], "ms": entry["readyz"]["ms"],
                    "body": entry["readyz"]["body"]} for entry in down],
        "recovery_seconds": [entry["recovery_seconds"] for entry in up if entry["recovery_seconds"]],
    }
    fixtures = summary["fixtures"]
    summary["ratios"] = {
        "p50": fixtures["down"]["p50_ms"] / fixtures["up"]["p50_ms"],
        "p99": fixtures["down"]["p99_ms"] / fixtures["up"]["p99_ms"],
        "rps": fixtures["down"]["rps"] / fixtures["up"]["rps"],
    }
    return summary


def _side(entries: list[dict], side: str) -> dict:
    results = [entry[side] for entry in entries]
    return {
        "rps": statistics.median(result["requests_per_second"] for result in results),
        "p50_ms": statistics.median(result["latency_p50_ms"] for result in results),
        "p99_ms": statistics.median(result["latency_p99_ms"] for result in results),
        "worst_p99_ms": max(result["latency_p99_ms"] for result in results),
        "non_2xx": sum(result["failures"] for result in results),
        "requests": sum(result["requests"] for result in results),
    }


def _round_line(entry: dict) -> str:
    fixtures, live = entry["fixtures"], entry["live"]
    line = (
        f"round {entry['round']} live {entry['state']:<4}  fixtures {fixtures['requests_per_second']:7.1f}/s "
        f"p50 {fixtures['latency_p50_ms']:6.1f} ms p99 {fixtures['latency_p99_ms']:7.1f} ms  "
        f"live {live['requests_per_second']:7.1f}/s ({live['failures']} non-2xx)"
    )
    if entry["state"] == "down":
        first = entry["probes"][0]
        line += f"  first 503 in {first['ms']:.1f} ms, readyz {entry['readyz']['status']}"
    elif entry.get("recovery_seconds"):
        line += f"  back after {entry['recovery_seconds']:.1f} s"
    return line


def markdown(results: dict) -> str:
    summary = results["summary"]
    sections = [_header(results), _fixtures_table(summary), _live_table(summary), _failing_fast(summary)]
    if summary["recovery_seconds"]:
        seconds = ", ".join(f"{value:.1f}" for value in summary["recovery_seconds"])
        sections.append(f"Every worker serving the live schema again, after the server started: {seconds} s.")
    return "\n\n".join(sections) + "\n"


def _header(results: dict) -> str:
    machine, options, load_average = results["machine"], results["options"], results["load_average"]
    return (
        f"Run {results['started']} on {machine['cpu']} ({machine['cores']} cores), "
        f"Python {machine['python']}, Django {machine['django']}; gunicorn {options['workers']} sync "
        f"workers; load by {options['loadgen']}, {options['connections']} fixtures and "
        f"{options['live_connections']} live connections at once, {options['rounds']} rounds of "
        f"{options['seconds']:g} s per state, alternating (median shown). 1-minute load average "
        f"{load_average['before']:.1f} before, {load_average['after']:.1f} after."
    )


def _fixtures_table(summary: dict) -> str:
    up, down, ratios = summary["fixtures"]["up"], summary["fixtures"]["down"], summary["ratios"]
    verdict = "within" if max(ratios["p50"], ratios["p99"]) <= GOAL else "**outside**"
    return "\n".join([
        "| fixtures schema (`/api/v1/authors/`) | nothing down | live server stopped | stopped / up |",
        "|---|---:|---:|---:|",
        f"| requests/s | {up['rps']:.0f} | {down['rps']:.0f} | {ratios['rps']:.2f} |",
        f"| p50 ms | {up['p50_ms']:.1f} | {down['p50_ms']:.1f} | **{ratios['p50']:.2f}** |",
        f"| p99 ms | {up['p99_ms']:.1f} | {down['p99_ms']:.1f} | **{ratios['p99']:.2f}** |",
        f"| non-2xx | {up['non_2xx']} | {down['non_2xx']} | |",
        "",
        f"Fixture latency during the outage is {verdict} the goal of {GOAL}x.",
    ])


def _live_table(summary: dict) -> str:
    up, down = summary["live"]["up"], summary["live"]["down"]
    return "\n".join([
        "| live schema (`/api/v1/books/`) | nothing down | live server stopped |",
        "|---|---:|---:|",
        f"| requests/s | {up['rps']:.0f} | {down['rps']:.0f} |",
        f"| p50 / p99 ms | {up['p50_ms']:.1f} / {up['p99_ms']:.1f} | "
        f"{down['p50_ms']:.1f} / {down['p99_ms']:.1f} |",
        f"| non-2xx of all requests | {up['non_2xx']} of {up['requests']} | "
        f"{down['non_2xx']} of {down['requests']} |",
    ])


def _failing_fast(summary: dict) -> str:
    first, later, readyz = summary["first_503_ms"], summary["later_503_ms"], summary["readyz"][0]
    return (
        f"Time to a 503 for the dead source, one request at a time right after the stop (statuses "
        f"{summary['probe_statuses']}): the first request {first['median']:.1f} ms median, "
        f"{first['max']:.1f} ms worst; the next {PROBES - 1} {later['median']:.1f} ms median, "
        f"{later['max']:.1f} ms worst. `/readyz` meanwhile: {readyz['status']} in {readyz['ms']:.1f} ms, "
        f"`{json.dumps(readyz['body'])}`."
    )


def _write(results: dict) -> None:
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("+0000", "")
    stem = run.RESULTS / f"{stamp}-outage"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    text = markdown(results)
    stem.with_suffix(".md").write_text(text)
    print("\n" + text)
    print(f"Results: {stem}.json and {stem}.md")


if __name__ == "__main__":
    main()
