from django.apps import AppConfig
from django.core import checks


class DatasourcesConfig(AppConfig):
    name = "datasources"
    verbose_name = "Data sources"

    def ready(self) -> None:
        # Only checks here: database aliases are registered lazily per worker.
        from datasources.checks import check_secret_keys, check_secret_keys_deploy

        checks.register(check_secret_keys, checks.Tags.security)
        checks.register(check_secret_keys_deploy, checks.Tags.security, deploy=True)
