"""
Access in the admin: OAuth applications with the scopes they may be granted,
tokens issued from the admin (shown once), blocks on abusive clients (lifted
here), and the read-only audit trail, filtered and exported as JSON lines.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from oauth2_provider import admin as oauth_admin
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from access import audit, blocks
from access.models import ApplicationScopes, AuditEntry, Block
from access.oauth import TokenRequestError, issue_token
from access.policy import SchemaScopes, grantable_scopes
from core.record_admin import RecordAdmin

Application = get_application_model()


def _scope_choices(names=None) -> list[tuple[str, str]]:
    scopes = SchemaScopes().get_all_scopes()
    return [(name, f"{name}: {scopes[name]}") for name in (scopes if names is None else names)]


class ApplicationScopesForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The scopes this application may ask /o/token/ for. None are granted otherwise.",
    )

    class Meta:
        model = ApplicationScopes
        fields = ["scopes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = _scope_choices()
        if self.instance.pk:
            self.initial["scopes"] = self.instance.scope_list

    def clean_scopes(self) -> str:
        return " ".join(self.cleaned_data["scopes"])


class ApplicationScopesInline(admin.StackedInline):
    model = ApplicationScopes
    form = ApplicationScopesForm
    can_delete = False
    min_num = 1
    max_num = 1


class IssueTokenForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        help_text="Only the scopes this application is allowed; change those on the application.",
    )
    expires_in = forms.IntegerField(
        label="Expires in (seconds)", min_value=1, help_text="3600 is an hour, 2592000 thirty days."
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = _scope_choices(grantable_scopes(application))


admin.site.unregister(Application)


@admin.register(Application)
class ApplicationAdmin(oauth_admin.ApplicationAdmin):
    inlines = [ApplicationScopesInline]
    # The toolkit's own application pages are not routed: nothing to view on site.
    view_on_site = False
    change_form_template = "admin/fauxsite/application_change_form.html"

    def get_urls(self):
        issue = path(
            "<path:object_id>/issue-token/",
            self.admin_site.admin_view(self.issue_token_view),
            name="fauxsite_application_issue_token",
        )
        return [issue, *super().get_urls()]

    def issue_token_view(self, request, object_id):
        application = get_object_or_404(Application, pk=object_id)
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        form = IssueTokenForm(request.POST or None, application=application, initial={
            "scopes": grantable_scopes(application),
            "expires_in": oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
        })
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": application,
                   "title": f"Issue a token for {application.name}", "form": form}
        if request.method == "POST" and form.is_valid():
            try:
                token, plaintext = issue_token(
                    application, form.cleaned_data["scopes"], form.cleaned_data["expires_in"]
                )
            except TokenRequestError as error:
                messages.error(request, str(error))
            else:
                return self._token_once(request, context, token, plaintext)
        return TemplateResponse(request, "admin/fauxsite/issue_token.html", context)

    def _token_once(self, request, context, token, plaintext):
        change_url = reverse("admin:oauth2_provider_application_change", args=[token.application_id])
        context.update(token=token, plaintext=plaintext, title=f"Token for {token.application.name}",
                       change_url=change_url)
        response = TemplateResponse(request, "admin/fauxsite/issued_token.html", context)
        # Only its checksum is stored: this page is the one chance to copy it.
        response["Cache-Control"] = "no-store"
        return response


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["key", "reason", "created", "until", "is_active", "lifted", "lifted_by"]
    list_filter = ["reason", "created"]
    search_fields = ["key", "request_id"]
    actions = ["lift_action"]
    list_select_related = ["lifted_by"]

    @admin.display(boolean=True, description="active")
    def is_active(self, block: Block) -> bool:
        return block.active

    @admin.action(description="Lift the selected blocks", permissions=["change"])
    def lift_action(self, request, queryset):
        lifted = blocks.lift(queryset, request=request)
        self.message_user(request, f"Lifted {lifted} block(s).", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        # Lifting is the one change, and it goes through the action (audited).
        return [field.name for field in self.model._meta.fields]


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    """The trail, read-only for everyone; exported as JSON lines as filtered."""

    # Named, not found by app label: the template kept its path when the model moved to access.
    change_list_template = "admin/fauxsite/auditentry/change_list.html"
    list_display = ["time", "actor_name", "action", "object_type", "schema_slug", "object_repr", "origin",
                    "request_id"]
    list_filter = [
        "action",
        "origin",
        "object_type",
        "actor_kind",
        ("actor_name", admin.AllValuesFieldListFilter),
        "schema_slug",
        ("time", admin.DateFieldListFilter),
        "actor_application",
    ]
    search_fields = ["actor_name", "object_id", "object_repr", "request_id", "schema_slug", "path"]
    date_hierarchy = "time"
    list_select_related = ["actor_user", "actor_application"]
    fields = ["time", "action", "origin", "object_type", "object_id", "object_repr", "schema_slug",
              "actor_kind", "actor_name", "actor_user", "actor_application", "request_id", "method", "path",
              "what_changed", "details_shown"]
    readonly_fields = ["what_changed", "details_shown"]
    actions = ["export_action"]

    @admin.display(description="what changed")
    def what_changed(self, entry: AuditEntry):
        """The definition before and after, one line per key; changed keys first."""
        before, after = entry.before or {}, entry.after or {}
        if not before and not after:
            return "-"
        both = entry.before is not None and entry.after is not None
        changed = {key for key in [*before, *after] if both and before.get(key) != after.get(key)}
        keys = sorted(dict.fromkeys([*before, *after]), key=lambda key: key not in changed)
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (key, "changed" if key in changed else "", _shown(before, key, entry.before),
             _shown(after, key, entry.after))
            for key in keys
        ))
        return format_html("<table><tr><th></th><th></th><th>before</th><th>after</th></tr>{}</table>", rows)

    @admin.display(description="details")
    def details_shown(self, entry: AuditEntry):
        if not entry.details:
            return "-"
        return format_html("<pre>{}</pre>", json.dumps(entry.details, indent=2, sort_keys=True,
                                                       ensure_ascii=False))

    # Export ------------------------------------------------------------------------

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_view),
                      name="fauxsite_auditentry_export")
        return [export, *super().get_urls()]

    def export_view(self, request):
        """The changelist as filtered (same query string), as JSON lines."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return _json_lines_response(changelist.get_queryset(request))

    @admin.action(description="Download the selected entries as JSON lines", permissions=["view"])
    def export_action(self, request, queryset):
        return _json_lines_response(queryset)


def _shown(values: dict, key: str, stored) -> str:
    if stored is None:
        return "(none)"
    if key not in values:
        return ""
    return json.dumps(values[key], ensure_ascii=False, cls=DjangoJSONEncoder)


def _json_lines_response(entries) -> StreamingHttpResponse:
    response = StreamingHttpResponse(audit.json_lines(entries), content_type="application/x-ndjson")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.jsonl"'
    response["Cache-Control"] = "no-store"
    return response
