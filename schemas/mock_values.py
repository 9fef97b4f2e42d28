"""
Mock values: for each field, values that satisfy its constraints.

Every field gets its values from its type, its constraints and its Faker
provider (``Field.faker``, else the type's default for the field's name).
Values pass the model field's validators by construction: numbers and dates
come from ranges bounded by min/max and the digits allowed, text from the
provider fitted to the length limits, or from the pattern through rstr.

Two ways to draw them:

- columns (``column_source``, ``reference_column``): a batch of one field's
  values at a time, for bulk seeding. A unique field keeps nothing per row:
  numbers and dates walk their range in a seeded order that never repeats
  (``Shuffled``), emails are composed so that they never repeat
  (``schemas.mock_emails``), other text is checked against the table once
  per batch (``StoredValues``), so memory stays flat however many rows are
  seeded;
- one value per call (``value_source``, ``reference_source``), for a
  factory-boy factory that builds rows one at a time.

Each field draws from its own random stream, derived from the seed, the
schema and the field's name: a field's values do not depend on the other
fields or on the batch size, and a seeded run gives the same rows in every
process. Faker itself is made faster without changing a value: its weighted
picks (names, cities, ...) recompute cumulative weights on every call, which
``seeded_faker`` computes once (``_random_elements``).
"""

from __future__ import annotations

import hashlib
import json
import random as random_module
import re
import re._parser as sre_parse
import string
import types
import uuid
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from itertools import accumulate, chain
from typing import TYPE_CHECKING, Any, Protocol

import rstr
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from faker import Faker
from faker.providers import BaseProvider
from rstr.rstr_base import ALPHABETS

if TYPE_CHECKING:
    from schemas.mock_emails import DistinctEmails
    from schemas.models import Field

# Share of null values in a field that allows null.
NULL_RATE = 0.1
# Fresh draws of a unique field before deriving a variant of a repeated value.
FRESH_TRIES = 3
# Rounds of variants of a repeated value, each with numbers one digit longer.
VARIANT_ROUNDS = 12
# Draws from a pattern before giving up on it.
PATTERN_TRIES = 200
# Variants of one repeated value tried before a unique field counts as full
# (one value at a time, ``value_source``).
MAX_VARIANTS = 100_000
# Width of a range left open by min_value/max_value (0..9999, like pyint).
DEFAULT_SPAN = 9999
FLOAT_PLACES = 4
BIGINT_RANGE = (-(2**63), 2**63 - 1)
# Dates and times come from a fixed window, not one relative to today, so the
# same seed gives the same rows on any day.
WINDOW_START = datetime(2015, 1, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 1, 1, tzinfo=UTC)
SECONDS_PER_DAY = 86_400
# Values per query when checking a batch against the table.
CHECK_CHUNK = 2048
# An email field's length when it states none (RFC 5321's limit, Django's EmailField default).
MAX_EMAIL_LENGTH = 254

# Shapes of email addresses and URLs that Django's validators accept, checked
# first because a regular expression costs far less than the validators.
PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
PLAIN_URL = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:/[A-Za-z0-9._~/-]*)?"
)


class SeedError(Exception):
    """Mock rows cannot be made as asked; the message says why and what to change."""


class ExhaustedError(SeedError):
    """A unique field has no value left that is not taken."""


def derive_seed(seed: Any, name: str) -> int:
    """A seed for one stream, stable across processes (unlike ``hash()``)."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# Faker, faster with the same values ------------------------------------------------


def seeded_faker(locale: str, seed: int | None) -> Faker:
    """A Faker for ``locale``, seeded when ``seed`` is given, with cached weights."""
    faker = Faker(locale)
    if seed is not None:
        faker.seed_instance(seed)
    for generator in faker.factories:
        for provider in generator.get_providers():
            if _has_weights(type(provider)):
                provider.random_elements = types.MethodType(_random_elements, provider)
    return faker


_WEIGHTED: dict[type, bool] = {}


def _has_weights(provider_class: type) -> bool:
    """Whether a provider holds weighted tables; the others keep Faker's own method, one call shorter."""
    if provider_class not in _WEIGHTED:
        _WEIGHTED[provider_class] = any(
            isinstance(getattr(provider_class, name, None), OrderedDict) for name in dir(provider_class)
        )
    return _WEIGHTED[provider_class]


def _random_elements(self: BaseProvider, elements: Any = ("a", "b", "c"), length: int | None = None,
                     unique: bool = False, use_weighting: bool | None = None) -> Sequence:
    """Faker's ``random_elements`` with the cumulative weights of a weighted pick cached.

    Faker passes ``weights`` to ``random.choices``, which sums thousands of
    name weights again on every call (most of ``first_name``'s 130 µs).
    Passing the same sums as ``cum_weights`` draws the same random number and
    picks the same element, so the values are Faker's own, in the same order.
    """
    weighted = self.__use_weighting__ if use_weighting is None else use_weighting
    if length is not None and not unique and weighted and isinstance(elements, OrderedDict):
        cached = elements.__dict__.get("_fauxsite_cumulative")
        if cached is None:
            cached = elements._fauxsite_cumulative = (tuple(elements), list(accumulate(elements.values())))
        return self.generator.random.choices(cached[0], cum_weights=cached[1], k=length)
    return BaseProvider.random_elements(self, elements, length, unique, use_weighting)


