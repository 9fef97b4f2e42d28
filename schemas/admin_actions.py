"""
Admin actions on schemas: seed mock rows, and delete them.

Both act on the selected schemas together, all or nothing, and say how many
rows they touched per schema, and leave one audit entry per schema.
"""

from __future__ import annotations

from django.contrib import admin, messages

from schemas import seeding, signals

ADMIN_SEED_COUNT = 50


@admin.action(description=f"Seed {ADMIN_SEED_COUNT} mock rows")
def seed_rows(modeladmin, request, queryset) -> None:
    slugs = list(queryset.values_list("slug", flat=True))
    try:
        results = seeding.seed_many(slugs, ADMIN_SEED_COUNT)
    except seeding.SeedError as error:
        modeladmin.message_user(request, f"No rows were seeded. {error}", messages.ERROR)
        return
    signals.rows_seeded.send(seed_rows, results=results, request=request,
                             details={"count": ADMIN_SEED_COUNT})
    parts = ", ".join(f"{result.rows} into {result.slug}" for result in results)
    total = sum(result.rows for result in results)
    modeladmin.message_user(request, f"Seeded {total} mock rows: {parts}.", messages.SUCCESS)


@admin.action(description="Delete all mock rows")
def reset_rows(modeladmin, request, queryset) -> None:
    slugs = list(queryset.values_list("slug", flat=True))
    try:
        deleted = seeding.reset_many(slugs)
    except seeding.SeedError as error:
        modeladmin.message_user(request, f"No rows were deleted. {error}", messages.ERROR)
        return
    signals.rows_deleted.send(reset_rows, deleted=deleted, request=request)
    parts = ", ".join(f"{rows} from {slug}" for slug, rows in deleted)
    total = sum(rows for _slug, rows in deleted)
    modeladmin.message_user(request, f"Deleted {total} mock rows: {parts}.", messages.SUCCESS)
