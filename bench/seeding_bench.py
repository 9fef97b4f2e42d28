"""
Seeding throughput and memory, one measurement per process so each peak RSS
is its own.

Modes, all on the ``books`` schema (six fields, one a reference):
- ``faker``: generating the rows' values with Faker only, nothing stored;
- ``insert``: ``bulk_create`` of rows built beforehand (insertion only);
- ``seed``: ``schemas.seeding.seed``, the real thing, end to end;
- ``seed-tracemalloc``: the same under tracemalloc, for the Python heap peak
  (tracemalloc slows it down, so its rows/s is not the one to quote).

Run by ``bench/run.py`` after the HTTP measurement, with its environment.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
import tracemalloc

import django

BATCH_SIZE = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["faker", "insert", "seed", "seed-tracemalloc"], required=True)
    parser.add_argument("--rows", type=int, required=True)
    options = parser.parse_args()
    django.setup()
    measure = {
        "faker": _faker_only,
        "insert": _insert_only,
        "seed": _seed,
        "seed-tracemalloc": _seed_traced,
    }[options.mode]
    print(json.dumps({"mode": options.mode, "rows": options.rows, **measure(options.rows)}))


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(work, rows: int) -> dict:
    before = _peak_rss_mb()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _books_model():
    from schemas.catalog import current_catalog

    return current_catalog().get("books").model


def _author_count() -> int:
    from schemas.catalog import current_catalog

    return current_catalog().get("authors").model.objects.count()


def _empty_books() -> None:
    model = _books_model()
    model.objects.all().delete()


def _faker_only(rows: int) -> dict:
    from faker import Faker

    from bench.staticapp.models import GENRES

    faker = Faker("en_US")
    faker.seed_instance(1)
    rng = random.Random(1)
    authors = _author_count()

    def generate():
        # The providers fauxsite picks by default for these fields' names
        # and types (schemas/field_types.py).
        for _ in range(rows):
            {
                "title": faker.sentence(),
                "price": faker.pydecimal(left_digits=6, right_digits=2, positive=True),
                "genre": faker.random_element(GENRES),
                "published": faker.date_object(),
                "in_stock": faker.pybool(),
                "author_id": rng.randrange(1, authors + 1),
            }

    return _timed(generate, rows)


def _insert_only(rows: int) -> dict:
    from django.db import transaction

    from bench.books import _plain_books

    _empty_books()
    model = _books_model()
    prepared = list(_plain_books(rows, _author_count(), seed=1))

    def insert():
        with transaction.atomic(using=model._fauxsite_alias):
            for start in range(0, rows, BATCH_SIZE):
                model.objects.bulk_create([model(**row) for row in prepared[start : start + BATCH_SIZE]])

    result = _timed(insert, rows)
    return {**result, "stored": model.objects.count()}


def _seed_function():
    try:
        from schemas.seeding import seed
    except ImportError:
        return None
    return seed


def _seed(rows: int) -> dict:
    seed = _seed_function()
    if seed is None:
        return {"skipped": "schemas.seeding.seed is not available"}
    _empty_books()
    result = _timed(lambda: seed("books", rows, seed=1), rows)
    return {**result, "stored": _books_model().objects.count()}


def _seed_traced(rows: int) -> dict:
    seed = _seed_function()
    if seed is None:
        return {"skipped": "schemas.seeding.seed is not available"}
    _empty_books()
    tracemalloc.start()
    result = _timed(lambda: seed("books", rows, seed=1), rows)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {**result, "tracemalloc_peak_mb": peak / 1024 / 1024}


if __name__ == "__main__":
    main()
