# SourceSwitch moved to the golive app with its table (golive/migrations/0001_initial.py);
# datasources' state forgets it, and the database is left as it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("datasources", "0002_sourceswitch"),
        ("golive", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SourceSwitch")],
        ),
    ]
