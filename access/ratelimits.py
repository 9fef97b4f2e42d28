"""
Rate limits: per schema for reads and writes, per client IP for the token endpoint.

Counting is django-ratelimit's (``django_ratelimit.core.get_usage``, fixed
windows in the default cache, atomic increments); answering is ours. Its
decorator raises ``Ratelimited``, a ``PermissionDenied`` that DRF would turn
into 403, so the API uses a DRF throttle instead: over the limit is 429 with
``Retry-After``, and every counted response carries ``RateLimit-Limit``,
``RateLimit-Remaining``, ``RateLimit-Reset`` and ``RateLimit-Policy``.

A client is its OAuth application (client-credentials tokens have no user),
else its user, else its IP address. Behind a proxy, ``X-Forwarded-For`` is
believed only as far as ``FAUXSITE_TRUSTED_PROXIES`` says.

Each 429 is also a strike (``access.blocks``): a client that keeps calling
past its limit is blocked outright for a while.

A cache outage fails open: requests are served uncounted and each one logs a
warning. The limits protect a mock API from runaway clients; refusing every
call because Redis is down would turn a cache problem into an outage.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django_ratelimit import ALL
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, get_usage
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from schemas.rates import UNLIMITED, parse_rate

logger = logging.getLogger(__name__)


# Rates -------------------------------------------------------------------------


def schema_rate(schema, kind: str) -> str | None:
    """The schema's read or write rate, the global default when unset; None for no limit."""
    default = settings.FAUXSITE_READ_RATE_LIMIT if kind == "read" else settings.FAUXSITE_WRITE_RATE_LIMIT
    rate = (getattr(schema, f"{kind}_rate_limit", "") or "").strip() or default
    if rate == UNLIMITED:
        return None
    try:
        parse_rate(rate)
    except ValueError:
        logger.warning("Schema %s has an invalid %s rate %r; using %s", schema.slug, kind, rate, default)
        return None if default == UNLIMITED else default
    return rate


# Who is calling ------------------------------------------------------------------


@lru_cache(maxsize=8)
def _trusted_proxies(configured: tuple[str, ...]) -> int | tuple:
    """A proxy count ("1"), or the proxies' networks ("10.0.0.0/8, 192.168.1.7")."""
    if len(configured) == 1 and configured[0].isdigit():
        return int(configured[0])
    return tuple(ipaddress.ip_network(item, strict=False) for item in configured)


def client_ip(request) -> str:
    """The caller's address; X-Forwarded-For only as far as the trusted proxies go."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    trusted = _trusted_proxies(tuple(settings.FAUXSITE_TRUSTED_PROXIES))
    forwarded = [
        item.strip() for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if item.strip()
    ]
    if not trusted or not forwarded:
        return _masked(remote)
    if isinstance(trusted, int):
        # Each trusted proxy appended the address it received from: the
        # client is the entry the outermost trusted proxy wrote.
        candidate = forwarded[-min(trusted, len(forwarded))]
    elif _within(remote, trusted):
        untrusted = [item for item in forwarded if not _within(item, trusted)]
        candidate = untrusted[-1] if untrusted else forwarded[0]
    else:
        candidate = remote
    return _masked(candidate if _is_ip(candidate) else remote)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _within(address: str, networks: tuple) -> bool:
    return _is_ip(address) and any(ipaddress.ip_address(address) in network for network in networks)


def _masked(address: str) -> str:
    # One IPv6 host usually owns a whole /64; counting single addresses
    # would let it rotate through them.
    if ":" in address and _is_ip(address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return address


def client_key(request) -> str:
    """``app:<id>``, ``user:<id>`` or ``ip:<address>``: what a limit is counted per."""
    token = getattr(request, "auth", None)
    application_id = getattr(token, "application_id", None)
    if application_id is not None:
        return f"app:{application_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


# Counting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    limit: int
    count: int
    period: int
    reset: int  # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


def count_request(request, group: str, rate: str, key: str) -> Usage | None:
    """Counts one request against ``rate``; None when the cache cannot count."""
    try:
        if isinstance(caches[settings.RATELIMIT_USE_CACHE], RedisCache):
            usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate,
                              method=ALL, increment=True)
        else:
            usage = _local_usage(group, rate, key)
    except Exception as error:  # any cache backend failure, such as redis.ConnectionError
        logger.warning("Rate limit not counted, the cache failed (%s: %s)", type(error).__name__, error)
        return None
    if usage is None:
        logger.warning("Rate limit not counted for %s: the cache did not answer", group)
        return None
    _, period = parse_rate(rate)
    return Usage(usage["limit"], usage["count"], period, max(1, usage["time_left"]))


def _local_usage(group: str, rate: str, key: str) -> dict | None:
    """django-ratelimit's ``get_usage`` of a counted request, for a cache in this process.

    The same key, count and answers; but a client that called before has
    its counter already, so it is incremented first, where ``get_usage``
    tries to add it first: one cache call per request instead of two.
    """
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    limit, period = parse_rate(rate)
    window = _get_window(key, period)
    counter = _make_cache_key(group, window, rate, key, ALL)
    count = _incremented(caches[settings.RATELIMIT_USE_CACHE], counter, period + EXPIRATION_FUDGE)
    if count is None:
        # What get_usage answers when the cache cannot count.
        if getattr(settings, "RATELIMIT_FAIL_OPEN", False):
            return None
        return {"count": 0, "limit": 0, "should_limit": True, "time_left": -1}
    time_left = window - int(time.time())
    return {"count": count, "limit": limit, "should_limit": count > limit, "time_left": time_left}


def _incremented(cache, name: str, timeout: int) -> int | None:
    try:
        return cache.incr(name)
    except ValueError:  # a new window: no counter yet
        pass
    if cache.add(name, 1, timeout):
        return 1
    try:
        return cache.incr(name)  # another request added it meanwhile
    except ValueError:
        return None


# Redis: blocks checked and the request counted in one round trip. Nothing is
# counted for a blocked client, as when the block is checked first.
# KEYS[1] is the counter, KEYS[2..] the block keys; ARGV[1] the counter's expiry.
_COUNT_UNLESS_BLOCKED = """
local blocks = {}
if #KEYS > 1 then blocks = redis.call('MGET', unpack(KEYS, 2)) end
for _, block in ipairs(blocks) do
  if block then return {false, unpack(blocks)} end
