from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created


class DatasourcesConfig(AppConfig):
    name = "datasources"
    verbose_name = "Data sources"

    def ready(self) -> None:
        # Only checks here: database aliases are registered lazily per worker.
        from datasources.checks import check_secret_keys, check_secret_keys_deploy

        checks.register(check_secret_keys, checks.Tags.security)
        checks.register(check_secret_keys_deploy, checks.Tags.security, deploy=True)
        # Every connection, to any engine, gets what its dialect's SQL relies on.
        connection_created.connect(_prepare_connection, dispatch_uid="fauxsite-dialect-setup")


def _prepare_connection(sender, connection, **kwargs) -> None:
    from datasources.dialects import DIALECTS

    dialect = DIALECTS.get(connection.vendor)
    if dialect is not None:
        dialect.prepare_connection(connection)
