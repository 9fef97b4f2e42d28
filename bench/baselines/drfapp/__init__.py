"""
A standalone Django project, the independent baselines of ``bench/run.py``.

It knows nothing of fauxsite: its own settings, no fauxsite app or
middleware, and two hand-written models mapped onto the very tables (and
columns) fauxsite serves ``authors`` and ``books`` from. It serves the same
rows two ways a developer would write by hand: a DRF ``ModelViewSet`` under
``/drf/books/`` and plain Django views under ``/plain/books/``.
"""
