"""``manage.py rotate_datasource_keys``: re-encrypt every stored password with the first key."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from datasources import crypto
from datasources.models import DataSource


class Command(BaseCommand):
    help = (
        "Re-encrypt data-source passwords with the first key of FAUXSITE_SECRET_KEYS. "
        "Run it after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        count = 0
        try:
            with transaction.atomic():
                for source in DataSource.objects.select_for_update().exclude(password_encrypted=""):
                    # update(): the secret is unchanged, so no new revision or pool.
                    token = crypto.rotate(source.password_encrypted)
                    DataSource.objects.filter(pk=source.pk).update(password_encrypted=token)
                    count += 1
        except crypto.UndecryptablePassword as error:
            raise CommandError(f"Nothing was rotated. {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} password(s) with the first key."))
