"""Schema files: import_schemas and export_schemas, YAML and JSON, all or nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from schemas import field_types
from schemas.catalog import current_catalog
from schemas.changes import delete_schemas
from schemas.models import CatalogRevision, Field, Schema

pytestmark = pytest.mark.django_db(databases=["default", "fixtures"])

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "schemas.yaml"

EXAMPLE = """\
schemas:
  - slug: authors
    name: Authors
    fields:
      - {name: name, type: string, max_length: 80, faker: name}
      - {name: email, type: email, unique: true}
  - slug: books
    name: Books
    locale: en_US
    fields:
      - {name: title, type: string, max_length: 200}
      - {name: price, type: decimal, max_digits: 8, decimal_places: 2, min_value: 0}
      - {name: genre, type: enum, choices: [fiction, science, history]}
      - {name: author, type: reference, to: authors}
      - {name: published, type: date, required: false}
      - {name: in_stock, type: boolean, default: true}
"""

# The example as export writes it: defaults (locale en_US) left out, keys in
# their documented order.
EXAMPLE_EXPORTED = """\
schemas:
  - slug: authors
    name: Authors
    fields:
      - {name: name, type: string, max_length: 80, faker: name}
      - {name: email, type: email, unique: true}
  - slug: books
    name: Books
    fields:
      - {name: title, type: string, max_length: 200}
      - {name: price, type: decimal, min_value: 0, max_digits: 8, decimal_places: 2}
      - {name: genre, type: enum, choices: [fiction, science, history]}
      - {name: author, type: reference, to: authors}
      - {name: published, type: date, required: false}
      - {name: in_stock, type: boolean, default: true}
"""


def import_text(tmp_path: Path, text: str, name: str = "schemas.yaml", **options) -> str:
    path = tmp_path / name
    path.write_text(text)
    out = io.StringIO()
    call_command("import_schemas", str(path), stdout=out, **options)
    return out.getvalue()


def export(*slugs: str, **options) -> str:
    out = io.StringIO()
    call_command("export_schemas", *slugs, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def problems_of(tmp_path: Path, text: str, name: str = "bad.yaml") -> list[str]:
    with pytest.raises(CommandError) as caught:
        import_text(tmp_path, text, name)
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


def versions() -> dict[str, int]:
    return dict(Schema.objects.values_list("slug", "version"))


def delete_every_schema() -> None:
    delete_schemas(Schema.objects.all())


def test_it_imports_the_example_unchanged_and_serves_it(tmp_path, api):
    output = import_text(tmp_path, EXAMPLE)

    assert "books: created with 6 fields (title, price, genre, author, published, in_stock)." in output
    books = Schema.objects.get(slug="books")
    assert [f.name for f in books.fields.all()] == [
        "title", "price", "genre", "author", "published", "in_stock"
    ]
    author = books.fields.get(name="author")
    assert author.to.slug == "authors"
    assert books.fields.get(name="in_stock").default is True
    assert api.get("/api/v1/books/").status_code == 200
    assert api.get("/api/v1/authors/").status_code == 200


def test_it_changes_nothing_on_a_second_import(tmp_path):
    import_text(tmp_path, EXAMPLE)
    before = versions(), CatalogRevision.current()
    updated = dict(Schema.objects.values_list("slug", "updated"))

    output = import_text(tmp_path, EXAMPLE)

    assert (versions(), CatalogRevision.current()) == before
    assert dict(Schema.objects.values_list("slug", "updated")) == updated
    assert output.splitlines() == [
        "authors: unchanged.",
        "books: unchanged.",
        "Nothing to change: the database already matches the file.",
    ]


def test_it_exports_what_it_imported(tmp_path):
    import_text(tmp_path, EXAMPLE)

    assert export() == EXAMPLE_EXPORTED


def test_it_round_trips_through_a_fresh_database(tmp_path):
    import_text(tmp_path, DEMO_FILE.read_text())
    first = export()
    delete_every_schema()

    import_text(tmp_path, first)

    assert export() == first


def test_it_removes_fields_the_file_no_longer_lists(tmp_path):
    import_text(tmp_path, EXAMPLE)
    authors_version = versions()["authors"]

    without_published = EXAMPLE.replace("      - {name: published, type: date, required: false}\n", "")

    output = import_text(tmp_path, without_published, allow_breaking=True)

    assert "books: removed field published, which the file no longer lists; its values are gone." in output
    assert not Field.objects.filter(schema__slug="books", name="published").exists()
    assert versions()["authors"] == authors_version
    served = current_catalog().get("books").serializer_class().fields
    assert "published" not in served and "in_stock" in served


def test_it_updates_changed_fields_and_order(tmp_path):
    import_text(tmp_path, EXAMPLE)
    version = versions()["books"]
    changed = (
        EXAMPLE.replace("max_length: 200}", "max_length: 120, description: Shown on the cover.}")
        .replace("      - {name: in_stock, type: boolean, default: true}\n", "")
        .replace("      - {name: title", "      - {name: in_stock, type: boolean}\n      - {name: title")
    )

    output = import_text(tmp_path, changed, allow_breaking=True)

    assert "books: changed field title (description, max_length, position)." in output
    assert "books: changed field in_stock (default, position)." in output
    books = Schema.objects.get(slug="books")
    assert [f.name for f in books.fields.all()][:2] == ["in_stock", "title"]
    assert books.fields.get(name="title").max_length == 120
    assert books.fields.get(name="in_stock").default is None
    assert versions()["books"] > version


def test_it_leaves_schemas_the_file_does_not_name_alone(tmp_path):
    import_text(tmp_path, EXAMPLE)
    authors_version = versions()["authors"]

    import_text(tmp_path, "schemas:\n  - slug: books\n    name: Books\n    fields: []\n", allow_breaking=True)

    assert versions()["authors"] == authors_version
    assert Schema.objects.get(slug="authors").fields.count() == 2
    assert Schema.objects.get(slug="books").fields.count() == 0


def test_it_lets_a_reference_name_a_schema_defined_later(tmp_path):
    text = """\
