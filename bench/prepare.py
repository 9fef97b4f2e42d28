"""
Prepares a benchmark data directory: migrates both databases, creates the
``authors`` and ``books`` schemas and fills both sets of tables.

Run by ``bench/run.py`` in its own process, with the environment it set up.
"""

from __future__ import annotations

import argparse
import json
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--authors", type=int, required=True)
    parser.add_argument("--books", type=int, required=True)
    options = parser.parse_args()

    django.setup()

    from bench import books

    books.prepare_databases()
    started = time.perf_counter()
    generator = books.fill(options.authors, options.books)
    elapsed = time.perf_counter() - started
    token = books.write_token()
    print(json.dumps({"generator": generator, "fill_seconds": elapsed, "token": token, **books.row_counts()}))


if __name__ == "__main__":
    main()
