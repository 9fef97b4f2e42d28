from django.apps import AppConfig


class SchemasConfig(AppConfig):
    name = "schemas"
    verbose_name = "API schemas"

    def ready(self) -> None:
        from datasources.signals import data_source_changed
        from schemas import changes

        data_source_changed.connect(changes.data_source_changed, dispatch_uid="catalog-data-source-changed")
