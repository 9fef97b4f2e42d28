"""
Measuring several sides of one scenario in rotated rounds.

Each side (fauxsite, a baseline) gets a 1 s warm-up, then ``rounds`` rounds
in which every side runs once; the order rotates each round (A B C D, then
B C D A, ...) so drift in the machine hits every side alike. Each run
records requests per second from the load generator and, when the side
names its server process, the server's CPU time per request over the run.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

from bench import load, servers


@dataclass(frozen=True)
class Side:
    base_url: str
    scenario: load.Scenario
    # The server's root process, for CPU per request; None leaves it out.
    server_pid: int | None = None


def measure(key: str, label: str, sides: dict[str, Side], generator: str, options) -> dict:
    """Measure every side; ratios compare the first side with each of the others."""
    for side in sides.values():
        # Warm-up: every worker builds its catalog, fills its caches, opens its connections.
        _run_once(side, generator, seconds=1, connections=options.connections)
    runs = {name: [] for name in sides}
    names = list(sides)
    for round_number in range(options.rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(_run_once(sides[name], generator, options.seconds, options.connections))
    return summarise(key, label, runs)


def _run_once(side: Side, generator: str, seconds: float, connections: int) -> dict:
    before = servers.cpu_seconds(side.server_pid) if side.server_pid else None
    measured = load.run(generator, side.base_url, side.scenario, seconds=seconds, connections=connections)
    result = asdict(measured)
    if before is not None and result["requests"]:
        spent = servers.cpu_seconds(side.server_pid) - before
        result["cpu_ms_per_request"] = 1000 * spent / result["requests"]
    return result


def summarise(key: str, label: str, runs: dict[str, list[dict]]) -> dict:
    summary = {"scenario": key, "label": label, "runs": runs}
    for name, results in runs.items():
        summary[name] = {
            "median_rps": statistics.median(r["requests_per_second"] for r in results),
            "min_rps": min(r["requests_per_second"] for r in results),
            "max_rps": max(r["requests_per_second"] for r in results),
            "median_p50_ms": _median_of(results, "latency_p50_ms"),
            "median_p99_ms": _median_of(results, "latency_p99_ms"),
            "median_cpu_ms": _median_of(results, "cpu_ms_per_request"),
            "failures": sum(r["failures"] for r in results),
        }
    first, *others = runs
    summary["ratios"] = {other: _ratios(summary[first], summary[other]) for other in others}
    # Two sides: the one ratio, first / second (what bench/live.py reports).
    summary["ratio"] = summary["ratios"][others[0]]["rps"]
    return summary


def _ratios(first: dict, other: dict) -> dict:
    cpu_first, cpu_other = first["median_cpu_ms"], other["median_cpu_ms"]
    return {
        "rps": first["median_rps"] / other["median_rps"],
        # Above 1.0: the first side spends less CPU per request than the other.
        "efficiency": cpu_other / cpu_first if cpu_first and cpu_other else None,
    }


def _median_of(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None
