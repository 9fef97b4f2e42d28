# The moved model's content type follows it from app label datasources to golive,
# so the permissions on it, the roles (groups) holding those permissions and
# the admin's log entries stay attached. On a fresh database too: the roles'
# migration (fauxsite 0003) made the content types under the old label.

from django.db import migrations

MOVED_MODELS = ("sourceswitch",)


def _relabel(apps, old_label: str, new_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED_MODELS:
        moved = ContentType.objects.filter(app_label=old_label, model=model).first()
        if moved is None:
            continue
        # A migrate stopped between the two apps' migrations may have made an
        # empty twin under the new label; the old one holds what is attached.
        ContentType.objects.filter(app_label=new_label, model=model).delete()
        moved.app_label = new_label
        moved.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _relabel(apps, "datasources", "golive")


def backwards(apps, schema_editor):
    _relabel(apps, "golive", "datasources")


class Migration(migrations.Migration):

    dependencies = [
        ("golive", "0001_initial"),
        ("datasources", "0003_move_sourceswitch_to_golive"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
