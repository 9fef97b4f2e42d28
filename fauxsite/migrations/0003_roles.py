"""The staff roles (fauxsite/roles.py): groups with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from fauxsite.roles import ensure_roles

    ensure_roles(apps)


def remove_roles(apps, schema_editor):
    from fauxsite.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("fauxsite", "0002_blocks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("schemas", "0002_rate_limit_validators"),
        ("datasources", "0002_sourceswitch"),
        ("oauth2_provider", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
