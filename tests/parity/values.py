"""
Hostile values: what the contract accepts but engines tend to get wrong, and
what the contract refuses.

Pools, not strategies: the generator draws from them with its own seeded
random, and composes text from the atoms. Everything here is plain data so a
failing case can be read in the report as it was sent.
"""

# Look-alike characters (dotless i, sigma, fullwidth digits) are the point here.
# ruff: noqa: RUF001

from __future__ import annotations

NFC_CAFE = "Caf\u00e9"
NFD_CAFE = "Cafe\u0301"

# Text atoms: case pairs, case mappings that change length or need context,
# NFC/NFD twins, emoji (astral, ZWJ sequences, flags), LIKE wildcards and the
# escape character, quotes, whitespace, code points at the ends of the planes.
TEXT_ATOMS = [
    "Straße", "STRASSE", "strasse", "ẞ", "ß", "ss",
    "İstanbul", "istanbul", "ISTANBUL", "ı", "I", "i\u0307",
    "Σίσυφος", "ΣΊΣΥΦΟΣ", "σίσυφος", "ς", "Σ", "σ",
    "Ärger", "ärger", "A\u0308rger", "a\u0308rger",
    NFC_CAFE, NFD_CAFE, "CAFÉ", "café",
    "😀", "👩\u200d👩\u200d👧", "🇩🇪", "e\u0301\u0301",
    "50%", "100% sure", "a_b", "a%b", "%", "_", "%_", "\\", "back\\slash", "C:\\temp\\", "\\%", "\\_",
    "O'Brien", '"quoted"', "<b>", "tab\there", "line\nbreak", " padded ", "Zebra", "apple", "Apple",
    "B", "a", "é", "\u00ff", "\ufb01", "ǅ", "\u212a", "\u212b", "\uffff", "\U0010ffff", "\u00a0",
]

# Substrings worth looking for (in contains, icontains, startswith, search).
NEEDLES = [
    "ß", "SS", "ss", "STRASSE", "straße", "STRASSE", "i\u0307", "İ", "ı", "I", "i", "σ", "Σ", "ς", "ΣΊΣΥΦΟΣ",
    "ärger", "ÄRGER", "A\u0308", "\u0308", "é", "e\u0301", "É", NFC_CAFE, NFD_CAFE, "CAFE",
    "😀", "👩", "\u200d", "🇩", "%", "_", "%_", "\\", "\\\\", "\\%", "\\_", "a_b", "a%b", "50%",
    "'", '"', "<", "\t", "\n", " ", "Zebra", "zebra", "APPLE", "k", "K", "\u212a", "å", "\u212b", "fi", "FI",
    "\ufb01", "ǆ", "Ǆ", "\uffff", "\U0010ffff",
]

# Text the contract refuses everywhere: in bodies and in filter values.
REFUSED_TEXT = ["nul\u0000byte", "\u0000", "lone\ud800surrogate", "\udfff"]

INTEGERS = [0, 1, -1, 2**53, 2**53 + 1, -(2**53), 2**63 - 1, -(2**63), 2**31, -(2**31) - 1]
REFUSED_INTEGERS = [2**63, -(2**63) - 1, 2**64, 10**20, 1.5, "12a", "NaN"]

# price: max_digits 15, decimal_places 4.
PRICES = [
    "99999999999.9999", "-99999999999.9999", "0.0001", "-0.0001", "0", "0.0000", "1.5", "1.50",
    "12345678901", 7, -3, "00012.3400", "-0", 0.5,
]
REFUSED_PRICES = [
    "0.00001", "100000000000.0000", "123456789012", "NaN", "Infinity", "-Infinity", "1e300", 1e300,
    "1.2.3",
]

FLOATS = [
    1e300, -1e300, 5e-324, -5e-324, -0.0, 0.0, 2**53, 2**53 + 1, 1.7976931348623157e308, 0.1,
    0.30000000000000004, -1.5, 1e-7, 123456789.123, 1, 100, 2.5e-308,
]
REFUSED_FLOATS = ["NaN", "nan", "Infinity", "-Infinity", "inf", "abc", "1e400", ""]

DATES = ["0001-01-01", "9999-12-31", "2024-02-29", "2000-01-01", "1970-01-01", "2024-05-01"]
REFUSED_DATES = ["2023-02-29", "10000-01-01", "2024-13-01", "24-05-01", "2024-05-01T00:00:00", "yesterday"]

DATETIMES = [
    "2024-05-01T12:30:00+02:00", "2024-05-01T10:30:00Z", "2024-05-01T12:30:00.123456-05:30",
    "2024-05-01T10:30:00.000001Z", "2024-05-01T10:30:00.250000+00:00",
    "9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z", "2024-03-10T02:30:00-14:00",
    "2024-12-31T23:59:59+14:00", "2000-02-29T00:00:00.5+05:45", "1970-01-01T00:00:00Z",
]
REFUSED_DATETIMES = [
    "yesterday", "2024-05-01T25:00:00Z", "2024-02-30T00:00:00Z", "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:00:00-02:00",
    # No offset names no instant; the contract refuses it rather than guess.
    "2024-05-01T12:30:00", "2024-05-01T12:30", "2024-05-01 12:30:00Z",
]

TIMES = ["00:00", "00:00:00", "23:59:59.999999", "12:30:00.000001", "12:30", "12:30:00", "08:05:09.5"]
REFUSED_TIMES = ["24:00", "12:60", "25:00:00", "noon", "12:30:00+02:00", "12:30:00Z"]

