"""
Mock values: for each field, a source of values that satisfy its constraints.

Every field gets a value source made from its type, its constraints and its
Faker provider (``Field.faker``, else the type's default for the field's
name). Sources produce values that pass the model field's validators by
construction: numbers and dates come from ranges bounded by min/max and the
digits allowed, text from the provider fitted to the length limits, or from
the pattern through rstr. A unique field remembers every value taken,
including those already in the table, and derives a deterministic variant
when the provider repeats itself.

All randomness comes from one Faker instance (and its ``random``), so a
seeded instance gives the same rows every time.
"""

from __future__ import annotations

import json
import re._parser as sre_parse
import string
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING, Any

import rstr
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from faker import Faker
from rstr.rstr_base import ALPHABETS

if TYPE_CHECKING:
    from schemas.models import Field

# Share of null values in a field that allows null.
NULL_RATE = 0.1
# Fresh draws of a unique field before deriving a variant of a repeated value.
FRESH_TRIES = 3
# Draws from a pattern before giving up on it.
PATTERN_TRIES = 200
# Variants of one repeated value tried before a unique field counts as full.
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


class SeedError(Exception):
    """Mock rows cannot be made as asked; the message says why and what to change."""


class ExhaustedError(SeedError):
    """A unique field has no value left that is not taken."""


@dataclass
class GenerationContext:
    """The Faker instance every value of one schema comes from."""

    faker: Faker
    slug: str
    # Rows the table will hold: open ranges of unique fields widen to fit.
    capacity: int = 0

    @property
    def random(self):
        return self.faker.random

    @cached_property
    def xeger(self) -> PatternText:
        return PatternText(self.faker.random)


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


def seeded_faker(locale: str, seed: int | None) -> Faker:
    faker = Faker(locale)
    if seed is not None:
        faker.seed_instance(seed)
    return faker


# Value generators, one per type ------------------------------------------------


class Values:
    """Candidate values of one field; subclasses know one type each."""

    def __init__(self, field: Field, model_field: models.Field, context: GenerationContext):
        self.field = field
        self.model_field = model_field
        self.context = context
        self.random = context.random
        self.label = f"{context.slug}.{field.name}"
        self.provider = field.faker or field.field_type.default_faker(field.name)

    def candidate(self) -> Any:
        raise NotImplementedError

    def variant(self, value: Any, n: int) -> Any | None:
        """The n-th alternative to a repeated ``value``; None when there is none."""
        return None

    def domain(self) -> list | None:
        """Every possible value, for types with so few that unique picks from them."""
        return None

    def key(self, value: Any) -> Any:
        return value

    def call_provider(self) -> Any:
        try:
            return getattr(self.context.faker, self.provider)()
        except (AttributeError, TypeError) as error:
            raise SeedError(
                f"{self.label}: Faker provider {self.provider!r} cannot make a value on its "
                f"own ({error}); choose another provider."
            ) from error

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

    def candidate(self) -> str:
        if self.field.pattern:
            provided = self._provided_text()
            return provided if provided is not None else self._from_pattern()
        return self._fit(self._text())

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
        for _ in range(PATTERN_TRIES):
            try:
                text = self.context.xeger.xeger(pattern)
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

    def candidate(self) -> str:
        for _ in range(10):
            value = self._text()
            if self.is_valid(value):
                return value
        return self._fallback(self.random.randrange(10**6))

    def _fallback(self, n: int) -> str | None:
        candidate = self.fallback_format.format(n=n)
        return candidate if self.is_valid(candidate) else None


class EmailValues(CheckedTextValues):
    fallback_format = "user{n}@example.com"

    def variant(self, value: str, n: int) -> str | None:
        local, _, domain = value.rpartition("@")
        candidate = f"{local}{n}@{domain}"
        return candidate if self.is_valid(candidate) else self._fallback(n)


class URLValues(CheckedTextValues):
    fallback_format = "https://example.com/{n}"

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

    def domain(self) -> list:
        return [True, False]


class EnumValues(Values):
    def candidate(self) -> str:
        provided = self.provided()
        if provided in self.field.choices:
            return provided
        return self.random.choice(self.field.choices)

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


