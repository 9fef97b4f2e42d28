"""The hand-written baseline the dynamic endpoint is measured against."""

from django.apps import AppConfig


class StaticAppConfig(AppConfig):
    name = "bench.staticapp"
    label = "staticapp"
    default_auto_field = "django.db.models.BigAutoField"
