"""
Settings for the benchmark: fauxsite's own, plus the hand-written baseline
app, whose tables live in the fixtures database so both endpoints run on the
same database engine and file.
"""

from fauxsite.settings import *  # noqa: F403
from fauxsite.settings import DATABASE_ROUTERS, INSTALLED_APPS, LOGGING

INSTALLED_APPS = [*INSTALLED_APPS, "bench.staticapp"]
ROOT_URLCONF = "bench.urls"
DATABASE_ROUTERS = ["bench.staticapp.router.StaticAppRouter", *DATABASE_ROUTERS]
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}
