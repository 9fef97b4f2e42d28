"""
Roles for staff: Django groups with the permissions each job needs.

A staff user sees and can do in the admin only what their groups allow;
superusers have every permission. The groups are created by a data migration
(``fauxsite/migrations/0003_roles.py``, completed by
``access/migrations/0002_content_types.py`` once these models moved to
``access``) from ``ROLES`` here, with the extra
permissions the admin and the API check besides Django's add/change/delete/view.

Rows through the API with an admin session (Swagger UI's "Try it out") need
``schemas.read_rows`` or ``schemas.write_rows``; a staff user without them is
no more than anonymous there.
"""

from __future__ import annotations

SCHEMA_EDITORS = "Schema editors"
OPERATORS = "Operators"
ACCESS_ADMINS = "Access admins"
AUDITORS = "Auditors"

# (app label, model, codename, name): permissions no model declares.
EXTRA_PERMISSIONS = [
    ("schemas", "schema", "read_rows", "Can read every schema's rows through the API in the admin session"),
    ("schemas", "schema", "write_rows", "Can write every schema's rows through the API in the admin session"),
    ("schemas", "schema", "seed_rows", "Can seed and delete mock rows"),
    ("datasources", "datasource", "check_readiness", "Can check a schema's readiness for a live table"),
    ("datasources", "datasource", "provision_table", "Can create a schema's live table"),
    ("datasources", "datasource", "switch_source", "Can switch a schema between fixtures and live"),
]


def _all(app_label: str, *models: str) -> list[str]:
    actions = ("add", "change", "delete", "view")
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


ROLES: dict[str, list[str]] = {
    # Schemas and fields (the admin, and schema files imported there), seeding, and rows.
    SCHEMA_EDITORS: [
        *_all("schemas", "schema", "field"),
        "schemas.seed_rows", "schemas.read_rows", "schemas.write_rows",
    ],
    # Data sources, readiness, provisioning and switching; rows to check a switch.
    OPERATORS: [
        *_all("datasources", "datasource"),
        "golive.view_sourceswitch",
        "datasources.check_readiness", "datasources.provision_table", "datasources.switch_source",
        "schemas.read_rows",
    ],
    # Applications, their allowed scopes, tokens (issuing is changing an application), blocks.
    ACCESS_ADMINS: [
        *_all("oauth2_provider", "application", "accesstoken", "refreshtoken", "grant", "idtoken"),
        *_all("access", "applicationscopes"),
        "access.view_block", "access.change_block",
    ],
    # The audit trail, read-only.
    AUDITORS: ["access.view_auditentry"],
}


def ensure_roles(apps) -> None:
    """Creates the extra permissions and the groups; adds missing permissions, removes none."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    if apps is not global_apps:
        # Django creates model permissions after migrate; a migration needs them now.
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_contenttypes(app_config, verbosity=0, apps=apps)
            create_permissions(app_config, verbosity=0, apps=apps)
            app_config.models_module = None
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for app_label, model, codename, name in EXTRA_PERMISSIONS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        Permission.objects.get_or_create(content_type=content_type, codename=codename,
                                         defaults={"name": name})
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*[_permission(Permission, name) for name in names])


def _permission(Permission, dotted: str):
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)
