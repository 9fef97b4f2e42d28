"""
The field-type registry is the only place that knows a type.

Two types are registered here, inside the test suite, as a project would add
them: ``phone`` (text with a pattern of its own and Faker's ``phone_number``)
and ``percent`` (an exact decimal held between 0 and 100). Seeding, the API,
the OpenAPI document, column types, readiness and provisioning then serve
them with no other change, and the registry forgets them after each test.
A last test keeps code outside the registry from comparing type names.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from golive.provision import ProvisionRefused, apply_plan, provision_plan
from golive.readiness import readiness_report
from schemas import field_types, mock_values, model_fields, seeding
from schemas.catalog import current_catalog
from schemas.changes import add_field, create_schema
from schemas.field_types import UnknownFieldType
from schemas.models import Field, Schema
from schemas.schemafile import SchemaFileError, check
from tests import test_live_support as support
from tests.test_live_support import LIVE_DATABASES, make_source

pytestmark = pytest.mark.django_db(transaction=True, databases=LIVE_DATABASES)

# The live-source fixtures, by name, so pytest finds them in this module.
postgres_url = support.postgres_url
live_db = support.live_db
_live_settings = support._live_settings

# What Faker's en_US phone_number writes: 555-123-4567, (555)123-4567x89, +1-555-123-4567...
PHONE_PATTERN = r"^[0-9+(][0-9 ().x+-]{6,24}$"


class PhoneValues(mock_values.CheckedTextValues):
    fallback_format = "+1-555-{n:07d}"
    plain = re.compile(PHONE_PATTERN)


class PhoneType(field_types.StringType):
    name, label = "phone", "Phone number"
    options = frozenset({"max_length"})
    faker_provider = "phone_number"
    uses_name_hints = False
    default_max_length = 25
    values_class = PhoneValues

    def build_model_field(self, field):
        return model_fields.TextCharField(
            max_length=field.max_length or self.default_max_length,
            validators=[validators.RegexValidator(PHONE_PATTERN, "Enter a phone number.")],
        )

    def serializer_kwargs(self, field):
        # The pattern refuses an empty string, so no field of this type takes one.
        return {} if field.read_only else {"allow_blank": False}

    def live_value_scan(self, check):
        is_phone = validators.RegexValidator(PHONE_PATTERN)
        return check.text_scan(check.format_rule("values that are not phone numbers", is_phone))


class PercentValues(mock_values.DecimalValues):
    def __init__(self, field, model_field, context):
        super().__init__(field, model_field, context)
        self.set_range(0, 100 * self.scale, 0, (0, 100 * self.scale))


class PercentType(field_types.DecimalType):
    name, label = "percent", "Percentage"
    options = frozenset()
    values_class = PercentValues

    def build_model_field(self, field):
        return models.DecimalField(
            max_digits=5, decimal_places=2,
            validators=[validators.MinValueValidator(Decimal(0)), validators.MaxValueValidator(Decimal(100))],
        )

    def validate_options(self, field):
        return {}

    def openapi_value(self, hints, direction):
        return hints.decimal(direction, minimum=Decimal(0), maximum=Decimal(100))


@pytest.fixture
def new_types():
    with field_types.registered(PhoneType(), PercentType()):
        yield
    assert "phone" not in field_types.REGISTRY and "percent" not in field_types.REGISTRY


def make_contacts(**options) -> Schema:
    contacts = create_schema(slug="contacts", name="Contacts", **options)
    for position, field in enumerate([
        dict(name="name", type="string", max_length=40),
        dict(name="phone", type="phone", unique=True),
        dict(name="share", type="percent"),
    ], start=1):
        add_field(schema=contacts, position=position, **field)
    return contacts


def api() -> APIClient:
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_user("alice", "alice@example.com", None, is_staff=True,
                                                 is_superuser=True)
    client = APIClient()
    client.force_login(staff)
    return client


# The registry ---------------------------------------------------------------------


def test_it_registers_a_type_for_a_block_and_forgets_it_after():
    with field_types.registered(PhoneType()):
        assert field_types.get_type("phone").faker_provider == "phone_number"
        assert ("phone", "Phone number") in field_types.type_choices()
        with pytest.raises(ValueError, match="registered twice"):
            field_types.register(PhoneType())

    assert "phone" not in field_types.REGISTRY
    with pytest.raises(ValueError), field_types.registered(PhoneType()):
        raise ValueError("a failing test")
    assert "phone" not in field_types.REGISTRY


def test_an_unknown_type_is_a_message_not_a_key_error():
    with pytest.raises(UnknownFieldType, match=r"Unknown field type 'phone'; the types are string, text"):
        field_types.get_type("phone")

    schema = create_schema(slug="contacts", name="Contacts")
    with pytest.raises(ValidationError) as raised:
        Field(schema=schema, name="phone", type="phone").full_clean()
    assert any("Unknown field type 'phone'" in message for message in raised.value.message_dict["type"])

    with pytest.raises(SchemaFileError, match=r"Unknown type 'phone'"):
        check({"schemas": [{"slug": "people", "name": "People",
                                      "fields": [{"name": "phone", "type": "phone"}]}]})


# Seeding, the API and the document --------------------------------------------------


def test_seeding_draws_from_the_types_own_values(new_types):
    make_contacts()

    def stored() -> list[tuple]:
        model = current_catalog().get("contacts").model
        return list(model.objects.order_by("pk").values_list("phone", "share"))

    seeding.seed("contacts", 300, seed=7)
    first = stored()
    seeding.seed("contacts", 300, seed=7, reset=True)
    second = stored()

    assert first == second
    phones = [phone for phone, _share in first]
    assert len(set(phones)) == 300
    assert all(re.match(PHONE_PATTERN, phone) for phone in phones)
    # Faker's phone numbers, not text made up from the pattern.
    assert sum(bool(re.fullmatch(r"[0-9]{3}[-.][0-9]{3}[-.][0-9]{4}", phone)) for phone in phones) > 30
    assert all(Decimal(0) <= share <= Decimal(100) for _phone, share in first)


def test_the_api_creates_lists_filters_orders_and_searches_them(new_types):
    make_contacts()
    client = api()

    for name, phone, share in [("Ann", "555-123-4567", "12.50"), ("Bob", "(555)987-6543", "99"),
                               ("Cy", "+1-555-000-1111", 0)]:
        body = {"name": name, "phone": phone, "share": share}
        created = client.post("/api/v1/contacts/", body, format="json")
        assert created.status_code == 201, created.json()
    refused = client.post("/api/v1/contacts/", {"name": "Dee", "phone": "call me", "share": "100.5"},
                          format="json")
    taken = client.post("/api/v1/contacts/", {"name": "Eve", "phone": "555-123-4567", "share": 1},
                        format="json")

    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"phone", "share"}
    assert taken.status_code == 409 and "phone" in taken.json()["errors"]
    assert client.get("/api/v1/contacts/1/").json()["share"] == "12.50"

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/contacts/?{query}")
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names("phone__startswith=555") == ["Ann"]
    assert names("share__gte=12.5&ordering=-share") == ["Bob", "Ann"]
    assert names("ordering=phone") == ["Bob", "Cy", "Ann"]  # by code point: ( < + < 5
    assert names("search=987") == ["Bob"]
    assert client.get("/api/v1/contacts/?share__gte=1e2").status_code == 400


def test_the_document_carries_the_types_hints(new_types):
    make_contacts()
    document = APIClient().get("/api/schema/?format=json").json()

    validate(document)
    request = document["components"]["schemas"]["ContactsRequest"]["properties"]
    served = document["components"]["schemas"]["Contacts"]["properties"]
    assert request["phone"]["pattern"] == PHONE_PATTERN
    assert request["phone"]["maxLength"] == 25
    number = next(branch for branch in request["share"]["anyOf"] if branch["type"] == "number")
    assert (number["minimum"], number["maximum"], number["multipleOf"]) == (0, 100, 0.01)
    assert "at most 100" in request["share"]["description"]
    assert served["share"]["pattern"] == r"^-?[0-9]+\.[0-9]{2}$"
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/contacts/"]["get"]["parameters"]}
    assert parameters["share__gte"]["schema"]["format"] == "decimal"
    assert "phone__icontains" in parameters


# Storage ----------------------------------------------------------------------------


def _wrapper(wrapper_class, vendor_settings: dict):
    return wrapper_class({"NAME": "unused", "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
                          "OPTIONS": {}, "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
                          "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "TEST": {}, **vendor_settings},
                         alias=f"column_types_{wrapper_class.vendor}")


def test_every_types_column_type_is_the_one_django_creates(new_types):
    schema = create_schema(slug="every", name="Every")
    for position, name in enumerate(field_types.REGISTRY, start=1):
        options = {"choices": ["a", "bb"]} if name == "enum" else {}
        if name == "reference":
            options = {"to": schema}
        add_field(schema=schema, position=position, name=f"f_{name}", type=name, **options)
    resource = current_catalog().get("every")
    engines = [_wrapper(SQLiteWrapper, {}), _wrapper(PostgreSQLWrapper, {}), connections["fixtures"]]

    for api_field in resource.fields:
        model_field = resource.model._meta.get_field(api_field.name)
        for connection in engines:
            expected = model_field.db_type(connection)
            assert api_field.field_type.column_type(api_field, connection.vendor) == expected, api_field.type


def test_readiness_and_provisioning_serve_the_new_types(new_types, live_db):
    contacts = make_contacts(data_source=make_source(live_db), table_name="contacts")
    assert not readiness_report(contacts).ready

    plan = provision_plan(contacts)
    assert plan.creates_table
    assert '"phone" varchar(25) NOT NULL UNIQUE' in plan.sql_text[0]
    assert '"share" numeric(5, 2) NOT NULL' in plan.sql_text[0]
    apply_plan(plan)
    assert readiness_report(contacts).ready

    live_db.execute("INSERT INTO contacts (name, phone, share) VALUES ('Ann', '555-123-4567', 12.5), "
                    "('Bob', 'call me', 1)")
    report = readiness_report(contacts)
    assert [problem.message for problem in report.blocking] == [
        "phone: 1 row holds values that are not phone numbers (id 2)."
    ]

    live_db.execute("ALTER TABLE contacts ALTER COLUMN phone TYPE integer USING id")
    report = readiness_report(contacts)
    assert "phone (column 'phone', integer): a phone field needs one of varchar, bpchar, text, citext." in [
        problem.message for problem in report.blocking
    ]


def test_readiness_and_provisioning_name_a_type_no_longer_registered(live_db):
    with field_types.registered(PhoneType(), PercentType()):
        contacts = make_contacts(data_source=make_source(live_db), table_name="gone")

    report = readiness_report(contacts)
    assert "phone: Unknown field type 'phone'; the types are string" in "\n".join(
        problem.message for problem in report.blocking
    )
    with pytest.raises(ProvisionRefused, match="Unknown field type"):
        provision_plan(contacts)
    with psycopg.connect(live_db.url) as connection:
        assert connection.execute("SELECT to_regclass('public.gone')").fetchone() == (None,)


def test_the_api_answers_a_type_no_longer_registered_with_503_not_500(db):
    with field_types.registered(PhoneType(), PercentType()):
        make_contacts()

    response = api().get("/api/v1/contacts/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert "'phone'" in response.json()["detail"]


# Nothing outside the registry compares type names -----------------------------------

ROOT = Path(__file__).resolve().parent.parent
NAMES = "|".join(map(re.escape, field_types.REGISTRY))
COMPARISONS = [
    # field.type == "reference", api_field.type in ("string", "text"), f.type != "json"
    re.compile(rf"""\.type\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*[(\[{{]?[^\n)\]}}]*["'](?:{NAMES})["']"""),
    # "reference" == field.type
    re.compile(rf"""["'](?:{NAMES})["']\s*(?:==|!=)\s*[\w.]+\.type\b"""),
    # get_type("decimal"), REGISTRY["json"]
    re.compile(rf"""(?:get_type\(|REGISTRY\[)\s*["'](?:{NAMES})["']"""),
]


def type_name_comparisons(text: str) -> list[str]:
    return [match.group(0) for pattern in COMPARISONS for match in pattern.finditer(text)]


# Not fauxsite's code: tests name types on purpose, and the seeding benchmark's
# Faker-only baseline imitates the value sources by hand to measure them.
NOT_SCANNED = {".venv", "node_modules", "var", "tests", "bench"}


def test_no_code_outside_the_registry_compares_type_names():
    registry = ROOT / "schemas" / "field_types.py"
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        skipped = relative.parts[0] in NOT_SCANNED or "migrations" in relative.parts
        if path == registry or skipped:
            continue
        found += [f"{relative}: {hit}" for hit in type_name_comparisons(path.read_text())]

    assert not found, "Ask the field type instead of comparing its name:\n" + "\n".join(found)


def test_the_type_name_check_finds_what_it_is_for():
    assert type_name_comparisons('if field.type == "reference":') == ['.type == "reference"']
    assert type_name_comparisons('if api_field.type in ("string", "text") and x:')
    assert type_name_comparisons('"json" != f.type')
    assert type_name_comparisons('get_type("decimal")')
    assert not type_name_comparisons('if value.get("type") == "string":')
    assert not type_name_comparisons('if field.field_type.is_relation:')
