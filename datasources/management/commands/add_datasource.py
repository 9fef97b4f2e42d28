"""
``manage.py add_datasource NAME --url-env VAR``: register (or update) a data source.

The URL is read from an environment variable, never from the command line
(where it would land in shell history and the process list):
``postgresql://user:password@host:5432/dbname?sslmode=require``.
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from core.actors import AuditedCommand
from datasources import hosts
from datasources.models import DataSource


class Command(AuditedCommand):
    help = "Register a PostgreSQL data source from a URL held in an environment variable."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--url-env", required=True, metavar="VAR",
                            help="Environment variable holding the postgresql:// URL.")
        parser.add_argument("--read-only", action="store_true", help="Refuse writes through the API.")
        parser.add_argument("--sslmode", choices=hosts.SSL_MODES,
                            help="TLS mode; overrides the URL's sslmode (default prefer).")

    def handle(self, *args, name, url_env, read_only, sslmode, **options):
        url = os.environ.get(url_env)
        if not url:
            raise CommandError(f"The environment variable {url_env} is not set or empty.")
        details = parse_url(url)
        if sslmode:
            details["sslmode"] = sslmode
        password = details.pop("password")
        source = DataSource.objects.filter(name=name).first() or DataSource(name=name)
        created = source.pk is None
        for field, value in {**details, "read_only": read_only}.items():
            setattr(source, field, value)
        source.set_password(password)
        try:
            source.full_clean()
            hosts.resolve(source)
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        except hosts.UnsafeDataSource as error:
            raise CommandError(str(error)) from None
        source.save()
        verb = "Added" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} data source {name} ({source.display_address})."))


def parse_url(url: str) -> dict:
    """Connection details from a postgresql:// URL; errors never repeat the URL (it holds the password)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise CommandError("The URL must start with postgresql:// or postgres://.")
    if "," in parts.netloc:
        raise CommandError("The URL names several hosts; a data source has exactly one.")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"sslmode"})
    if unknown:
        raise CommandError(f"The URL has parameters fauxsite does not take: {', '.join(unknown)}.")
    try:
        port = parts.port or 5432
    except ValueError:
        raise CommandError("The URL's port is not a number between 0 and 65535.") from None
    return {
        "host": parts.hostname or "",
        "port": port,
        "database": unquote(parts.path.lstrip("/")),
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "sslmode": query.get("sslmode", ["prefer"])[-1],
    }


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)
