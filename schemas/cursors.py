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


def anchor_key(cursor: Cursor, terms: tuple[str, ...], model, slug: str) -> tuple | None:
    """The sort key the page starts from: the anchor's values for ``terms``."""
    if cursor.anchor is None:
        return None
    if terms in (("id",), ("-id",)):
        # The id is the whole key: the row need not exist any more. No id
        # is larger than the 64-bit limit, which stands in for larger ones.
        return (min(cursor.anchor, INT64_MAX),)
    if cursor.anchor > INT64_MAX:
        raise _no_anchor(cursor, slug)
    attnames = [model._meta.get_field(_name(term)).attname for term in terms]
    found = model.objects.filter(pk=cursor.anchor).values_list(*attnames).first()
    if found is None:
        raise _no_anchor(cursor, slug)
    return found


def _no_anchor(cursor: Cursor, slug: str) -> NotFound:
    return NotFound(
        f"There is no {slug} row with id {cursor.anchor} to page from; start again with cursor=first."
    )


def ordering(terms: tuple[str, ...], text_fields: frozenset[str], *, reverse: bool = False) -> list:
    """The ORDER BY of ``terms``, or of the same order walked backwards."""
    from schemas.filters import ordering_expression

    return [ordering_expression(_flipped(term) if reverse else term, text_fields) for term in terms]


def past(key: tuple, terms: tuple[str, ...], text_fields: frozenset[str], *, before: bool) -> list[Q]:
    """The rows strictly past ``key`` in the direction of travel (backwards when ``before``).

    Lexicographic on the terms: equal on the first k terms and past on the
    next, for some k. Walking backwards is walking forwards on the flipped
    terms, nulls included (ascending puts them first, descending last).

    Given as parts that follow one another in the walk's order, each a
    range an index serves in that order: walking down from a value, the
    rows below it come first and the nulls after them all, and
    ``x < v OR x IS NULL`` as one condition bounds nothing, so the index
    would be read from its start. The caller reads the nulls only when the
    rows below do not fill the page.
    """
    walked = [_flipped(term) if before else term for term in terms]
    first, value = walked[0], key[0]
    if value is None:
        return [_lexicographic(walked, key, text_fields)]
    # Implied by the condition, but a range an index can start from, where
    # the disjunction alone would be read from the index's start.
    first_key = _key_name(_name(first), text_fields)
    if not first.startswith("-"):
        return [_lexicographic(walked, key, text_fields) & Q(**{f"{first_key}__gte": value})]
    below = _lexicographic(walked, key, text_fields, nulls_first_term=False)
    parts = [below & Q(**{f"{first_key}__lte": value})]
    if _name(first) != "id":  # the one term never null
        # On the key, not the column: the key is what the index holds.
        parts.append(Q(**{f"{first_key}__isnull": True}))
    return parts


def _lexicographic(walked: list[str], key: tuple, text_fields: frozenset[str], *,
                   nulls_first_term: bool = True) -> Q:
    """Past ``key`` on the ``walked`` terms; without the first term's nulls unless ``nulls_first_term``."""
    condition = Q(pk__in=[])
    equal = Q()
    for position, (term, value) in enumerate(zip(walked, key, strict=True)):
        nulls = nulls_first_term or position > 0
        condition |= equal & _past(term, value, text_fields, nulls=nulls)
        equal &= _equal(_name(term), value, text_fields)
    return condition


def _past(term: str, value, text_fields: frozenset[str], *, nulls: bool = True) -> Q:
    name = _name(term)
    key = _key_name(name, text_fields)
    if term.startswith("-"):
        # Descending, nulls last: smaller values, then (unless left out) the nulls.
        if value is None:
            return Q(pk__in=[])
        smaller = Q(**{f"{key}__lt": value})
        return smaller | Q(**{f"{name}__isnull": True}) if nulls else smaller
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


