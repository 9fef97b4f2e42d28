"""System checks for data-source secrets (``manage.py check [--deploy]``)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from datasources import crypto


def check_secret_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        crypto.encrypt("probe")
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="datasources.E001", hint=_GENERATE_HINT)]
    return []


def check_secret_keys_deploy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.FAUXSITE_SECRET_KEYS:
        return []
    return [
        checks.Warning(
            "FAUXSITE_SECRET_KEYS is not set: data-source passwords are encrypted with a key derived "
            "from SECRET_KEY, which is meant for development only.",
            id="datasources.W001",
            hint=_GENERATE_HINT + " Set FAUXSITE_PRODUCTION=true too, so the fallback is refused.",
        )
    ]


_GENERATE_HINT = (
    "Set FAUXSITE_SECRET_KEYS to a key from: "
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())".'
)