class DateTimeValues(Values):
    def candidate(self) -> datetime:
        value = self.provided()
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        seconds = self.random.randint(0, int((WINDOW_END - WINDOW_START).total_seconds()) - 1)
        return WINDOW_START + timedelta(seconds=seconds)

    def variant(self, value: datetime, n: int) -> datetime | None:
        try:
            return value + timedelta(seconds=n)
        except OverflowError:
            return None


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


VALUES_BY_TYPE: dict[str, type[Values]] = {
    "string": StringValues,
    "text": StringValues,
    "email": EmailValues,
    "url": URLValues,
    "integer": IntegerValues,
    "decimal": DecimalValues,
    "float": FloatValues,
    "boolean": BooleanValues,
    "date": DateValues,
    "datetime": DateTimeValues,
    "time": TimeValues,
    "uuid": UUIDValues,
    "enum": EnumValues,
    "json": JSONValues,
}


# Uniqueness and nulls ------------------------------------------------------------


class UniqueSource:
    """Values never taken before, counting those already in the table."""

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
            raise self._exhausted()
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
        raise self._exhausted()

    def _claim(self, value: Any) -> bool:
        key = self.values.key(value)
        if key in self.taken:
            return False
        self.taken.add(key)
        return True

    def _exhausted(self) -> ExhaustedError:
        return ExhaustedError(
            f"{self.values.label} is unique and has no value left ({len(self.taken)} are taken); "
            "widen its constraints or seed fewer rows."
        )


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
    """Ids of existing rows of the referenced schema.

    For a self-reference the pool grows as batches are inserted. A required
    self-reference with no row to point at yet returns None; seeding then
    points that row at itself.
    """

    def __init__(self, label: str, ids: Iterable[int], *, random, unique: bool, nullable: bool,
                 taken: Iterable[int] = (), to_itself: bool = False):
        self.label = label
        self.random = random
        self.unique = unique
        self.nullable = nullable
        self.to_itself = to_itself
        self.taken = set(taken)
        self.ids: list[int] = []
        self.add(ids)

    def add(self, ids: Iterable[int]) -> None:
        fresh = [pk for pk in ids if not (self.unique and pk in self.taken)]
        if self.unique:
            # Unique picks pop from the end of a shuffled pool.
            self.random.shuffle(fresh)
            self.ids = fresh + self.ids
        else:
            self.ids.extend(fresh)

    def claim(self, pk: int) -> None:
        self.taken.add(pk)

    @property
    def empty(self) -> bool:
        return not self.ids

    def __call__(self) -> int | None:
        if self.nullable and self.random.random() < NULL_RATE:
            return None
        if self.ids:
            return self._pick()
        if self.nullable or self.to_itself:
            return None
        raise SeedError(f"{self.label} must reference a row, and the referenced schema has none left.")

    def _pick(self) -> int:
        if not self.unique:
            return self.ids[self.random.randrange(len(self.ids))]
        pk = self.ids.pop()
        self.taken.add(pk)
        return pk


def value_source(field: Field, model_field: models.Field, context: GenerationContext,
                 taken: Iterable[Any] | None = None) -> Callable[[], Any]:
    """A callable giving one valid value of ``field`` per call.

    ``taken``: values a unique field must avoid; by default those in the table.
    """
    values = VALUES_BY_TYPE[field.type](field, model_field, context)
    source: Callable[[], Any] = values.candidate
    if model_field.unique:
        source = UniqueSource(values, _stored_values(model_field) if taken is None else taken)
    if model_field.null:
        source = NullableSource(source, context.random)
    return source


def reference_source(field: Field, model_field: models.Field, context: GenerationContext,
                     ids: Iterable[int] | None = None, taken: Iterable[int] | None = None,
                     to_itself: bool = False) -> ReferenceSource:
    if ids is None:
        ids = model_field.related_model.objects.order_by("pk").values_list("pk", flat=True)
    if taken is None:
        taken = _stored_values(model_field) if model_field.unique else ()
    return ReferenceSource(
        f"{context.slug}.{field.name}", ids, random=context.random, unique=model_field.unique,
        nullable=model_field.null, taken=taken, to_itself=to_itself,
    )


def _stored_values(model_field: models.Field) -> Iterable[Any]:
    model = model_field.model
    attname = model_field.attname
    return (
        model.objects.filter(**{f"{attname}__isnull": False})
        .values_list(attname, flat=True)
        .iterator(chunk_size=5000)
    )
