"""
Distinct email addresses by construction, for a unique email field.

Faker's ``email()`` repeats itself (about one address in ten among 100k
rows), so a unique field drawn from it had to check every batch against the
table and draw the repeats again, at ~110 µs a Faker call. Here addresses are
composed from the Faker locale's own name lists and safe domains, in three of
the shapes Faker's user names take, each with a mark that tells it apart:

- ``first.last@domain`` (john.smith@example.org): a dot;
- ``first##@domain`` (john42@example.com): two trailing digits;
- ``?last@domain`` (jsmith@example.net): neither.

Names are reduced to the letters a-z, so an address can be read back to the
parts that made it: different parts never give the same address. Each shape
walks the combinations of its parts in a seeded order (``Shuffled``), so a
run never repeats an address and keeps nothing per row; addresses are
lowercase, so they are also distinct ignoring case.
"""

from __future__ import annotations

import random as random_module
import re
import string
from collections.abc import Callable, Sequence

from faker import Faker

from schemas.mock_values import Shuffled

NOT_A_LETTER = re.compile("[^a-z]")


class _Shape:
    """Addresses of one shape: every combination of its parts, each once, in a seeded order."""

    def __init__(self, parts: Sequence[Sequence[str]], random: random_module.Random):
        self.first, self.second, self.domains = parts
        self.size = len(self.first) * len(self.second) * len(self.domains)
        self.order = Shuffled(self.size, random)
        self.lengths = range(
            sum(min(map(len, part)) for part in parts), sum(max(map(len, part)) for part in parts) + 1
        )

    def next(self) -> str | None:
        """The next address, or None once every combination was given."""
        index = self.order.next()
        if index is None:
            return None
        index, domain = divmod(index, len(self.domains))
        first, second = divmod(index, len(self.second))
        return self.first[first] + self.second[second] + self.domains[domain]


class DistinctEmails:
    """Email addresses that never repeat, in a seeded order; ``None`` from ``of`` when unfit."""

    def __init__(self, shapes: list[_Shape], random: random_module.Random):
        self.shapes = shapes
        self.random = random

    @classmethod
    def of(cls, faker: Faker, random: random_module.Random, *, capacity: int,
           fits: Callable[[str], bool], lengths: range) -> DistinctEmails | None:
        """Addresses from ``faker``'s locale drawn with ``random``.

        None when the locale's names or domains give no address that
        ``fits`` or whose length lies in ``lengths``, or fewer than
        ``capacity`` of them: the caller then draws from Faker and checks.
        """
        first, last, domains = _locale_parts(faker)
        domains = [domain for domain in domains if fits(f"a{domain}")]
        if not (first and last and domains):
            return None
        digits = [f"{n:02d}" for n in range(100)]
        candidates = [
            _Shape([first, ["." + name for name in last], domains], random),
            _Shape([first, digits, domains], random),
            _Shape([list(string.ascii_lowercase), last, domains], random),
        ]
        shapes = [shape for shape in candidates
                  if shape.lengths.start >= lengths.start and shape.lengths.stop <= lengths.stop]
        if sum(shape.size for shape in shapes) < capacity:
            return None
        return cls(shapes, random)

    def take(self, count: int) -> list[str]:
        """Up to ``count`` new addresses; fewer only once every shape is used up."""
        shapes, draw = list(self.shapes), self.random.random
        addresses: list[str] = []
        while len(addresses) < count and shapes:
            # Faker picks a user name's shape evenly; so does this, among those left.
            shape = shapes[int(draw() * len(shapes))]
            address = shape.next()
            if address is None:
                shapes.remove(shape)
            else:
                addresses.append(address)
        self.shapes = shapes
        return addresses


def _locale_parts(faker: Faker) -> tuple[list[str], list[str], list[str]]:
    """The locale's first names, last names (as Faker writes them in user names) and safe domains."""
    generator = faker.factories[0]
    # A generator lists its providers newest first, the one a call would use.
    person = _provider_with(generator, "last_names")
    internet = _provider_with(generator, "safe_domain_names")
    if person is None or internet is None:
        return [], [], []
    to_ascii = getattr(internet, "_to_ascii", lambda text: text)

    def names(source) -> list[str]:
        # Letters only, each once: what makes an address readable back to its parts.
        reduced = (NOT_A_LETTER.sub("", to_ascii(name).lower()) for name in source)
        return list(dict.fromkeys(name for name in reduced if name))

    first = names(getattr(person, "first_names", ()))
    domains = list(dict.fromkeys("@" + domain.lower() for domain in internet.safe_domain_names))
    return first, names(person.last_names), domains


def _provider_with(generator, attribute: str):
    return next((provider for provider in generator.get_providers() if hasattr(provider, attribute)), None)
