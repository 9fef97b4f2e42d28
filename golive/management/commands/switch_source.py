"""``manage.py switch_source SLUG {live,fixtures} [--copy-rows]``: flip where a schema's rows live."""

from django.core.management.base import CommandError

from core.actors import AuditedCommand
from golive.management.commands._schemas import schema_by_slug, shell_actor
from golive.switching import SwitchRefused, switch_source
from schemas.models import Source


class Command(AuditedCommand):
    help = "Switch a schema to its live table (only when ready) or back to its fixtures."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("source", choices=Source.values)
        parser.add_argument(
            "--copy-rows",
            action="store_true",
            help="Copy the fixture rows into the live table first (all or nothing).",
        )

    def handle(self, *args, slug, source, copy_rows, **options):
        try:
            record = switch_source(schema_by_slug(slug), source, copy_rows=copy_rows, actor=shell_actor())
        except SwitchRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            f"{slug} now serves from {record.to_source} ({record.rows_copied} rows copied)."
        ))
