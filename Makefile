# fauxsite, from a fresh clone:
#   make run    set up and serve on http://127.0.0.1:8000/ (SQLite, demo schemas, mock rows)
#   make test   set up and run every check: lint, the OpenAPI document, pytest on SQLite and PostgreSQL
#
# PORT, BIND (host:port) and WEB_CONCURRENCY change how `make run` serves.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# -qq: errors only, so setting up prints nothing when it works.
PIP_INSTALL := $(PY) -m pip install -qq --disable-pip-version-check
PORT ?= 8000
BIND ?= 127.0.0.1:$(PORT)
# Browsers talk to `make run` directly; threads keep an idle browser socket
# from holding a whole worker (see fauxsite/gunicorn.conf.py).
GUNICORN_THREADS ?= 4
export BIND GUNICORN_THREADS

.PHONY: run test lint bench venv venv-dev

run: venv
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py bootstrap --base-url http://$(BIND)
	$(PY) manage.py collectstatic --noinput -v 0
	exec $(VENV)/bin/gunicorn --config fauxsite/gunicorn.conf.py

test: venv-dev
	scripts/test

lint: venv-dev
	$(VENV)/bin/ruff check .

# Dynamic endpoints against a hand-written DRF viewset, and seeding; see bench/README.md.
bench: venv-dev
	$(PY) bench/run.py $(BENCH_ARGS)

venv: $(VENV)/.installed-runtime
venv-dev: $(VENV)/.installed-dev

$(PY):
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "'$(PYTHON) -m venv' failed; on Debian: apt-get install python3-venv" >&2; exit 1; }

# Stamps: pip runs again only when a requirements file changes.
$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime
