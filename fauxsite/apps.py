"""The fauxsite app: access control, rate limits and the audit trail."""

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

SHARED_CACHES = ("RedisCache", "PyMemcacheCache", "PyLibMCCache")


class FauxsiteConfig(AppConfig):
    name = "fauxsite"
    verbose_name = "Access and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fauxsite import audit, openapi_access  # noqa: F401  (registers the OpenAPI scheme)

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
            id="fauxsite.W001",
        )
    ]