EMAIL_LOCALS = ["ann", "Ann", "ANN", "o'brien", "50%_off", "a_b", "x.y", "Zoe"]
EMAIL_DOMAINS = ["example.com", "Example.COM", "bücher.example", "straße.example"]
REFUSED_EMAILS = ["not-an-email", "a@", "@b.example", "a b@example.com", "nul\u0000@example.com"]

URLS = [
    "https://example.com/", "https://EXAMPLE.com/Path", "https://example.com/a%20b?q=_x_&r=%25",
    "https://bücher.example/straße", "http://example.com/~user/%5C", "https://example.com/😀",
    "https://xn--bcher-kva.example/", "https://example.com/" + "a" * 400,
]
REFUSED_URLS = ["not a url", "ftp//broken", "https://", "javascript:alert(1)", "https://exa mple.com/"]

UUID_HEXES = [
    "0c6c3e2a5d0e4c559a431b6b4c1f0a01", "5b1f7f0e3c7e4b8e8f7e2b9e3c2d0a02",
    "9e2d1c4b7a6f4e3db2c13d4e5f6a0a03", "c0ffee0012344abc8def000000000004",
    "ffffffffffffffffffffffffffffffff", "00000000000000000000000000000000",
    "a0a0a0a0b1b14c1c8d1d0e0e0f0f0f0f", "7fffffffffffffffffffffffffffffff",
    "80000000000000000000000000000000",
]
REFUSED_UUIDS = [
    "123", "not-a-uuid", "0c6c3e2a-5d0e-4c55-9a43-1b6b4c1f0a0", "g" * 32,
    # Unhyphenated and braced forms: the contract takes the hyphenated form only.
    "1a2b3c4d5e6f40718293a4b5c6d7e8f9", "{0c6c3e2a-5d0e-4c55-9a43-1b6b4c1f0a01}",
]


def uuid_forms(hex32: str) -> list[str]:
    """The same UUID as a client may write it: hyphenated, in any case (docs/semantics.md)."""
    hyphened = f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"
    return [hyphened, hyphened.upper(), hyphened.title()]


def hyphened_uuid_forms(hex32: str) -> list[str]:
    return uuid_forms(hex32)[:2]


# Forms the contract accepts that a server may still refuse: sent in patches
# of their own, so a refusal does not change which rows exist.
OTHER_FORMS = {
    "token": [form for hex32 in ("1a2b3c4d5e6f40718293a4b5c6d7e8f9", "ABCDEF0123454678" + "9ABCDEF012345678")
              for form in uuid_forms(hex32)[1:]],
    "moment": ["2024-05-01T12:30:00+02:00", "2024-05-01t12:30:00.5z", "2024-05-01T12:30:00-00:30"],
    "opens": ["12:30", "07:08:09.000100"],
    "price": [1e3, 12345678901.1234],
    "amount": [12, "12", 0],
    "ratio": [1, -0, 10**20],
    "day": ["2024-05-01"],
}
# Forms the contract says nothing about: whatever one engine does, the other must do too.
UNSPECIFIED_FORMS = {
    "price": ["", "１２", "  7.25 ", "1E+3", "1e-4", "٣"],
    "count": ["12", 12.0, "１２", True],
    "ratio": ["1.5", "１.５", True],
    "active": ["true", 1, "yes"],
    "day": ["２０２４-05-01"],
    "name": [" ab ", "\tab\t"],
}


def nested(depth: int, leaf=0):
    """A JSON value ``depth`` levels deep, alternating arrays and objects."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


JSON_VALUES = [
    {"b": 1, "a": {"d": [1, 2, {"z": 0, "y": []}], "c": None}, "ä": "x", "A": True},
    {"zeta": [3, 2, 1], "Alpha": {"β": [[], [[]], {}]}, "alpha": -0.0},
    {"ß": 1, "ss": 2, "SS": 3, "ẞ": 4},
    {NFC_CAFE: 1, NFD_CAFE: 2},
    {"n": [1e300, 5e-324, -0.0, 0.0, 1.0, 2.50, 1e-7, 2**53 - 1, -(2**53 - 1), 0.1]},
    [1, "two", [3, [4, [5]]], {"six": 6}],
    [], {}, "text", "😀", "Σ", "", 0, -0.0, 1.0, 1e300, 5e-324, 2**53 - 1, True, False,
    {"%": "_", "\\": "\\\\", "": "empty key", " ": "space"},
    {"emoji": "👩\u200d👩\u200d👧", "nfd": NFD_CAFE, "\U0010ffff": "\uffff"},
    nested(32), nested(31, {"b": 2, "a": 1}),
]

# JSON bodies written out by hand: repeated keys (the last one counts).
REPEATED_KEY_JSON = ['{"b": 1, "a": 2, "b": 3}', '{"a": {"x": 1, "x": [2]}, "a": {"y": 0, "x": 5}}']

REFUSED_JSON = [
    nested(40), nested(33), 2**64, 2**53, -(2**53) - 5, {"big": 2**63 - 1}, [1, 2**70],
    "nul\u0000", {"k\u0000": 1}, {"lone\ud800": 1}, ["\udfff"], {"a": [1, "\ud83d"]},
]
# Texts of JSON bodies whose values are not JSON a strict parser accepts, or
# that a parser turns into a non-finite double.
REFUSED_JSON_TEXT = ["NaN", "Infinity", "-Infinity", "[NaN]", '{"x": Infinity}', "1e400", "[-1e400]"]
