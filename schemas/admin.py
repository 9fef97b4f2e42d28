"""
Schemas are defined here: a schema with its fields edited inline.

A save of the form, fields included, is one operation of the change service:
one revision, one record, Django's tables and the fixtures table changed
together or not at all, so a change the fixtures table cannot follow is
refused as a whole with a message that says why. Deleting, one schema or a
selection, is one operation too.
"""

from django import forms
from django.contrib import admin, messages
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from schemas import changes, field_types, fixture_tables
from schemas.admin_actions import reset_rows, seed_rows
from schemas.models import Field, Schema, SchemaChange


class FieldForm(forms.ModelForm):
    faker = forms.ChoiceField(
        required=False,
        choices=[("", "(automatic, from the type and name)")]
        + [(name, name) for name in field_types.FAKER_PROVIDERS],
        help_text="Faker provider for mock rows.",
    )

    class Meta:
        model = Field
        fields = [
            "name", "type", "position", "description", "required", "nullable", "unique",
            "read_only", "default", "min_length", "max_length", "pattern", "min_value",
            "max_value", "max_digits", "decimal_places", "choices", "to", "faker", "db_column",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.initial.get("faker")
        if current and current not in field_types.FAKER_PROVIDERS:
            self.fields["faker"].choices += [(current, current)]


class FieldInline(admin.StackedInline):
    model = Field
    form = FieldForm
    fk_name = "schema"
    extra = 0
    ordering = ["position", "id"]
    fieldsets = [
        (None, {"fields": [("name", "type", "position"), "description"]}),
        ("Constraints", {"fields": [
            ("required", "nullable", "unique", "read_only"),
            "default",
            ("min_length", "max_length", "pattern"),
            ("min_value", "max_value"),
            ("max_digits", "decimal_places"),
            "choices",
            "to",
        ]}),
        ("Mock data", {"fields": ["faker"]}),
        ("Live mapping", {"fields": ["db_column"], "classes": ["collapse"]}),
    ]


@admin.register(Schema)
class SchemaAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "field_count", "source", "access", "version", "updated"]
    list_filter = ["source", "access", "data_source"]
    search_fields = ["slug", "name", "description"]
    readonly_fields = ["version", "created", "updated", "api_link", "source", "go_live"]
    fieldsets = [
        (None, {"fields": ["slug", "name", "description", "locale", "api_link"]}),
        ("Access", {"fields": ["access", ("read_rate_limit", "write_rate_limit")]}),
        (
            "Where rows live",
            {
                "fields": [
                    ("source", "go_live"),
                    "data_source",
                    ("table_schema", "table_name", "pk_column"),
                ],
                "description": (
                    "The source changes only through readiness checks: use the links. "
                    "Editing fields never changes a live table; provision shows the SQL first."
                ),
            },
        ),
        ("Revision", {"fields": [("version", "created", "updated")], "classes": ["collapse"]}),
    ]
    inlines = [FieldInline]
    actions = [seed_rows, reset_rows]

    @admin.display(description="fields")
    def field_count(self, schema):
        return schema.fields.count()

    @admin.display(description="API")
    def api_link(self, schema):
        if schema.pk is None:
            return "-"
        return format_html('<a href="{0}">{0}</a>', schema.api_path)

    @admin.display(description="switch")
    def go_live(self, schema):
        if schema.pk is None or schema.data_source_id is None:
            return "Choose a data source and save to check readiness."
        links = [
            (reverse("admin:datasources_datasource_readiness", args=[schema.pk]), "readiness"),
            (reverse("admin:datasources_datasource_provision", args=[schema.pk]), "provision"),
            (reverse("admin:datasources_datasource_switch", args=[schema.pk]), "switch source"),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def save_model(self, request, obj, form, change):
        # Saved in save_related, together with its fields: one change, one revision.
        pass

    def save_related(self, request, form, formsets, change):
        action = "edit schema" if change else "create schema"
        with changes.operation(action, request=request) as operation:
            # The forms have validated everything already.
            operation.save_schema(form.instance, clean=False)
            form.save_m2m()
            for formset in formsets:
                self._save_fields(form.instance, formset, operation)

    def _save_fields(self, schema, formset, operation) -> None:
        fields = formset.save(commit=False)
        for field in formset.deleted_objects:
            operation.remove_field(field)
        for field in fields:
            field.schema = schema
            operation.save_field(field, clean=False)

    def delete_model(self, request, obj):
        changes.delete_schema(obj, request=request)

    def delete_queryset(self, request, queryset):
        changes.delete_schemas(queryset, request=request)

    def changeform_view(self, request, *args, **kwargs):
        # Django's tables and the fixtures table change together or not at all.
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS), fixture_tables.atomic():
                return super().changeform_view(request, *args, **kwargs)
        except fixture_tables.SchemaChangeError as error:
            self.message_user(request, f"Nothing was saved. {error}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(SchemaChange)
class SchemaChangeAdmin(admin.ModelAdmin):
    """The change log: read-only, written by the change service only."""

    list_display = ["time", "action", "schema_slugs", "actor_name", "revision"]
    list_filter = ["action"]
    search_fields = ["schema_slugs", "summary", "actor_name", "request_id"]
    readonly_fields = [
        "time", "action", "schema_slugs", "summary", "before", "after", "revision",
        "actor_name", "request_id",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
