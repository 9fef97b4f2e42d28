"""
The project app. Its models moved to ``access`` (tables and all); it stays
installed for its migrations, which the databases already migrated still
record, and which hand the models over to ``access``.
"""

from django.apps import AppConfig


class FauxsiteConfig(AppConfig):
    name = "fauxsite"
    verbose_name = "fauxsite"
    default_auto_field = "django.db.models.BigAutoField"