@dataclass
class GenerationContext:
    """Where one schema's values come from: its Faker and its seed."""

    faker: Faker
    slug: str
    # Rows the table will hold: open ranges of unique fields widen to fit.
    capacity: int = 0
    # Without a seed every field shares the Faker's random (factory-boy's
    # ``reseed_random`` seeds it); with one, each field has a stream of its own.
    seed: int | None = None

    @property
    def random(self):
        return self.faker.random

    def stream(self, name: str) -> random_module.Random:
        if self.seed is None:
            return self.faker.random
        return random_module.Random(derive_seed(self.seed, f"{self.slug}.{name}"))


class PatternText(rstr.Rstr):
    """rstr's generator of text matching a pattern, made fast and repeatable.

    rstr parses the pattern and rebuilds every character class on each call,
    which made patterns the slowest part of seeding; here both happen once per
    pattern. rstr also orders negated classes (``[^...]``) and ``\\W`` through a
    set, whose order changes with each process's hash seed: sorted, the same
    seed gives the same text in every process.
    """

    def __init__(self, random):
        super().__init__(random, nonword="".join(sorted(ALPHABETS["nonword"])))
        self._parsed: dict[str, Any] = {}
        self._classes: dict[int, list[str]] = {}

    def xeger(self, pattern: str) -> str:
        parsed = self._parsed.get(pattern)
        if parsed is None:
            parsed = self._parsed[pattern] = sre_parse.parse(pattern)
        text = self._build_string(parsed)
        self._cache.clear()
        return text

    def _handle_in(self, value: Any) -> str:
        # Parsed patterns stay in self._parsed, so their ids stay theirs.
        candidates = self._classes.get(id(value))
        if candidates is None:
            candidates = list(chain(*(self._handle_state(state) for state in value)))
            if candidates[0] is False:
                candidates = sorted(set(string.printable).difference(candidates[1:]))
            self._classes[id(value)] = candidates
        return self._random.choice(candidates)


# Value generators, one per kind of value -----------------------------------------


class Values:
    """Candidate values of one field; each field type names the subclass it draws from."""

    def __init__(self, field: Field, model_field: models.Field, context: GenerationContext):
        self.field = field
        self.model_field = model_field
        self.context = context
        self.random = context.stream(field.name)
        self.label = f"{context.slug}.{field.name}"
        self.provider = field.faker or field.field_type.default_faker(field.name)
        self._provide: Callable[[], Any] | None = None

    def candidate(self) -> Any:
        raise NotImplementedError

    def column(self, count: int) -> list:
        """``count`` candidates, the same as ``count`` calls of ``candidate``."""
        candidate = self.candidate
        return [candidate() for _ in range(count)]

    def variant(self, value: Any, n: int) -> Any | None:
        """The n-th alternative to a repeated ``value``; None when there is none."""
        return None

    def domain(self) -> list | None:
        """Every possible value, for types with so few that unique picks from them."""
        return None

    def key(self, value: Any) -> Any:
        return value

    def call_provider(self) -> Any:
        provide = self.bound_provider()
        try:
            return provide()
        except TypeError as error:
            raise self._unusable(error) from error

    def bound_provider(self) -> Callable[[], Any]:
        """The provider, drawing from this field's stream until another field's provider is bound."""
        # Faker's providers draw from their generator's random.
        self.context.faker.random = self.random
        if self._provide is None:
            self._provide = self._provider_method()
        return self._provide

    def _provider_method(self) -> Callable[[], Any]:
        try:
            return getattr(self.context.faker, self.provider)
        except AttributeError as error:
            raise self._unusable(error) from error

    def _unusable(self, error: Exception) -> SeedError:
        return SeedError(
            f"{self.label}: Faker provider {self.provider!r} cannot make a value on its "
            f"own ({error}); choose another provider."
        )

    def provided(self) -> Any | None:
        """The explicitly chosen provider's value when it fits the field, else None."""
        if not self.field.faker:
            return None
        try:
            value = self.coerce(self.call_provider())
            self.model_field.run_validators(value)
        except (ValidationError, TypeError, ValueError, InvalidOperation):
            return None
        return value

    def coerce(self, value: Any) -> Any:
        return self.model_field.to_python(value)

    def is_valid(self, value: Any) -> bool:
        try:
            self.model_field.run_validators(value)
        except ValidationError:
            return False
        return True


