"""``manage.py rotate_datasource_keys``: re-encrypt every stored password with the first key."""

from django.core.management.base import CommandError
from django.db import transaction

from core.actors import AuditedCommand
from datasources import crypto, signals
from datasources.models import DataSource


class Command(AuditedCommand):
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
                signals.keys_rotated.send(type(self), names=names)
        except crypto.UndecryptablePassword as error:
            raise CommandError(f"Nothing was rotated. {error}") from None
        count = len(names)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} password(s) with the first key."))
