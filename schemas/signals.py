"""
Signals the layers above listen to, such as the audit trail (``access.audit``).

``schemas`` sends them and imports none of their listeners.
"""

from django.dispatch import Signal

# Sent after a row was created, replaced, updated or deleted through the API,
# with ``resource``, ``action`` ("create", "update", "partial_update",
# "destroy"), ``object_id`` and ``request``.
resource_written = Signal()

# Sent after mock rows were seeded, by the admin or a command, with
# ``results`` (each has ``slug`` and ``rows``), ``request`` (None outside one)
# and ``details`` (how they were seeded: count, seed, reset).
rows_seeded = Signal()

# Sent after mock rows were deleted, with ``deleted`` ((slug, rows) pairs) and
# ``request`` (None outside one).
rows_deleted = Signal()
