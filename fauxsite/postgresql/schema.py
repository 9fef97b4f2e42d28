"""
PostgreSQL's schema editor, without pattern indexes on the fixtures database.

Django gives every ``CharField`` and ``TextField`` that is unique or indexed a
second index with ``varchar_pattern_ops``/``text_pattern_ops`` (named
``..._like``), so that LIKE can use an index outside the C locale. fauxsite
never sends LIKE to a fixture table: its text lookups are the dialect's
(``datasources.dialects``: ``strpos``, ``starts_with`` and ``lower`` with
named collations), and equality uses the column's plain index. On the
fixtures database, which holds nothing but fixture tables, such an index is
write cost (a unique email's every insert pays for two indexes), so it is not
made there. PostgreSQL's prefix support let it serve ``starts_with`` too, but
only on the columns Django happened to give it one (a unique text field added
to an existing table, not one created with it); a field that wants its
prefix filters indexed says ``indexed``, whose code-point index (``_cp``,
``schemas.fixture_tables``) serves them. Django's own tables, on ``default``,
keep their migrations' shape.
"""

from django.conf import settings
from django.db.backends.postgresql import schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _create_like_index_sql(self, model, field):
        if self.connection.alias == settings.FIXTURES_ALIAS:
            return None
        return super()._create_like_index_sql(model, field)
