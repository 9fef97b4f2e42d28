"""
The audit trail: who changed what, from where, when, with the definition
before and after, and the request id that ties it to the logs.

Sources of entries:

- API writes arrive through ``schemas.signals.resource_written``.
- Definitions (schemas, fields, data sources, OAuth applications, their
  allowed scopes, users and groups) are heard through model signals, so a
  change is recorded whether it came from the admin, a management command or
  the OAuth endpoints; each entry holds the definition before and after.
- Each change of the change service (``schemas.changes``) is recorded once
  more per schema it touched, as "definition changed", with the schema's whole
  definition before and after and one line per change, from its
  ``SchemaChange`` record.
- Rows in bulk (seeding, deleting mock rows, the go-live copy), provisioning,
  switches, key rotation, tokens, blocks and pruning call ``record`` where
  they happen.

Secrets never reach the trail: passwords, client secrets and tokens appear
as "set", "not set", "changed" or "removed". Data sources are referred to by
their label only: their module changes independently.

Outside a request, the actor is the management command being run and the OS
user running it (``core.actors.AuditedCommand``, or ``manage.py`` on the
command line), and every entry of one run shares a run id in place of a
request id.

The layers below ``access`` do not import it: they send signals
(``schemas.signals``, ``datasources.signals``) that ``connect()`` subscribes to.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from access.models import AuditEntry
from core.actors import Actor, actor_of, origin_of, run_id
from core.requests import current_request
from datasources.plain_sql import PlainInsert

logger = logging.getLogger(__name__)

API_ACTIONS = {
    "create": AuditEntry.Action.CREATED,
    "update": AuditEntry.Action.UPDATED,
    "partial_update": AuditEntry.Action.UPDATED,
    "destroy": AuditEntry.Action.DELETED,
}


# Entries: who and where come from ``core.actors`` -----------------------------------------

# Every API write records one: in an INSERT written once, not compiled per entry.
_new_entries = PlainInsert(AuditEntry)


def record(action: str, object_type: str, *, request=None, actor: Actor | None = None,
           object_id="", object_repr: str = "", schema_slug: str = "", before=None, after=None,
           details: dict | None = None) -> AuditEntry:
    actor = actor or actor_of(request)
    entry = AuditEntry(**_entry_values(action, object_type, request, actor, object_id, object_repr,
                                       schema_slug, before, after, details))
    # The links as the caller holds them, so reading them sends no query.
    entry.actor_user, entry.actor_application = actor.user, actor.application
    return _new_entries.save(entry)


def _entry_values(action: str, object_type: str, request, actor: Actor, object_id, object_repr: str,
                  schema_slug: str, before, after, details: dict | None) -> dict:
    """An entry's values by attribute name: every column but the id, as ``record`` stores them."""
    return {
        "time": timezone.now(),
        "action": action,
        "origin": origin_of(request),
        "object_type": object_type,
        "object_id": str(object_id or "")[:64],
        "object_repr": object_repr[:200],
        "schema_slug": schema_slug[:63],
        "actor_kind": actor.kind,
        "actor_name": actor.name[:200],
        "actor_user_id": None if actor.user is None else actor.user.pk,
        "actor_application_id": None if actor.application is None else actor.application.pk,
        "request_id": run_id(request),
        "method": request.method if request is not None else "",
        "path": request.path[:300] if request is not None else "",
        "before": before,
        "after": after,
        "details": details or {},
    }


# API writes ------------------------------------------------------------------------


def record_api_write(sender, resource, action, object_id, request, **kwargs) -> None:
    # Straight into the INSERT: nothing reads an AuditEntry built for each
    # write, and building one cost 3% of a create's CPU.
    _new_entries.insert(_entry_values(
        API_ACTIONS.get(action, action), "row", request, actor_of(request), object_id,
        f"{resource.slug} {object_id}", resource.slug, None, None, None,
    ))


# Rows in bulk, for the callers that seed, delete and copy them ------------------------------


def rows_seeded(results: Iterable, *, request=None, **details) -> None:
    """One entry per schema seeded; ``results`` have ``slug`` and ``rows``."""
    for result in results:
        record(AuditEntry.Action.ROWS_SEEDED, "rows", request=request, schema_slug=result.slug,
               object_repr=f"{result.rows} mock rows into {result.slug}",
               details={"rows": result.rows, **details})


