"""
The HTTP face of the catalog: the generic viewset behind ``/api/v1/<slug>/``,
the OpenAPI document and docs views, and the landing page.

It sits above ``access`` because every request it serves asks the access
decision (``access.policy``) before it reads or writes a row; the contract it
serves (``schemas``) knows nothing of HTTP permissions.
"""
