"""
The bottom layer: what every other package may need and none may own.

Which request is being served and who is acting (a user, a client, a
management command) are read here by code that has no request argument,
such as the change service and the audit trail's signal handlers.
"""
