"""
Data sources: real databases a schema can be switched onto.

A data source is registered once (connection details, the password encrypted
at rest) and referenced by the schemas that map onto its tables.
"""

from django.db import models


class DataSource(models.Model):
    name = models.SlugField(max_length=63, unique=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=5432)
    database = models.CharField(max_length=63)
    user = models.CharField(max_length=63)
    password_encrypted = models.TextField(blank=True, editable=False)
    sslmode = models.CharField(max_length=20, default="prefer")
    options = models.CharField(max_length=500, blank=True)
    read_only = models.BooleanField(default=False)
    # Bumped on every change, so workers open a new pool for new credentials.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
