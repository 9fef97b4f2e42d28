"""
Checks a field must pass that the contract layer cannot make by itself.

A field of a schema served live must fit its live column, and knowing that
takes a connection to the live database: go-live's business
(``golive.live_columns``). The layers above register their guard here when
their app is ready, so ``Field.clean()`` asks them without importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas.models import Field

# A guard answers why the field cannot be saved, or None when it can.
Guard = Callable[["Field"], "str | None"]

_guards: list[Guard] = []


def register(guard: Guard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def refusal(field: Field) -> str | None:
    """The first guard's reason to refuse the field, or None."""
    for guard in _guards:
        message = guard(field)
        if message is not None:
            return message
    return None
