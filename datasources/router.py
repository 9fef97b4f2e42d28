"""
The database router: sends each runtime model to the database its rows live in.

DRF's ``ModelSerializer.create()`` ignores ``.using()``, so only a router can
send writes to the right database. Built models carry their alias as a class
attribute; Django's own apps stay on ``default``.
"""


class SchemaRouter:
    def db_for_read(self, model, **hints):
        return getattr(model, "_fauxsite_alias", None)

    def db_for_write(self, model, **hints):
        return getattr(model, "_fauxsite_alias", None)

    def allow_relation(self, obj1, obj2, **hints):
        if hasattr(obj1, "_fauxsite_alias") or hasattr(obj2, "_fauxsite_alias"):
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
