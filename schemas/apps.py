from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


class SchemasConfig(AppConfig):
    name = "schemas"
    verbose_name = "API schemas"

    def ready(self) -> None:
        from datasources.signals import data_source_changed
        from schemas import changes

        data_source_changed.connect(changes.data_source_changed, dispatch_uid="catalog-data-source-changed")
        post_migrate.connect(_repair_fixture_indexes, sender=self, dispatch_uid="repair-fixture-indexes")


def _repair_fixture_indexes(sender, using, verbosity=1, stdout=None, **kwargs) -> None:
    # Tables made before an index kind existed get it at deploy, not at their next change.
    if using != DEFAULT_DB_ALIAS:
        return  # the catalog lives on default; other databases' migrate runs nothing of ours
    from schemas.index_repair import repair_indexes

    for line in repair_indexes().lines():
        if verbosity and stdout is not None:
            stdout.write(f"  {line}")
