# SPDX-License-Identifier: MPL-2.0
"""Bulk loading through PostgreSQL COPY: rows as COPY text, and a table's indexes and keys set aside.

Columns are read from each model's `_meta`: the caller fills the columns it knows, and every other
concrete column gets its field's default, so a nullable or defaulted column added to a model later
needs no change in `manage.py generate_cases`.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, models


def escape(text: str) -> str:
    """PostgreSQL COPY text format: backslash, tab and line breaks are escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_text(field: models.Field, value: Any) -> str:
    """One value as COPY text, the way the field would store it."""
    if value is None:
        return r"\N"
    if isinstance(field, models.JSONField):
        return escape(json.dumps(value, ensure_ascii=False))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\\\x" + bytes(value).hex()
    return escape(str(value))


class CopyTable:
    """One model's table as COPY sees it.

    The generator gives values for `given` (attnames, in that order, already as COPY text); every
    other concrete column gets the field's default (a callable default is called per row), NULL
    when nullable, or the database default (`db_default`). A column with none of these stops the
    run with its name rather than guessing.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], now: datetime) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        if unknown := [name for name in given if name not in fields]:
            raise CommandError(f"{model.__name__} has no field {', '.join(unknown)}: generate_cases needs updating")
        self.dynamic: list[models.Field] = []
        constant: list[tuple[models.Field, str]] = []
        for field in model._meta.concrete_fields:
            if field.attname in given or getattr(field, "generated", False):
                continue
            if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
                continue  # the table's sequence numbers rows nothing else refers to
            if field.db_default is not models.NOT_PROVIDED:
                continue  # the database fills it
            if field.has_default() and callable(field.default):
                self.dynamic.append(field)
            else:
                constant.append((field, copy_text(field, self._default(model, field, now))))
        columns = [str(fields[name].column) for name in given] + [str(f.column) for f in self.dynamic]
        columns += [str(f.column) for f, _text in constant]
        self.suffix = "".join("\t" + text for _field, text in constant)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        self.sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"

    @staticmethod
    def _default(model: type[models.Model], field: models.Field, now: datetime) -> Any:
        if field.has_default():
            return field.get_default()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.null:
            return None
        value = field.get_default()  # "" for text fields, as the ORM would store
        if value is None:
            raise CommandError(
                f"{model.__name__}.{field.name} has no default and is NOT NULL: give it a default "
                "or teach generate_cases to fill it"
            )
        return value

    def line(self, values: list[str]) -> str:
        if self.dynamic:
            values = values + [copy_text(f, f.get_default()) for f in self.dynamic]
        return "\t".join(values) + self.suffix + "\n"


def optional(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """The names among `names` that `model` has today (fields another change may add or drop)."""
    present = {f.attname for f in model._meta.concrete_fields}
    return [name for name in names if name in present]


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def next_id(cursor: Any, model: type[models.Model], column: str = "id") -> int:
    cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) + 1 FROM {table(model)}")  # noqa: S608 - names from the model
    return int(cursor.fetchone()[0])


def defer_checks(cursor: Any, growing: list[type[models.Model]]) -> list[str]:
    """Drop what slows a bulk load on these tables; return the SQL that puts it all back, in order.

    PostgreSQL's advice for populating a database: build each index once over the loaded rows and
    check each foreign key with one join, instead of updating indexes and firing a trigger row by
    row. Dropped: plain indexes, unique constraints no foreign key rests on, and the tables' own
    foreign keys. Primary keys stay. Restored inside the same transaction, under the same names,
    so the schema Django's migrations expect is unchanged, and every row is checked all the same.
    """
    names = [model._meta.db_table for model in growing]
    cursor.execute(
        """
        SELECT c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid), c.contype FROM pg_constraint c
        WHERE c.conrelid = ANY(%s::regclass[]) AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
            SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
        """,
        [names],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [names],
    )
    indexes = cursor.fetchall()
    quote = connection.ops.quote_name
    for name, relation, _definition, _kind in constraints:
        cursor.execute(f"ALTER TABLE {relation} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    unique = [f"ALTER TABLE {rel} ADD CONSTRAINT {quote(n)} {d}" for n, rel, d, kind in constraints if kind == "u"]
    foreign = [f"ALTER TABLE {rel} ADD CONSTRAINT {quote(n)} {d}" for n, rel, d, kind in constraints if kind == "f"]
    return unique + [definition for _name, definition in indexes] + foreign
