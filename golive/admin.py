"""
Data sources in the admin: connection details, a write-only password, a
"Test connection" action, and the pages that take a schema live.

The password field is write-only: it is never rendered back (an empty field
keeps the stored password) and never appears in messages. A schema's
readiness report, provisioning (the SQL is shown before it runs) and source
switch are pages under the data-source admin, linked from each data source
and reachable from the schema admin by URL name:
``admin:datasources_datasource_readiness``, ``..._provision``, ``..._switch``.
"""

from __future__ import annotations

import hashlib

import psycopg
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from core.record_admin import RecordAdmin
from datasources import hosts
from datasources.connect import SourceUnavailable, test_connection
from datasources.models import DataSource
from golive.models import SourceSwitch
from golive.provision import ProvisionRefused, apply_plan, provision_plan
from golive.readiness import readiness_report
from golive.switching import SwitchRefused, switch_source
from schemas.models import Schema, Source


class DataSourceForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown. Leave empty to keep the current password.",
    )
    clear_password = forms.BooleanField(
        required=False, help_text="Remove the stored password (for servers that need none)."
    )

    class Meta:
        model = DataSource
        fields = ["name", "host", "port", "database", "user", "password", "clear_password",
                  "sslmode", "options", "read_only"]

    def clean(self):
        cleaned = super().clean()
        if "host" in cleaned and "port" in cleaned and not self.has_error("host"):
            probe = DataSource(host=cleaned["host"], port=cleaned["port"])
            try:
                hosts.resolve(probe)
            except hosts.UnsafeDataSource as error:
                self.add_error("host", str(error))
        return cleaned

    def save(self, commit=True):
        source = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            source.set_password("")
        elif self.cleaned_data.get("password"):
            source.set_password(self.cleaned_data["password"])
        if commit:
            source.save()
        return source


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    form = DataSourceForm
    list_display = [
        "name", "display_address", "sslmode", "read_only", "password_state", "revision", "updated",
    ]
    search_fields = ["name", "host", "database"]
    readonly_fields = ["password_state", "revision", "created", "updated", "mapped_schemas"]
    actions = ["test_connection_action"]

    def get_fields(self, request, obj=None):
        fields = list(self.form.Meta.fields)
        fields.insert(fields.index("password"), "password_state")
        return fields + ([] if obj is None else ["mapped_schemas", "revision", "created", "updated"])

    @method_decorator(sensitive_post_parameters("password"))
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    @admin.display(description="password")
    def password_state(self, source: DataSource) -> str:
        return "set (encrypted)" if source.has_password else "not set"

    @admin.display(description="address")
    def display_address(self, source: DataSource) -> str:
        return source.display_address

    @admin.display(description="schemas mapped here")
    def mapped_schemas(self, source: DataSource):
        schemas = list(source.schemas.order_by("slug")) if source.pk else []
        if not schemas:
            return "none yet: choose this data source on a schema"
        return format_html_join(
            "",
            "<div>{} ({}): <a href='{}'>readiness</a> · <a href='{}'>provision</a> · "
            "<a href='{}'>switch</a></div>",
            ((schema.slug, schema.source, _url("readiness", schema), _url("provision", schema),
              _url("switch", schema)) for schema in schemas),
        )

    @admin.action(description="Test connection")
    def test_connection_action(self, request, queryset):
        for source in queryset:
            result = test_connection(source)
            self.message_user(request, result.message, messages.SUCCESS if result.ok else messages.ERROR)

    # Schema pages ----------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("schema/<int:schema_id>/readiness/", wrap(self.readiness_view),
                 name="datasources_datasource_readiness"),
            path("schema/<int:schema_id>/provision/", wrap(self.provision_view),
                 name="datasources_datasource_provision"),
            path("schema/<int:schema_id>/switch/", wrap(self.switch_view),
                 name="datasources_datasource_switch"),
            *super().get_urls(),
        ]

    def _schema(self, request, schema_id: int, permission: str) -> Schema:
        # Each go-live page has its own permission (access/roles.py): operators
        # check, provision and switch without editing schemas.
        if not request.user.has_perm(f"datasources.{permission}"):
            raise PermissionDenied
        return get_object_or_404(Schema.objects.select_related("data_source"), pk=schema_id)

    def _render(self, request, template: str, schema: Schema, **context):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "schema": schema,
                   "title": f"{schema.slug}: {template}", **context}
        return TemplateResponse(request, f"admin/datasources/{template}.html", context)

    def readiness_view(self, request, schema_id: int):
        schema = self._schema(request, schema_id, "check_readiness")
        return self._render(request, "readiness", schema, report=readiness_report(schema),
                            provision_url=_url("provision", schema), switch_url=_url("switch", schema))

    def provision_view(self, request, schema_id: int):
        schema = self._schema(request, schema_id, "provision_table")
        try:
            plan = provision_plan(schema)
        except ProvisionRefused as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(_url("readiness", schema))
        digest = _digest(plan.sql_text)
        if request.method == "POST" and not plan.empty:
            if request.POST.get("digest") != digest:
                self.message_user(request, "The table changed since the SQL was shown; review it again.",
                                  messages.WARNING)
            else:
                return self._apply(request, schema, plan)
        return self._render(request, "provision", schema, plan=plan, digest=digest,
                            readiness_url=_url("readiness", schema))

    def _apply(self, request, schema, plan):
        try:
            count = apply_plan(plan)
        except (ProvisionRefused, SourceUnavailable, psycopg.Error) as error:
            self.message_user(request, f"Nothing was changed: {error}", messages.ERROR)
        else:
            self.message_user(request, f"Ran {count} statement(s) on {schema.data_source}.", messages.SUCCESS)
        return HttpResponseRedirect(_url("readiness", schema))

    def switch_view(self, request, schema_id: int):
        schema = self._schema(request, schema_id, "switch_source")
        target = Source.FIXTURES if schema.source == Source.LIVE else Source.LIVE
        if request.method == "POST":
            try:
                record = switch_source(schema, target, copy_rows=bool(request.POST.get("copy_rows")),
                                       user=request.user)
            except SwitchRefused as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request, f"{schema.slug} now serves from {record.to_source} "
                    f"({record.rows_copied} rows copied).", messages.SUCCESS)
            return HttpResponseRedirect(_url("switch", schema))
        report = readiness_report(schema) if target == Source.LIVE and schema.data_source else None
        return self._render(request, "switch", schema, target=target, report=report,
                            switches=schema.source_switches.select_related("user")[:10],
                            readiness_url=_url("readiness", schema))


def _url(page: str, schema: Schema) -> str:
    return reverse(f"admin:datasources_datasource_{page}", args=[schema.pk])


def _digest(statements: list[str]) -> str:
    return hashlib.sha256("\n".join(statements).encode()).hexdigest()


@admin.register(SourceSwitch)
class SourceSwitchAdmin(RecordAdmin):
    list_display = ["created", "schema", "from_source", "to_source", "rows_copied", "who", "data_source"]
    list_filter = ["to_source"]
    readonly_fields = ["schema", "data_source", "from_source", "to_source", "rows_copied", "user", "actor",
                       "created"]

    @admin.display(description="who")
    def who(self, switch: SourceSwitch) -> str:
        return str(switch.user) if switch.user else switch.actor
