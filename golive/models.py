"""Go-live records: every change of a schema's source."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SourceSwitch(models.Model):
    """One change of a schema's source, kept as an audit record."""

    schema = models.ForeignKey(
        "schemas.Schema", on_delete=models.CASCADE, related_name="source_switches"
    )
    data_source = models.ForeignKey(
        "datasources.DataSource", on_delete=models.SET_NULL, null=True, blank=True, related_name="switches"
    )
    from_source = models.CharField(max_length=10)
    to_source = models.CharField(max_length=10)
    rows_copied = models.PositiveIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who, when no user account did it (a management command run from a shell).
    actor = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had when this model was the datasources app's.
        db_table = "datasources_sourceswitch"
        ordering = ["-created", "-id"]
        verbose_name_plural = "source switches"

    def __str__(self) -> str:
        return f"{self.schema} {self.from_source} -> {self.to_source}"