class StringValues(Values):
    def __init__(self, field, model_field, context):
        super().__init__(field, model_field, context)
        # Blank strings are refused for required fields; optional ones are
        # served as null rather than blank, so none is ever blank.
        self.min_length = max(field.min_length or 0, 1)
        self.max_length = model_field.max_length
        self._xeger: PatternText | None = None

    def candidate(self) -> str:
        if self.field.pattern:
            provided = self._provided_text()
            return provided if provided is not None else self._from_pattern()
        return self._fit(self._text())

    def column(self, count: int) -> list:
        if self.field.pattern:
            return super().column(count)
        # candidate(), unrolled: most provider text fits as it is.
        provide, fit = self.bound_provider(), self._fit
        lo, hi = self.min_length, self.max_length or float("inf")
        texts = []
        try:
            for _ in range(count):
                text = provide()
                if not isinstance(text, str):
                    text = str(text)
                texts.append(text if lo <= len(text) <= hi else fit(text))
        except TypeError as error:
            raise self._unusable(error) from error
        return texts

    def _called(self, provide: Callable[[], Any]) -> str:
        try:
            value = provide()
        except TypeError as error:
            raise self._unusable(error) from error
        return value if isinstance(value, str) else str(value)

    def variant(self, value: str, n: int) -> str | None:
        if self.field.pattern:
            return self._from_pattern() if n <= PATTERN_TRIES else None
        suffix = f"-{n}"
        if self.max_length is not None:
            if len(suffix) >= self.max_length:
                return None
            value = value[: self.max_length - len(suffix)]
        return value + suffix

    def is_valid(self, value: str) -> bool:
        if len(value) < self.min_length:
            return False
        if self.max_length is not None and len(value) > self.max_length:
            return False
        return super().is_valid(value)

    def _text(self) -> str:
        value = self.call_provider()
        return value if isinstance(value, str) else str(value)

    def _provided_text(self) -> str | None:
        if not self.field.faker:
            return None
        value = self._text()
        return value if self.is_valid(value) else None

    def _fit(self, text: str) -> str:
        for _ in range(50):
            if len(text) >= self.min_length:
                break
            text = f"{text} {self._text()}".strip()
        if len(text) < self.min_length:
            # A provider that keeps returning nothing: pad with letters.
            letters = self.random.choices(string.ascii_lowercase, k=self.min_length - len(text))
            text += "".join(letters)
        if self.max_length is not None and len(text) > self.max_length:
            text = _shorten(text, self.max_length, self.min_length)
        return text

    def _from_pattern(self) -> str:
        pattern = self.field.pattern
        if self._xeger is None:
            self._xeger = PatternText(self.random)
        for _ in range(PATTERN_TRIES):
            try:
                text = self._xeger.xeger(pattern)
            except Exception as error:  # rstr raises assorted errors on constructs it lacks
                raise SeedError(
                    f"{self.label}: cannot generate text for the pattern {pattern!r} ({error}); "
                    "simplify the pattern."
                ) from error
            if self.is_valid(text):
                return text
        raise SeedError(
            f"{self.label}: found no text matching {pattern!r} with a length of "
            f"{self.min_length} to {self.max_length or 'any'}; widen the length limits or the pattern."
        )


def _shorten(text: str, max_length: int, min_length: int) -> str:
    """Cut at a word boundary when that leaves enough text, else at the limit."""
    cut = text[:max_length]
    at_word = cut.rsplit(" ", 1)[0].rstrip(" .,;:") if " " in cut else cut
    if len(at_word) >= min_length:
        return at_word
    return cut if len(cut.rstrip()) < min_length else cut.rstrip()


class CheckedTextValues(StringValues):
    """Provider text that must also pass the field's format check (email, URL)."""

    fallback_format = ""
    plain = re.compile("(?!)")

    def candidate(self) -> str:
        return self._checked(self._text(), tries=9)

    def column(self, count: int) -> list:
        provide, checked, is_valid = self.bound_provider(), self._checked, self.is_valid
        texts = []
        for _ in range(count):
            text = self._called(provide)
            texts.append(text if is_valid(text) else checked(text, tries=9))
        return texts

    def _checked(self, value: str, *, tries: int) -> str:
        """``value`` when valid, else one of ``tries`` more draws, else a fallback."""
        for _ in range(tries):
            if self.is_valid(value):
                return value
            value = self._text()
        if self.is_valid(value):
            return value
        return self._fallback(self.random.randrange(10**6))

    def is_valid(self, value: str) -> bool:
        # The common shape passes without the validators' cost.
        if self.min_length <= len(value) <= (self.max_length or 200) and self.plain.fullmatch(value):
            return True
        return super().is_valid(value)

    def _fallback(self, n: int) -> str | None:
        candidate = self.fallback_format.format(n=n)
        return candidate if self.is_valid(candidate) else None


class EmailValues(CheckedTextValues):
    fallback_format = "user{n}@example.com"
    plain = PLAIN_EMAIL

    def distinct(self) -> DistinctEmails | None:
        """Addresses that never repeat, for a unique field; None where Faker's must be checked instead.

        A provider chosen for the field is kept, and so is a pattern: only the
        default ``email()`` is replaced by addresses of the same shapes.
        """
        if self.field.faker or self.field.pattern:
            return None
        # Imported here: the composer walks its addresses with this module's Shuffled.
        from schemas.mock_emails import DistinctEmails

        return DistinctEmails.of(
            self.context.faker, self.random, capacity=self.context.capacity,
            fits=lambda address: bool(PLAIN_EMAIL.fullmatch(address)),
            lengths=range(self.min_length, (self.max_length or MAX_EMAIL_LENGTH) + 1),
        )

    def variant(self, value: str, n: int) -> str | None:
        local, _, domain = value.rpartition("@")
        candidate = f"{local}{n}@{domain}"
        return candidate if self.is_valid(candidate) else self._fallback(n)


class URLValues(CheckedTextValues):
    fallback_format = "https://example.com/{n}"
    plain = PLAIN_URL

    def variant(self, value: str, n: int) -> str | None:
        candidate = f"{value.rstrip('/')}/{n}"
        return candidate if self.is_valid(candidate) else self._fallback(n)


