"""``manage.py provision SLUG [--apply]``: show (and with --apply, run) the DDL a live table needs."""

from django.core.management.base import CommandError

from core.actors import AuditedCommand
from datasources.connect import SourceUnavailable
from golive.management.commands._schemas import schema_by_slug
from golive.provision import ProvisionRefused, apply_plan, provision_plan


class Command(AuditedCommand):
    help = (
        "Print the SQL that creates a schema's missing live table or adds its missing columns. "
        "Nothing runs without --apply; nothing is ever dropped or rewritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--apply", action="store_true", help="Run the SQL, in one transaction.")

    def handle(self, *args, slug, apply, **options):
        schema = schema_by_slug(slug)
        try:
            plan = provision_plan(schema)
            if plan.empty:
                self.stdout.write(f"Nothing to do: {slug}'s table and columns exist.")
                return
            for statement in plan.sql_text:
                self.stdout.write(f"{statement};")
            if not apply:
                self.stdout.write("Not run. Add --apply to run this SQL.")
                return
            count = apply_plan(plan)
        except (ProvisionRefused, SourceUnavailable) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Ran {count} statement(s) on {schema.data_source}."))
