"""
Rate limits as a schema states them: ``600/m``, ``10/5s``, empty for the
default, ``off`` for none. Counting them is ``access.ratelimits``'.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

RATE_PATTERN = re.compile(r"^([0-9]+)/([0-9]*)([smhd])$")
UNLIMITED = "off"
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/m"`` -> (600, 60); ``"10/5m"`` -> (10, 300). Raises ValueError."""
    match = RATE_PATTERN.match(rate.strip())
    if match is None:
        raise ValueError(f"{rate!r} is not a rate; write requests/period, such as 600/m or 10/5s.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _PERIOD_SECONDS[unit]


def validate_rate(value: str) -> None:
    """Model-field validator for a schema's rate limits (empty means the default)."""
    if not value or value == UNLIMITED:
        return
    try:
        parse_rate(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None
