"""
The seeded request generator: one fixed sequence of requests per seed.

The sequence is generated before anything is sent, from ``random.Random(seed)``
and a small model of what the requests should have stored (ids in creation
order, values taken by unique fields, rows still referenced). It never looks at
an answer, so every engine replays exactly the same requests, and the same
seed gives the same sequence on every machine and in both pytest runs.

A plain seeded generator rather than Hypothesis: the sequence must be
identical on two engines and across two processes, it is stateful (ids,
unique values, references) and long, and a failure is read as a list of
differing answers rather than shrunk to one example; Hypothesis' engine,
example database and health checks would add nothing here but variance.
"""

# ruff: noqa: RUF001  (look-alike characters are the point)

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.parity import values as v
from tests.parity.schema_set import SPECIMEN_FIELDS, STATUS_CHOICES, field_type

SPECIMENS = "/api/v1/specimens/"
MAKERS = "/api/v1/makers/"
LOOKUPS = {
    "string": ("exact", "ne", "in", "contains", "icontains", "startswith", "isnull"),
    "integer": ("exact", "ne", "gt", "gte", "lt", "lte", "in", "isnull"),
    "boolean": ("exact", "ne", "isnull"),
    "json": ("isnull",),
    "equality": ("exact", "ne", "in", "isnull"),
}
TEXTUAL = {"string", "text", "email", "url"}
ORDERED = {"integer", "decimal", "float", "date", "datetime", "time"}
# Refused values per field, sent in a body; each must be a 400 that stores nothing.
REFUSED = {
    "name": ["é", "e\u0301" * 10 + "x", "😀" * 21, *v.REFUSED_TEXT, "", None, 5, ["a", "b"]],
    "code": ["x" * 17, "😀" * 17, *v.REFUSED_TEXT],
    "notes": [*v.REFUSED_TEXT, {"a": 1}],
    "count": [101, -101, 2**63, *v.REFUSED_INTEGERS],
    "big": v.REFUSED_INTEGERS,
    "price": v.REFUSED_PRICES,
    "amount": ["-0.01", "10000.00", "9999.999", "1234567", -1],
    "ratio": v.REFUSED_FLOATS,
    "score": [1.0000000000000002, -1e-300, 2, "NaN"],
    "active": ["maybe", 2, None],
    "day": v.REFUSED_DATES,
    "moment": v.REFUSED_DATETIMES,
    "opens": v.REFUSED_TIMES,
    "contact": v.REFUSED_EMAILS,
    "homepage": [*v.REFUSED_URLS, "https://example.com/\u0000"],
    "token": v.REFUSED_UUIDS,
    "status": ["DRAFT", "ss", "Ärger ", "A\u0308RGER", "\u0000", "\ud800"],
    "extra": v.REFUSED_JSON,
    "maker": ["abc", 2**64, 1.5, [1]],
    "parent": ["1x", {"id": 1}],
}
# Well-formed references to rows that do not exist: the body is valid, the data
# disagrees, so a 409 that names the field (docs/semantics.md).
MISSING_REFERENCES = {"maker": [999, -1, 2**63 - 1], "parent": [999, 0]}
# Malformed or refused filter values, per field: (parameter, raw value).
BAD_FILTERS = [
    ("count", "abc"), ("count", "1.5"), ("count__gt", ""), ("count__in", "1,abc"), ("big", str(2**64)),
    ("big", str(2**63)), ("big__in", f"1,{2**64}"), ("big__lt", str(-(2**63) - 1)), ("id", str(2**63)),
    ("id__in", "99999999999999999999"), ("id", "abc"), ("price", "0.00001"), ("price", "1.2.3"),
    ("price__gt", "1e300"), ("price", "NaN"), ("price__lte", "100000000000.0000"), ("amount", "Infinity"),
    ("ratio", "NaN"), ("ratio", "inf"), ("ratio__gt", "1e400"), ("ratio", "abc"), ("score__lt", "-Infinity"),
    ("active", "maybe"), ("active", "yes"), ("active__isnull", "2"), ("day", "2024-13-01"),
    ("day__gt", "0000-01-01"), ("moment", "yesterday"), ("moment__lt", "2024-05-01T25:00:00Z"),
    ("moment", "2024-05-01 12:30:00 02:00"), ("opens", "25:00"), ("opens__gte", "12:30:00+02:00"),
    ("token", "123"), ("token__in", "not-a-uuid"), ("status", "not-a-choice"), ("status", "DRAFT"),
    ("maker", "abc"), ("maker", str(2**64)), ("parent__in", "1,x"), ("extra__isnull", "maybe"),
    ("extra", "1"), ("extra__contains", "a"), ("name__gt", "a"), ("active__in", "true"),
    ("name", "nul\x00"), ("name__contains", "\x00"), ("code__in", "a,\x00"), ("contact__icontains", "\x00"),
    ("count__in", ",".join(str(n) for n in range(101))), ("colour", "red"), ("name__regex", "a"),
    ("name__iexact", "a"), ("search", "\x00"),
]
# Query strings written out by hand: a lone surrogate cannot be UTF-8 encoded,
# so a client sends its would-be bytes; a bare "+" is a space.
RAW_QUERIES = [
    "name=%ED%A0%80", "name__contains=%ED%B0%80x", "search=%ED%A0%80", "moment=2024-05-01T12:30:00+02:00",
    "code=%FF", "name__icontains=%C3", "ordering=%00", "fields=id,%00", "page=%00", "page_size=1%00",
]


