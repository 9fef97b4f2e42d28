"""
Encryption at rest for data-source passwords (Fernet, with key rotation).

Keys come from ``FAUXSITE_SECRET_KEYS``: a comma-separated list of Fernet keys
(``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
The first key encrypts; every key decrypts. To rotate, put a new key first,
keep the old ones after it, run ``manage.py rotate_datasource_keys``, then
drop the old keys.

Without ``FAUXSITE_SECRET_KEYS`` a development key is derived from
``SECRET_KEY``, so a local setup works with no configuration. That fallback is
refused when ``FAUXSITE_PRODUCTION`` is on (unless ``DEBUG`` is also on): a
production password must not hang on a key that is also used for sessions.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Domain separation: the derived key is useless for anything but this.
_DERIVATION_INFO = b"fauxsite.datasources.password-key"


class UndecryptablePassword(Exception):
    """A stored password no configured key opens; the message says what to do."""


def development_fallback_allowed() -> bool:
    return settings.DEBUG or not settings.FAUXSITE_PRODUCTION


def derived_development_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def configured_keys() -> list[bytes]:
    """The keys in use, the encrypting one first."""
    keys = [key.strip().encode() for key in settings.FAUXSITE_SECRET_KEYS if key.strip()]
    if keys:
        return keys
    if development_fallback_allowed():
        return [derived_development_key()]
    raise ImproperlyConfigured(
        "FAUXSITE_SECRET_KEYS is not set and FAUXSITE_PRODUCTION is on: set it to one or more "
        "Fernet keys, comma-separated, to store data-source passwords."
    )


def _cipher() -> MultiFernet:
    fernets = []
    for position, key in enumerate(configured_keys(), start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError:
            raise ImproperlyConfigured(
                f"Key {position} of FAUXSITE_SECRET_KEYS is not a Fernet key (32 url-safe "
                "base64-encoded bytes); generate one with cryptography's Fernet.generate_key()."
            ) from None
    return MultiFernet(fernets)


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptablePassword(
            "The stored password cannot be decrypted with the keys in FAUXSITE_SECRET_KEYS "
            "(a key was removed or changed); add the old key back or enter the password again."
        ) from None


def rotate(token: str) -> str:
    """The same secret, encrypted with the first key."""
    try:
        return _cipher().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptablePassword(
            "A stored password cannot be decrypted with any key in FAUXSITE_SECRET_KEYS; "
            "add the old key back before rotating."
        ) from None
