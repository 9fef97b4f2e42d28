"""Signals other parts of fauxsite listen to, such as the audit trail."""

from django.dispatch import Signal

# Sent after a row was created, replaced, updated or deleted through the API,
# with ``resource``, ``action`` ("create", "update", "partial_update",
# "destroy"), ``object_id`` and ``request``.
resource_written = Signal()
