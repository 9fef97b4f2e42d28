"""
``manage.py issue_token --application NAME --scopes "books:read books:write" [--expires SECONDS]``

Issues an access token for an OAuth application and prints it. Only the
token's checksum is stored, so this output is the one chance to copy it.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from oauth2_provider.models import get_application_model

from access.oauth import TokenRequestError, issue_token
from core.actors import AuditedCommand


class Command(AuditedCommand):
    help = "Issue an access token for an OAuth application and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--application", required=True, help="The application's name or client id.")
        parser.add_argument("--scopes", required=True, help='Space-separated, such as "books:read read".')
        parser.add_argument(
            "--expires", type=int, help="Lifetime in seconds; the access-token default if left out."
        )

    def handle(self, *args, application: str, scopes: str, expires: int | None, **options) -> None:
        token, plaintext = self.issue(self.find(application), scopes.split(), expires)
        self.stderr.write(f"Issued for {token.application.name}, scopes '{token.scope}', "
                          f"expires {token.expires:%Y-%m-%d %H:%M:%S} UTC.")
        self.stdout.write(plaintext)

    def find(self, name_or_client_id: str):
        Application = get_application_model()
        matches = list(Application.objects.filter(name=name_or_client_id)[:2]) or list(
            Application.objects.filter(client_id=name_or_client_id)
        )
        if not matches:
            raise CommandError(f"No application is called {name_or_client_id!r}; create it in the admin.")
        if len(matches) > 1:
            raise CommandError(f"Several applications are called {name_or_client_id!r}; give the client id.")
        return matches[0]

    def issue(self, application, scopes: list[str], expires: int | None):
        try:
            return issue_token(application, scopes, expires)
        except TokenRequestError as error:
            raise CommandError(str(error)) from None
