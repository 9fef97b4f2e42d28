"""
PostgreSQL, for fixtures and for live sources.

A database's default collation decides what ``lower()``, LIKE and ORDER BY
do, and live databases come with whatever collation their owners chose. So
every text operation names its collation: ``"C"`` (byte order, which for
UTF-8 is code-point order) for ordering and matching, and ICU's root locale
``"und-x-icu"`` for lowercasing, which applies Unicode's default full
lowercase mapping like Python's ``str.lower``. Readiness refuses a live
database whose PostgreSQL was built without ICU.
"""

from __future__ import annotations

from datasources.dialects.base import Dialect

BINARY_COLLATION = '"C"'
LOWERCASE_COLLATION = '"und-x-icu"'
# What a database must have for the SQL below to run (readiness checks).
REQUIRED_COLLATIONS = ("C", "und-x-icu")


class PostgreSQLDialect(Dialect):
    vendor = "postgresql"

    # Both sides name the collation: either may come lowercased under ICU's.
    def contains(self, text, part):
        return f"strpos(({text}) COLLATE {BINARY_COLLATION}, ({part}) COLLATE {BINARY_COLLATION}) > 0"

    def startswith(self, text, prefix):
        return f"starts_with(({text}) COLLATE {BINARY_COLLATION}, ({prefix}) COLLATE {BINARY_COLLATION})"

    def lowercase(self, text):
        return f"lower(({text})::text COLLATE {LOWERCASE_COLLATION})"

    def code_point_order(self, text):
        return f"({text})::text COLLATE {BINARY_COLLATION}"

    def index_catalog(self):
        # The schema the tables are created in: the first on the search path.
        return "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()"
