"""
Who is acting: a token's application, a logged-in user, or a management command.

Outside a request, the actor is the management command being run and the OS
user running it (``AuditedCommand``, or ``manage.py`` on the command line),
and everything one run records shares a run id in place of a request id. The
change service names the actor on its ``SchemaChange``; the audit trail
(``access.audit``) stores it on every entry.
"""

from __future__ import annotations

import contextvars
import getpass
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import models


class ActorKind(models.TextChoices):
    USER = "user"
    APPLICATION = "application"
    COMMAND = "command", "management command"
    ANONYMOUS = "anonymous"
    SYSTEM = "system"


class Origin(models.TextChoices):
    API = "api", "API"
    ADMIN = "admin"
    OAUTH = "oauth", "OAuth endpoint"
    COMMAND = "command", "management command"
    OTHER = "other"


@dataclass(frozen=True)
class Actor:
    kind: str
    name: str
    user: object = None
    application: object = None


SYSTEM = Actor(ActorKind.SYSTEM, "system")
ANONYMOUS = Actor(ActorKind.ANONYMOUS, "anonymous")

# (command name, run id) of the management command running in this context.
_command: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "fauxsite_audit_command", default=None
)
_PROCESS_RUN_ID = uuid.uuid4().hex


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def running_command(name: str) -> Iterator[None]:
    """What is recorded inside is by ``manage.py <name>`` and shares one run id."""
    token = _command.set((name, uuid.uuid4().hex))
    try:
        yield
    finally:
        _command.reset(token)


class AuditedCommand(BaseCommand):
    """A management command whose changes the trail attributes to it and to the OS user."""

    def execute(self, *args, **options):
        with running_command(self.__module__.rsplit(".", 1)[-1]):
            return super().execute(*args, **options)


def current_command() -> tuple[str, str] | None:
    """(name, run id) of the management command being run, if any."""
    current = _command.get()
    if current is not None:
        return current
    # Any other command typed at a shell (import_schemas, createsuperuser, shell...).
    if len(sys.argv) > 1 and os.path.basename(sys.argv[0]) in ("manage.py", "django-admin"):
        return sys.argv[1], _PROCESS_RUN_ID
    return None


def actor_of(request) -> Actor:
    """The caller: a token's application, else a logged-in user, else the command being run."""
    if request is None:
        command = current_command()
        if command is None:
            return SYSTEM
        return Actor(ActorKind.COMMAND, f"manage.py {command[0]} ({os_user()})")
    token = getattr(request, "auth", None)
    application = getattr(token, "application", None)
    if application is not None:
        user = getattr(token, "user", None)
        name = f"{application.name} (for {user.get_username()})" if user else application.name
        return Actor(ActorKind.APPLICATION, name, user=user, application=application)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(ActorKind.USER, user.get_username(), user=user)
    return ANONYMOUS


def origin_of(request) -> str:
    if request is None:
        return Origin.COMMAND
    for prefix, origin in (
        ("/api/", Origin.API),
        ("/admin/", Origin.ADMIN),
        ("/o/", Origin.OAUTH),
    ):
        if request.path.startswith(prefix):
            return origin
    return Origin.OTHER


def run_id(request) -> str:
    """The request's id, or the id of the command run outside a request."""
    if request is not None:
        return getattr(request, "request_id", "") or ""
    command = current_command()
    return command[1] if command else ""
