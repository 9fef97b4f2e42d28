"""``manage.py readiness SLUG``: does the schema's live table honour its contract?"""

from django.core.management.base import BaseCommand, CommandError

from golive.management.commands._schemas import schema_by_slug
from golive.readiness import readiness_report


class Command(BaseCommand):
    help = "Check a schema's live table against its fields; exits with 1 on a blocking problem."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        report = readiness_report(schema_by_slug(slug))
        for line in report.lines():
            self.stdout.write(line)
        if not report.ready:
            raise CommandError(f"{slug} is not ready to go live.")
