"""The access app: who may do what (OAuth2 scopes, roles, rate limits, blocks) and the audit trail."""

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

SHARED_CACHES = ("RedisCache", "PyMemcacheCache", "PyLibMCCache")


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from access import audit, openapi  # noqa: F401  (registers the OpenAPI scheme)

        audit.connect()
        checks.register(check_rate_limit_cache, checks.Tags.caches, deploy=True)


def check_rate_limit_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(SHARED_CACHES):
        return []
    return [
        checks.Warning(
            f"Rate limits are counted in {backend}, which each worker process keeps for itself, "
            "so every worker allows the full limit.",
            hint="Set REDIS_URL so all workers and hosts share one count.",
            # The id it had before the app moved: deployments may silence it by this name.
            id="fauxsite.W001",
        )
    ]
