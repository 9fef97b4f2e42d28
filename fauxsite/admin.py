"""
Access in the admin: OAuth applications with the scopes they may be granted,
tokens issued from the admin (shown once), blocks on abusive clients (lifted
here), and the read-only audit trail.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from oauth2_provider import admin as oauth_admin
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from fauxsite import blocks
from fauxsite.access import SchemaScopes, grantable_scopes
from fauxsite.models import ApplicationScopes, AuditEntry, Block
from fauxsite.oauth import TokenRequestError, issue_token

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
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["time", "actor_name", "action", "object_type", "schema_slug", "object_id", "origin",
                    "request_id"]
    list_filter = ["action", "origin", "object_type", "actor_kind", "schema_slug", "actor_application"]
    search_fields = ["actor_name", "object_id", "object_repr", "request_id", "schema_slug", "path"]
    date_hierarchy = "time"
    list_select_related = ["actor_user", "actor_application"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
