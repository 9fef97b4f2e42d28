"""
Keyset cursors: a position in a list's order, named by the row it starts from.

``cursor=after-<id>`` is the rows after the row with that id, in whatever
order the request asks for; ``before-<id>`` the rows before it; ``first``
and ``last`` the two ends. The page is found with a ``WHERE`` on the sort
key of that row instead of an ``OFFSET``, so a page deep in a large table
costs what the first one does, and a row written between two requests is
neither missed nor served twice (Stripe's ``starting_after`` works the same
way).

The key follows fauxsite's order (docs/semantics.md): text by code point,
nulls first ascending and last descending, the id last as the tie-break,
the same on every engine. Ordered by ``id`` the id is the whole key; in
another order the key is read from the row itself, so a cursor whose row
has been deleted since is a 404 (start again from ``first``). A cursor not
of that form is a 400 naming ``cursor``. There is nothing to forge: every
well-formed cursor names a position, and filters still apply to the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import F, Q
from rest_framework.exceptions import NotFound, ValidationError

from datasources.dialects.lookups import CodePointOrder

CURSOR_PARAMETER = "cursor"
# Ids of up to 19 digits, so every 64-bit id can be named.
CURSOR_PATTERN = r"^(first|last|(after|before)-(0|[1-9][0-9]{0,18}))$"
INT64_MAX = 2**63 - 1
_FORM = re.compile(CURSOR_PATTERN)


@dataclass(frozen=True)
class Cursor:
    """The rows after (or ``before``) the row ``anchor``; no anchor: from the start, or the end."""

    anchor: int | None = None
    before: bool = False

    def __str__(self) -> str:
        if self.anchor is None:
            return "last" if self.before else "first"
        return f"{'before' if self.before else 'after'}-{self.anchor}"


def parse(raw: str) -> Cursor:
    match = _FORM.match(raw)
    if match is None:
        raise ValidationError({CURSOR_PARAMETER: [
            "Use first, last, after-<id> or before-<id>, as the next and previous links give them."
        ]})
    if raw in ("first", "last"):
        return Cursor(None, raw == "last")
    direction, _, number = raw.partition("-")
    return Cursor(int(number), direction == "before")


class AnchorKey(tuple):
    """An anchor's sort key, and whether the walk from it can still meet a null first term."""

    nulls_ahead: bool = True


def anchor_key(cursor: Cursor, terms: tuple[str, ...], model, slug: str) -> AnchorKey | None:
    """The sort key the page starts from: the anchor's values for ``terms``."""
    if cursor.anchor is None:
        return None
    if terms in (("id",), ("-id",)):
        # The id is the whole key: the row need not exist any more. No id
        # is larger than the 64-bit limit, which stands in for larger ones.
        key = AnchorKey((min(cursor.anchor, INT64_MAX),))
        key.nulls_ahead = False
        return key
    if cursor.anchor > INT64_MAX:
        raise _no_anchor(cursor, slug)
    attnames = [model._meta.get_field(_name(term)).attname for term in terms]
    found = model.objects.filter(pk=cursor.anchor).values_list(*attnames).first()
    if found is None:
        raise _no_anchor(cursor, slug)
    key = AnchorKey(found)
    key.nulls_ahead = _nulls_ahead(model, _flipped(terms[0]) if cursor.before else terms[0], key[0])
    return key


def _nulls_ahead(model, first: str, value) -> bool:
    """Whether rows with a null first term lie past a row whose first term is ``value``.

    Walking a descending term from a value, the nulls come last: past the
    value only if the table has any. Knowing it has none lets ``past``
    start the page from the value's range in the index, instead of reading
    the index from its start (nothing bounds ``x < v OR x IS NULL``). An
    indexed column answers from its index.
    """
    if value is None:
        return True  # the nulls tied with it, by id
    if not first.startswith("-"):
        return False  # ascending, the nulls come first
    return model.objects.filter(**{f"{_name(first)}__isnull": True}).exists()


def _no_anchor(cursor: Cursor, slug: str) -> NotFound:
    return NotFound(
        f"There is no {slug} row with id {cursor.anchor} to page from; start again with cursor=first."
    )


def ordering(terms: tuple[str, ...], text_fields: frozenset[str], *, reverse: bool = False) -> list:
    """The ORDER BY of ``terms``, or of the same order walked backwards."""
    from schemas.filters import ordering_expression

    return [ordering_expression(_flipped(term) if reverse else term, text_fields) for term in terms]


def past(key: tuple, terms: tuple[str, ...], text_fields: frozenset[str], *, before: bool) -> Q:
    """The rows strictly past ``key`` in the direction of travel (backwards when ``before``).

    Lexicographic on the terms: equal on the first k terms and past on the
    next, for some k. Walking backwards is walking forwards on the flipped
    terms, nulls included (ascending puts them first, descending last).
    """
    walked = [_flipped(term) if before else term for term in terms]
    condition = Q(pk__in=[])
    equal = Q()
    for term, value in zip(walked, key, strict=True):
        condition |= equal & _past(term, value, text_fields)
        equal &= _equal(_name(term), value, text_fields)
    first, value = walked[0], key[0]
    if value is None:
        return condition
    # Implied by the condition, but a range an index can start from, where
    # the disjunction alone would be read from the index's start. Walking
    # down, it holds only when no null follows the value.
    first_key = _key_name(_name(first), text_fields)
    if not first.startswith("-"):
        condition &= Q(**{f"{first_key}__gte": value})
    elif not getattr(key, "nulls_ahead", True):
        condition &= Q(**{f"{first_key}__lte": value})
    return condition


def _past(term: str, value, text_fields: frozenset[str]) -> Q:
    name = _name(term)
    key = _key_name(name, text_fields)
    if term.startswith("-"):
        # Descending, nulls last: smaller values, then the nulls.
        return Q(pk__in=[]) if value is None else Q(**{f"{key}__lt": value}) | Q(**{f"{name}__isnull": True})
    # Ascending, nulls first: after a null come every value; after a value, larger ones.
    return Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{key}__gt": value})


def _equal(name: str, value, text_fields: frozenset[str]) -> Q:
    if value is None:
        return Q(**{f"{name}__isnull": True})
    return Q(**{_key_name(name, text_fields): value})


def key_annotations(terms: tuple[str, ...], text_fields: frozenset[str]) -> dict:
    """The code-point keys the text terms compare on (``past`` filters on them)."""
    return {
        _key_name(_name(term), text_fields): CodePointOrder(F(_name(term)))
        for term in terms
        if _name(term) in text_fields
    }


def _key_name(name: str, text_fields: frozenset[str]) -> str:
    # Text compares by code point, as it sorts; other types compare natively.
    return f"_cursor_{name}" if name in text_fields else name


def _name(term: str) -> str:
    return term[1:] if term.startswith("-") else term


def _flipped(term: str) -> str:
    return term[1:] if term.startswith("-") else f"-{term}"


