"""
gunicorn settings for fauxsite, read from the environment.

``gunicorn --config fauxsite/gunicorn.conf.py`` serves ``fauxsite.wsgi`` on
127.0.0.1:8000 with two sync workers. Behind a buffering proxy (nginx and the
like), sync workers beat threaded ones on two cores for this workload: add
workers (``WEB_CONCURRENCY``), not threads. Facing browsers directly, as
``make run`` does, a sync worker can sit on a browser's idle preconnected
socket until it times out, so ``make run`` asks for threads
(``GUNICORN_THREADS`` above 1 makes gunicorn use threaded workers).

BIND (host:port, wins over PORT), PORT, WEB_CONCURRENCY, GUNICORN_THREADS,
GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE,
GUNICORN_MAX_REQUESTS and LOG_LEVEL change the defaults.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    if not value.isdigit():
        raise SystemExit(f"{name} must be a whole number, not {value!r}")
    return int(value)


wsgi_app = "fauxsite.wsgi:application"
# Loopback unless told otherwise: exposing the server is a deliberate choice.
bind = [os.environ.get("BIND") or f"127.0.0.1:{_int('PORT', 8000)}"]
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 2)
# Recycling workers bounds slow leaks; the jitter keeps them from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# The longest request line gunicorn takes (its default is 4094): long
# filter lists such as ``title__in=`` fit, and longer lines get gunicorn's
# own 414 before fauxsite sees them. A proxy in front has a limit of its own.
limit_request_line = 8190

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn >= 25 opens a control socket at one path per user, so a second
# server on the same machine (a test run beside `make run`) would collide.
# Nothing here uses it; older versions ignore the setting.
control_socket_disable = True
