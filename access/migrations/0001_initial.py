# The models of access/models.py were the fauxsite app's (fauxsite/migrations
# 0001-0004 created their tables, which keep their names). This migration only
# tells Django's state that access has them now; fauxsite's 0005 forgets them.

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("fauxsite", "0004_audit_definitions_and_details"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.OAUTH2_PROVIDER_APPLICATION_MODEL),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='ApplicationScopes',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scopes', models.TextField(blank=True, help_text="Space-separated, such as 'books:read books:write'. The client asks for these at /o/token/; it can never get a scope that is not listed here.")),
                ('application', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='allowed_scopes', to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL)),
            ],
            options={
                'verbose_name': 'allowed scopes',
                'verbose_name_plural': 'allowed scopes',
                'db_table': 'fauxsite_applicationscopes',
            },
        ),
        migrations.CreateModel(
            name='Block',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(db_index=True, help_text='ip:<address>, login:<username> or app:<application id>: who is refused.', max_length=200)),
                ('reason', models.CharField(choices=[('login_failures', 'failed logins'), ('invalid_tokens', 'invalid bearer tokens'), ('rate_limited', 'repeated 429s')], max_length=20)),
                ('created', models.DateTimeField(default=django.utils.timezone.now)),
                ('until', models.DateTimeField(db_index=True)),
                ('lifted', models.DateTimeField(blank=True, null=True)),
                ('request_id', models.CharField(blank=True, max_length=128)),
                ('lifted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'fauxsite_block',
                'ordering': ['-created', '-id'],
            },
        ),
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('time', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('action', models.CharField(choices=[('created', 'Created'), ('updated', 'Updated'), ('deleted', 'Deleted'), ('definition_changed', 'definition changed'), ('rows_seeded', 'rows seeded'), ('rows_deleted', 'rows deleted'), ('rows_copied', 'rows copied'), ('provisioned', 'Provisioned'), ('switched', 'source switched'), ('keys_rotated', 'keys rotated'), ('token_issued', 'token issued'), ('token_revoked', 'token revoked'), ('blocked', 'Blocked'), ('block_lifted', 'block lifted'), ('pruned', 'trail pruned')], max_length=20)),
                ('origin', models.CharField(choices=[('api', 'API'), ('admin', 'Admin'), ('oauth', 'OAuth endpoint'), ('command', 'management command'), ('other', 'Other')], max_length=10)),
                ('object_type', models.CharField(help_text='row, schema, field, data source, ...', max_length=40)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('object_repr', models.CharField(blank=True, max_length=200)),
                ('schema_slug', models.CharField(blank=True, db_index=True, max_length=63)),
                ('actor_kind', models.CharField(choices=[('user', 'User'), ('application', 'Application'), ('command', 'management command'), ('anonymous', 'Anonymous'), ('system', 'System')], max_length=12)),
                ('actor_name', models.CharField(blank=True, db_index=True, max_length=200)),
                ('request_id', models.CharField(blank=True, db_index=True, max_length=128)),
                ('method', models.CharField(blank=True, max_length=10)),
                ('path', models.CharField(blank=True, max_length=300)),
                ('before', models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True)),
                ('after', models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True)),
                ('details', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ('actor_application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL)),
                ('actor_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'audit entries',
                'db_table': 'fauxsite_auditentry',
                'ordering': ['-time', '-id'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='fauxsite_au_object__4129ff_idx')],
            },
        ),
    ])]
