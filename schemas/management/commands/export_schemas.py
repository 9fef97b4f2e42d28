"""``manage.py export_schemas [slug ...]``: write schemas as a YAML or JSON schema file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schemas import schemafile


class Command(BaseCommand):
    help = "Write schemas (all of them, or the slugs given) as a schema file that import_schemas reads."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="slug", help="Schemas to export; all if none.")
        parser.add_argument(
            "--format",
            choices=schemafile.FORMATS,
            help="yaml or json; by default the extension of --output decides, else yaml.",
        )
        parser.add_argument("--output", "-o", help="File to write; standard output if not given.")

    def handle(self, *args, slugs: list[str], format: str | None, output: str | None, **options):
        try:
            schemas = schemafile.select_schemas(slugs)
        except schemafile.SchemaFileError as error:
            raise CommandError(str(error)) from None
        for warning in schemafile.outside_references(schemas):
            self.stderr.write(f"Note: {warning}")
        text = schemafile.dump(schemas, format or schemafile.detect_format("", output))
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