def rows_deleted(deleted: Iterable[tuple[str, int]], *, request=None) -> None:
    """One entry per schema emptied; ``deleted`` is (slug, rows) pairs."""
    for slug, rows in deleted:
        record(AuditEntry.Action.ROWS_DELETED, "rows", request=request, schema_slug=slug,
               object_repr=f"{rows} mock rows from {slug}", details={"rows": rows})


def _rows_seeded_signal(sender, results, request=None, details=None, **kwargs) -> None:
    rows_seeded(results, request=request, **(details or {}))


def _rows_deleted_signal(sender, deleted, request=None, **kwargs) -> None:
    rows_deleted(deleted, request=request)


def keys_rotated(sender, names, **kwargs) -> None:
    # Which passwords, never the keys or the ciphertexts.
    record(AuditEntry.Action.KEYS_ROTATED, "data source",
           object_repr=f"re-encrypted {len(names)} password(s) with the first key",
           details={"data_sources": names})


# Definitions: values before and after, secrets hidden -------------------------------------


@dataclass(frozen=True)
class Watched:
    """A model whose saves and deletes are recorded with its definition before and after."""

    object_type: str
    values: Callable[[object], dict]
    secrets: tuple[str, ...] = ()
    slug_of: Callable[[object], str] = lambda instance: ""
    # A save that changes nothing shown (a user's last_login) is not recorded.
    skip_unchanged: bool = False

    def shown(self, values: dict | None, previous: dict | None = None) -> dict | None:
        if values is None:
            return None
        shown = dict(values)
        for name in self.secrets:
            value = shown.pop(name, "")
            if previous is not None and previous.get(name, "") != value:
                shown[name] = "changed" if value else "removed"
            else:
                shown[name] = "set" if value else "not set"
        return shown


def _concrete(instance, skipped: frozenset[str] = frozenset()) -> dict:
    return {
        field.attname: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if field.attname not in skipped
    }


_BOOKKEEPING = frozenset({"id", "version", "revision", "created", "updated"})


def _schema_values(schema) -> dict:
    return _concrete(schema, _BOOKKEEPING)


def _field_values(field) -> dict:
    return _concrete(field, frozenset({"id"}))


def _data_source_values(source) -> dict:
    values = _concrete(source, _BOOKKEEPING | {"password_encrypted"})
    values["password"] = source.password_encrypted
    return values


def _application_values(application) -> dict:
    return _concrete(application, _BOOKKEEPING)


def _scopes_values(allowed) -> dict:
    Application = get_application_model()
    name = Application.objects.filter(pk=allowed.application_id).values_list("name", flat=True).first()
    return {"application": name or allowed.application_id, "scopes": allowed.scopes}


def _scopes_repr(allowed) -> str:
    return f"{_scopes_values(allowed)['application']}: {allowed.scopes or '(none)'}"


_USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser",
                "password")


def _user_values(user) -> dict:
    values = {name: getattr(user, name, None) for name in _USER_FIELDS}
    values["password"] = user.password if user.has_usable_password() else ""
    return values


def _group_values(group) -> dict:
    return {"name": group.name}


def _schema_slug(instance) -> str:
    return instance.slug


def _field_schema_slug(field) -> str:
    from schemas.models import Schema

    try:
        return field.schema.slug
    except Schema.DoesNotExist:  # deleted along with its schema
        return ""