class StepValues(Values):
    """Values on an integer scale ``lo..hi`` (units); variants step along it."""

    lo: int
    hi: int

    def to_value(self, units: int) -> Any:
        return units

    def to_units(self, value: Any) -> int:
        return int(value)

    def candidate(self) -> Any:
        # A chosen provider's value counts when it passes the field's own
        # validators; the default range only shapes values made here.
        provided = self.provided()
        if provided is not None:
            return provided
        return self.to_value(self.random.randint(self.lo, self.hi))

    def column(self, count: int) -> list:
        if self.field.faker:
            return super().column(count)
        to_value, randint, lo, hi = self.to_value, self.random.randint, self.lo, self.hi
        return [to_value(randint(lo, hi)) for _ in range(count)]

    def variant(self, value: Any, n: int) -> Any | None:
        width = self.hi - self.lo + 1
        if n >= width:
            return None
        return self.to_value(self.lo + (self.to_units(value) - self.lo + n) % width)

    def open_span(self, scale: int = 1) -> int:
        """Width (in units) of a range given by one bound or none."""
        span = DEFAULT_SPAN * scale
        if self.field.unique:
            span = max(span, 10 * self.context.capacity)
        return span

    def set_range(self, lo: int | None, hi: int | None, span: int, limits: tuple[int, int]) -> None:
        if lo is None and hi is None:
            lo = 0
        if lo is None:
            lo = hi - span
        if hi is None:
            hi = lo + span
        self.lo, self.hi = max(lo, limits[0]), min(hi, limits[1])
        if self.lo > self.hi:
            raise SeedError(
                f"{self.label}: no value lies between min_value and max_value within the "
                "digits allowed; widen the range."
            )


class IntegerValues(StepValues):
    def __init__(self, field, model_field, context):
        super().__init__(field, model_field, context)
        lo = _ceil(field.min_value, 1) if field.min_value is not None else None
        hi = _floor(field.max_value, 1) if field.max_value is not None else None
        self.set_range(lo, hi, self.open_span(), BIGINT_RANGE)


class DecimalValues(StepValues):
    def __init__(self, field, model_field, context):
        super().__init__(field, model_field, context)
        self.places = model_field.decimal_places
        self.scale = 10**self.places
        largest = 10**model_field.max_digits - 1
        lo = _ceil(field.min_value, self.scale) if field.min_value is not None else None
        hi = _floor(field.max_value, self.scale) if field.max_value is not None else None
        self.set_range(lo, hi, self.open_span(self.scale), (-largest, largest))

    def to_value(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.places)

    def to_units(self, value: Decimal) -> int:
        return int(Decimal(value).scaleb(self.places).to_integral_value())

    def coerce(self, value: Any) -> Decimal:
        return self.to_value(self.to_units(self.model_field.to_python(value)))


class FloatValues(StepValues):
    def __init__(self, field, model_field, context):
        super().__init__(field, model_field, context)
        self.scale = 10**FLOAT_PLACES
        self.min_value = float(field.min_value) if field.min_value is not None else None
        self.max_value = float(field.max_value) if field.max_value is not None else None
        lo = _ceil(field.min_value, self.scale) if field.min_value is not None else None
        hi = _floor(field.max_value, self.scale) if field.max_value is not None else None
        self.set_range(lo, hi, self.open_span(self.scale), (-(10**15), 10**15))

    def to_value(self, units: int) -> float:
        value = units / self.scale
        # Clamp what binary rounding may push a hair past a bound.
        if self.min_value is not None:
            value = max(value, self.min_value)
        if self.max_value is not None:
            value = min(value, self.max_value)
        return value

    def to_units(self, value: float) -> int:
        return round(value * self.scale)

    def coerce(self, value: Any) -> float:
        return round(self.model_field.to_python(value), FLOAT_PLACES)


class BooleanValues(Values):
    def candidate(self) -> bool:
        provided = self.provided()
        return provided if isinstance(provided, bool) else self.random.random() < 0.5

    def column(self, count: int) -> list:
        if self.field.faker:
            return super().column(count)
        draw = self.random.random
        return [draw() < 0.5 for _ in range(count)]

    def domain(self) -> list:
        return [True, False]


class EnumValues(Values):
    def candidate(self) -> str:
        provided = self.provided()
        if provided in self.field.choices:
            return provided
        return self.random.choice(self.field.choices)

    def column(self, count: int) -> list:
        if self.field.faker:
            return super().column(count)
        choice, choices = self.random.choice, self.field.choices
        return [choice(choices) for _ in range(count)]

    def domain(self) -> list:
        return list(self.field.choices)


class DateValues(StepValues):
    lo, hi = WINDOW_START.date().toordinal(), (WINDOW_END.date() - timedelta(days=1)).toordinal()

    def candidate(self) -> date:
        return self.provided() or self.to_value(self.random.randint(self.lo, self.hi))

    def variant(self, value: date, n: int) -> date | None:
        try:
            return value + timedelta(days=n)
        except OverflowError:
            return None

    def to_value(self, units: int) -> date:
        return date.fromordinal(units)


