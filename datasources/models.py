"""
Data sources: real databases a schema can be switched onto.

A data source is registered once (connection details, the password encrypted
at rest) and referenced by the schemas that map onto its tables. Every save
bumps its ``revision``, so each worker opens a fresh pool under a new alias
for new credentials, and tells the catalog (``datasources.signals``), which
rebuilds the schemas on it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models, transaction

from datasources import crypto, hosts, signals


class DataSource(models.Model):
    name = models.SlugField(max_length=63, unique=True)
    host = models.CharField(max_length=255, help_text="Host name or IP address; no socket paths or lists.")
    port = models.PositiveIntegerField(default=5432)
    database = models.CharField(max_length=63)
    user = models.CharField(max_length=63)
    password_encrypted = models.TextField(blank=True, editable=False)
    sslmode = models.CharField(
        max_length=20,
        default="prefer",
        choices=[(mode, mode) for mode in hosts.SSL_MODES],
        help_text="Use verify-full for a server reached over a network you do not control.",
    )
    options = models.CharField(
        max_length=500,
        blank=True,
        help_text="Extra server settings, such as '-c search_path=app,public'. "
        "Allowed: " + ", ".join(sorted(hosts.ALLOWED_SERVER_SETTINGS)) + ".",
    )
    read_only = models.BooleanField(
        default=False, help_text="Serve reads only: writes through the API are refused."
    )
    # Bumped on every change, so workers open a new pool for new credentials.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # Never the password, not even encrypted.
        return f"<DataSource {self.name} {self.user}@{self.host}:{self.port}/{self.database}>"

    def save(self, *args, **kwargs) -> None:
        # The catalog hears of it in the same transaction (``schemas.changes``
        # bumps the revision), so every worker rebuilds with the new pool.
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            if not self._state.adding:
                self.revision = (
                    DataSource.objects.filter(pk=self.pk).values_list("revision", flat=True).first()
                    or self.revision
                ) + 1
            super().save(*args, **kwargs)
            signals.data_source_changed.send(DataSource, data_source=self, deleted=False)

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            result = super().delete(*args, **kwargs)
            signals.data_source_changed.send(DataSource, data_source=self, deleted=True)
        return result

    # The password --------------------------------------------------------------

    def set_password(self, raw: str) -> None:
        self.password_encrypted = crypto.encrypt(raw) if raw else ""

    def get_password(self) -> str:
        return crypto.decrypt(self.password_encrypted) if self.password_encrypted else ""

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    def clean(self) -> None:
        errors = hosts.field_errors(self)
        if errors:
            raise ValidationError(errors)

    # Connecting ----------------------------------------------------------------

    def connection_parameters(self, **overrides) -> dict[str, str]:
        """libpq parameters, checked for safety; see ``datasources.hosts``."""
        return hosts.connection_parameters(self, self.get_password(), **overrides)

    @property
    def display_address(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"
