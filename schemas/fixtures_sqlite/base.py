"""
SQLite for the fixtures database, with foreign-key enforcement kept off.

fauxsite alters fixture tables inside transactions (a schema edit changes
Django's tables and the fixtures table together or not at all). SQLite's
schema editor allows that only while foreign-key checks are off, and turns
them back on when it exits. Fixture references carry no database constraint
(the API checks them on write and the ORM protects deletes), so keeping the
checks off costs nothing.
"""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def enable_constraint_checking(self):
        pass