class DateTimeValues(StepValues):
    lo, hi = 0, int((WINDOW_END - WINDOW_START).total_seconds()) - 1

    def candidate(self) -> datetime:
        value = self.provided()
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return self.to_value(self.random.randint(self.lo, self.hi))

    def variant(self, value: datetime, n: int) -> datetime | None:
        try:
            return value + timedelta(seconds=n)
        except OverflowError:
            return None

    def to_value(self, units: int) -> datetime:
        return WINDOW_START + timedelta(seconds=units)

    def to_units(self, value: datetime) -> int:
        return int((value - WINDOW_START).total_seconds())


class TimeValues(StepValues):
    lo, hi = 0, SECONDS_PER_DAY - 1

    def candidate(self) -> time:
        value = self.provided()
        if isinstance(value, time):
            return value.replace(microsecond=0)
        return self.to_value(self.random.randint(self.lo, self.hi))

    def to_value(self, units: int) -> time:
        return time(units // 3600, units // 60 % 60, units % 60)

    def to_units(self, value: time) -> int:
        return value.hour * 3600 + value.minute * 60 + value.second


class UUIDValues(Values):
    def candidate(self) -> uuid.UUID:
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def variant(self, value: uuid.UUID, n: int) -> uuid.UUID:
        return self.candidate()


class JSONValues(Values):
    def candidate(self) -> Any:
        if self.field.faker:
            value = self.call_provider()
        else:
            self.context.faker.random = self.random
            value = self.context.faker.pydict(nb_elements=4, value_types=[str, int, float, bool])
        # Providers may return dates, decimals or tuples: keep what JSON keeps.
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))

    def variant(self, value: Any, n: int) -> Any:
        return {**value, "n": n} if isinstance(value, dict) else {"value": value, "n": n}

    def key(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True)


def _ceil(value: Decimal, scale: int) -> int:
    return int((Decimal(value) * scale).to_integral_value(rounding=ROUND_CEILING))


def _floor(value: Decimal, scale: int) -> int:
    return int((Decimal(value) * scale).to_integral_value(rounding=ROUND_FLOOR))


def field_values(field: Field, model_field: models.Field, context: GenerationContext) -> Values:
    """The value source of ``field``: its type says which (``FieldType.values_class``)."""
    return field.field_type.mock_values(field, model_field, context)


# Columns: a batch of one field's values at a time ----------------------------------


class Column(Protocol):
    # Whether ``take`` queries the table, which must then hold every batch taken before.
    reads_table: bool

    def take(self, count: int, *, up_to: bool = False) -> list:
        """``count`` values; with ``up_to``, fewer when a unique field runs out."""


