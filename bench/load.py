"""
Load generation: ``wrk`` when it is installed, otherwise a small client of
our own with one process per connection.

Either way the load comes from separate processes, over loopback, for a
bounded time, and the answer is requests per second plus the count of
responses that were not 2xx (a benchmark of errors measures nothing).
"""

from __future__ import annotations

import http.client
import multiprocessing
import random
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# One script for every scenario: the method, the path (or the prefix random
# ids are appended to), the body and the headers come in as arguments. The
# fixed seed gives both sources the same sequence of ids.
HEADERS_LUA = """
local method, path, max_id, suffix, body
local headers = {}
function init(args)
  method, path, max_id, suffix, body = args[1], args[2], tonumber(args[3]), args[4], args[5]
  for i = 6, #args, 2 do headers[args[i]] = args[i + 1] end
  math.randomseed(7)
end
function request()
  local target = path
  if max_id > 0 then target = path .. math.random(1, max_id) .. suffix end
  if method == "POST" then return wrk.format("POST", target, headers, body) end
  return wrk.format("GET", target, headers)
end
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    # For GET: path and query; for retrieve: the prefix random ids are appended to.
    path: str
    body: str = ""
    max_id: int = 0
    # What follows a random id: "/" for Django's URLs, "" for json-server's.
    id_suffix: str = "/"
    # Sent with every request: a bearer token, a content type, a source.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    requests: int
    failures: int
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None


def available_generator(preferred: str = "auto") -> str:
    if preferred == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if preferred == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk); use --loadgen python.")
    return preferred


def run(generator: str, base_url: str, scenario: Scenario, *, seconds: float, connections: int) -> Result:
    if generator == "wrk":
        return _run_wrk(base_url, scenario, seconds=seconds, connections=connections)
    return _run_python(base_url, scenario, seconds=seconds, connections=connections)


# wrk ----------------------------------------------------------------------------


def _run_wrk(base_url: str, scenario: Scenario, *, seconds: float, connections: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="fauxsite-wrk-") as scratch:
        script = Path(scratch) / "headers.lua"
        script.write_text(HEADERS_LUA)
        arguments = [scenario.method, scenario.path, str(scenario.max_id), scenario.id_suffix, scenario.body]
        for name, value in scenario.headers.items():
            arguments += [name, value]
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
            "-s", str(script), base_url + "/", "--", *arguments,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return _parse_wrk(output)


def _parse_wrk(output: str) -> Result:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failures = int(non_2xx.group(1)) if non_2xx else 0
    if errors:
        # Read errors are the server closing after each response (gunicorn's
        # sync workers do not keep connections alive), not failures.
        failures += int(errors.group(1)) + int(errors.group(3)) + int(errors.group(4))
    return Result(rate, total, failures, _wrk_latency(output, "50%"), _wrk_latency(output, "99%"))


def _wrk_latency(output: str, percentile: str) -> float | None:
    found = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if not found:
        return None
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# Python fallback -----------------------------------------------------------------


def _run_python(base_url: str, scenario: Scenario, *, seconds: float, connections: int) -> Result:
    host, port = base_url.removeprefix("http://").split(":")
    jobs = [(host, int(port), scenario, seconds, index) for index in range(connections)]
    with multiprocessing.get_context("spawn").Pool(connections) as pool:
        started = time.perf_counter()
        counts = pool.starmap(_client, jobs)
        elapsed = time.perf_counter() - started
    latencies = sorted(latency for _ok, _failed, sample in counts for latency in sample)
    done = sum(ok for ok, _failed, _sample in counts)
    failed = sum(failed for _ok, failed, _sample in counts)
    return Result(
        (done + failed) / elapsed,
        done + failed,
        failed,
        _percentile(latencies, 0.50),
        _percentile(latencies, 0.99),
    )


def _client(host: str, port: int, scenario: Scenario, seconds: float, index: int):
    rng = random.Random(7 + index)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    ok = failed = 0
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = scenario.path
        if scenario.max_id:
            path = f"{scenario.path}{rng.randint(1, scenario.max_id)}{scenario.id_suffix}"
        started = time.perf_counter()
        # http.client reopens the connection when the server closed it.
        connection.request(scenario.method, path, body=scenario.body or None, headers=scenario.headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if 200 <= response.status < 300:
            ok += 1
        else:
            failed += 1
    connection.close()
    return ok, failed, latencies


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(len(values) * fraction))]