schemas:
  - slug: posts
    name: Posts
    fields:
      - {name: writer, type: reference, to: writers}
  - slug: writers
    name: Writers
    fields:
      - {name: mentor, type: reference, to: writers, required: false, nullable: true}
"""
    import_text(tmp_path, text)

    writers = Schema.objects.get(slug="writers")
    assert Field.objects.get(schema__slug="posts", name="writer").to == writers
    assert Field.objects.get(schema__slug="writers", name="mentor").to == writers


def test_it_reports_every_problem_with_its_location_and_writes_nothing(tmp_path):
    import_text(tmp_path, EXAMPLE)
    before = versions(), CatalogRevision.current(), Field.objects.count()
    text = """\
schemas:
  - slug: Bad Slug
    name: Bad
    locale: xx_XX
    colour: red
    fields:
      - {name: id, type: string}
      - {name: flag, type: boolean, max_length: 5}
      - {name: flag, type: string}
      - {name: count, type: integer, min_value: 1.5, max_value: ten}
      - {name: writer, type: reference, to: nobody}
      - {name: nickname, type: string, faker: not_a_provider}
      - {name: mood, type: wibble}
      - {type: string, required: maybe}
  - slug: books
    name: Books
    fields:
      - {name: title, type: string, max_length: 100}
      - {name: on_sale, type: boolean, default: [1]}
