"""
Blocks: a client that keeps failing is refused for a while, with ``Retry-After``.

Three kinds of strike are counted, in fixed windows of the default cache
(django-ratelimit's counters, shared through Redis):

- failed admin logins (also how ``/o/authorize/`` logs in), per address and
  per username: at ``FAUXSITE_LOGIN_FAILURES_PER_ADDRESS`` failures from an
  address, or ``..._PER_USERNAME`` failures for a name, that address or name
  is refused, right password included, for ``FAUXSITE_LOGIN_BLOCK_SECONDS``;
- invalid bearer tokens, per address (``FAUXSITE_INVALID_TOKEN_LIMIT``);
- 429 answers, per client (``FAUXSITE_THROTTLED_LIMIT``): a client that keeps
  calling past its rate limit is refused outright for ``FAUXSITE_BLOCK_SECONDS``.

A block is a ``Block`` row (shown and lifted in the admin, or with
``manage.py lift_blocks``) and an audit entry, and a cache key that requests
check: one cache read per request. A cached block is confirmed against its row
before refusing, so a block lifted in the admin ends at once in every process.
Like the rate limits, a cache outage fails open.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from access.models import AuditEntry, Block
from access.ratelimits import client_ip, count_request
from schemas.rates import UNLIMITED

logger = logging.getLogger(__name__)

_CACHE_PREFIX = "fauxsite:block:"


def address_key(request) -> str:
    return f"ip:{client_ip(request)}"


def login_key(username: str) -> str:
    return f"login:{username.strip().lower()[:150]}"


# Checking ------------------------------------------------------------------------


def cache_keys(keys: list[str]) -> list[str]:
    return [_CACHE_PREFIX + key for key in keys]


def seconds_blocked(keys: list[str], *, cached: dict | None = None) -> int:
    """Seconds until the last block on any of ``keys`` ends; 0 when none is active.

    ``cached`` is what the cache holds for ``cache_keys(keys)``, when the
    caller read it already (``ratelimits.count_unless_blocked``).
    """
    if cached is None:
        try:
            cached = cache.get_many(cache_keys(keys))
        except Exception as error:  # any cache backend failure: fail open, as rate limits do
            logger.warning("Blocks not checked, the cache failed (%s: %s)", type(error).__name__, error)
            return 0
    if not cached:
        return 0
    # Rare (only blocked clients get here): confirm, so a lifted block ends everywhere.
    until = (Block.objects.filter(key__in=keys, lifted__isnull=True, until__gt=timezone.now())
             .order_by("-until").values_list("until", flat=True).first())
    if until is None:
        _forget(list(cached))
        return 0
    return max(1, int((until - timezone.now()).total_seconds()) + 1)


def _forget(cache_keys: list[str]) -> None:
    try:
        cache.delete_many(cache_keys)
    except Exception as error:
        logger.warning("Block not forgotten, the cache failed (%s: %s)", type(error).__name__, error)


# Striking ------------------------------------------------------------------------


def strike(request, reason: str, key: str, rate: str, seconds: int) -> Block | None:
    """Counts one strike against ``key``; blocks it when the strikes reach ``rate``."""
    if rate == UNLIMITED:
        return None
    usage = count_request(request, f"fauxsite:strike:{reason}", rate, key)
    if usage is None or usage.count < usage.limit or seconds_blocked([key]):
        return None
    return block(key, reason, seconds, request=request)


def block(key: str, reason: str, seconds: int, *, request=None) -> Block:
    from access import audit

    until = timezone.now() + timedelta(seconds=seconds)
    entry = Block.objects.create(key=key, reason=reason, until=until,
                                 request_id=getattr(request, "request_id", "") or "")
    try:
        cache.set(_CACHE_PREFIX + key, until.timestamp(), timeout=seconds)
    except Exception as error:
        logger.warning("Block on %s not cached, the cache failed (%s: %s)", key, type(error).__name__, error)
    logger.warning("Blocked %s for %s seconds: %s", key, seconds, entry.get_reason_display())
    audit.record(AuditEntry.Action.BLOCKED, "block", request=request, object_id=entry.pk,
                 object_repr=f"{key}: {entry.get_reason_display()} until {until:%Y-%m-%d %H:%M:%S}")
    return entry


def lift(blocks, *, request=None) -> int:
    """Ends the given blocks now; returns how many were still active."""
    from access import audit

    lifted = 0
    user = getattr(request, "user", None)
    for entry in blocks:
        if not entry.active:
            continue
        entry.lifted = timezone.now()
        entry.lifted_by = user if user is not None and user.is_authenticated else None
        entry.save(update_fields=["lifted", "lifted_by"])
        _forget([_CACHE_PREFIX + entry.key])
        audit.record(AuditEntry.Action.BLOCK_LIFTED, "block", request=request, object_id=entry.pk,
                     object_repr=f"{entry.key}: {entry.get_reason_display()}")
        lifted += 1
    return lifted


# The three kinds of strike ------------------------------------------------------------


def invalid_token(request) -> None:
    # The Django request: DRF's would authenticate again when the audit asks who it is.
    request = getattr(request, "_request", request)
    strike(request, Block.Reason.INVALID_TOKENS, address_key(request),
           settings.FAUXSITE_INVALID_TOKEN_LIMIT, settings.FAUXSITE_BLOCK_SECONDS)


def throttled(request, key: str) -> None:
    strike(request, Block.Reason.RATE_LIMITED, key, settings.FAUXSITE_THROTTLED_LIMIT,
           settings.FAUXSITE_BLOCK_SECONDS)


def login_failed(request, username: str) -> None:
    """Strikes the address and the username of a failed login."""
    seconds = settings.FAUXSITE_LOGIN_BLOCK_SECONDS
    strike(request, Block.Reason.LOGIN_FAILURES, address_key(request),
           settings.FAUXSITE_LOGIN_FAILURES_PER_ADDRESS, seconds)
    if username:
        strike(request, Block.Reason.LOGIN_FAILURES, login_key(username),
               settings.FAUXSITE_LOGIN_FAILURES_PER_USERNAME, seconds)


def login_seconds_blocked(request, username: str) -> int:
    keys = [address_key(request)]
    if username:
        keys.append(login_key(username))
    return seconds_blocked(keys)
