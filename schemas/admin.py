"""
Schemas are defined here: a schema with its fields edited inline.

A save of the form, fields included, is one operation of the change service:
one revision, one record, Django's tables and the fixtures table changed
together or not at all, so a change the fixtures table cannot follow is
refused as a whole with a message that says why. Deleting, one schema or a
selection, is one operation too.

Every save is planned first (``changes.plan``). A change that breaks the
contract clients see is shown on a confirmation page, breaking changes first,
with the submitted form carried along in hidden inputs: Apply posts it again
with the plan's digest, Back shows the form again as it was filled in. A
change with nothing breaking is applied at once, and its contract changes are
shown as messages. Applying plans again and compares digests, so a catalog
that changed in between asks again. Deletes list their contract changes on
Django's delete confirmation page. The contract history page lists every
change with who made it, and diffs the kept documents of any two revisions.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import ProtectedError, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.record_admin import RecordAdmin
from schemas import changes, contracts, field_types, fixture_tables
from schemas.admin_actions import reset_rows, seed_rows
from schemas.contract_diff import contract_diff
from schemas.models import Field, Schema, SchemaChange

# Form keys of the confirmation page: Apply sends the plan's digest, Back its own name.
CONFIRM = "_contract_confirm"
BACK = "_contract_back"
# Contract changes shown as messages after a save, at most.
MESSAGE_LINES = 20


class _Planned(Exception):
    """Raised out of the planning pass of a save, which rolls everything back."""

    def __init__(self, plan: changes.Plan):
        super().__init__(plan.action)
        self.plan = plan


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
            "name", "type", "position", "description", "required", "nullable", "unique", "read_only",
            "default", *(option.name for option in field_types.TYPED_OPTIONS), "faker", "db_column",
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
            # The typed options, a row per group (min/max length and pattern, ...).
            *(row if len(row) > 1 else row[0] for row in field_types.option_rows()),
        ]}),
        ("Mock data", {"fields": ["faker"]}),
        ("Live mapping", {"fields": ["db_column"], "classes": ["collapse"]}),
    ]


@admin.register(Schema)
class SchemaAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "field_count", "source", "access", "version", "updated"]
    list_filter = ["source", "access", "data_source"]
    search_fields = ["slug", "name", "description"]
    readonly_fields = ["version", "created", "updated", "api_link", "source", "go_live", "history_link"]
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
        ("Revision", {"fields": [("version", "created", "updated"), "history_link"]}),
    ]
    inlines = [FieldInline]
    actions = [seed_rows, reset_rows, "delete_selected"]
    delete_confirmation_template = "admin/schemas/schema/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/schemas/schema/delete_selected_confirmation.html"

    @admin.display(description="fields")
    def field_count(self, schema):
        return schema.fields.count()

    @admin.display(description="API")
    def api_link(self, schema):
        if schema.pk is None:
            return "-"
        return format_html('<a href="{0}">{0}</a>', schema.api_path)

    @admin.display(description="contract history")
    def history_link(self, schema):
        if schema.pk is None:
            return "-"
        url = reverse("admin:schemas_schemachange_contract") + f"?schema={schema.slug}"
        return format_html('<a href="{}">revisions and contract diffs</a>', url)

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

        def save(operation: changes.Operation) -> None:
            # The forms have validated everything already.
            operation.save_schema(form.instance, clean=False)
            form.save_m2m()
            for formset in formsets:
                self._save_fields(form.instance, formset, operation)

        plan = getattr(request, "_contract_plan", None)
        if plan is None:
            raise _Planned(changes.plan(action, save, request=request))
        with changes.operation(action, request=request) as operation:
            save(operation)
        self._report_contract(request, plan)

    def _save_fields(self, schema, formset, operation) -> None:
        fields = formset.save(commit=False)
        for field in formset.deleted_objects:
            operation.remove_field(field)
        for field in fields:
            field.schema = schema
            operation.save_field(field, clean=False)

    def _report_contract(self, request, plan: changes.Plan) -> None:
        lines = plan.lines()
        for line in lines[:MESSAGE_LINES]:
            level = messages.WARNING if line.endswith("(breaking)") else messages.INFO
            self.message_user(request, f"Contract: {line}", level)
        if len(lines) > MESSAGE_LINES:
            self.message_user(request, f"Contract: and {len(lines) - MESSAGE_LINES} more changes.")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        if getattr(request, "_contract_back", False):
            return type(form_class.__name__, (_BackForm, form_class), {})
        return form_class

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and BACK in request.POST:
            # Back from the confirmation: the form again, as filled in, saving nothing.
            request._contract_back = True
        elif request.method == "POST":
            # Kept before the planning pass, whose transactions are rolled back.
            contracts.current_document()
            try:
                response = self._changeform(request, object_id, form_url, extra_context)
            except _Planned as planned:
                plan = planned.plan
            else:
                return response  # the form has errors, shown again
            if plan.is_breaking and request.POST.get(CONFIRM) != plan.digest:
                if CONFIRM in request.POST:
                    self.message_user(
                        request, "The catalog changed since this page was shown; review the changes again.",
                        messages.WARNING,
                    )
                return self._confirmation(request, plan, object_id)
            request._contract_plan = plan
        return self._changeform(request, object_id, form_url, extra_context)

    def _changeform(self, request, object_id, form_url, extra_context):
        # Django's tables and the fixtures table change together or not at all.
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS), fixture_tables.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except fixture_tables.SchemaChangeError as error:
            self.message_user(request, f"Nothing was saved. {error}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _confirmation(self, request, plan: changes.Plan, object_id) -> TemplateResponse:
        carried = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in ("csrfmiddlewaretoken", CONFIRM, BACK)
            for value in values
        ]
        schema = Schema.objects.filter(pk=object_id).first() if object_id else None
        slug = request.POST.get("slug", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Apply breaking changes to {slug}?",
            "schema": schema,
            "plan": plan,
            "carried": carried,
            "confirm_name": CONFIRM,
            "back_name": BACK,
        }
        return TemplateResponse(request, "admin/schemas/schema/contract_confirmation.html", context)

    # Deleting ----------------------------------------------------------------------------

    def delete_model(self, request, obj):
        changes.delete_schema(obj, request=request)

    def delete_queryset(self, request, queryset):
        changes.delete_schemas(queryset, request=request)

    def render_delete_form(self, request, context):
        if not context.get("protected") and not context.get("perms_lacking"):
            context["contract_plan"] = _delete_plan(request, [context["object"]])
        return super().render_delete_form(request, context)

    @admin.action(permissions=["delete"], description="Delete selected schemas")
    def delete_selected(self, request, queryset):
        response = django_delete_selected(self, request, queryset)
        if isinstance(response, TemplateResponse) and not response.context_data.get("protected"):
            response.context_data["contract_plan"] = _delete_plan(request, list(queryset))
        return response


class _BackForm(forms.ModelForm):
    def clean(self):
        super().clean()
        raise forms.ValidationError(
            "Nothing was saved: you went back from the contract changes. Change what you need and save again."
        )


def _delete_plan(request, schemas: list[Schema]) -> changes.Plan | None:
    try:
        return changes.plan(
            "delete schemas", lambda operation: operation.delete_schemas(schemas), request=request
        )
    except ProtectedError:
        return None  # another schema refers to one of them; Django's page says which


@admin.register(SchemaChange)
class SchemaChangeAdmin(RecordAdmin):
    """The change log: read-only, written by the change service only."""

    list_display = ["time", "action", "schema_slugs", "actor_name", "revision"]
    list_filter = ["action"]
    search_fields = ["schema_slugs", "summary", "actor_name", "request_id"]
    readonly_fields = [
        "time", "action", "schema_slugs", "summary", "before", "after", "revision",
        "actor_name", "request_id",
    ]
    # Newest first; older changes stay in the change log.
    HISTORY_LENGTH = 200

    def get_urls(self):
        history = path(
            "contract/", self.admin_site.admin_view(self.contract_history_view),
            name="schemas_schemachange_contract",
        )
        return [history, *super().get_urls()]

    def contract_history_view(self, request):
        """Revisions with who changed what, and the contract diff between any two kept ones."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        slug = request.GET.get("schema", "").strip()
        kept = contracts.stored_revisions()
        records = _changes_of(slug)[: self.HISTORY_LENGTH]
        old, new = _chosen(request, "from", kept[1:2]), _chosen(request, "to", kept[:1])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Contract history of {slug}" if slug else "Contract history",
            "slug": slug,
            "records": [(record, record.summary.splitlines(), record.revision in kept) for record in records],
            "kept": kept,
            "old": old,
            "new": new,
            **_revision_diff(old, new, slug),
        }
        return TemplateResponse(request, "admin/schemas/schemachange/contract_history.html", context)


def _changes_of(slug: str):
    records = SchemaChange.objects.all()
    if slug:
        records = records.filter(
            Q(schema_slugs=slug)
            | Q(schema_slugs__startswith=f"{slug} ")
            | Q(schema_slugs__endswith=f" {slug}")
            | Q(schema_slugs__contains=f" {slug} ")
        )
    return records


def _chosen(request, name: str, default: list[int]) -> int | None:
    value = request.GET.get(name, "")
    if value.isdigit():
        return int(value)
    return default[0] if default else None


def _revision_diff(old: int | None, new: int | None, slug: str) -> dict:
    if old is None or new is None:
        return {}
    before, after = contracts.stored_document(old), contracts.stored_document(new)
    missing = [revision for revision, document in ((old, before), (new, after)) if document is None]
    if missing:
        return {"missing": missing}
    found = [change for change in contract_diff(before, after).changes if not slug or change.slug == slug]
    return {
        "breaking": [change.line() for change in found if change.breaking],
        "compatible": [change.line() for change in found if not change.breaking],
        "compared": True,
    }
