"""
The go-live app: moving a schema between its fixtures and a live table.

Readiness (does the live table fit the contract), provisioning (create what
is missing, showing the SQL first), switching (with or without copying the
rows), the guard that keeps a live schema's fields on existing columns, and
the admin pages and commands for all of it. It sits above ``schemas``,
``datasources`` and ``access``, and none of them imports it.
"""

from django.apps import AppConfig


class GoliveConfig(AppConfig):
    name = "golive"
    verbose_name = "Go-live"

    def ready(self) -> None:
        from golive.live_columns import live_column_error
        from schemas import field_guards

        # A live schema's field must sit on a column the live table has.
        field_guards.register(live_column_error)