"""
    assert problems_of(tmp_path, text) == [
        "schemas[0]: Unknown key 'colour'; the keys are slug, name, description, locale, access, "
        "rate_limit, data_source, table, table_schema, pk_column, fields.",
        "schemas[0].slug: Use 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter.",
        "schemas[0].locale: Faker has no locale 'xx_XX'; try en_US.",
        "schemas[0].fields[0].name: 'id' is reserved; choose another name.",
        "schemas[0].fields[1].max_length: Does not apply to boolean fields.",
        "schemas[0].fields[2].name: 'flag' is already used by schemas[0].fields[1].",
        "schemas[0].fields[3].max_value: Must be a number.",
        "schemas[0].fields[3].min_value: Must be a whole number for an integer field.",
        "schemas[0].fields[4].to: There is no schema 'nobody' in this file or the database.",
        "schemas[0].fields[5].faker: Faker has no provider 'not_a_provider'.",
        "schemas[0].fields[6].type: Unknown type 'wibble'; the types are "
        + ", ".join(field_types.REGISTRY) + ".",
        "schemas[0].fields[7].name: Is required.",
        "schemas[0].fields[7].required: Must be true or false.",
        "schemas[1].fields[1].default: Not a valid boolean value: “[1]” value must be either True or False.",
    ]
    assert (versions(), CatalogRevision.current(), Field.objects.count()) == before
    assert Schema.objects.get(slug="books").fields.get(name="title").max_length == 200


def test_it_reports_the_shape_of_a_wrong_file(tmp_path):
    assert problems_of(tmp_path, "schema: []\n") == [
        "(top level): Unknown key 'schema'; the keys are schemas.",
        "schemas: Must be a list of schemas.",
    ]
    assert problems_of(tmp_path, "schemas:\n  - books\n  - {slug: x, name: X, fields: {}}\n") == [
        "schemas[0]: Must be a mapping of keys to values.",
        "schemas[1].fields: Must be a list of fields.",
    ]


def test_it_reports_syntax_errors_with_line_and_column(tmp_path):
    assert problems_of(tmp_path, "schemas:\n  - {slug: x\n") == [
        "Not valid YAML: line 3, column 1: expected ',' or '}', but got '<stream end>'."
    ]
    assert problems_of(tmp_path, '{"schemas": [}', name="bad.json") == [
        "Not valid JSON: line 1, column 14: Expecting value."
    ]


def test_it_reads_json(tmp_path):
    import yaml

    as_json = json.dumps(yaml.safe_load(EXAMPLE))

    import_text(tmp_path, as_json, name="schemas.json")

    assert export() == EXAMPLE_EXPORTED
    assert json.loads(export(format="json")) == json.loads(as_json.replace(', "locale": "en_US"', ""))


def test_it_tells_json_from_yaml_by_content(tmp_path):
    import yaml

    import_text(tmp_path, json.dumps(yaml.safe_load(EXAMPLE)), name="schemas.txt")

    assert export() == EXAMPLE_EXPORTED


def test_it_reads_standard_input():
    out = io.StringIO()

    call_command("import_schemas", "-", stdin=io.StringIO(EXAMPLE), stdout=out)

    assert "Imported 2 schemas (2 created)." in out.getvalue()
    assert export() == EXAMPLE_EXPORTED


def test_it_names_standard_input_in_errors():
    with pytest.raises(CommandError, match=r"^Standard input has 1 problem; nothing was imported"):
        call_command("import_schemas", "-", stdin=io.StringIO("schemas: 3\n"), stdout=io.StringIO())


def test_it_imports_the_demo_file(tmp_path, api):
    output = import_text(tmp_path, DEMO_FILE.read_text())

    assert "Imported 5 schemas (5 created)." in output
    used_types = set(Field.objects.values_list("type", flat=True))
    assert used_types == set(field_types.REGISTRY)
    for slug in Schema.objects.values_list("slug", flat=True):
        assert api.get(f"/api/v1/{slug}/").status_code == 200, slug
    assert "Nothing to change" in import_text(tmp_path, DEMO_FILE.read_text())


def test_it_imports_the_documented_example(tmp_path, api):
    docs = (DEMO_FILE.parent.parent / "README.md").read_text()
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]

    import_text(tmp_path, example)

    assert Field.objects.get(schema__slug="books", name="isbn").pattern.startswith("^97")
    assert api.get("/api/v1/books/").status_code == 200


def test_it_keeps_dates_and_times_as_text(tmp_path):
    text = """\
schemas:
  - slug: events
    name: Events
    fields:
      - {name: day, type: date, default: 2024-05-01}
      - {name: starts, type: time, default: 12:30}
      - {name: answer, type: enum, choices: [yes, no], default: yes}
      - {name: ratio, type: float, default: 0.25, min_value: 0.1}
"""
    import_text(tmp_path, text)

    fields = {f.name: f for f in Field.objects.filter(schema__slug="events")}
    assert fields["day"].default == "2024-05-01"
    assert fields["starts"].default == "12:30"
    assert fields["answer"].choices == ["yes", "no"]
    assert fields["ratio"].default == 0.25
    assert "Nothing to change" in import_text(tmp_path, text)
    # Quoted on export, so any YAML reader takes them as text.
    assert export().splitlines()[4:] == [
        "      - {name: day, type: date, default: '2024-05-01'}",
        "      - {name: starts, type: time, default: '12:30'}",
        "      - {name: answer, type: enum, default: 'yes', choices: ['yes', 'no']}",
        "      - {name: ratio, type: float, default: 0.25, min_value: 0.1}",
    ]


def test_it_exports_chosen_schemas_to_a_file(tmp_path):
    import_text(tmp_path, EXAMPLE)
    target = tmp_path / "books.json"
    err = io.StringIO()

    call_command("export_schemas", "books", output=str(target), stdout=io.StringIO(), stderr=err)

    exported = json.loads(target.read_text())
    assert [schema["slug"] for schema in exported["schemas"]] == ["books"]
    assert "books.author refers to authors, which is not in this export" in err.getvalue()


def test_it_refuses_to_export_an_unknown_schema(tmp_path):
    import_text(tmp_path, EXAMPLE)

    with pytest.raises(CommandError, match="There is no schema 'nothing'"):
        export("books", "nothing")


LIVE_MAPPED = """\
schemas:
  - slug: clients
    name: Clients
    access: token
    rate_limit: {read: 600/m, write: 60/m}
    data_source: crm
    table: customer_master
    table_schema: crm
    pk_column: customer_id
    fields:
      - {name: name, type: string, max_length: 80, db_column: full_name}
