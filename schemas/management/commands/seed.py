"""
``manage.py seed [slug ...] --count N --seed S [--reset]``: mock rows for schemas.

Without slugs every schema is seeded, referenced ones first. A terminal shows
a progress bar per schema; each schema's line reports rows inserted and rows
per second. The same ``--seed`` gives the same rows. Each schema seeded is
an entry in the audit trail.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from tqdm import tqdm

from core.actors import AuditedCommand
from schemas import seeding, signals

DEFAULT_COUNT = 50


class Command(AuditedCommand):
    help = "Insert mock rows into schemas' fixtures tables (all schemas when no slug is given)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="slug", help="Schemas to seed; default: all.")
        parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="Rows per schema.")
        parser.add_argument("--seed", type=int, default=None, help="Same seed, same rows.")
        parser.add_argument("--reset", action="store_true", help="Delete existing rows first.")
        parser.add_argument("--batch-size", type=int, default=seeding.BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")

    def handle(self, *args, slugs, count, seed, reset, batch_size, no_progress, **options) -> None:
        if count < 0:
            raise CommandError("--count must not be negative.")
        bars = ProgressBars(count, enabled=not no_progress and self.stderr.isatty(), stream=self.stderr)
        try:
            results = seeding.seed_many(
                slugs, count, seed=seed, reset=reset, batch_size=batch_size, progress=bars.update
            )
        except seeding.SeedError as error:
            raise CommandError(str(error)) from error
        finally:
            bars.close()
        signals.rows_seeded.send(type(self), results=results, request=None,
                                 details={"count": count, "seed": seed, "reset": reset})
        if not results:
            self.stdout.write("No schemas to seed.")
        for result in results:
            self.stdout.write(
                f"{result.slug}: {result.rows} rows inserted in {result.seconds:.2f} s "
                f"({result.rows_per_second:,.0f} rows/s)"
            )


class ProgressBars:
    """One tqdm bar per schema, opened when its first batch arrives."""

    def __init__(self, total: int, *, enabled: bool, stream):
        self.total = total
        self.enabled = enabled
        self.stream = stream
        self.slug: str | None = None
        self.bar: tqdm | None = None

    def update(self, slug: str, rows: int) -> None:
        if not self.enabled:
            return
        if slug != self.slug:
            self.close()
            self.slug = slug
            self.bar = tqdm(
                total=self.total, desc=slug, unit="rows", file=_Unstyled(self.stream), leave=False
            )
        self.bar.update(rows)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _Unstyled:
    """A command's output stream as tqdm needs it: no added newline, no error colour."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
