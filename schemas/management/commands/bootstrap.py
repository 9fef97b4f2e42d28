"""
``manage.py bootstrap``: make a fresh installation usable, and say where to go.

Imports the demo schemas when there are none yet, gives every empty schema
mock rows, makes sure an ``admin`` superuser exists, and prints the URLs.
Idempotent: a second run changes nothing. The admin's password comes from
``FAUXSITE_ADMIN_PASSWORD`` or is generated, and is printed only when the
user is created; it is never stored anywhere else.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from schemas.catalog import current_catalog
from schemas.models import Schema

DEMO_SCHEMAS = settings.BASE_DIR / "demo" / "schemas.yaml"
ADMIN_USERNAME = "admin"
PASSWORD_VARIABLE = "FAUXSITE_ADMIN_PASSWORD"
ROWS_PER_SCHEMA = 50
SEED = 1
PAGES = [
    ("Home", "/"),
    ("Swagger UI", "/api/docs/"),
    ("Redoc", "/api/redoc/"),
    ("OpenAPI document", "/api/schema/"),
    ("Admin", "/admin/"),
]


class Command(BaseCommand):
    help = "Import the demo schemas, seed empty schemas, ensure the admin user, print the URLs."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=ROWS_PER_SCHEMA, help="Rows per empty schema.")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the server will listen."
        )

    def handle(self, *args, rows: int, base_url: str, **options) -> None:
        self.import_demo_schemas()
        self.seed_empty_schemas(rows)
        self.ensure_admin()
        self.print_urls(base_url.rstrip("/"))

    def import_demo_schemas(self) -> None:
        if Schema.objects.exists():
            return
        self.stdout.write(f"Importing the demo schemas from {DEMO_SCHEMAS.relative_to(settings.BASE_DIR)}")
        call_command("import_schemas", str(DEMO_SCHEMAS), stdout=self.stdout, stderr=self.stderr)

    def seed_empty_schemas(self, rows: int) -> None:
        empty = [resource.slug for resource in current_catalog() if not resource.model.objects.exists()]
        if not empty:
            return
        self.stdout.write(f"Seeding {rows} rows into each of: {', '.join(empty)}")
        call_command("seed", *empty, count=rows, seed=SEED, stdout=self.stdout, stderr=self.stderr)

    def ensure_admin(self) -> None:
        users = get_user_model().objects
        if users.filter(username=ADMIN_USERNAME).exists():
            self.stdout.write(
                f"Admin user '{ADMIN_USERNAME}' exists. "
                f"To reset its password: python manage.py changepassword {ADMIN_USERNAME}"
            )
            return
        password = os.environ.get(PASSWORD_VARIABLE) or secrets.token_urlsafe(12)
        users.create_superuser(ADMIN_USERNAME, email="", password=password)
        self.stdout.write(self.style.SUCCESS(_created_message(password)))

    def print_urls(self, base_url: str) -> None:
        self.stdout.write("\nfauxsite will be served at:")
        for title, path in PAGES:
            self.stdout.write(f"  {title:<17} {base_url}{path}")
        self.stdout.write(f"Log in to the admin as '{ADMIN_USERNAME}'.")


def _created_message(password: str) -> str:
    if os.environ.get(PASSWORD_VARIABLE):
        return f"Created admin user '{ADMIN_USERNAME}' with the password in {PASSWORD_VARIABLE}."
    return (
        f"Created admin user '{ADMIN_USERNAME}' with password: {password}\n"
        "  (shown only this once; to change it: python manage.py changepassword admin)"
    )
