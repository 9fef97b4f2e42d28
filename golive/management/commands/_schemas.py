"""Helpers shared by the data-source commands."""

import getpass

from django.core.management.base import CommandError

from schemas.models import Schema


def schema_by_slug(slug: str) -> Schema:
    try:
        return Schema.objects.select_related("data_source").get(slug=slug)
    except Schema.DoesNotExist:
        raise CommandError(f"There is no schema {slug!r}.") from None


def shell_actor() -> str:
    try:
        return f"manage.py ({getpass.getuser()})"
    except (KeyError, OSError):
        return "manage.py"
