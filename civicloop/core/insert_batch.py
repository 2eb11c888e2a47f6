# SPDX-License-Identifier: MPL-2.0
"""New rows held back and written together: one statement on PostgreSQL for a whole action's inserts.

A submission writes six rows in five tables (application, history line, two outbox events, case,
case task) plus its audit entry, each through its own app. As six ORM inserts that is six round
trips, each compiled by the ORM and parsed and planned by PostgreSQL: most of a submission's time
(bench/README.md, "Where the time goes"). Inside `collect()`, `add(obj)` holds a new row instead;
at the end of the block the held rows go to the database in one statement, a chain of
data-modifying CTEs in which a row that points at another held row (a case at its application)
takes that row's new id from the chain. On SQLite they are inserted one by one, in order.

Nothing inside the block can see a row that is not there yet: before any other statement runs on
the connection, the held rows are written first (an execute wrapper), unless the caller says the
statement reads none of their tables (`reads_only`: the audit chain's lock and head). A row's id is
known only once written: code that needs it calls `flush()` (a no-op outside a batch).

The values are what `Model.save()` would write (each field's `pre_save` and `get_db_prep_save`,
so sealing, `auto_now` and JSON adaptation are the same); custom `save()` methods and the
`pre_save`/`post_save` signals are not run, so only models without them on insert belong here.
The statement's text is kept per shape (the tables, columns and links in order) and reused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from civicloop.core import prepared


class NotInTransaction(RuntimeError):
    """collect() was used outside transaction.atomic: held rows must commit with the rest."""


@dataclass
class _Batch:
    alias: str
    held: list[models.Model] = field(default_factory=list)
    # Models whose held rows the statements now running may read (see reads_only); None: all.
    unread: tuple[type[models.Model], ...] | None = None
    flushing: bool = False

    def needs_flush_before_query(self) -> bool:
        if not self.held or self.flushing:
            return False
        if self.unread is None:
            return True
        return any(isinstance(obj, self.unread) for obj in self.held)


_current: ContextVar[_Batch | None] = ContextVar("civicloop_insert_batch", default=None)


@contextmanager
def collect(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the rows `add`ed inside and write them together at the end (in the same transaction).

    Nested blocks join the outer one. On an exception the held rows are dropped with the transaction.
    """
    if _current.get() is not None:
        yield
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        raise NotInTransaction("insert_batch.collect() must run inside transaction.atomic")
    batch = _Batch(using)
    token = _current.set(batch)
    try:
        with connection.execute_wrapper(functools.partial(_flush_first, batch)):
            yield
            _flush(batch)
    finally:
        _current.reset(token)


def add(obj: models.Model) -> None:
    """Insert `obj` (a new row): held until the batch is written, or at once outside a batch."""
    if not obj._state.adding or (obj.pk is not None and obj._meta.pk is obj._meta.auto_field):
        raise ValueError(f"{type(obj).__name__} is not a new row")
    batch = _current.get()
    if batch is None:
        obj.save(force_insert=True)
        return
    batch.held.append(obj)


def flush() -> None:
    """Write the held rows now (their ids are needed); a no-op outside a batch."""
    batch = _current.get()
    if batch is not None:
        _flush(batch)


def holds(obj: models.Model) -> bool:
    """Whether `obj` is held, not yet written."""
    batch = _current.get()
    return batch is not None and any(held is obj for held in batch.held)


@contextmanager
def reads_only(*read: type[models.Model]) -> Iterator[None]:
    """The statements inside read none of the held rows except those of `read`: no flush for them."""
    batch = _current.get()
    if batch is None:
        yield
        return
    before = batch.unread
    batch.unread = read
    try:
        yield
    finally:
        batch.unread = before


