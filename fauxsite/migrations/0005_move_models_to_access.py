# The models moved to the access app with their tables (access/migrations/0001_initial.py);
# fauxsite's state forgets them, and the database is left as it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("fauxsite", "0004_audit_definitions_and_details"),
        ("access", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApplicationScopes"),
                migrations.DeleteModel(name="AuditEntry"),
                migrations.DeleteModel(name="Block"),
            ],
        ),
    ]
