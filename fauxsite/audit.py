"""
The audit trail: who wrote what through the API, and who changed the catalog,
data sources and OAuth access, with the request id that ties it to the logs.

API writes arrive through ``schemas.signals.resource_written``. Everything
else is heard through model signals, so a change is recorded whether it came
from the admin, a management command or the OAuth endpoints. Data sources are
referred to by their label only: their module changes independently.
Field values are never copied here (a data source holds credentials).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save, pre_delete
from oauth2_provider.models import get_access_token_model, get_application_model

from fauxsite.middleware import current_request
from fauxsite.models import AuditEntry

logger = logging.getLogger(__name__)

API_ACTIONS = {
    "create": AuditEntry.Action.CREATED,
    "update": AuditEntry.Action.UPDATED,
    "partial_update": AuditEntry.Action.UPDATED,
    "destroy": AuditEntry.Action.DELETED,
}


@dataclass(frozen=True)
class Actor:
    kind: str
    name: str
    user: object = None
    application: object = None


SYSTEM = Actor(AuditEntry.ActorKind.SYSTEM, "system")
ANONYMOUS = Actor(AuditEntry.ActorKind.ANONYMOUS, "anonymous")


def actor_of(request) -> Actor:
    """The caller: a token's application, else a logged-in user."""
    if request is None:
        return SYSTEM
    token = getattr(request, "auth", None)
    application = getattr(token, "application", None)
    if application is not None:
        user = getattr(token, "user", None)
        name = f"{application.name} (for {user.get_username()})" if user else application.name
        return Actor(AuditEntry.ActorKind.APPLICATION, name, user=user, application=application)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(AuditEntry.ActorKind.USER, user.get_username(), user=user)
    return ANONYMOUS


def origin_of(request) -> str:
    if request is None:
        return AuditEntry.Origin.COMMAND
    for prefix, origin in (
        ("/api/", AuditEntry.Origin.API),
        ("/admin/", AuditEntry.Origin.ADMIN),
        ("/o/", AuditEntry.Origin.OAUTH),
    ):
        if request.path.startswith(prefix):
            return origin
    return AuditEntry.Origin.OTHER


def record(action: str, object_type: str, *, request=None, actor: Actor | None = None,
           object_id="", object_repr: str = "", schema_slug: str = "") -> AuditEntry:
    actor = actor or actor_of(request)
    return AuditEntry.objects.create(
        action=action,
        origin=origin_of(request),
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        object_repr=object_repr[:200],
        schema_slug=schema_slug,
        actor_kind=actor.kind,
        actor_name=actor.name[:200],
        actor_user=actor.user,
        actor_application=actor.application,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        method=request.method if request is not None else "",
        path=request.path[:300] if request is not None else "",
    )


# API writes ------------------------------------------------------------------------


def record_api_write(sender, resource, action, object_id, request, **kwargs) -> None:
    record(API_ACTIONS.get(action, action), "row", request=request, object_id=object_id,
           schema_slug=resource.slug, object_repr=f"{resource.slug} {object_id}")


# Catalog, data sources, applications -------------------------------------------------


def _changed(object_type: str, slug_of=lambda instance: ""):
    def on_save(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        action = AuditEntry.Action.CREATED if created else AuditEntry.Action.UPDATED
        record(action, object_type, request=current_request(), object_id=instance.pk,
               object_repr=str(instance), schema_slug=slug_of(instance))

    def on_delete(sender, instance, **kwargs):
        record(AuditEntry.Action.DELETED, object_type, request=current_request(), object_id=instance.pk,
               object_repr=str(instance), schema_slug=slug_of(instance))

    return on_save, on_delete


def _schema_slug(instance) -> str:
    return instance.slug


def _field_schema_slug(field) -> str:
    from schemas.models import Schema

    try:
        return field.schema.slug
    except Schema.DoesNotExist:  # deleted along with its schema
        return ""


# Tokens ---------------------------------------------------------------------------------


def _token_actor(request, token) -> Actor:
    """At the OAuth endpoints the client acts; elsewhere whoever is logged in."""
    if request is not None and origin_of(request) == AuditEntry.Origin.OAUTH and token.application_id:
        application = token.application
        return Actor(AuditEntry.ActorKind.APPLICATION, application.name, application=application)
    return actor_of(request)


def _application_name(token) -> str:
    name = getattr(token, "_audit_application_name", None)
    if name is None:
        name = token.application.name if token.application_id else "-"
    return name


def _token_repr(token) -> str:
    return f"{_application_name(token)}: {token.scope or '(no scope)'}"


def token_deleting(sender, instance, **kwargs) -> None:
    # The application may be deleted first in the same cascade: name it while it exists.
    instance._audit_application_name = _application_name(instance)


def token_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        request = current_request()
        record(AuditEntry.Action.TOKEN_ISSUED, "access token", request=request,
               actor=_token_actor(request, instance), object_id=instance.pk,
               object_repr=_token_repr(instance))


def token_deleted(sender, instance, **kwargs) -> None:
    if instance.is_expired():
        return  # cleartokens removing dead tokens: housekeeping, not an access decision
    request = current_request()
    actor = _token_actor(request, instance)
    # The application may be on its way out in this same delete; keep its name only.
    actor = Actor(actor.kind, actor.name, user=actor.user)
    record(AuditEntry.Action.TOKEN_REVOKED, "access token", request=request, actor=actor,
           object_id=instance.pk, object_repr=_token_repr(instance))


# Wiring ------------------------------------------------------------------------------------

_HANDLERS: list = []


def _watch(sender, on_save, on_delete) -> None:
    # Strong references: the closures would otherwise be collected.
    _HANDLERS.extend([on_save, on_delete])
    post_save.connect(on_save, sender=sender, weak=False, dispatch_uid=f"audit-save-{sender}")
    post_delete.connect(on_delete, sender=sender, weak=False, dispatch_uid=f"audit-delete-{sender}")


def connect() -> None:
    """Called once from the app config's ready()."""
    from schemas.signals import resource_written

    resource_written.connect(record_api_write, dispatch_uid="audit-api-write")
    _watch("schemas.Schema", *_changed("schema", _schema_slug))
    _watch("schemas.Field", *_changed("field", _field_schema_slug))
    # A lazy label: the DataSource model is someone else's and may change shape.
    _watch("datasources.DataSource", *_changed("data source"))
    _watch(get_application_model(), *_changed("application"))
    _watch(get_access_token_model(), token_saved, token_deleted)
    pre_delete.connect(token_deleting, sender=get_access_token_model(), dispatch_uid="audit-token-deleting")