end
redis.call('SET', KEYS[1], 0, 'NX', 'EX', ARGV[1])
return {redis.call('INCR', KEYS[1]), unpack(blocks)}
"""


def count_unless_blocked(request, group: str, rate: str, key: str,
                         block_keys: list[str]) -> tuple[Usage | None, dict]:
    """Counts a request unless a block is cached, in one Redis round trip.

    Returns the usage (None when not counted) and the cached blocks found
    among ``block_keys`` (cache keys, unprefixed), as ``cache.get_many`` would.
    Without Redis: the cache's own calls, one after the other.
    """
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if not isinstance(cache, RedisCache):
        blocked = _cached(cache, block_keys)
        return (None if blocked else count_request(request, group, rate, key)), blocked
    limit, period = parse_rate(rate)
    window = _get_window(key, period)
    # django-ratelimit's own key: counts stay shared with get_usage's (the OAuth endpoints, strikes).
    counter = _make_cache_key(group, window, rate, key, ALL)
    names = [cache.make_and_validate_key(name) for name in (counter, *block_keys)]
    try:
        client = cache._cache.get_client(names[0], write=True)  # Django's RedisCache internals (pinned)
        count, *found = client.eval(_COUNT_UNLESS_BLOCKED, len(names), *names, period + EXPIRATION_FUDGE)
    except Exception as error:  # any cache backend failure, such as redis.ConnectionError
        logger.warning("Rate limit not counted, the cache failed (%s: %s)", type(error).__name__, error)
        return None, {}
    loads = cache._cache._serializer.loads
    found = zip(block_keys, found, strict=False)
    blocked = {name: loads(value) for name, value in found if value is not None}
    if count is None:
        return None, blocked
    return Usage(limit, int(count), period, max(1, window - int(time.time()))), blocked


def _cached(cache, keys: list[str]) -> dict:
    try:
        return cache.get_many(keys) if keys else {}
    except Exception as error:  # any cache backend failure: blocks fail open too
        logger.warning("Blocks not checked, the cache failed (%s: %s)", type(error).__name__, error)
        return {}


def remember_usage(request, usage: Usage) -> None:
    # On the Django request, where RateLimitHeadersMiddleware finds it.
    getattr(request, "_request", request).fauxsite_rate_limit = usage


def rate_limit_headers(usage: Usage) -> dict[str, str]:
    """Headers of draft-ietf-httpapi-ratelimit-headers (the separate-field form)."""
    return {
        "RateLimit-Limit": str(usage.limit),
        "RateLimit-Remaining": str(usage.remaining),
        "RateLimit-Reset": str(usage.reset),
        "RateLimit-Policy": f"{usage.limit};w={usage.period}",
    }


class SchemaRateThrottle(BaseThrottle):
    """The schema's read or write limit, per client; views without a resource are not limited."""

    usage: Usage | None = None

    def allow_request(self, request, view) -> bool:
        from access.policy import is_read

        resource = getattr(view, "resource", None)
        if resource is None:
            return True
        from access import blocks

        key = client_key(request)
        # Addresses are checked before authentication (BlockMiddleware).
        block_keys = [] if key.startswith("ip:") else [key]
        kind = "read" if is_read(request.method) else "write"
        rate = schema_rate(resource.schema, kind)
        if rate is None:
            if block_keys:
                _refuse_blocked(blocks.seconds_blocked(block_keys))
            return True
        group = f"fauxsite:{kind}:{resource.slug}"
        self.usage, cached = count_unless_blocked(request, group, rate, key,
                                                  blocks.cache_keys(block_keys))
        if cached:
            _refuse_blocked(blocks.seconds_blocked(block_keys, cached=cached))
            if self.usage is None:
                # The block was lifted meanwhile: count the request after all.
                self.usage = count_request(request, group, rate, key)
        if self.usage is None:
            return True
        remember_usage(request, self.usage)
        if self.usage.exceeded:
            blocks.throttled(request, key)
        return not self.usage.exceeded

    def wait(self) -> float | None:
        return self.usage.reset if self.usage else None


def _refuse_blocked(seconds: int) -> None:
    if seconds:
        raise Throttled(seconds, "This client is blocked for calling past its rate limit again and again.")


def count_oauth_request(request) -> Usage | None:
    """Counts a call to /o/token/, /o/revoke_token/ or /o/introspect/ per client IP."""
    rate = settings.FAUXSITE_TOKEN_RATE_LIMIT
    if rate == UNLIMITED:
        return None
    usage = count_request(request, "fauxsite:oauth", rate, f"ip:{client_ip(request)}")
    if usage is not None:
        remember_usage(request, usage)
        if usage.exceeded:
            from access import blocks

            blocks.throttled(request, f"ip:{client_ip(request)}")
    return usage
