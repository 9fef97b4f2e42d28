"""
SQLite, the embedded fixtures engine.

SQLite's LIKE ignores ASCII case (and only ASCII case), so substring matching
uses ``instr``, which compares code points. Its ``lower()`` folds ASCII only,
so fauxsite registers its own lowercase function on every connection: Python's
``str.lower``, which is Unicode's default full lowercase mapping. Text is
stored as UTF-8 and the BINARY collation compares bytes, which for UTF-8 is
code-point order.
"""

from __future__ import annotations

from datasources.dialects.base import Dialect

LOWERCASE_FUNCTION = "fauxsite_lower"


def _lowercase(value):
    return value.lower() if isinstance(value, str) else value


class SQLiteDialect(Dialect):
    vendor = "sqlite"
    # With an equality filter on one indexed column and an order on another,
    # SQLite reads the filter's index and sorts every match, however many.
    needs_order_hint = True
    # COUNT(*) with no WHERE counts the table's b-tree pages: 10,000 rows in
    # about 0.01 ms, where a count over a LIMIT subquery steps through each
    # row (0.4 ms).
    counts_tables_without_reading_rows = True

    def contains(self, text, part):
        return f"instr({text}, {part}) > 0"

    def startswith(self, text, prefix):
        # The first occurrence is at 1 exactly when the text starts with it.
        return f"instr({text}, {prefix}) = 1"

    def lowercase(self, text):
        return f"{LOWERCASE_FUNCTION}({text})"

    def code_point_order(self, text):
        return f"{text} COLLATE BINARY"

    def unindexed(self, operand):
        # SQLite's documented way to keep an index from a term: the no-op unary plus.
        return f"+{operand}"

    def index_catalog(self):
        return "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"

    def prepare_connection(self, connection) -> None:
        connection.connection.create_function(LOWERCASE_FUNCTION, 1, _lowercase, deterministic=True)
