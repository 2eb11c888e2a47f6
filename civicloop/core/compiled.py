# SPDX-License-Identifier: MPL-2.0
"""Querysets turned into SQL once per process, then run with each request's values.

Building a queryset and compiling it to SQL costs the ORM more CPU than PostgreSQL spends running
the statement: for the case page's task list (`select_related` of the user who finished each task)
0.57 ms to build and compile against 0.14 ms to execute and fetch (bench/README.md, "Where the
time goes"). A page that runs eighteen such statements spends a third of its CPU making SQL it made
on the previous request. Here a query whose shape never changes is written once, as a queryset
with a `Param` where each request's value goes; the first run on a connection compiles it, every
run after that substitutes the values into the same statement text and hands the rows to the ORM's
own iterable, so the objects (with their `select_related` relations) are built exactly as the
queryset would build them.

    tasks_of = compiled(lambda: CaseTask.objects.filter(case=Param("case", CaseTask, "case"))
                                .select_related("completed_by").order_by("started_at", "id"))
    tasks = tasks_of(case=case)  # a model instance: its pk is the value, and each task.case is it

Only what can be fixed in advance belongs here: no `select_for_update` (its check needs a
transaction at compile time), no value that changes the statement's shape (a list for `__in`, a
policy that depends on the reader: `visible_to` querysets stay ordinary). A value is converted for
the database exactly as a filter on its field would convert it (`get_db_prep_value`).
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

R = TypeVar("R")  # what a run returns a list of: model instances, or the rows of values()/values_list()


@dataclass(frozen=True)
class _Slot:
    """Where a run's value goes in the compiled statement's parameters."""

    name: str
    field: models.Field[Any, Any]


class Param(Expression):
    """A value given when the compiled query runs, converted as a filter on `model.field_name` converts it."""

    def __init__(self, name: str, model: type[models.Model], field_name: str) -> None:
        field = model._meta.get_field(field_name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{model.__name__}.{field_name} is not a concrete field")
        super().__init__(output_field=field.target_field if isinstance(field, models.ForeignKey) else field)
        self.slot = _Slot(name, field)

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> Any:
        return "%s", [self.slot]  # (the stubs type parameters as plain values; this one is a marker)


class Compiled(Generic[R]):
    """A queryset compiled once per database connection and run with new values (see the module)."""

    def __init__(self, build: Callable[[], models.QuerySet[Any, R]]) -> None:
        self._build = build
        # Per connection (each thread has its own): the queryset, its compiler after compiling, the
        # statement and its parameters with a _Slot where each run's value goes.
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Statement[R]] = weakref.WeakKeyDictionary()

    def __call__(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[R]:
        connection = connections[using]
        statement = self._compiled.get(connection) or self._compile(connection, using)
        bound = [_bind(p, values, connection) for p in statement.params]
        run = copy.copy(statement.compiler)
        run.as_sql = lambda *args, **kwargs: (statement.sql, bound)  # type: ignore[method-assign,assignment]
        chained = statement.queryset.all()  # a fresh result cache; prefetch_related still runs after
        chained.query.get_compiler = lambda *args, **kwargs: run  # type: ignore[method-assign]
        # An object given for a foreign key of the rows is set on each row, as a related manager does
        # (`case.tasks.all()`): `task.case` is then that object, not another query.
        chained._known_related_objects = {  # type: ignore[attr-defined]
            p.field: {value.pk: value}
            for p in statement.params
            if isinstance(p, _Slot)
            and isinstance(value := values.get(p.name), models.Model)
            and isinstance(p.field, models.ForeignKey)
            and p.field.model is statement.queryset.model
        }
        return list(chained)

    def first(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> R | None:
        """The first row of a run, or None (the query itself says how many rows it reads: `[:1]`)."""
        found = self(using, **values)
        return found[0] if found else None

    def get(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> R:
        """The one row of a run, as `QuerySet.get`: the model's DoesNotExist or MultipleObjectsReturned
        otherwise (the query reads `[:2]` to tell one row from more)."""
        found = self(using, **values)
        if len(found) == 1:
            return found[0]
        model = self._compiled[connections[using]].queryset.model  # compiled by the run above
        if not found:
            raise model.DoesNotExist(f"no {model.__name__} for {values}")
        raise model.MultipleObjectsReturned(f"{len(found)} rows of {model.__name__} for {values}")

    def _compile(self, connection: BaseDatabaseWrapper, using: str) -> _Statement[R]:
        queryset = self._build().using(using)
        if queryset.query.select_for_update:
            raise ValueError("a compiled query cannot lock rows: select_for_update needs its checks each time")
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        statement = _Statement(queryset, compiler, sql, tuple(params))
        self._compiled[connection] = statement
        return statement


@dataclass(frozen=True)
class _Statement(Generic[R]):
    queryset: models.QuerySet[Any, R]
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]


def _bind(param: Any, values: dict[str, Any], connection: BaseDatabaseWrapper) -> Any:
    if not isinstance(param, _Slot):
        return param
    try:
        value = values[param.name]
    except KeyError:
        raise TypeError(f"the compiled query needs a value for {param.name!r}") from None
    if isinstance(value, models.Model):
        value = value.pk
    return param.field.get_db_prep_value(value, connection)


def compiled(build: Callable[[], models.QuerySet[Any, R]]) -> Compiled[R]:
    """`build` (a queryset with `Param`s) compiled on first use, run as `query(name=value, ...)`."""
    return Compiled(build)
