"""``manage.py import_schemas FILE``: apply a schema file (YAML or JSON, ``-`` for stdin)."""

from django.core.management.base import BaseCommand, CommandError

from schemas import schemafile


class Command(BaseCommand):
    help = (
        "Create, update and remove fields of the schemas a YAML or JSON file names, so they match it. "
        "Schemas the file does not name are left alone. Nothing is written if the file has a problem."
    )
    # Tests hand in a stream; the command line reads sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the schema file, or - to read standard input.")

    def handle(self, *args, file: str, **options):
        try:
            report = schemafile.import_file(file, stdin=options.get("stdin"))
        except schemafile.SchemaFileError as error:
            raise CommandError(str(error)) from None
        for line in report.lines():
            self.stdout.write(line)
