"""
Where fauxsite keeps the benchmark's rows: table and column names.

fauxsite names fixture tables by schema id (``fx_<id>``) and columns by
field id (``f<id>``). ``bench/prepare.py`` prints the names it created, and
``bench/run.py`` hands them to this project as JSON in ``BENCH_TABLES``:
``{"authors": {"table": "fx_1", "columns": {"name": "f1"}}, "books": ...}``.
"""

import json
import os

_NAMES = json.loads(os.environ.get("BENCH_TABLES") or "{}")


def table(slug: str, default: str) -> str:
    return _NAMES.get(slug, {}).get("table", default)


def column(slug: str, field: str) -> str:
    return _NAMES.get(slug, {}).get("columns", {}).get(field, field)
