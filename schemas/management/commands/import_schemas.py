"""``manage.py import_schemas FILE``: apply a schema file (YAML or JSON, ``-`` for stdin).

Every import is planned first: the contract changes it makes are printed,
breaking ones first. ``--plan`` stops there, exiting 3 when something is
breaking; a plain import refuses a breaking change unless ``--allow-breaking``.
"""

from django.core.management.base import BaseCommand, CommandError

from schemas import schemafile

# The exit status of --plan when the import would break clients.
BREAKING_EXIT = 3


class Command(BaseCommand):
    help = (
        "Create, update and remove fields of the schemas a YAML or JSON file names, so they match it. "
        "Schemas the file does not name are left alone. Nothing is written if the file has a problem, "
        "or if it breaks the API contract without --allow-breaking."
    )
    # Tests hand in a stream; the command line reads sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the schema file, or - to read standard input.")
        parser.add_argument(
            "--plan", action="store_true",
            help=f"Print what the import would change and import nothing; exit {BREAKING_EXIT} when a "
            "change would break clients.",
        )
        parser.add_argument(
            "--allow-breaking", action="store_true",
            help="Apply the file even if it removes or narrows what clients use.",
        )

    def handle(self, *args, file: str, plan: bool, allow_breaking: bool, **options):
        try:
            planned = schemafile.plan_file(file, stdin=options.get("stdin"))
        except schemafile.SchemaFileError as error:
            raise CommandError(str(error)) from None
        contract = planned.contract
        if plan:
            self._write([*planned.report.lines(planned=True), *contract_lines(contract)])
            if contract.is_breaking:
                raise CommandError(
                    f"{_breaking_count(contract)}; nothing was imported. "
                    "Import with --allow-breaking to apply the file anyway.",
                    returncode=BREAKING_EXIT,
                )
            self._write(["Nothing was imported (--plan)."])
            return
        if contract.is_breaking and not allow_breaking:
            breaking = "\n".join(f"  {change.line()}" for change in contract.breaking)
            raise CommandError(
                f"{planned.source} makes {_breaking_count(contract)}; nothing was imported:\n{breaking}\n"
                "See every change with --plan; import with --allow-breaking to apply it anyway."
            )
        try:
            report = schemafile.apply_plan(planned)
        except schemafile.SchemaFileError as error:
            raise CommandError(str(error)) from None
        self._write([*report.lines(), *contract_lines(contract)])

    def _write(self, lines: list[str]) -> None:
        for line in lines:
            self.stdout.write(line)


def contract_lines(contract) -> list[str]:
    """The contract changes of a plan, breaking first, under a heading each."""
    lines = []
    for heading, found in (("Breaking", contract.breaking), ("Compatible", contract.compatible)):
        if found:
            lines.append(f"{heading} contract changes:")
            lines.extend(f"  {change.line()}" for change in found)
    return lines


def _breaking_count(contract) -> str:
    count = len(contract.breaking)
    return f"{count} breaking change" + ("" if count == 1 else "s")
