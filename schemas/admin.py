"""
Schemas are defined here: a schema with its fields edited inline.

A save changes Django's tables and the fixtures table together: both run in
one transaction each, nested, so a change the fixtures table cannot follow
is refused as a whole with a message that says why.
"""

from django import forms
from django.contrib import admin, messages
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from schemas import field_types, fixture_tables
from schemas.admin_actions import reset_rows, seed_rows
from schemas.models import Field, Schema


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

    def changeform_view(self, request, *args, **kwargs):
        # Django's tables and the fixtures table change together or not at all.
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS), fixture_tables.atomic():
                return super().changeform_view(request, *args, **kwargs)
        except fixture_tables.SchemaChangeError as error:
            self.message_user(request, f"Nothing was saved. {error}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
