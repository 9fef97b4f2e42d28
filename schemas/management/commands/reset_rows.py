"""``manage.py reset_rows [slug ...]``: delete schemas' mock rows (all schemas when no slug is given)."""

from __future__ import annotations

from django.core.management.base import CommandError

from core.actors import AuditedCommand
from schemas import seeding, signals


class Command(AuditedCommand):
    help = "Delete every mock row of the given schemas (all schemas when no slug is given)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="slug", help="Schemas to empty; default: all.")

    def handle(self, *args, slugs, **options) -> None:
        try:
            deleted = seeding.reset_many(slugs)
        except seeding.SeedError as error:
            raise CommandError(str(error)) from error
        signals.rows_deleted.send(type(self), deleted=deleted, request=None)
        if not deleted:
            self.stdout.write("No schemas to reset.")
        for slug, rows in deleted:
            self.stdout.write(f"{slug}: {rows} rows deleted")