"""


def test_it_carries_access_limits_and_the_live_mapping(tmp_path):
    from datasources.models import DataSource

    DataSource.objects.create(name="crm", host="127.0.0.1", database="crm", user="crm")

    import_text(tmp_path, LIVE_MAPPED)

    clients = Schema.objects.get(slug="clients")
    assert (clients.access, clients.read_rate_limit, clients.write_rate_limit) == ("token", "600/m", "60/m")
    mapping = (clients.data_source.name, clients.table_schema, clients.table_name)
    assert mapping == ("crm", "crm", "customer_master")
    assert clients.pk_column == "customer_id"
    assert clients.fields.get().db_column == "full_name"
    assert clients.source == "fixtures"  # switching stays an explicit step
    assert yaml.safe_load(export("clients")) == yaml.safe_load(LIVE_MAPPED)
    assert "password" not in export("clients")


def test_it_refuses_an_unknown_data_source_and_a_bad_rate(tmp_path):
    text = LIVE_MAPPED.replace("write: 60/m", "write: fast")

    problems = problems_of(tmp_path, text)

    assert any(p.startswith("schemas[0].data_source: There is no data source 'crm'") for p in problems)
    assert any("write_rate_limit" in p for p in problems), problems
    assert not Schema.objects.filter(slug="clients").exists()


# Breaking changes: planned first, refused unless allowed -------------------------------

WITHOUT_PUBLISHED = EXAMPLE.replace("      - {name: published, type: date, required: false}\n", "")
WITH_PAGES = EXAMPLE.replace(
    "      - {name: in_stock, type: boolean, default: true}\n",
    "      - {name: in_stock, type: boolean, default: true}\n"
    "      - {name: pages, type: integer, required: false}\n",
)


def state() -> tuple:
    fields = sorted(Field.objects.values_list("schema__slug", "name", "max_length"))
    return CatalogRevision.current(), versions(), fields


def test_it_refuses_a_breaking_import_and_lists_what_breaks(tmp_path):
    import_text(tmp_path, EXAMPLE)
    before = state()

    problems = problems_of(tmp_path, WITHOUT_PUBLISHED)

    assert problems == [
        "books.published: field removed (breaking)",
        "See every change with --plan; import with --allow-breaking to apply it anyway.",
    ]
    assert state() == before


def test_it_applies_a_breaking_import_with_allow_breaking(tmp_path):
    import_text(tmp_path, EXAMPLE)

    output = import_text(tmp_path, WITHOUT_PUBLISHED, allow_breaking=True)

    assert "Breaking contract changes:\n  books.published: field removed (breaking)\n" in output
    assert not Field.objects.filter(schema__slug="books", name="published").exists()


def test_it_applies_a_compatible_import_and_shows_its_contract_changes(tmp_path):
    import_text(tmp_path, EXAMPLE)

    output = import_text(tmp_path, WITH_PAGES)

    assert "books: added 1 field: pages." in output
    assert "Compatible contract changes:\n  books.pages: new optional field (compatible)\n" in output
    assert Field.objects.filter(schema__slug="books", name="pages").exists()


def test_it_plans_a_compatible_import_and_exits_zero(tmp_path):
    import_text(tmp_path, EXAMPLE)
    before = state()

    output = import_text(tmp_path, WITH_PAGES, plan=True)

    assert output.splitlines() == [
        "authors: unchanged.",
        "books: added 1 field: pages.",
        "Would import 2 schemas (0 created).",
        "Compatible contract changes:",
        "  books.pages: new optional field (compatible)",
        "Nothing was imported (--plan).",
    ]
    assert state() == before


def test_it_plans_a_breaking_import_and_exits_three(tmp_path):
    import_text(tmp_path, EXAMPLE)
    before = state()
    out = io.StringIO()
    path = tmp_path / "schemas.yaml"
    path.write_text(WITHOUT_PUBLISHED.replace("max_length: 200", "max_length: 120"))

    with pytest.raises(CommandError) as caught:
        call_command("import_schemas", str(path), plan=True, stdout=out)

    assert caught.value.returncode == 3
    assert "2 breaking changes; nothing was imported" in str(caught.value)
    assert out.getvalue().splitlines()[-3:] == [
        "Breaking contract changes:",
        "  books.published: field removed (breaking)",
        "  books.title: max length lowered from 200 to 120 (breaking)",
    ]
    assert state() == before


def test_it_plans_a_file_that_matches_as_nothing_to_change(tmp_path):
    import_text(tmp_path, EXAMPLE)
    before = state()

    output = import_text(tmp_path, EXAMPLE, plan=True)

    assert output.splitlines() == [
        "authors: unchanged.",
        "books: unchanged.",
        "Nothing to change: the database already matches the file.",
        "Nothing was imported (--plan).",
    ]
    assert state() == before


def test_it_plans_a_file_with_problems_as_a_refusal(tmp_path):
    with pytest.raises(CommandError) as caught:
        import_text(tmp_path, "schemas: 3\n", plan=True)

    assert caught.value.returncode == 1
    assert not Schema.objects.exists()
