"""
Prepares a benchmark data directory: migrates both databases, creates the
``authors`` and ``books`` schemas and fills both sets of tables; prints
where fauxsite keeps them, for the baseline project, and can export the
same rows for json-server.

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
    parser.add_argument("--json-server-db", help="also write the rows as json-server's db.json here")
    options = parser.parse_args()

    django.setup()

    from bench import books

    books.prepare_databases()
    started = time.perf_counter()
    generator = books.fill(options.authors, options.books)
    elapsed = time.perf_counter() - started
    token = books.write_token()
    prepared = {"generator": generator, "fill_seconds": elapsed, "token": token, **books.row_counts()}
    prepared["tables"] = books.table_names()
    if options.json_server_db:
        prepared["json-server books"] = books.export_json_server(options.json_server_db)
    print(json.dumps(prepared))


if __name__ == "__main__":
    main()