@dataclass(frozen=True)
class Step:
    """One request, with what to group its differences by."""

    label: str
    klass: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str = "application/json"
    # The status the contract demands, where it is explicit (refused values),
    # and the field its problem details must name.
    expect: int | None = None
    names: str | None = None
    # An earlier step whose body this one must repeat (nothing was stored).
    same_body_as: int | None = None


@dataclass
class Row:
    id: int
    values: dict


@dataclass
class Model:
    """What the sequence should have stored, to aim the next requests."""

    makers: list[int] = field(default_factory=list)
    rows: dict[int, Row] = field(default_factory=dict)
    next_maker: int = 1
    next_row: int = 1
    taken: dict[str, set] = field(default_factory=lambda: {"code": set(), "contact": set(), "token": set()})

    def referenced_makers(self) -> set[int]:
        return {row.values.get("maker") for row in self.rows.values()} - {None}

    def referenced_rows(self) -> set[int]:
        return {row.values.get("parent") for row in self.rows.values()} - {None}


def unique_key(name: str, value) -> object:
    if value is None:
        return None
    if name == "token":
        return value.lower().removeprefix("urn:uuid:").replace("-", "")
    return value.strip()


def encode(body) -> bytes:
    """JSON as a client sends it: UTF-8, or \\u escapes where UTF-8 cannot say it."""
    try:
        return json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(body).encode()


def query(**params) -> str:
    return "&".join(f"{name}={quote(str(value), safe=',')}" for name, value in params.items())


