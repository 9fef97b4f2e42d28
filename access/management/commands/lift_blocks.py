"""
``manage.py lift_blocks [KEY ...]``

Lifts active blocks: those on the given keys (``ip:203.0.113.7``,
``login:alice``, ``app:3``), or all of them. For when the only admin is the
one locked out of the admin.
"""

from __future__ import annotations

from django.utils import timezone

from access import blocks
from access.models import Block
from core.actors import AuditedCommand


class Command(AuditedCommand):
    help = "Lift active blocks on the given keys (ip:..., login:..., app:...), or all of them."

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="Block keys as the admin shows them; none for all.")

    def handle(self, *args, keys: list[str], **options) -> None:
        active = Block.objects.filter(lifted__isnull=True, until__gt=timezone.now())
        if keys:
            active = active.filter(key__in=keys)
        self.stdout.write(f"Lifted {blocks.lift(list(active))} block(s).")
