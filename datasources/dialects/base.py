"""
The dialect interface: one method per piece of SQL whose meaning differs by engine.

Every method takes SQL fragments (already compiled, with ``%s`` placeholders)
and returns a fragment that uses each of them exactly once, in the order
given, so the parameters line up. The semantics each must implement are the ones in
docs/semantics.md; the parity suite holds every dialect to them.
"""

from __future__ import annotations


class Dialect:
    vendor: str = ""
    # Whether the planner must be kept from a filter's index for the order's
    # index to serve a page (``unindexed``); a planner that weighs the page's
    # LIMIT against its statistics needs no telling.
    needs_order_hint: bool = False
    # Whether ``COUNT(*)`` of a whole table is cheaper than stepping through
    # as many rows: then a bounded count of a whole table first asks whether
    # a row lies past the bound, and counts the table only when none does.
    counts_tables_without_reading_rows: bool = False

    def contains(self, text: str, part: str) -> str:
        """True where ``part`` occurs in ``text``, code point for code point (case matters)."""
        raise NotImplementedError

    def startswith(self, text: str, prefix: str) -> str:
        """True where ``text`` begins with ``prefix``, code point for code point."""
        raise NotImplementedError

    def lowercase(self, text: str) -> str:
        """``text`` under Unicode's default full lowercase mapping, whatever the database's locale."""
        raise NotImplementedError

    def icontains(self, text: str, part: str) -> str:
        """``contains`` after lowercasing both sides: what ``__icontains`` and ``search`` mean."""
        return self.contains(self.lowercase(text), self.lowercase(part))

    def code_point_order(self, text: str) -> str:
        """``text`` as an ORDER BY key that sorts by code point, not by a language's collation."""
        raise NotImplementedError

    def unindexed(self, operand: str) -> str:
        """``operand`` with the same value, as an expression no index serves."""
        return operand

    def index_catalog(self) -> str:
        """A query for the ``(table, index)`` pairs of every index of the connection's own tables."""
        raise NotImplementedError

    def prepare_connection(self, connection) -> None:
        """Per-connection setup the other methods rely on (functions, settings)."""
