"""gunicorn for the baseline project: what fauxsite's own config does, minus fauxsite.

The same worker class and count, and an access log line per request as
fauxsite writes, so neither side is spared work the other does.
"""

import os

wsgi_app = "bench.baselines.drfapp.wsgi:application"
bind = [os.environ["BIND"]]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 1
timeout = 30
keepalive = 2
accesslog = "-"
errorlog = "-"
loglevel = "warning"
control_socket_disable = True
