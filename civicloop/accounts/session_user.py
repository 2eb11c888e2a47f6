# SPDX-License-Identifier: MPL-2.0
"""`request.user` from the session, with the user row read by one precompiled statement.

Django's `auth.get_user` reads the user through `User._default_manager.get(pk=…)`: the ORM builds
and compiles that query anew on every request, which cost ~0.45 ms of CPU a signed-in request
against ~0.2 ms for the statement itself (bench/profile_submit.py; ~7% of a submission). Here the
statement is compiled once per process and the row read on every request, as before: nothing
about the user is cached between requests, so a deactivated user or a changed password takes
effect on the next request exactly as with Django's. Sessions of any other backend go through
Django's `get_user` unchanged.
"""

import functools
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from civicloop.accounts.models import User

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `request.user` from `session_user` (settings.MIDDLEWARE)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)  # the session check and `request.auser` stay Django's
        request.user = SimpleLazyObject(lambda: _cached(request))  # type: ignore[assignment]


def _cached(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)  # type: ignore[attr-defined] # Django's own cache slot
    return request._cached_user  # type: ignore[attr-defined]


def session_user(request: HttpRequest) -> User | AnonymousUser:
    """What `django.contrib.auth.get_user` returns, reading the user with the precompiled statement."""
    session = request.session
    if session.get(auth.BACKEND_SESSION_KEY) != MODEL_BACKEND or MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    try:
        user_id = User._meta.pk.to_python(session[auth.SESSION_KEY])
    except (KeyError, ValueError):
        return auth.get_user(request)
    user = _read_user(user_id)
    if user is None or not user.is_active:  # ModelBackend.user_can_authenticate
        return AnonymousUser()
    return user if _session_verified(request, user) else AnonymousUser()


def _session_verified(request: HttpRequest, user: User) -> bool:
    """Django's check of the session's auth hash (auth.get_user), fallback secrets included."""
    session = request.session
    session_hash = session.get(auth.HASH_SESSION_KEY)
    current = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, current):
        return True
    if session_hash and any(
        constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[auth.HASH_SESSION_KEY] = current
        return True
    session.flush()
    return False


@functools.cache
def _user_sql() -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
    """The statement, the attribute of each column, and each column as an expression (for converters)."""
    connection = connections[DEFAULT_DB_ALIAS]
    fields = User._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column or "") for field in fields)
    pk = quote(User._meta.pk.column or "")
    sql = f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {pk} = %s"  # noqa: S608 - the model's own names
    return sql, tuple(field.attname for field in fields), tuple(field.get_col(User._meta.db_table) for field in fields)


Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]
# Per connection (each thread has its own): the columns that need converting, with their converters.
_converters: "weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[tuple[int, tuple[Converter, ...]], ...]]" = (
    weakref.WeakKeyDictionary()
)


def _converters_of(connection: BaseDatabaseWrapper) -> tuple[tuple[int, tuple[Converter, ...]], ...]:
    """The converters a queryset applies (SQLite's dates and booleans, JSON fields), as its compiler
    finds them, worked out once per connection instead of on every request."""
    found = _converters.get(connection)
    if found is None:
        _, _, columns = _user_sql()
        found = tuple(
            (i, tuple(converters))
            for i, column in enumerate(columns)
            if (converters := connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        )
        _converters[connection] = found
    return found


def _read_user(user_id: Any) -> User | None:
    sql, names, columns = _user_sql()
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, converters in _converters_of(connection):
        for convert in converters:
            values[i] = convert(values[i], columns[i], connection)
    return User.from_db(connection.alias, list(names), values)
