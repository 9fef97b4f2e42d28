"""``manage.py rotate_datasource_keys``: re-encrypt every stored password with the first key."""

from django.core.management.base import CommandError
from django.db import transaction

from datasources import crypto
from datasources.models import DataSource
from fauxsite import audit
from fauxsite.models import AuditEntry


class Command(audit.AuditedCommand):
    help = (
        "Re-encrypt data-source passwords with the first key of FAUXSITE_SECRET_KEYS. "
        "Run it after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        names = []
        try:
            with transaction.atomic():
                for source in DataSource.objects.select_for_update().exclude(password_encrypted=""):
                    # update(): the secret is unchanged, so no new revision or pool.
                    token = crypto.rotate(source.password_encrypted)
                    DataSource.objects.filter(pk=source.pk).update(password_encrypted=token)
                    names.append(source.name)
                # Which passwords, never the keys or the ciphertexts.
                audit.record(AuditEntry.Action.KEYS_ROTATED, "data source",
                             object_repr=f"re-encrypted {len(names)} password(s) with the first key",
                             details={"data_sources": names})
        except crypto.UndecryptablePassword as error:
            raise CommandError(f"Nothing was rotated. {error}") from None
        count = len(names)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} password(s) with the first key."))
