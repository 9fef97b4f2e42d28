"""
Access records kept in ``default``: the scopes each OAuth application may be
granted, blocks on abusive clients, and the audit trail of writes and admin
changes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from core import actors


class ApplicationScopes(models.Model):
    """The scopes an application may ask /o/token/ for; nothing unless listed."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="allowed_scopes"
    )
    scopes = models.TextField(
        blank=True,
        help_text="Space-separated, such as 'books:read books:write'. The client asks for these at "
        "/o/token/; it can never get a scope that is not listed here.",
    )

    class Meta:
        # The tables keep the names they had when these models were the fauxsite app's.
        db_table = "fauxsite_applicationscopes"
        verbose_name = "allowed scopes"
        verbose_name_plural = "allowed scopes"

    def __str__(self) -> str:
        return self.scopes or "(none)"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @classmethod
    def allowed_for(cls, application) -> set[str]:
        if application is None or application.pk is None:
            return set()
        scopes = cls.objects.filter(application=application).values_list("scopes", flat=True).first()
        return set((scopes or "").split())


class Block(models.Model):
    """A client refused until ``until``: an address, a login name or an OAuth application.

    The cache holds the live copy that requests check (``access.blocks``);
    this row is what the admin shows and lifts, and what outlives the block.
    """

    class Reason(models.TextChoices):
        LOGIN_FAILURES = "login_failures", "failed logins"
        INVALID_TOKENS = "invalid_tokens", "invalid bearer tokens"
        RATE_LIMITED = "rate_limited", "repeated 429s"

    key = models.CharField(
        max_length=200, db_index=True,
        help_text="ip:<address>, login:<username> or app:<application id>: who is refused.",
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(db_index=True)
    lifted = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    request_id = models.CharField(max_length=128, blank=True)

    class Meta:
        db_table = "fauxsite_block"
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_reason_display()})"

    @property
    def active(self) -> bool:
        return self.lifted is None and self.until > timezone.now()


class AuditEntry(models.Model):
    """One write through the API, or one change to the catalog, rows in bulk, data sources or access.

    ``before`` and ``after`` hold the definition as it was and as it became
    (schemas, fields, data sources, applications, scopes, users' groups),
    never a secret: a password or client secret shows as set, not set,
    changed or removed. ``details`` holds what else the action needs to be
    understood (rows seeded, SQL run and its outcome, the change summary).
    """

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"
        DEFINITION_CHANGED = "definition_changed", "definition changed"
        ROWS_SEEDED = "rows_seeded", "rows seeded"
        ROWS_DELETED = "rows_deleted", "rows deleted"
        ROWS_COPIED = "rows_copied", "rows copied"
        PROVISIONED = "provisioned"
        SWITCHED = "switched", "source switched"
        KEYS_ROTATED = "keys_rotated", "keys rotated"
        TOKEN_ISSUED = "token_issued", "token issued"
        TOKEN_REVOKED = "token_revoked", "token revoked"
        BLOCKED = "blocked"
        BLOCK_LIFTED = "block_lifted", "block lifted"
        PRUNED = "pruned", "trail pruned"

    # Declared with the actors themselves, below every package that records one.
    Origin = actors.Origin
    ActorKind = actors.ActorKind

    time = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    # What changed: a row of a schema, or one of fauxsite's own records.
    object_type = models.CharField(max_length=40, help_text="row, schema, field, data source, ...")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    schema_slug = models.CharField(max_length=63, blank=True, db_index=True)
    # Who: links while they exist, and a name that outlives them.
    actor_kind = models.CharField(max_length=12, choices=ActorKind.choices)
    actor_name = models.CharField(max_length=200, blank=True, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A request's X-Request-ID, or one id per run of a management command.
    request_id = models.CharField(max_length=128, blank=True, db_index=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name_plural = "audit entries"
        db_table = "fauxsite_auditentry"
        indexes = [models.Index(fields=["object_type", "object_id"], name="fauxsite_au_object__4129ff_idx")]

    def __str__(self) -> str:
        target = f"{self.schema_slug}/{self.object_id}" if self.schema_slug else self.object_repr
        return f"{self.actor_name or self.actor_kind} {self.action} {self.object_type} {target}"