class Generator:
    def __init__(self, seed: int, rows: int = 70):
        self.rng = random.Random(seed)
        self.model = Model()
        self.steps: list[Step] = []
        self.row_target = rows

    # Building blocks ---------------------------------------------------------

    def add(self, step: Step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    def get(self, klass: str, path: str, label: str | None = None, **kwargs) -> int:
        return self.add(Step(label or f"GET {path}", klass, "get", path, **kwargs))

    def send(self, klass: str, method: str, path: str, body, label: str, **kwargs) -> int:
        raw = body.encode() if isinstance(body, str) and kwargs.pop("raw", False) else encode(body)
        return self.add(Step(f"{method.upper()} {path} {label}", klass, method, path, raw, **kwargs))

    def pick(self, pool):
        return pool[self.rng.randrange(len(pool))]

    def text(self, low: int, high: int, atoms: int = 3) -> str:
        while True:
            value = "".join(self.pick(v.TEXT_ATOMS) for _ in range(self.rng.randint(1, atoms)))
            value = value[:high]
            if len(value.strip()) >= low and "\u0000" not in value:
                return value

    def unique(self, name: str, make) -> str | None:
        for _attempt in range(50):
            value = make()
            key = unique_key(name, value)
            if key not in self.model.taken[name]:
                return value
        return None

    def live_ids(self) -> list[int]:
        return sorted(self.model.rows)

    def some_row(self) -> Row:
        return self.model.rows[self.pick(self.live_ids())]

    # Values ------------------------------------------------------------------

    def value(self, name: str):
        """A valid value for a specimen field (None where the field allows it)."""
        optional = not SPECIMEN_FIELDS[name].get("required", True)
        if optional and self.rng.random() < 0.15:
            return None
        return getattr(self, f"_value_{name}")()

    def _value_name(self):
        boundary = ["e\u0301" * 10, "😀😀", "e\u0301", "ab", "x" * 20, "ẞ" * 20, "İ" * 20, "Σ" * 2]
        return self.pick(boundary) if self.rng.random() < 0.2 else self.text(2, 20)

    def _value_code(self):
        cases = ["Ab", "AB", "ab", "ß", "ẞ", "SS", "ss", "İ", "i\u0307", "ı", "I", "i", "Σ", "σ", "ς",
                 v.NFC_CAFE, v.NFD_CAFE, "50%", "a_b", "a%b", "\\", "%", "_", "x" * 16, "😀" * 16, "\u212a",
                 "K", "k"]
        return self.unique(
            "code", lambda: self.pick(cases) if self.rng.random() < 0.6 else self.text(1, 16, 2)
        )

    def _value_notes(self):
        return "" if self.rng.random() < 0.1 else self.text(0, 400, 6)

    def _value_count(self):
        return self.pick([-100, 100, 0, -1, 1, self.rng.randint(-100, 100), self.rng.randint(-100, 100)])

    def _value_big(self):
        return self.pick(v.INTEGERS)

    def _value_price(self):
        return self.pick(v.PRICES)

    def _value_amount(self):
        drawn = f"{self.rng.randint(0, 999999) / 100:.2f}"
        return self.pick(["0.00", "9999.99", "0", 9999.99, "0.01", drawn])

    def _value_ratio(self):
        return self.pick(v.FLOATS)

    def _value_score(self):
        return self.pick([0, 1, -0.0, 0.5, 1e-300, 5e-324, 0.9999999999999999, 1.0, 0.1])

    def _value_active(self):
        return self.pick([True, False])

    def _value_day(self):
        return self.pick(v.DATES)

    def _value_moment(self):
        return self.pick(v.DATETIMES)

    def _value_opens(self):
        return self.pick(v.TIMES)

    def _value_contact(self):
        return self.unique("contact", lambda: f"{self.pick(v.EMAIL_LOCALS)}{self.rng.randint(0, 9)}"
                                              f"@{self.pick(v.EMAIL_DOMAINS)}")

    def _value_homepage(self):
        return self.pick(v.URLS)

    def _value_token(self):
        return self.unique("token", lambda: self.pick(v.hyphened_uuid_forms(self.pick(v.UUID_HEXES))))

    def _value_status(self):
        return self.pick(STATUS_CHOICES)

    def _value_extra(self):
        return self.pick(v.JSON_VALUES)

    def _value_maker(self):
        return self.pick(self.model.makers) if self.model.makers else None

    def _value_parent(self):
        return self.pick(self.live_ids()) if self.model.rows and self.rng.random() < 0.5 else None

    def fresh_row(self) -> dict:
        body = {}
        for name, options in SPECIMEN_FIELDS.items():
            if options.get("read_only"):
                continue
            has_default = "default" in options
            if (has_default or not options.get("required", True)) and self.rng.random() < 0.1:
                continue  # left out: the default, or null
            value = self.value(name)
            if name in self.model.taken and value is None and options.get("required", True):
                continue
            body[name] = value
        return body

    def remember(self, body: dict) -> None:
        for name in self.model.taken:
            if body.get(name) is not None:
                self.model.taken[name].add(unique_key(name, body[name]))
        self.model.rows[self.model.next_row] = Row(self.model.next_row, dict(body))
        self.model.next_row += 1

    def forget_uniques(self, row: Row) -> None:
        for name in self.model.taken:
            self.model.taken[name].discard(unique_key(name, row.values.get(name)))

    # Filter values -------------------------------------------------------------

    def filter_text(self, name: str, value) -> str | None:
        kind = field_type(name)
        if value is None:
            return None
        if kind == "boolean":
            return self.pick({True: ["true", "1", "TRUE"], False: ["false", "0", "False"]}[value])
        if kind == "float":
            return repr(float(value)) if not isinstance(value, str) else value
        if kind == "uuid":
            return self.pick(v.uuid_forms(unique_key("token", value)))
        return str(value)

    def stored(self, name: str) -> list:
        return [row.values.get(name) for row in self.model.rows.values() if row.values.get(name) is not None]

    # Phases --------------------------------------------------------------------

    def makers(self) -> None:
        names = ["Ann", "ann", "ÄNN", "Straße GmbH", "İpek", "Σοφία", "😀 Labs", "50% & Co_", "back\\slash"]
        for index, name in enumerate(names):
            body = {"name": name, "email": f"maker{index}@{self.pick(v.EMAIL_DOMAINS)}"}
            if self.model.makers and self.rng.random() < 0.5:
                body["mentor"] = self.pick(self.model.makers)
            self.send("create maker", "post", MAKERS, body, f"maker {index}", expect=201)
            self.model.makers.append(self.model.next_maker)
            self.model.next_maker += 1
        taken = "maker0@" + v.EMAIL_DOMAINS[0]
        self.send("create maker: unique conflict", "post", MAKERS, {"name": "x", "email": taken},
                  "taken email")
        self.send("create maker: refused", "post", MAKERS,
                  {"name": "x" * 41, "email": "long@example.com"}, "name 41 long", expect=400)
        self.send("missing reference in create", "post", MAKERS,
                  {"name": "x", "email": "m@example.com", "mentor": 99}, "missing mentor", expect=409)
        self.get("list makers", f"{MAKERS}?{query(ordering='name', expand='mentor')}")

    def creates(self) -> None:
        while len(self.model.rows) < self.row_target:
            body = self.fresh_row()
            self.send("create specimen", "post", SPECIMENS, body, f"row {self.model.next_row}", expect=201)
            self.remember(body)
            if self.rng.random() < 0.3:
                self.get("retrieve", f"{SPECIMENS}{self.model.next_row - 1}/")

    def refused(self) -> None:
        """Every refused value, in a create and in a patch: a 400 that stores nothing."""
        count = self.get("count", f"{SPECIMENS}?{query(page_size=100, ordering='id')}")
        target = self.some_row()
        before = self.get("retrieve", f"{SPECIMENS}{target.id}/")
        for name, refused in REFUSED.items():
            for value in refused:
                body = {**self.valid_new_row(), name: value}
                klass = f"refused {field_type(name)} in create"
                self.send(klass, "post", SPECIMENS, body, f"{name}={value!r:.60}", expect=400, names=name)
                self.send(f"refused {field_type(name)} in patch", "patch", f"{SPECIMENS}{target.id}/",
                          {name: value}, f"{name}={value!r:.60}", expect=400, names=name)
        for name, missing in MISSING_REFERENCES.items():
            for value in missing:
                body = {**self.valid_new_row(), name: value}
                self.send("missing reference in create", "post", SPECIMENS, body, f"{name}={value}",
                          expect=409, names=name)
                self.send("missing reference in patch", "patch", f"{SPECIMENS}{target.id}/", {name: value},
                          f"{name}={value}", expect=409, names=name)
        for text in v.REFUSED_JSON_TEXT:
            row = encode(self.valid_new_row()).decode()
            body = row[:-1] + f', "extra": {text}}}'
            self.send("refused json text in create", "post", SPECIMENS, body, f"extra={text}", raw=True,
                      expect=400)
            self.send("refused json text as body", "post", SPECIMENS, text, text, raw=True, expect=400)
        self.get("count", f"{SPECIMENS}?{query(page_size=100, ordering='id')}", same_body_as=count)
        self.get("retrieve", f"{SPECIMENS}{target.id}/", same_body_as=before)

    def other_forms(self) -> None:
        """Accepted (and unspecified) forms of a value, each in a patch of its own, then read back."""
        forms = [(name, value, 200) for name, values in v.OTHER_FORMS.items() for value in values]
        forms += [(name, value, None) for name, values in v.UNSPECIFIED_FORMS.items() for value in values]
        for name, value, expect in forms:
            row = self.some_row()
            if name in self.model.taken and unique_key(name, value) in self.model.taken[name]:
                continue
            klass = f"{'accepted' if expect else 'unspecified'} form {field_type(name)}"
            self.send(klass, "patch", f"{SPECIMENS}{row.id}/", {name: value}, f"{name}={value!r}",
                      expect=expect)
            if expect is None:
                pass  # the outcome is not the contract's: the model keeps the old value
            elif name in self.model.taken:
                # Both stay taken: whether the new form was accepted is what is being tested.
                self.model.taken[name].add(unique_key(name, value))
            else:
                row.values[name] = value
            self.get("retrieve", f"{SPECIMENS}{row.id}/?{query(fields='id,' + name)}")

    def valid_new_row(self) -> dict:
        """A valid body whose unique values are free (not remembered: it is not meant to be stored)."""
        return self.fresh_row()

    def filters(self, share: float = 1.0) -> None:
        """Every lookup of every field; ``share`` of the values each draws, at least one."""
        for name in SPECIMEN_FIELDS:
            kind = field_type(name)
            for lookup in self.lookups(kind):
                drawn = self.filter_values(name, kind, lookup)
                kept = self.rng.sample(drawn, max(1, round(len(drawn) * share)))
                for raw in kept:
                    parameter = name if lookup == "exact" else f"{name}__{lookup}"
                    # The matching rows are what a filter decides; the rest of each
                    # row is compared by the retrieves and the ordered lists.
                    params = {parameter: raw, "fields": f"id,{name}", "page_size": 100}
                    path = f"{SPECIMENS}?{query(**params)}"
                    self.get(f"filter {kind} {lookup}", path)
        for raw in self.filter_values("id", "integer", "in")[:2]:
            self.get("filter id in", f"{SPECIMENS}?{query(id__in=raw)}")

    def lookups(self, kind: str) -> tuple[str, ...]:
        if kind in TEXTUAL:
            return LOOKUPS["string"]
        if kind in ORDERED:
            return LOOKUPS["integer"]
        if kind in ("boolean", "json"):
            return LOOKUPS[kind]
        return LOOKUPS["equality"]

    def filter_values(self, name: str, kind: str, lookup: str) -> list[str]:
        if lookup == "isnull":
            return ["true", "false", "1", "0"]
        stored = [self.filter_text(name, value) for value in self.stored(name)] if name != "id" else []
        stored = [value for value in stored if value is not None] or ["1"]
        if name == "id":
            stored = [str(row_id) for row_id in self.live_ids()]
        if lookup == "in":
            return [",".join(self.rng.sample(stored, min(len(stored), size))) for size in (1, 2, 3)]
        if lookup in ("contains", "icontains", "startswith"):
            needles = [self.pick(v.NEEDLES) for _ in range(4)]
            pieces = [value[: self.rng.randint(1, max(1, len(value)))]
                      for value in (self.pick(stored), self.pick(stored))]
            if lookup == "icontains":
                pieces = [piece.upper() if self.rng.random() < 0.5 else piece.lower() for piece in pieces]
            return needles + pieces
        values = [self.pick(stored) for _ in range(3)]
        if kind in TEXTUAL or name in ("code", "status"):
            values += [self.pick(stored).upper(), self.pick(stored).swapcase(), self.pick(v.NEEDLES)]
        if kind == "float":
            values += ["-0.0", "5e-324", "1e300"]
        if kind == "integer" and name == "big":
            values += [str(2**63 - 1), str(-(2**63))]
        if kind == "decimal":
            values += ["99999999999.9999" if name == "price" else "9999.99", "0.0", "-0"]
        if kind == "datetime":
            values += ["2024-05-01T12:30:00.000000+02:00", "2024-05-01T10:30:00"]
        if kind == "time":
            values += ["12:30:00.000000", "00:00:00.000001"]
        if kind == "uuid":
            values += [self.pick(v.uuid_forms(self.pick(v.UUID_HEXES)))]
        return values

    def bad_filters(self) -> None:
        for parameter, raw in BAD_FILTERS:
            self.get(f"bad filter {parameter.split('__')[0]}", f"{SPECIMENS}?{query(**{parameter: raw})}")
        for raw in RAW_QUERIES:
            self.get("bad filter raw", f"{SPECIMENS}?{raw}")

    def orderings(self) -> None:
        orderable = ["id", *(name for name, options in SPECIMEN_FIELDS.items() if options["type"] != "json")]
        for name in orderable:
            self.get(f"order {self.kind_of(name)}", f"{SPECIMENS}?{query(ordering=name, page_size=100)}")
            self.get(f"order {self.kind_of(name)} desc",
                     f"{SPECIMENS}?{query(ordering='-' + name, fields='id,' + name, page_size=100)}")
        for _ in range(20):
            names = self.rng.sample(orderable, self.rng.randint(2, 3))
            terms = [self.rng.choice(["", "-"]) + name for name in names]
            self.get("order combined", f"{SPECIMENS}?{query(ordering=','.join(terms), page_size=100)}")
        for ordering in ("bogus", "-extra", "extra", "name,,code", " name", "--name", "stamp,-stamp"):
            self.get("order refused", f"{SPECIMENS}?{query(ordering=ordering)}")

    def kind_of(self, name: str) -> str:
        return "id" if name == "id" else field_type(name)

    def searches(self) -> None:
        for _ in range(20):
            terms = [self.pick(v.NEEDLES) for _ in range(self.rng.randint(1, 2))]
            separator = self.pick([" ", ",", ", "])
            self.get("search", f"{SPECIMENS}?{query(search=separator.join(terms), page_size=100)}")
        for term in ("", " ", ",", "zzz", "maker", "fixed", "draft DRAFT", "ß ss", "ẞ", "İ"):
            self.get("search", f"{SPECIMENS}?{query(search=term, page_size=100)}")

    def projections(self) -> None:
        some = self.some_row().id
        for fields in ("id", "id,name", "name,extra,price,ratio", "stamp", "id,id", " id , code ", "bogus",
                       "", "ID", "id,,name", "maker,parent"):
            self.get("fields", f"{SPECIMENS}?{query(fields=fields, page_size=5)}")
        for expand in ("maker", "parent", "maker,parent", "parent,parent", "name", "bogus", "mentor", ""):
            self.get("expand", f"{SPECIMENS}?{query(expand=expand, page_size=30)}")
            self.get("expand", f"{SPECIMENS}{some}/?{query(expand=expand)}")
        self.get("expand", f"{SPECIMENS}?{query(expand='maker', fields='id,maker', page_size=100)}")
        self.get("expand", f"{MAKERS}?{query(expand='mentor')}")

    def pagination(self) -> None:
        total = len(self.model.rows)
        for params in ({"page": 1}, {"page": 2}, {"page": 4}, {"page": 99}, {"page": 0}, {"page": -1},
                       {"page": "abc"}, {"page": "1.0"}, {"page": ""}, {"page_size": 1000},
                       {"page_size": 101}, {"page_size": 100}, {"page_size": 0}, {"page_size": -5},
                       {"page_size": "x"}, {"page_size": 1, "page": total},
                       {"page_size": 1, "page": total + 1},
                       {"page_size": 7, "page": total // 7 + 1}, {"page": "last"}, {"page": "２"},
                       {"page_size": 2**64}, {"page": 2**64}, {"format": "json"}, {"format": "xml"}):
            self.get("pagination", f"{SPECIMENS}?{query(**params)}")

    def writes(self, count: int) -> None:
        for _ in range(count):
            self.pick([self.write_patch, self.write_patch, self.write_put, self.write_create,
                       self.write_conflict, self.write_errors, self.write_delete])()

    def write_patch(self) -> None:
        row = self.some_row()
        names = self.rng.sample([n for n, o in SPECIMEN_FIELDS.items() if not o.get("read_only")], 2)
        body = {}
        for name in names:
            if name in self.model.taken:
                self.model.taken[name].discard(unique_key(name, row.values.get(name)))
            value = getattr(self, f"_value_{name}")()
            if name == "parent" and value == row.id:
                value = None
            body[name] = value
        self.send(f"patch {'+'.join(sorted(field_type(n) for n in names))}", "patch", f"{SPECIMENS}{row.id}/",
                  body, f"{body!r:.80}", expect=200)
        row.values.update(body)
        for name in names:
            if name in self.model.taken and body[name] is not None:
                self.model.taken[name].add(unique_key(name, body[name]))
        self.get("retrieve", f"{SPECIMENS}{row.id}/")

    def write_put(self) -> None:
        row = self.some_row()
        self.forget_uniques(row)
        body = self.fresh_row()
        if body.get("parent") == row.id:
            body["parent"] = None
        self.send("put", "put", f"{SPECIMENS}{row.id}/", body, f"row {row.id}", expect=200)
        for name in self.model.taken:
            if body.get(name) is not None:
                self.model.taken[name].add(unique_key(name, body[name]))
        row.values = dict(body)
        self.get("retrieve", f"{SPECIMENS}{row.id}/?{query(expand='maker,parent')}")

    def write_create(self) -> None:
        body = self.fresh_row()
        self.send("create specimen", "post", SPECIMENS, body, f"row {self.model.next_row}", expect=201)
        self.remember(body)

    def write_conflict(self) -> None:
        """A unique value taken by another row: as sent, in another accepted form, or by an update."""
        owners = [row for row in self.model.rows.values() if any(row.values.get(n) for n in self.model.taken)]
        owner = self.pick(owners)
        name = self.pick([n for n in self.model.taken if owner.values.get(n) is not None])
        taken = owner.values[name]
        if name == "token":
            taken = self.pick(v.uuid_forms(unique_key("token", taken)))
        body = {**self.valid_new_row(), name: taken}
        self.send(f"unique conflict {field_type(name)} in create", "post", SPECIMENS, body,
                  f"{name}={taken!r}")
        other = self.pick([row_id for row_id in self.live_ids() if row_id != owner.id])
        self.send(f"unique conflict {field_type(name)} in patch", "patch", f"{SPECIMENS}{other}/",
                  {name: taken}, f"{name}={taken!r}")

    def write_errors(self) -> None:
        row = self.some_row()
        detail = f"{SPECIMENS}{row.id}/"
        cases = [
            ("unknown field", "patch", detail, {"colour": "red"}),
            ("unknown field", "post", SPECIMENS, {**self.valid_new_row(), "Name": "x"}),
            ("read-only field", "patch", detail, {"stamp": "changed"}),
            ("read-only field", "patch", detail, {"stamp": "fixed"}),
            ("read-only field", "patch", detail, {"id": row.id + 1000}),
            ("read-only field", "post", SPECIMENS, {**self.valid_new_row(), "id": 5000}),
            ("bad body", "post", SPECIMENS, [1, 2]),
            ("bad body", "patch", detail, "text"),
            ("bad body", "put", detail, {"name": "only"}),
            ("bad body", "patch", detail, None),
            ("missing", "patch", f"{SPECIMENS}9999/", {"name": "ab"}),
            ("missing", "put", f"{SPECIMENS}9999/", self.valid_new_row()),
        ]
        label, method, path, body = self.pick(cases)
        self.send(label, method, path, body, f"{body!r:.60}")
        raw_cases = [
            ("bad body", "post", SPECIMENS, '{"name": "ab",', "application/json"),
            ("bad body", "post", SPECIMENS, "\xff\xfe", "application/json"),
            ("bad body", "post", SPECIMENS, '{"name": "ab"}', "text/plain"),
            ("bad body", "patch", detail, "", "application/json"),
        ]
        klass, method, path, text, content_type = self.pick(raw_cases)
        raw = text.encode("latin-1") if text == "\xff\xfe" else text.encode()
        label = f"{method.upper()} {path} {text!r} as {content_type}"
        self.add(Step(label, klass, method, path, raw, content_type))

    def write_delete(self) -> None:
        referenced = self.model.referenced_rows()
        free = [row_id for row_id in self.live_ids() if row_id not in referenced]
        if referenced:
            self.send("protected delete", "delete", f"{SPECIMENS}{self.pick(sorted(referenced))}/", None, "")
        if self.model.referenced_makers():
            maker = self.pick(sorted(self.model.referenced_makers()))
            self.send("protected delete", "delete", f"{MAKERS}{maker}/", None, "")
        if len(free) > 20:
            row_id = self.pick(free)
            self.add(Step(f"DELETE {SPECIMENS}{row_id}/", "delete", "delete", f"{SPECIMENS}{row_id}/"))
            self.forget_uniques(self.model.rows.pop(row_id))
            for method in ("get", "delete", "patch"):
                body = encode({"name": "ab"}) if method == "patch" else None
                path = f"{SPECIMENS}{row_id}/"
                self.add(Step(f"{method.upper()} deleted {row_id}", "missing", method, path, body))

    def not_found_and_methods(self) -> None:
        for path in (f"{SPECIMENS}0/", f"{SPECIMENS}{2**63}/", f"{SPECIMENS}{2**64}/", f"{SPECIMENS}abc/",
                     "/api/v1/nothing/", "/api/v1/Specimens/", f"{SPECIMENS}1", f"{MAKERS}999/"):
            self.get("missing", path)
        self.add(Step(f"POST {SPECIMENS}1/", "method not allowed", "post", f"{SPECIMENS}1/", b"{}"))
        self.add(Step(f"DELETE {SPECIMENS}", "method not allowed", "delete", SPECIMENS))
        self.add(Step(f"PUT {SPECIMENS}", "method not allowed", "put", SPECIMENS, b"{}"))
        self.add(Step(f"OPTIONS {SPECIMENS}", "options", "options", SPECIMENS))
        self.add(Step(f"HEAD {SPECIMENS}", "head", "head", SPECIMENS))


def generate(seed: int, rows: int = 70) -> list[Step]:
    """The whole sequence for ``seed``: the same list on every engine and every run."""
    generator = Generator(seed, rows)
    generator.makers()
    generator.creates()
    generator.refused()
    generator.other_forms()
    generator.filters(share=0.5)
    generator.bad_filters()
    generator.orderings()
    generator.searches()
    generator.projections()
    generator.pagination()
    generator.not_found_and_methods()
    generator.writes(120)
    # The same kinds of reads again, over the rows the writes left.
    generator.filters(share=0.25)
    generator.orderings()
    generator.searches()
    generator.get("openapi", "/api/schema/?format=json")
    return generator.steps