def _watched_handlers(watched: Watched, repr_of: Callable[[object], str] = str):
    def before_save(sender, instance, raw=False, **kwargs):
        instance.__dict__.pop("_audit_before", None)
        if raw or instance._state.adding or instance.pk is None:
            return
        stored = type(instance)._base_manager.filter(pk=instance.pk).first()
        if stored is not None:
            instance.__dict__["_audit_before"] = watched.values(stored)

    def on_save(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        before = None if created else instance.__dict__.pop("_audit_before", None)
        after = watched.values(instance)
        if watched.skip_unchanged and not created and before == after:
            return
        action = AuditEntry.Action.CREATED if created else AuditEntry.Action.UPDATED
        record(action, watched.object_type, request=current_request(), object_id=instance.pk,
               object_repr=repr_of(instance), schema_slug=watched.slug_of(instance),
               before=watched.shown(before), after=watched.shown(after, before))

    def on_delete(sender, instance, **kwargs):
        record(AuditEntry.Action.DELETED, watched.object_type, request=current_request(),
               object_id=instance.pk, object_repr=repr_of(instance), schema_slug=watched.slug_of(instance),
               before=watched.shown(watched.values(instance)))

    return before_save, on_save, on_delete


# The change service ----------------------------------------------------------------------


def definition_changed(sender, instance, created, raw=False, **kwargs) -> None:
    """A ``SchemaChange`` as one entry per schema, with its whole definition before and after."""
    if not created or raw:
        return
    from schemas.changes import describe

    before = {definition["id"]: definition for definition in instance.before}
    after = {definition["id"]: definition for definition in instance.after}
    request = current_request()
    for schema_id in [*after, *(key for key in before if key not in after)]:
        old, new = before.get(schema_id), after.get(schema_id)
        slug = (new or old)["slug"]
        lines = describe(old, new)
        details = {"change": instance.action, "summary": lines, "revision": instance.revision,
                   "schema_change_id": instance.pk}
        record(AuditEntry.Action.DEFINITION_CHANGED, "schema definition", request=request,
               object_id=schema_id, object_repr=f"{instance.action}: {'; '.join(lines)}", schema_slug=slug,
               before=old, after=new, details=details)


# Roles: users' groups and groups' permissions -------------------------------------------------


def _names(queryset, field: str) -> list[str]:
    return sorted(queryset.values_list(field, flat=True))


def user_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if reverse:  # group.user_set: the group's members changed
        _membership_changed(instance, action, "group", instance.name, "members",
                            lambda: _names(instance.user_set.all(), "username"))
    else:
        _membership_changed(instance, action, "user", instance.get_username(), "groups",
                            lambda: _names(instance.groups.all(), "name"))


def _membership_changed(owner, action: str, kind: str, label: str, key: str, names) -> None:
    # The names before (kept on the instance between the pre_ and post_
    # signals) and after; recorded only when they differ.
    stash = f"_audit_{key}"
    if action.startswith("pre_"):
        owner.__dict__[stash] = names()
    elif action.startswith("post_"):
        before = owner.__dict__.pop(stash, None)
        after = names()
        if before != after:
            record(AuditEntry.Action.UPDATED, kind, request=current_request(), object_id=owner.pk,
                   object_repr=label, before={key: before}, after={key: after})


def _permission_names(group) -> list[str]:
    return sorted(f"{app}.{codename}" for app, codename in
                  group.permissions.values_list("content_type__app_label", "codename"))


def group_permissions_changed(sender, instance, action, reverse, **kwargs) -> None:
    if reverse:
        return  # permissions are given to groups, not groups to permissions
    if action.startswith("pre_"):
        instance.__dict__["_audit_permissions"] = _permission_names(instance)
    elif action.startswith("post_"):
        before = instance.__dict__.pop("_audit_permissions", None)
        after = _permission_names(instance)
        if before != after:
            record(AuditEntry.Action.UPDATED, "group", request=current_request(), object_id=instance.pk,
                   object_repr=instance.name, before={"permissions": before},
                   after={"permissions": after})


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


def _token_details(token) -> dict:
    # Never the token, nor its checksum: what it grants and until when.
    return {"application": _application_name(token), "scopes": token.scope.split(),
            "expires": token.expires, "user": token.user.get_username() if token.user_id else None}


def token_deleting(sender, instance, **kwargs) -> None:
    # The application may be deleted first in the same cascade: name it while it exists.
    instance._audit_application_name = _application_name(instance)


def token_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        request = current_request()
        record(AuditEntry.Action.TOKEN_ISSUED, "access token", request=request,
               actor=_token_actor(request, instance), object_id=instance.pk,
               object_repr=_token_repr(instance), details=_token_details(instance))


def token_deleted(sender, instance, **kwargs) -> None:
    if instance.is_expired():
        return  # cleartokens removing dead tokens: housekeeping, not an access decision
    request = current_request()
    actor = _token_actor(request, instance)
    # The application may be on its way out in this same delete; keep its name only.
    actor = Actor(actor.kind, actor.name, user=actor.user)
    record(AuditEntry.Action.TOKEN_REVOKED, "access token", request=request, actor=actor,
           object_id=instance.pk, object_repr=_token_repr(instance), details=_token_details(instance))


# Export and retention ----------------------------------------------------------------------

# The keys of every exported line, in the order they are written (sorted).
EXPORT_FIELDS = (
    "action", "actor_application_id", "actor_kind", "actor_name", "actor_user_id", "after", "before",
    "details", "id", "method", "object_id", "object_repr", "object_type", "origin", "path", "request_id",
    "schema_slug", "time",
)
EXPORT_CHUNK_SIZE = 2000


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def json_lines(entries, *, chunk_size: int = EXPORT_CHUNK_SIZE) -> Iterator[str]:
    """Entries oldest first, one JSON object per line (with its newline), in bounded memory."""
    rows = entries.order_by("time", "id").values(*EXPORT_FIELDS).iterator(chunk_size=chunk_size)
    for row in rows:
        row["time"] = _utc(row["time"])
        yield json.dumps(row, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder) + "\n"


def prune(older_than: datetime, *, batch_size: int = 5000) -> int:
    """Deletes entries from before ``older_than``, a batch at a time; returns how many."""
    deleted = 0
    while True:
        ids = list(AuditEntry.objects.filter(time__lt=older_than).order_by("id")
                   .values_list("id", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += AuditEntry.objects.filter(pk__in=ids).delete()[0]


# Wiring ------------------------------------------------------------------------------------

_HANDLERS: list = []


def _watch(sender, watched: Watched, repr_of: Callable[[object], str] = str) -> None:
    before_save, on_save, on_delete = _watched_handlers(watched, repr_of)
    # Strong references: the closures would otherwise be collected.
    _HANDLERS.extend([before_save, on_save, on_delete])
    pre_save.connect(before_save, sender=sender, weak=False, dispatch_uid=f"audit-before-{sender}")
    post_save.connect(on_save, sender=sender, weak=False, dispatch_uid=f"audit-save-{sender}")
    post_delete.connect(on_delete, sender=sender, weak=False, dispatch_uid=f"audit-delete-{sender}")


def connect() -> None:
    """Called once from the app config's ready()."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from datasources import signals as datasource_signals
    from schemas import signals as schema_signals

    schema_signals.resource_written.connect(record_api_write, dispatch_uid="audit-api-write")
    schema_signals.rows_seeded.connect(_rows_seeded_signal, dispatch_uid="audit-rows-seeded")
    schema_signals.rows_deleted.connect(_rows_deleted_signal, dispatch_uid="audit-rows-deleted")
    datasource_signals.keys_rotated.connect(keys_rotated, dispatch_uid="audit-keys-rotated")
    _watch("schemas.Schema", Watched("schema", _schema_values, slug_of=_schema_slug))
    _watch("schemas.Field", Watched("field", _field_values, slug_of=_field_schema_slug))
    post_save.connect(definition_changed, sender="schemas.SchemaChange", dispatch_uid="audit-definition")
    # A lazy label: the DataSource model is someone else's and may change shape.
    _watch("datasources.DataSource", Watched("data source", _data_source_values, secrets=("password",)))
    _watch(get_application_model(), Watched("application", _application_values, secrets=("client_secret",)))
    _watch("access.ApplicationScopes", Watched("allowed scopes", _scopes_values), repr_of=_scopes_repr)
    User = get_user_model()
    _watch(User, Watched("user", _user_values, secrets=("password",), skip_unchanged=True),
           repr_of=lambda user: user.get_username())
    _watch(Group, Watched("group", _group_values))
    m2m_changed.connect(user_groups_changed, sender=User.groups.through, dispatch_uid="audit-user-groups")
    m2m_changed.connect(group_permissions_changed, sender=Group.permissions.through,
                        dispatch_uid="audit-group-permissions")
    post_save.connect(token_saved, sender=get_access_token_model(), dispatch_uid="audit-token-saved")
    post_delete.connect(token_deleted, sender=get_access_token_model(), dispatch_uid="audit-token-deleted")
    pre_delete.connect(token_deleting, sender=get_access_token_model(), dispatch_uid="audit-token-deleting")
