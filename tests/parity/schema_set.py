"""
The schema set the hostile parity suite runs on.

``makers`` is a small referenced schema (with a reference to itself);
``specimens`` has every field type, most of them with constraints whose
boundaries the generator aims at: lengths counted in code points, integer and
decimal ranges, decimals at ``max_digits``, a unique field of each text-like
kind, a read-only field, nullable and defaulted fields, and references to
makers and to itself. Rate limits are off: a run sends over a thousand
requests in well under a minute.
"""

# ruff: noqa: RUF001  (look-alike characters are the point)

from __future__ import annotations

from schemas import field_types
from schemas.changes import create_schema, save_field
from schemas.models import Field, Schema

STATUS_CHOICES = [
    "draft", "Draft", "ß", "ẞ", "SS", "İ", "ı", "i", "Σ", "σ", "ς",
    "Ärger", "A\u0308rger", "😀", "50%", "a_b", "back\\slash",
]

MAKER_FIELDS = [
    dict(name="name", type="string", max_length=40),
    dict(name="email", type="email", unique=True),
    dict(name="mentor", type="reference", to="makers", required=False),
]

# name -> options; the generator reads the bounds from here.
SPECIMEN_FIELDS = {
    "name": dict(type="string", min_length=2, max_length=20),
    "code": dict(type="string", max_length=16, unique=True),
    "notes": dict(type="text", required=False),
    "count": dict(type="integer", min_value=-100, max_value=100),
    "big": dict(type="integer", required=False),
    "price": dict(type="decimal", max_digits=15, decimal_places=4, required=False),
    "amount": dict(type="decimal", max_digits=6, decimal_places=2, min_value=0, max_value="9999.99",
                   default="1.00"),
    "ratio": dict(type="float", required=False),
    "score": dict(type="float", min_value=0, max_value=1, required=False),
    "active": dict(type="boolean", default=True),
    "day": dict(type="date", required=False),
    "moment": dict(type="datetime", required=False),
    "opens": dict(type="time", required=False),
    "contact": dict(type="email", unique=True, required=False, max_length=60),
    "homepage": dict(type="url", required=False),
    "token": dict(type="uuid", unique=True, required=False),
    "status": dict(type="enum", choices=STATUS_CHOICES, default="draft"),
    "extra": dict(type="json", required=False),
    "maker": dict(type="reference", to="makers", required=False),
    "parent": dict(type="reference", to="specimens", required=False),
    "stamp": dict(type="string", read_only=True, default="fixed", max_length=10),
}


def field_type(name: str) -> str:
    return SPECIMEN_FIELDS[name]["type"]


def make_schema_set() -> tuple[Schema, Schema]:
    makers = _schema("makers", "Makers")
    specimens = _schema("specimens", "Specimens")
    targets = {"makers": makers, "specimens": specimens}
    for position, options in enumerate(MAKER_FIELDS, start=1):
        _field(makers, position, targets, **options)
    for position, (name, options) in enumerate(SPECIMEN_FIELDS.items(), start=1):
        _field(specimens, position, targets, name=name, **options)
    kinds = {options["type"] for options in SPECIMEN_FIELDS.values()}
    assert kinds == set(field_types.REGISTRY), "the specimens must cover every field type"
    return makers, specimens


def _schema(slug: str, name: str) -> Schema:
    return create_schema(slug=slug, name=name, read_rate_limit="off", write_rate_limit="off")


def _field(schema: Schema, position: int, targets: dict, **options) -> Field:
    if options["type"] == "reference":
        options["to"] = targets[options["to"]]
    return save_field(Field(schema=schema, position=position, **options))
