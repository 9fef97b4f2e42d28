"""
``manage.py export_audit [--since ISO] [--until ISO] [--output FILE]``

Writes the audit trail as JSON lines for a SIEM: one object per entry, oldest
first, keys sorted and always present, times in UTC (``...Z``). Entries are
read in chunks, so the whole trail exports in flat memory. ``--since`` is
inclusive, ``--until`` exclusive; a time without an offset is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from access import audit
from access.models import AuditEntry


def parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{value!r} is not an ISO 8601 time, such as 2025-01-31 or 2025-01-31T12:00:00Z."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Write audit entries as JSON lines (one object per line, oldest first, UTC times)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Entries at or after this ISO 8601 time.")
        parser.add_argument("--until", help="Entries before this ISO 8601 time.")
        parser.add_argument("--output", metavar="FILE", help="Write here instead of standard output.")
        parser.add_argument("--chunk-size", type=int, default=audit.EXPORT_CHUNK_SIZE,
                            help="Entries read from the database at a time.")

    def handle(self, *args, since, until, output, chunk_size, **options) -> None:
        entries = AuditEntry.objects.all()
        if since:
            entries = entries.filter(time__gte=parse_time(since))
        if until:
            entries = entries.filter(time__lt=parse_time(until))
        lines = audit.json_lines(entries, chunk_size=chunk_size)
        if output is None:
            for line in lines:
                self.stdout.write(line, ending="")
            return
        count = 0
        with open(output, "w", encoding="utf-8") as stream:
            for line in lines:
                stream.write(line)
                count += 1
        # On standard error: standard output may be a pipe to the SIEM.
        self.stderr.write(f"Wrote {count} audit entries to {output}.")
