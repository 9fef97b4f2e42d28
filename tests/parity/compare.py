"""
Comparing two engines' answers, and reporting what differs so it can be read.

Three kinds of finding, each grouped into classes:

- a difference: the two engines answered the same request differently
  (status, a header of ``replay.HEADERS``, or the body's bytes);
- a server error: a 5xx on either engine, even when both agree;
- a broken promise: a step whose status the contract fixes (refused values
  are 400s) or that must repeat an earlier body (a refused write stores
  nothing) did not, on one engine.

``report`` prints at most ``SHOWN`` classes with one example each, the first
differing position marked; ``write_full`` writes every finding.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tests.parity.generator import Step
from tests.parity.replay import Answer

SHOWN = 30
EXCERPT = 70


@dataclass(frozen=True)
class Finding:
    index: int
    step: Step
    kind: str
    answers: tuple[tuple[str, Answer], ...]
    position: int | None = None

    @property
    def klass(self) -> str:
        return f"{self.kind} | {self.step.klass}"


def compare(steps: list[Step], runs: dict[str, list[Answer]]) -> list[Finding]:
    (first, left), (second, right) = runs.items()
    findings = []
    for index, step in enumerate(steps):
        a, b = left[index], right[index]
        pair = ((first, a), (second, b))
        findings += _differences(index, step, a, b, pair)
        findings += _unexpected_status(index, step, runs)
        for engine, answers in runs.items():
            findings += _broken_promises(index, step, engine, answers)
    return findings


def _differences(index: int, step: Step, a: Answer, b: Answer, pair) -> list[Finding]:
    found = []
    if a.status != b.status:
        found.append(Finding(index, step, f"status {a.status} vs {b.status}", pair))
    elif a.status >= 500:
        found.append(Finding(index, step, f"server error {a.status} on both", pair))
    for name in {name for name, _value in a.headers + b.headers}:
        if a.header(name) != b.header(name) and a.status == b.status:
            found.append(Finding(index, step, f"header {name}", pair))
    if a.body != b.body and a.status == b.status:
        found.append(Finding(index, step, "body", pair, first_difference(a.body, b.body)))
    return found


def _unexpected_status(index: int, step: Step, runs: dict[str, list[Answer]]) -> list[Finding]:
    if step.expect is None:
        return []
    wrong = tuple(
        (engine, answers[index]) for engine, answers in runs.items() if answers[index].status != step.expect
    )
    if wrong:
        statuses = "/".join(sorted({str(answer.status) for _engine, answer in wrong}))
        engines = " and ".join(engine for engine, _answer in wrong)
        return [Finding(index, step, f"expected {step.expect}, got {statuses} on {engines}", wrong)]
    unnamed = tuple(
        (engine, answers[index]) for engine, answers in runs.items() if not _names(answers[index], step.names)
    )
    if unnamed:
        engines = " and ".join(engine for engine, _answer in unnamed)
        return [Finding(index, step, f"{step.expect} does not name the field on {engines}", unnamed)]
    return []


def _names(answer: Answer, field: str | None) -> bool:
    """Whether the problem details name ``field`` (as an error key, or in the detail)."""
    if field is None:
        return True
    try:
        problem = json.loads(answer.body)
    except ValueError:
        return False
    return field in (problem.get("errors") or {}) or field in str(problem.get("detail", ""))


def _broken_promises(index: int, step: Step, engine: str, answers: list[Answer]) -> list[Finding]:
    answer = answers[index]
    found = []
    if step.same_body_as is not None:
        earlier = answers[step.same_body_as]
        if earlier.body != answer.body:
            found.append(Finding(index, step, f"a refused write stored something on {engine}",
                                 ((f"{engine} before", earlier), (f"{engine} after", answer)),
                                 first_difference(earlier.body, answer.body)))
    return found


def first_difference(a: bytes, b: bytes) -> int:
    for position, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return position
    return min(len(a), len(b))


def excerpt(body: bytes, position: int | None, width: int = EXCERPT) -> str:
    if position is None:
        text = body[: 2 * width].decode(errors="replace")
        return text + ("…" if len(body) > 2 * width else "")
    start = max(0, position - width)
    before = body[start:position].decode(errors="replace")
    after = body[position: position + width].decode(errors="replace")
    return f"{'…' if start else ''}{before}⟦{after}{'…' if position + width < len(body) else ''}"


def describe(finding: Finding, width: int = EXCERPT) -> str:
    step = finding.step
    lines = [f"  #{finding.index} {step.method.upper()} {step.path}"]
    if step.body is not None:
        body = step.body.decode(errors="replace")
        lines.append(f"    body ({step.content_type}): {body[:300]}{'…' if len(body) > 300 else ''}")
    for engine, answer in finding.answers:
        lines.append(f"    {engine}: {answer.headline()}")
        lines.append(f"      {excerpt(answer.body, finding.position, width)}")
    if finding.position is not None:
        lines.append(f"    first difference at byte {finding.position}")
    return "\n".join(lines)


def by_class(findings: list[Finding]) -> dict[str, list[Finding]]:
    classes: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        classes[finding.klass].append(finding)
    return dict(sorted(classes.items(), key=lambda item: (-len(item[1]), item[0])))


def report(findings: list[Finding], engines: str, requests: int, full: Path | None = None) -> str:
    classes = by_class(findings)
    lines = [f"{len(findings)} findings in {len(classes)} classes over {requests} requests ({engines})."]
    for shown, (klass, members) in enumerate(classes.items()):
        if shown == SHOWN:
            rest = sum(len(m) for m in list(classes.values())[SHOWN:])
            lines.append(f"... and {len(classes) - SHOWN} more classes ({rest} findings)")
            break
        lines.append(f"[{len(members)}x] {klass}")
        lines.append(describe(members[0]))
    if full is not None:
        lines.append(f"Every finding: {full}")
    return "\n".join(lines)


def write_full(findings: list[Finding], path: Path, header: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n\n")
        for klass, members in by_class(findings).items():
            out.write(f"== [{len(members)}x] {klass}\n")
            for finding in members:
                out.write(describe(finding, width=400) + "\n")
            out.write("\n")
