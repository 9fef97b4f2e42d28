"""
Every path that returns rows or schema names, and the clients that probe them.

Authors are token-only and hold a marked row; books are public and reference
authors, so ``expand=author`` reaches token-only rows from a public schema.
A probe leaks when a client that may not read authors finds the marked row,
or the authors schema named where only readable schemas should be.
"""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.test import APIClient

from schemas.changes import save_schema
from tests.oauth_helpers import fetch_token, make_application

SECRET_NAME = "Zelda Secretwriter"
SECRET_EMAIL = "zelda@secret.example"
SOURCE_HEADER = "HTTP_X_FAUXSITE_SOURCE"


@dataclass(frozen=True)
class Probe:
    name: str
    path: str
    headers: tuple = ()
    # Schemas whose policy the path must ask; None for paths without rows.
    asks: tuple[str, ...] | None = ("authors",)
    names_schemas: bool = False  # answers with schema names, not rows

    def get(self, client, world):
        return client.get(self.path.format(**world), **dict(self.headers))


PROBES = [
    Probe("list", "/api/v1/authors/"),
    Probe("retrieve", "/api/v1/authors/{author}/"),
    Probe("expand", "/api/v1/books/?expand=author", asks=("books", "authors")),
    Probe("retrieve with expand", "/api/v1/books/{book}/?expand=author", asks=("books", "authors")),
    Probe("fields", "/api/v1/authors/?fields=id,name,email"),
    Probe("search", "/api/v1/authors/?search=Zelda"),
    Probe("filter", "/api/v1/authors/?name__contains=Zelda"),
    Probe("source header", "/api/v1/authors/", headers=((SOURCE_HEADER, "fixtures"),)),
    Probe("docs document", "/api/schema/?format=json", asks=None, names_schemas=True),
    Probe("landing page", "/", asks=None, names_schemas=True),
]


def make_world(library, staff_client) -> dict:
    """Rows in both schemas, written by a client that may; authors made token-only."""
    authors, _books = library
    authors.access = "token"
    save_schema(authors)
    author = staff_client.post("/api/v1/authors/", {"name": SECRET_NAME, "email": SECRET_EMAIL},
                               format="json")
    assert author.status_code == 201, author.content
    book = staff_client.post("/api/v1/books/", {"title": "Open Book", "price": "9.50", "genre": "fiction",
                                                "author": author.json()["id"]}, format="json")
    assert book.status_code == 201, book.content
    return {"author": author.json()["id"], "book": book.json()["id"]}


def token_client(name: str, allowed: str, scope: str) -> APIClient:
    """A client holding a real token of application ``name`` (allowed ``allowed``) for ``scope``."""
    application = make_application(name, allowed)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {fetch_token(APIClient(), application, scope)}")
    return client


def leaks(probe: Probe, response) -> bool:
    """True when the answer shows the token-only authors to a client that may not read them."""
    text = response.content.decode(errors="replace")
    if SECRET_NAME in text or SECRET_EMAIL in text:
        return True
    return probe.names_schemas and "/api/v1/authors/" in text


def asked(response) -> list[tuple[str, str]]:
    return getattr(response.wsgi_request, "fauxsite_access_asked", [])
