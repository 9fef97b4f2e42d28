"""
``manage.py prune_audit [--days N] [--batch-size N]``

Deletes audit entries older than ``FAUXSITE_AUDIT_RETENTION_DAYS`` (or
``--days``), a batch at a time so that no statement holds the table long.
0 days keeps everything. Each run that prunes is itself an audit entry, with
how many entries it deleted. Run it daily from cron, after ``export_audit``
when a SIEM keeps the long history.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from access import audit
from access.models import AuditEntry
from core.actors import AuditedCommand


class Command(AuditedCommand):
    help = "Delete audit entries older than FAUXSITE_AUDIT_RETENTION_DAYS (0 keeps them forever)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Keep this many days instead of the setting.")
        parser.add_argument("--batch-size", type=int, default=5000, help="Entries deleted per statement.")

    def handle(self, *args, days: int | None, batch_size: int, **options) -> None:
        days = settings.FAUXSITE_AUDIT_RETENTION_DAYS if days is None else days
        if days < 0 or batch_size < 1:
            raise CommandError("--days must be 0 or more, and --batch-size at least 1.")
        if days == 0:
            self.stdout.write("The audit trail is kept forever (retention 0 days); nothing deleted.")
            return
        older_than = timezone.now() - timedelta(days=days)
        deleted = audit.prune(older_than, batch_size=batch_size)
        audit.record(AuditEntry.Action.PRUNED, "audit trail",
                     object_repr=f"deleted {deleted} entries older than {days} days",
                     details={"deleted": deleted, "older_than": older_than, "retention_days": days})
        self.stdout.write(f"Deleted {deleted} audit entries from before {older_than:%Y-%m-%d %H:%M:%S} UTC.")