def _flush_first(
    batch: _Batch, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    if batch.needs_flush_before_query():
        _flush(batch)
    return execute(sql, params, many, context)


def _flush(batch: _Batch) -> None:
    if not batch.held or batch.flushing:
        return
    rows, batch.held = batch.held, []
    batch.flushing = True
    try:
        connection = connections[batch.alias]
        if connection.vendor == "postgresql":
            _insert_chain(connection, rows)
        else:
            for obj in rows:
                _point_at_written(obj)
                obj.save(force_insert=True, using=batch.alias)
    finally:
        batch.flushing = False


def _point_at_written(obj: models.Model) -> None:
    """Set the foreign keys of `obj` whose related object was written after it was assigned."""
    for f in obj._meta.concrete_fields:
        if isinstance(f, models.ForeignKey) and getattr(obj, f.attname) is None and f.is_cached(obj):
            related = f.get_cached_value(obj)
            if related is not None and related.pk is not None:
                setattr(obj, f.attname, related.pk)


# --- PostgreSQL: one statement -------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    model: type[models.Model]
    fields: tuple[models.Field[Any, Any], ...]
    # For each field: the index of the held row whose new id it takes, or None (a value).
    links: tuple[int | None, ...]


def _insert_chain(connection: BaseDatabaseWrapper, rows: Sequence[models.Model]) -> None:
    index = {id(obj): number for number, obj in enumerate(rows)}
    shapes, params = [], []
    for obj in rows:
        fields, foreign = _columns(type(obj), obj.pk is None)
        links: list[int | None] = []
        for f, fk in zip(fields, foreign, strict=True):
            link = None
            if fk is not None and fk.is_cached(obj):
                related = fk.get_cached_value(obj)
                if related is not None and related.pk is None:
                    link = index.get(id(related))
                    if link is None:
                        raise ValueError(
                            f"{type(obj).__name__}.{f.name} points at a row that is neither held nor written"
                        )
                elif related is not None and getattr(obj, f.attname) is None:
                    setattr(obj, f.attname, related.pk)
            links.append(link)
            if link is None:
                params.append(f.get_db_prep_save(f.pre_save(obj, True), connection=connection))
        shapes.append(_Row(type(obj), fields, tuple(links)))
    sql, returns = _chain_sql(connection.alias, tuple(shapes))
    ids = prepared.fetch_one(connection, sql, params)
    for obj, new_id, returned in zip(rows, ids, returns, strict=True):
        if returned:
            obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias


@functools.cache
def _columns(
    model: type[models.Model], new_id: bool
) -> tuple[tuple[models.Field[Any, Any], ...], tuple[models.ForeignKey[Any, Any] | None, ...]]:
    """The fields a new row of `model` writes (not its auto id when the database gives it), and each
    one again if it is a foreign key: worked out once per model, not for each of a submission's rows."""
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if not (f is meta.auto_field and new_id))
    return fields, tuple(f if isinstance(f, models.ForeignKey) else None for f in fields)


@functools.lru_cache(maxsize=64)
def _chain_sql(alias: str, shapes: tuple[_Row, ...]) -> tuple[str, tuple[bool, ...]]:
    """`WITH r0 AS (INSERT … RETURNING id), r1 AS (INSERT … VALUES (…, (SELECT id FROM r0))) …`.

    Only quoted names from the models' metadata go into the text; every value is a parameter.
    """
    quote = connections[alias].ops.quote_name
    pk_columns = [quote(_pk(shape.model).column or "") for shape in shapes]
    parts, returns = [], []
    for number, shape in enumerate(shapes):
        columns = ", ".join(quote(f.column or "") for f in shape.fields)
        values = ", ".join(
            "%s" if link is None else f"(SELECT {pk_columns[link]} FROM r{link})"  # noqa: S608 - quoted names
            for link in shape.links
        )
        table = quote(shape.model._meta.db_table)
        returning = pk_columns[number]
        parts.append(f"r{number} AS (INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {returning})")  # noqa: S608
        returns.append(_pk(shape.model) not in shape.fields)
    selected = ", ".join(f"(SELECT {column} FROM r{number})" for number, column in enumerate(pk_columns))  # noqa: S608
    return f"WITH {', '.join(parts)} SELECT {selected}", tuple(returns)


def _pk(model: type[models.Model]) -> models.Field[Any, Any]:
    pk = model._meta.pk
    assert pk is not None
    return pk
