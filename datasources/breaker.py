"""
A circuit breaker per live data source, per process.

After ``failures`` connection failures in a row a breaker opens: for
``cool_down`` seconds every caller is refused at once, without touching the
network, so a dead database costs its own requests a microsecond instead of
a connect timeout each. Then the breaker is half-open: the next caller is
let through as the one trial whose outcome decides (a success closes it, a
failure opens it for another cool-down); the others keep being refused while
the trial runs. Any success closes the breaker and clears the count.

Framework-free and thread-safe: gunicorn may run a worker's requests in
threads, and psycopg_pool opens connections in threads of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitOpen(Exception):
    """The breaker refuses the call; ``retry_after`` says when it may let one through."""

    def __init__(self, name: str, retry_after: float):
        super().__init__(
            f"{name}: not trying to connect for {retry_after:.0f} s after repeated connection failures"
        )
        self.retry_after = retry_after


class CircuitBreaker:
    def __init__(self, name: str, *, failures: int, cool_down: float,
                 clock: Callable[[], float] = time.monotonic):
        if failures < 1:
            raise ValueError("A breaker needs at least one failure to open.")
        self.name = name
        self.threshold = failures
        self.cool_down = cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self._state = State.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_started_at: float | None = None

    @property
    def state(self) -> State:
        with self._lock:
            if self._state is State.OPEN and self._cool_down_left() <= 0:
                return State.HALF_OPEN
            return self._state

    def admit(self) -> None:
        """Return if the caller may try the source; raise ``CircuitOpen`` if not."""
        with self._lock:
            if self._state is State.CLOSED:
                return
            if self._state is State.OPEN:
                self._admit_after_cool_down()
                return
            self._admit_if_no_trial_runs()

    def succeeded(self) -> None:
        with self._lock:
            self._state = State.CLOSED
            self._failures = 0
            self._trial_started_at = None

    def failed(self) -> None:
        with self._lock:
            if self._state is State.OPEN:
                # A call let through before the breaker opened: no news.
                return
            self._failures += 1
            if self._state is State.HALF_OPEN or self._failures >= self.threshold:
                self._open()

    def _admit_after_cool_down(self) -> None:
        left = self._cool_down_left()
        if left > 0:
            raise CircuitOpen(self.name, left)
        self._state = State.HALF_OPEN
        self._trial_started_at = self._clock()

    def _admit_if_no_trial_runs(self) -> None:
        # A trial that never reported (its thread died) must not keep the
        # source closed off forever: after a cool-down another caller tries.
        started = self._trial_started_at
        if started is not None and self._clock() - started < self.cool_down:
            raise CircuitOpen(self.name, self.cool_down - (self._clock() - started))
        self._trial_started_at = self._clock()

    def _open(self) -> None:
        self._state = State.OPEN
        self._opened_at = self._clock()
        self._trial_started_at = None

    def _cool_down_left(self) -> float:
        return self.cool_down - (self._clock() - self._opened_at)


class Breakers:
    """One breaker per name, made on first use with ``make(name)``."""

    def __init__(self, make: Callable[[str], CircuitBreaker]):
        self._make = make
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, name: str) -> CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(name)
            if breaker is None:
                breaker = self._breakers[name] = self._make(name)
            return breaker

    def forget(self, name: str) -> None:
        with self._lock:
            self._breakers.pop(name, None)