class Shuffled:
    """The numbers ``0..size-1`` in a seeded order, each once, without a list of them.

    A full-period linear congruential sequence modulo the next power of two
    visits every number once; a bijective scramble of each step hides its
    regularity, and steps that land past ``size`` are skipped.
    """

    def __init__(self, size: int, random: random_module.Random):
        self.size = size
        bits = max(size - 1, 1).bit_length()
        self.mask = (1 << bits) - 1
        self.shift = max(bits // 2, 1)
        # Hull-Dobell: an odd increment and a multiplier of the form 4k + 1.
        self.multiplier = (random.getrandbits(bits) << 2 | 1) & self.mask or 1
        self.increment = random.getrandbits(bits) | 1
        self.scramble = (random.getrandbits(bits) | 1, random.getrandbits(bits) | 1)
        self.state = random.getrandbits(bits) & self.mask
        self.left = self.mask + 1

    def next(self) -> int | None:
        """The next number, or None once every one was given."""
        mask, shift, (first, second) = self.mask, self.shift, self.scramble
        while self.left:
            self.left -= 1
            self.state = (self.multiplier * self.state + self.increment) & mask
            number = (self.state * first) & mask
            number ^= number >> shift
            number = (number * second) & mask
            number ^= number >> shift
            if number < self.size:
                return number
        return None


class StoredValues:
    """Which of some values a column of the table already holds: a query per batch, nothing kept."""

    def __init__(self, model_field: models.Field, key: Callable[[Any], Any] = lambda value: value):
        self.model = model_field.model
        self.attname = model_field.attname
        self.key = key

    def any(self) -> bool:
        return self.model.objects.filter(**{f"{self.attname}__isnull": False}).exists()

    def taken(self, values: list) -> set:
        found: set = set()
        size = self._chunk()
        for start in range(0, len(values), size):
            chunk = _padded(values[start : start + size])
            stored = self.model.objects.filter(**{f"{self.attname}__in": chunk}).values_list(
                self.attname, flat=True
            )
            found.update(self.key(value) for value in stored)
        return found

    def _chunk(self) -> int:
        features = connections[router.db_for_read(self.model) or "default"].features
        limit = min(CHECK_CHUNK, (features.max_query_params or CHECK_CHUNK) - 1)
        # A power of two, so a padded chunk stays within the engine's limit.
        return 1 << (limit.bit_length() - 1)


def _padded(values: list) -> list:
    """``values`` repeated up to a power of two long.

    Drivers cache a prepared statement per SQL text: a few lengths of IN
    list keep that cache small however many batches are checked.
    """
    length = 1 << (len(values) - 1).bit_length()
    return values + [values[-1]] * (length - len(values))


class ValueColumn:
    """Values as drawn: a field that needs no check."""

    reads_table = False

    def __init__(self, values: Values):
        self.values = values

    def take(self, count: int, *, up_to: bool = False) -> list:
        return self.values.column(count)


class DomainColumn:
    """A unique boolean or enum: the values not in the table yet, in a seeded order."""

    reads_table = False  # once, before the first batch

    def __init__(self, values: Values, stored: StoredValues):
        domain = values.domain()
        taken = stored.taken(domain) if stored.any() else set()
        self.remaining = [value for value in domain if values.key(value) not in taken]
        values.random.shuffle(self.remaining)
        self.values = values

    def take(self, count: int, *, up_to: bool = False) -> list:
        if count > len(self.remaining) and not up_to:
            raise _exhausted(self.values)
        taken = self.remaining[len(self.remaining) - min(count, len(self.remaining)) :][::-1]
        del self.remaining[len(self.remaining) - len(taken) :]
        return taken


class DistinctColumn:
    """Values that never repeat by construction: a unique number, date or time, or an email.

    ``draw(count)`` gives up to ``count`` values none given before, fewer once
    there are none left. Only values already in the table need a check, and
    only when it had some.
    """

    def __init__(self, values: Values, draw: Callable[[int], list], stored: StoredValues):
        self.values = values
        self.draw = draw
        self.stored = stored if stored.any() else None

    @property
    def reads_table(self) -> bool:
        return self.stored is not None

    def take(self, count: int, *, up_to: bool = False) -> list:
        found: list = []
        while len(found) < count:
            wanted = count - len(found)
            drawn = self.draw(wanted)
            values = drawn
            if self.stored is not None:
                taken = self.stored.taken(values)
                values = [value for value in values if value not in taken]
            found.extend(values)
            if len(drawn) < wanted:
                break  # every value was given
        if len(found) < count and not up_to:
            raise _exhausted(self.values)
        return found


def _range_walk(values: StepValues) -> Callable[[int], list]:
    """A unique number, date or time: its whole range in a seeded order."""
    order = Shuffled(values.hi - values.lo + 1, values.random)

    def draw(count: int) -> list:
        drawn = []
        for _ in range(count):
            unit = order.next()
            if unit is None:
                break
            drawn.append(values.to_value(values.lo + unit))
        return drawn

    return draw


class CheckedColumn:
    """A unique value drawn from a provider: each batch is checked, against itself and the table.

    A repeated value is drawn afresh a few times, then gets variants (``-7``,
    ``-42``, ...) with numbers one digit longer each round. Earlier batches
    are in the table by the time the next one is checked, so nothing is kept.
    """

    reads_table = True

    def __init__(self, values: Values, stored: StoredValues):
        self.values = values
        self.stored = stored

    def take(self, count: int, *, up_to: bool = False) -> list:
        batch = self.values.column(count)
        originals = list(batch)
        accepted: set = set()
        pending = list(range(count))
        for attempt in range(FRESH_TRIES + VARIANT_ROUNDS):
            pending = self._repeated(batch, pending, accepted)
            if not pending:
                return batch
            for index in pending:
                batch[index] = self._replacement(originals[index], attempt)
        failed = set(pending)
        if not up_to:
            raise _exhausted(self.values)
        return [value for index, value in enumerate(batch) if index not in failed]

    def _repeated(self, batch: list, pending: list[int], accepted: set) -> list[int]:
        """The positions among ``pending`` whose value is taken; accepts the others."""
        key = self.values.key
        repeated, fresh = [], []
        for index in pending:
            value = batch[index]
            if value is None or key(value) in accepted:
                repeated.append(index)
            else:
                accepted.add(key(value))
                fresh.append(index)
        stored = self.stored.taken([batch[index] for index in fresh]) if fresh else set()
        for index in fresh:
            if key(batch[index]) in stored:
                accepted.discard(key(batch[index]))
                repeated.append(index)
        return sorted(repeated)

    def _replacement(self, original: Any, attempt: int) -> Any:
        # Text from a pattern has no numbered variants: only fresh draws fit it,
        # as they do where no draw fitted at all (an email field too short for Faker's).
        if attempt < FRESH_TRIES or original is None or getattr(self.values.field, "pattern", ""):
            return self.values.candidate()
        digits = attempt - FRESH_TRIES + 1
        return self.values.variant(original, self.values.random.randrange(1, 10**digits * 10))


class NullableColumn:
    """Mostly values, about one in ten null; null too once a unique field is full.

    Nulls are drawn from a stream of their own, so the values do not shift
    when a field becomes nullable.
    """

    def __init__(self, inner: Column, random: random_module.Random):
        self.inner = inner
        self.random = random

    @property
    def reads_table(self) -> bool:
        return self.inner.reads_table

    def take(self, count: int, *, up_to: bool = False) -> list:
        draw = self.random.random
        nulls = [draw() < NULL_RATE for _ in range(count)]
        values = iter(self.inner.take(nulls.count(False), up_to=True))
        return [None if null else next(values, None) for null in nulls]


def _exhausted(values: Values) -> ExhaustedError:
    return ExhaustedError(
        f"{values.label} is unique and has no value left that the table does not hold; "
        "widen its constraints or seed fewer rows."
    )


def column_source(field: Field, model_field: models.Field, context: GenerationContext) -> Column:
    """Batches of valid values of ``field``; a unique one avoids the values in the table."""
    values = field_values(field, model_field, context)
    column: Column = ValueColumn(values)
    if model_field.unique:
        column = _unique_column(values, StoredValues(model_field, values.key))
    if model_field.null:
        column = NullableColumn(column, context.stream(f"{field.name}:null"))
    return column


def _unique_column(values: Values, stored: StoredValues) -> Column:
    if values.domain() is not None:
        return DomainColumn(values, stored)
    if isinstance(values, StepValues) and not values.field.faker:
        return DistinctColumn(values, _range_walk(values), stored)
    emails = values.distinct() if isinstance(values, EmailValues) else None
    if emails is not None:
        return DistinctColumn(values, emails.take, stored)
    if isinstance(values, UUIDValues):
        # 122 random bits: a repeat among a billion rows has a chance of about
        # 1 in 10^19, below that of a disk error, so none is looked for.
        return ValueColumn(values)
    return CheckedColumn(values, stored)


# References -------------------------------------------------------------------------


class IdRuns:
    """The ids of a table as runs of consecutive ids: memory grows with gaps, not rows."""

    def __init__(self, runs: Iterable[tuple[int, int]] = ()):
        self.starts: list[int] = []
        self.ends: list[int] = []  # rows up to and including each run
        for first, length in runs:
            self._append(first, length)

    @classmethod
    def of(cls, model: type[models.Model]) -> IdRuns:
        """Runs of ``model``'s ids (gaps and islands, counted by the database)."""
        connection = connections[router.db_for_read(model) or "default"]
        pk = connection.ops.quote_name(model._meta.pk.column)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MIN({pk}), COUNT(*) FROM (SELECT {pk}, {pk} - ROW_NUMBER() OVER (ORDER BY {pk}) "
                f"AS island FROM {table}) AS numbered GROUP BY island ORDER BY MIN({pk})"
            )
            return cls(cursor.fetchall())

    @property
    def total(self) -> int:
        return self.ends[-1] if self.ends else 0

    def at(self, rank: int) -> int:
        """The id of rank ``rank`` (0-based) in ascending order."""
        run = bisect_right(self.ends, rank)
        before = self.ends[run - 1] if run else 0
        return self.starts[run] + rank - before

    def add(self, ids: Iterable[int]) -> None:
        """Ids larger than every id held so far, ascending."""
        for pk in ids:
            if self.starts and pk == self.starts[-1] + self._length(-1):
                self.ends[-1] += 1
            else:
                self._append(pk, 1)

    def _length(self, run: int) -> int:
        before = self.ends[run - 1] if len(self.ends) > 1 else 0
        return self.ends[run] - before

    def _append(self, first: int, length: int) -> None:
        self.starts.append(first)
        self.ends.append(self.total + length)


class ReferenceColumn:
    """Ids of existing rows of the referenced schema, a batch at a time.

    A self-reference may also point at the rows of the batch before it; a
    required one with nothing before it points at its own row. A unique
    reference walks the referenced ids in a seeded order.
    """

    def __init__(self, label: str, runs: IdRuns, *, random: random_module.Random,
                 null_random: random_module.Random, unique: bool, nullable: bool,
                 stored: StoredValues | None, to_itself: bool = False):
        self.label = label
        self.runs = runs
        self.random = random
        self.null_random = null_random
        self.nullable = nullable
        self.to_itself = to_itself
        self.unique = unique
        self.stored = stored if stored is not None and (to_itself or stored.any()) else None
        self.order = Shuffled(runs.total, random) if unique and not to_itself else None

    @property
    def reads_table(self) -> bool:
        return self.stored is not None

    def take(self, count: int, *, own_ids: Sequence[int] = ()) -> list:
        nulls = [self.nullable and self.null_random.random() < NULL_RATE for _ in range(count)]
        if self.order is not None:
            picks = iter(self._unique_ids(nulls.count(False)))
            return [None if null else next(picks, None) if self.nullable else self._next(picks)
                    for null in nulls]
        if not self.to_itself and self.runs.total:
            at, randrange, total = self.runs.at, self.random.randrange, self.runs.total
            ids = [None if null else at(randrange(total)) for null in nulls]
        else:
            ids = [None if null else self._pick(index, own_ids) for index, null in enumerate(nulls)]
        if self.unique:
            ids = self._own_when_taken(ids, own_ids)
        return ids

    def _pick(self, index: int, own_ids: Sequence[int]) -> int | None:
        size = self.runs.total + (index if self.to_itself else 0)
        if not size:
            if self.to_itself and not self.nullable:
                return own_ids[index]
            if self.nullable:
                return None
            raise self._none_left()
        rank = self.random.randrange(size)
        return self.runs.at(rank) if rank < self.runs.total else own_ids[rank - self.runs.total]

    def _own_when_taken(self, ids: list, own_ids: Sequence[int]) -> list:
        # A unique self-reference: a row's own id is always free, being new.
        seen: set = set()
        stored = self.stored.taken([pk for pk in ids if pk is not None]) if self.stored else set()
        for index, pk in enumerate(ids):
            if pk is not None and (pk in seen or pk in stored):
                ids[index] = own_ids[index]
            if ids[index] is not None:
                seen.add(ids[index])
        return ids

    def _unique_ids(self, count: int) -> list[int]:
        found: list[int] = []
        while len(found) < count:
            ranks = [rank for rank in (self.order.next() for _ in range(count - len(found)))
                     if rank is not None]
            ids = [self.runs.at(rank) for rank in ranks]
            if self.stored is not None:
                taken = self.stored.taken(ids)
                ids = [pk for pk in ids if pk not in taken]
            found.extend(ids)
            if not ranks:
                break
        return found

    def _next(self, picks) -> int:
        pk = next(picks, None)
        if pk is None:
            raise self._none_left()
        return pk

    def _none_left(self) -> SeedError:
        return SeedError(f"{self.label} must reference a row, and the referenced schema has none left.")

    def grow(self, ids: Iterable[int]) -> None:
        """Rows just inserted into a self-referring table become pickable."""
        self.runs.add(ids)


def reference_column(field: Field, model_field: models.Field, context: GenerationContext,
                     runs: IdRuns, *, to_itself: bool = False) -> ReferenceColumn:
    return ReferenceColumn(
        f"{context.slug}.{field.name}", runs, random=context.stream(field.name),
        null_random=context.stream(f"{field.name}:null"), unique=model_field.unique,
        nullable=model_field.null, stored=StoredValues(model_field) if model_field.unique else None,
        to_itself=to_itself,
    )


# One value per call, for factories ------------------------------------------------


class UniqueSource:
    """Values never taken before, counting those already in the table.

    It remembers every value it gives: fine for the rows a factory builds one
    by one, while bulk seeding uses ``column_source`` and remembers nothing.
    """

    def __init__(self, values: Values, taken: Iterable[Any]):
        self.values = values
        self.taken = {values.key(value) for value in taken}
        # Per repeated value, the last variant tried, so a value repeated many
        # times does not walk the same variants again.
        self.last_variant: dict[Any, int] = {}
        self.remaining: list | None = None
        domain = values.domain()
        if domain is not None:
            self.remaining = [value for value in domain if values.key(value) not in self.taken]
            values.random.shuffle(self.remaining)

    def __call__(self) -> Any:
        if self.remaining is not None:
            return self._from_domain()
        for _ in range(FRESH_TRIES):
            value = self.values.candidate()
            if self._claim(value):
                return value
        return self._variant_of(value)

    def _from_domain(self) -> Any:
        if not self.remaining:
            raise _exhausted(self.values)
        return self.remaining.pop()

    def _variant_of(self, value: Any) -> Any:
        key = self.values.key(value)
        first = self.last_variant.get(key, 0) + 1
        for n in range(first, first + MAX_VARIANTS):
            candidate = self.values.variant(value, n)
            if candidate is None:
                break
            if self._claim(candidate):
                self.last_variant[key] = n
                return candidate
        raise _exhausted(self.values)

    def _claim(self, value: Any) -> bool:
        key = self.values.key(value)
        if key in self.taken:
            return False
        self.taken.add(key)
        return True


class NullableSource:
    """Mostly values, sometimes null; null too once a unique field is full."""

    def __init__(self, source: Callable[[], Any], random):
        self.source = source
        self.random = random

    def __call__(self) -> Any:
        if self.random.random() < NULL_RATE:
            return None
        try:
            return self.source()
        except ExhaustedError:
            return None


class ReferenceSource:
    """Ids of existing rows of the referenced schema, one per call (for factories)."""

    def __init__(self, label: str, ids: Iterable[int], *, random, unique: bool, nullable: bool,
                 taken: Iterable[int] = ()):
        self.label = label
        self.random = random
        self.unique = unique
        self.nullable = nullable
        taken = set(taken)
        self.ids = [pk for pk in ids if not (unique and pk in taken)]
        if unique:
            # Unique picks pop from the end of a shuffled pool.
            self.random.shuffle(self.ids)

    def __call__(self) -> int | None:
        if self.nullable and self.random.random() < NULL_RATE:
            return None
        if self.ids:
            return self.ids.pop() if self.unique else self.ids[self.random.randrange(len(self.ids))]
        if self.nullable:
            return None
        raise SeedError(f"{self.label} must reference a row, and the referenced schema has none left.")


def value_source(field: Field, model_field: models.Field, context: GenerationContext,
                 taken: Iterable[Any] | None = None) -> Callable[[], Any]:
    """A callable giving one valid value of ``field`` per call.

    ``taken``: values a unique field must avoid; by default those in the table.
    """
    values = field_values(field, model_field, context)
    source: Callable[[], Any] = values.candidate
    if model_field.unique:
        source = UniqueSource(values, _stored_values(model_field) if taken is None else taken)
    if model_field.null:
        source = NullableSource(source, context.stream(f"{field.name}:null"))
    return source


def reference_source(field: Field, model_field: models.Field, context: GenerationContext,
                     ids: Iterable[int] | None = None, taken: Iterable[int] | None = None) -> ReferenceSource:
    if ids is None:
        ids = model_field.related_model.objects.order_by("pk").values_list("pk", flat=True)
    if taken is None:
        taken = _stored_values(model_field) if model_field.unique else ()
    return ReferenceSource(
        f"{context.slug}.{field.name}", ids, random=context.stream(field.name), unique=model_field.unique,
        nullable=model_field.null, taken=taken,
    )


def _stored_values(model_field: models.Field) -> Iterable[Any]:
    model = model_field.model
    attname = model_field.attname
    return (
        model.objects.filter(**{f"{attname}__isnull": False})
        .values_list(attname, flat=True)
        .iterator(chunk_size=5000)
    )
