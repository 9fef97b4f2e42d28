"""
Signals the layers above listen to: the catalog (``schemas``) and the audit
trail (``access.audit``). ``datasources`` sends them and imports none of
their listeners.
"""

from django.dispatch import Signal

# Sent inside the transaction of every save and delete of a DataSource, with
# ``data_source`` and ``deleted``: whatever serves from it must be rebuilt.
data_source_changed = Signal()

# Sent inside the transaction that re-encrypted stored passwords with the
# first key, with ``names``: the data sources whose password was re-encrypted.
keys_rotated = Signal()
