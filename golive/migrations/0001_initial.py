# SourceSwitch was the datasources app's (datasources/migrations/0002_sourceswitch.py
# created its table, which keeps its name). This migration only tells Django's state
# that golive has it now; datasources' 0003 forgets it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('datasources', '0002_sourceswitch'),
        ('schemas', '0004_contract_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='SourceSwitch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_source', models.CharField(max_length=10)),
                ('to_source', models.CharField(max_length=10)),
                ('rows_copied', models.PositiveIntegerField(default=0)),
                ('actor', models.CharField(blank=True, max_length=150)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('data_source', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='switches', to='datasources.datasource')),
                ('schema', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='source_switches', to='schemas.schema')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'source switches',
                'db_table': 'datasources_sourceswitch',
                'ordering': ['-created', '-id'],
            },
        ),
    ])]
