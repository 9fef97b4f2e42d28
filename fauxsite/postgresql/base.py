"""
PostgreSQL for Django's tables and the fixtures, health-checked only after a pause.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` on every persistent
connection the first time each request uses it: a round trip per database per
request, most of it spent proving that a connection used a moment ago still
works. Here a connection is checked only when it sat idle for longer than
``FAUXSITE_DB_IDLE_CHECK_SECONDS`` since a request last used it without an
error, which is when servers restart, proxies and firewalls drop idle sessions
and failovers happen, so a worker that was quiet still reconnects unnoticed.

A server that goes away while connections are busy is found by the next
statement instead: its ``OperationalError`` is answered 503 with
``Retry-After`` (``fauxsite.errors``), and Django's end-of-request check
(``close_if_unusable_or_obsolete``, which tests a connection that saw an
error) closes the connection, so the request after it connects afresh.

Its schema editor (``fauxsite.postgresql.schema``) leaves out the pattern
indexes Django adds for LIKE on the fixtures database, which never runs LIKE.
"""

from time import monotonic

from django.conf import settings
from django.db.backends.postgresql import base

from fauxsite.postgresql.schema import DatabaseSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    # When a request last used this connection without an error.
    _last_used: float = float("-inf")

    def connect(self):
        super().connect()
        self._last_used = monotonic()

    def close_if_health_check_failed(self):
        if self.connection is not None and not self.health_check_done and self._recently_used():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called as each request starts and ends. ``health_check_done`` says
        # that this request (or the connection's opening) used the connection.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self._last_used = monotonic()
        super().close_if_unusable_or_obsolete()

    def _recently_used(self) -> bool:
        return monotonic() - self._last_used < settings.FAUXSITE_DB_IDLE_CHECK_SECONDS
