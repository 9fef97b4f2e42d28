"""
JSON rendering: DRF's ``JSONRenderer`` answer, written by orjson where the bytes are the same.

orjson writes a page of rows several times faster than ``json.dumps``. For
strings, integers, booleans, null, objects and arrays it writes what DRF's
renderer writes (compact separators, no ASCII escaping, the same escapes of
control characters), except U+2028 and U+2029, which DRF escapes and which
are escaped here after it. It writes the rest its own way: a float below
1e-4 (``0.00001`` or ``1e-5`` where Python writes ``1e-05``), NaN and
infinities (``null`` where DRF refuses them), dates, UUIDs, dataclasses and
enums. So orjson writes a document only when every value in it is of the
first kind, and DRF's renderer writes it otherwise. When orjson refuses a
document (an integer past 64 bits, a lone surrogate, a key that is not a
string, nesting past its limit), DRF's renderer answers or fails as it
always did.
"""

from __future__ import annotations

import math
from itertools import chain

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils import encoders
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

# Values orjson and ``json.dumps`` write alike, and the containers of them.
_SCALARS = frozenset({str, int, bool, type(None)})
_OBJECTS = frozenset({dict, ReturnDict})
_ARRAYS = frozenset({list, tuple, ReturnList})
# Below this, a float's shortest form is written 1e-05 by Python and otherwise by orjson.
SMALLEST_FLOAT_ALIKE = 1e-4
# orjson refuses deeper documents; they are left to DRF's renderer.
MAX_DEPTH = 254
_ESCAPED = [("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029")]


class FastJSONRenderer(JSONRenderer):
    """DRF's ``JSONRenderer``, with the documents orjson writes alike written by orjson."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is not None and self._writes_plainly(accepted_media_type, renderer_context) and (
            written_alike(data)
        ):
            try:
                rendered = orjson.dumps(data)
            except orjson.JSONEncodeError:
                pass
            else:
                for character, escape in _ESCAPED:
                    rendered = rendered.replace(character, escape)
                return rendered
        return super().render(data, accepted_media_type, renderer_context)

    def _writes_plainly(self, accepted_media_type, renderer_context) -> bool:
        """DRF's renderer as configured writes compact UTF-8 with its own encoder, and no indent here."""
        if not self.compact or self.ensure_ascii or self.encoder_class is not encoders.JSONEncoder:
            return False
        if accepted_media_type and ";" in accepted_media_type:
            # Parameters such as ``indent=2``: parsed as DRF parses them.
            return self.get_indent(accepted_media_type, renderer_context or {}) is None
        return (renderer_context or {}).get("indent") is None


def written_alike(data) -> bool:
    """True when orjson writes ``data`` as ``json.dumps`` does: plain JSON values and floats of 1e-4 or more.

    Exact types only: a subclass (other than DRF's own ``ReturnDict`` and
    ``ReturnList``) may change how it is read. A list of flat objects, a
    page of rows, is looked at in one pass over all its values.
    """
    pending = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is float:
            if not _float_alike(value):
                return False
            continue
        if depth >= MAX_DEPTH:
            return False
        if kind in _OBJECTS:
            items = value.values()
        elif kind in _ARRAYS:
            items = value
        else:
            return False
        kinds = set(map(type, items))
        if kinds <= _SCALARS or (kinds <= _OBJECTS and _flat(items)):
            continue
        pending.extend((item, depth + 1) for item in items)
    return True


def _flat(objects) -> bool:
    return set(map(type, chain.from_iterable(map(dict.values, objects)))) <= _SCALARS


def _float_alike(value: float) -> bool:
    # NaN compares false and infinity is past the bound: both are left to DRF, which refuses them.
    return value == 0 or SMALLEST_FLOAT_ALIKE <= abs(value) < math.inf
