"""
Load for the fixtures-versus-live comparison: like ``bench/load.py``, but every
request carries headers (the bearer token and ``X-Fauxsite-Source``), reads
included, so both sources are asked for in exactly the same way.

``wrk`` when it is installed, otherwise one Python process per connection;
the results are ``bench.load.Result``.
"""

from __future__ import annotations

import http.client
import multiprocessing
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import Result, _parse_wrk, _percentile

# One script for every scenario: the method, the path (or the prefix random
# ids are appended to), the body and the headers come in as arguments. The
# fixed seed gives both sources the same sequence of ids.
HEADERS_LUA = """
local method, path, max_id, body
local headers = {}
function init(args)
  method, path, max_id, body = args[1], args[2], tonumber(args[3]), args[4]
  for i = 5, #args, 2 do headers[args[i]] = args[i + 1] end
  math.randomseed(7)
end
function request()
  local target = path
  if max_id > 0 then target = path .. math.random(1, max_id) .. "/" end
  if method == "POST" then return wrk.format("POST", target, headers, body) end
  return wrk.format("GET", target, headers)
end
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    # For retrieve: the prefix random ids are appended to.
    path: str
    body: str = ""
    max_id: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def run(generator: str, base_url: str, scenario: Scenario, *, seconds: float, connections: int) -> Result:
    if generator == "wrk":
        return _run_wrk(base_url, scenario, seconds=seconds, connections=connections)
    return _run_python(base_url, scenario, seconds=seconds, connections=connections)


def _run_wrk(base_url: str, scenario: Scenario, *, seconds: float, connections: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="fauxsite-wrk-") as scratch:
        script = Path(scratch) / "headers.lua"
        script.write_text(HEADERS_LUA)
        arguments = [scenario.method, scenario.path, str(scenario.max_id), scenario.body]
        for name, value in scenario.headers.items():
            arguments += [name, value]
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
            "-s", str(script), base_url + "/", "--", *arguments,
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return _parse_wrk(output)


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
        (done + failed) / elapsed, done + failed, failed,
        _percentile(latencies, 0.50), _percentile(latencies, 0.99),
    )


def _client(host: str, port: int, scenario: Scenario, seconds: float, index: int):
    rng = random.Random(7 + index)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    ok = failed = 0
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = f"{scenario.path}{rng.randint(1, scenario.max_id)}/" if scenario.max_id else scenario.path
        started = time.perf_counter()
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
