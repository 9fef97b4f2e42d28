"""
Statements every request sends, in plain SQL written once per database.

The ORM compiles a query again on every call; for a statement that every
request sends (a bearer token looked up with its application and user, the
row a written reference points to, the audit entry of a write) the
compilation costs more than the statement.
``CatalogRevision.current`` reads the revision in plain SQL for the same
reason. Both classes here write the statement once per database and do what
the ORM would: ``PlainLookup`` builds every concrete field through the ORM's
own converters and caches each related row on the instance (None where the
reference is empty); ``PlainInsert`` prepares each value as ``save()`` does
and sets the new primary key, or with ``insert`` writes a row from its values
alone, for rows nobody reads back (an API write's audit entry). Neither sends
model signals.

Round trips cost more than compilation on a network database, so both can
do a second thing in the same statement: ``PlainLookup`` reads one value of
another row beside its row (the catalog revision beside a bearer token), and
``PlainInsert`` inserts only where the rows a new row references exist.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connections, router, transaction


@dataclass(frozen=True)
class _Part:
    """The columns of one model in the statement: where they start, and how to read them."""

    model: type
    start: int
    attnames: list[str]
    pk_index: int
    # (position, (converters, expression)) of the fields that have converters.
    converters: tuple[tuple[int, tuple], ...]
    relation: str = ""  # the foreign key of the looked-up model that points here

    @property
    def width(self) -> int:
        return len(self.attnames)


class PlainLookup:
    """One row by a unique column, with the rows its foreign keys in ``related`` point to.

    ``beside`` is (model, field name, key): one value of another table's row
    on the same database, read in the same statement by ``get_beside``
    whether or not the looked-up row exists.
    """

    def __init__(self, model, column: str, related: tuple[str, ...] = (), beside: tuple | None = None):
        self.model = model
        self.column = column
        self.related = related
        self.beside = beside
        self._statements: dict[str, tuple[str, tuple[_Part, ...]]] = {}

    def get(self, value, using: str | None = None):
        """The instance whose ``column`` is ``value``, with its related rows, or None."""
        using = using or router.db_for_read(self.model)
        row, parts = self._fetch(using, [value])
        return None if row is None else self._instances(row, parts, using)

    def get_beside(self, value, using: str | None = None) -> tuple[object, object]:
        """(what ``get`` gives, the ``beside`` value or None when its row is missing), in one statement."""
        using = using or router.db_for_read(self.model)
        row, parts = self._fetch(using, [self.beside[2], value])
        return self._instances(row, parts, using), row[0]

    def _fetch(self, using: str, params: list):
        sql, parts = self._statement(using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone(), parts

    def _instances(self, row, parts: tuple[_Part, ...], using: str):
        connection = connections[using]
        main, *others = (self._instance(part, row, using, connection) for part in parts)
        if main is None:
            return None
        for part, instance in zip(parts[1:], others, strict=True):
            self.model._meta.get_field(part.relation).set_cached_value(main, instance)
        return main

    def _statement(self, using: str) -> tuple[str, tuple[_Part, ...]]:
        statement = self._statements.get(using)
        if statement is None:
            statement = self._statements[using] = self._write(connections[using])
        return statement

    def _write(self, connection) -> tuple[str, tuple[_Part, ...]]:
        quote = connection.ops.quote_name
        columns, joins, parts = [], [], []
        if self.beside is not None:
            columns.append(_value_by_key(self.beside, quote))
        models = [(self.model, "", "t0")]
        for number, name in enumerate(self.related, start=1):
            models.append((self.model._meta.get_field(name).related_model, name, f"t{number}"))
        for model, relation, alias in models:
            fields = model._meta.concrete_fields
            # Only the columns that have any: most have none on PostgreSQL.
            pairs = enumerate(_converters(field, alias, connection) for field in fields)
            converters = tuple((position, pair) for position, pair in pairs if pair[0])
            parts.append(_Part(model, len(columns), [field.attname for field in fields],
                               fields.index(model._meta.pk), converters, relation))
            columns.extend(f"{quote(alias)}.{quote(field.column)}" for field in fields)
            if relation:
                foreign_key = self.model._meta.get_field(relation)
                target = foreign_key.target_field.column
                # LEFT: a reference may be empty, and then the row is None, as with select_related.
                joins.append(f"LEFT OUTER JOIN {quote(model._meta.db_table)} {quote(alias)} "
                             f"ON {quote('t0')}.{quote(foreign_key.column)} = {quote(alias)}.{quote(target)}")
        column = self.model._meta.get_field(self.column).column
        table = f"{quote(self.model._meta.db_table)} {quote('t0')}"
        match = f"{quote('t0')}.{quote(column)} = %s"
        if self.beside is None:
            sql = f"SELECT {', '.join(columns)} FROM {table} {' '.join(joins)} WHERE {match}"
        else:
            # One row always, with NULLs where the looked-up row is missing.
            sql = (f"SELECT {', '.join(columns)} FROM (SELECT 1 AS {quote('one')}) {quote('one')} "
                   f"LEFT OUTER JOIN {table} ON {match} {' '.join(joins)}")
        return sql, tuple(parts)

    @staticmethod
    def _instance(part: _Part, row, using: str, connection):
        values = list(row[part.start:part.start + part.width])
        if values[part.pk_index] is None:
            return None
        convert_columns(values, part.converters, connection)
        return part.model.from_db(using, part.attnames, values)


class PlainInsert:
    """A new row of ``model`` from an instance without a key: every concrete field but the automatic one.

    With ``checked`` foreign keys, the row is inserted only where the rows they
    point to exist (``INSERT ... SELECT ... WHERE EXISTS``): a written
    reference needs no statement of its own. Their tables must be on the
    database the row is written to.
    """

    def __init__(self, model):
        self.model = model
        self._statements: dict[tuple, tuple[str, list, bool, list[int]]] = {}

    def save(self, instance, checked: tuple[str, ...] = ()):
        """``instance`` inserted and numbered; None, with nothing inserted, if a ``checked`` row is gone."""
        using = router.db_for_write(self.model, instance=instance)
        connection = connections[using]
        sql, fields, returns_key, repeated = self._statement(using, checked)
        values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
        # Each checked reference's value again, for its EXISTS.
        values.extend([values[position] for position in repeated])
        key = self._execute(connection, sql, values, returns_key, bool(checked))
        if key is _NOT_INSERTED:
            return None
        instance.pk = key
        instance._state.adding = False
        instance._state.db = using
        return instance

    def insert(self, values: Mapping[str, object]):
        """The key of a new row of ``values`` by attribute name (``actor_user_id``), without an instance.

        For a row written on every request, where building the model
        instance costs more than the statement's values. Each value is
        prepared as ``save()`` prepares an instance's (``get_db_prep_save``),
        but no field's ``pre_save`` runs: give every value, defaults
        included, and use ``save()`` for a model with ``auto_now`` fields.
        """
        using = router.db_for_write(self.model)
        connection = connections[using]
        sql, fields, returns_key, _repeated = self._statement(using, ())
        prepared = [field.get_db_prep_save(values[field.attname], connection) for field in fields]
        return self._execute(connection, sql, prepared, returns_key, False)

    def _execute(self, connection, sql: str, values: list, returns_key: bool, checked: bool):
        """The new row's key, or ``_NOT_INSERTED`` when a checked reference's row is gone."""
        with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
            cursor.execute(sql, values)
            if returns_key:
                row = cursor.fetchone()
                return _NOT_INSERTED if row is None else row[0]
            if checked and cursor.rowcount == 0:
                return _NOT_INSERTED
            meta = self.model._meta
            return connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)

    def _statement(self, using: str, checked: tuple[str, ...]) -> tuple[str, list, bool, list[int]]:
        statement = self._statements.get((using, checked))
        if statement is None:
            statement = self._statements[using, checked] = self._write(connections[using], checked)
        return statement

    def _write(self, connection, checked: tuple[str, ...]) -> tuple[str, list, bool, list[int]]:
        quote = connection.ops.quote_name
        meta = self.model._meta
        # The database numbers the row, as save() leaves it to on a new instance.
        fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        foreign_keys = [meta.get_field(name) for name in checked]
        if foreign_keys:
            conditions = " AND ".join(
                f"EXISTS (SELECT 1 FROM {quote(key.related_model._meta.db_table)} "
                f"WHERE {quote(key.target_field.column)} = %s)"
                for key in foreign_keys
            )
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {placeholders} WHERE {conditions}"
        else:
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
        returns_key = connection.features.can_return_columns_from_insert
        if returns_key:
            sql += " " + connection.ops.return_insert_columns([meta.pk])[0]
        return sql, fields, returns_key, [fields.index(key) for key in foreign_keys]


# What ``PlainInsert._execute`` gives when the INSERT inserted nothing.
_NOT_INSERTED = object()

_BY_KEY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_INSERTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def lookup_by_key(model) -> PlainLookup:
    """The lookup of ``model``'s rows by primary key, written once per model class.

    Runtime models are rebuilt at each catalog revision; their lookups go with them.
    """
    lookup = _BY_KEY.get(model)
    if lookup is None:
        lookup = _BY_KEY[model] = PlainLookup(model, model._meta.pk.name)
    return lookup


def insert_for(model) -> PlainInsert:
    """The INSERT of ``model``'s new rows, written once per model class (and so per catalog revision)."""
    insert = _INSERTS.get(model)
    if insert is None:
        insert = _INSERTS[model] = PlainInsert(model)
    return insert


def convert_columns(values: list, converters, connection) -> list:
    """``values`` with the ORM's converters applied in place, as its compiler applies them.

    ``converters`` pairs a column's position with its (converters, expression).
    """
    for position, (functions, expression) in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values


def _value_by_key(beside: tuple, quote) -> str:
    model, name, _key = beside
    meta = model._meta
    return (f"(SELECT {quote(meta.get_field(name).column)} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.pk.column)} = %s)")


def _converters(field, alias: str, connection) -> tuple[list, object]:
    # The ORM's own: the backend's for the column's type, then the field's (SQLCompiler.get_converters).
    expression = field.get_col(alias)
    return connection.ops.get_db_converters(expression) + expression.get_db_converters(connection), expression
