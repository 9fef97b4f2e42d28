"""Keeps the baseline's tables in the fixtures database, beside the dynamic ones."""

from django.conf import settings

APP_LABEL = "staticapp"


class StaticAppRouter:
    def db_for_read(self, model, **hints):
        return settings.FIXTURES_ALIAS if model._meta.app_label == APP_LABEL else None

    def db_for_write(self, model, **hints):
        return settings.FIXTURES_ALIAS if model._meta.app_label == APP_LABEL else None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == APP_LABEL:
            return db == settings.FIXTURES_ALIAS
        return None
