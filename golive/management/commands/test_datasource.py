"""``manage.py test_datasource NAME``: can fauxsite connect to this data source?"""

from django.core.management.base import BaseCommand, CommandError

from datasources.connect import test_connection
from datasources.models import DataSource


class Command(BaseCommand):
    help = "Connect to a data source and report success or the reason it failed."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            source = DataSource.objects.get(name=name)
        except DataSource.DoesNotExist:
            raise CommandError(f"There is no data source {name!r}.") from None
        result = test_connection(source)
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
